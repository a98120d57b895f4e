"""Reference gradients from PyTorch (float64) for torch.test.ts, with the edge conventions (ties, kinks,
zeros) spelled out. Run with a Python that has torch:  /usr/bin/python3 make-torch-fixtures.py
Writes ../src/__fixtures__/torch-grads.json. The numbers are committed; the tests never run Python."""
import json, os
import torch

torch.manual_seed(0)
D = torch.float64
cases = []

def t(x):
    return torch.tensor(x, dtype=D, requires_grad=True)

def case(name, fn, inputs, gout=None):
    xs = [t(x) for x in inputs]
    y = fn(*xs)
    if gout is None:
        gout = torch.randn(y.shape, dtype=D).tolist() if y.dim() > 0 else 1.0
    y.backward(torch.tensor(gout, dtype=D))
    cases.append({
        'name': name,
        'inputs': [{'shape': list(x.shape), 'data': x.detach().flatten().tolist()} for x in xs],
        'gout': {'shape': list(y.shape), 'data': torch.tensor(gout, dtype=D).flatten().tolist()},
        'out': y.detach().flatten().tolist(),
        'grads': [x.grad.flatten().tolist() if x.grad is not None else None for x in xs],
    })

r = lambda *s: torch.randn(*s, dtype=D).tolist()
case('relu_kink', torch.relu, [[-1.0, 0.0, 2.0]])
case('abs_kink', torch.abs, [[-1.0, 0.0, 2.0]])
case('clamp_bounds', lambda x: torch.clamp(x, 0.0, 1.0), [[-0.5, 0.0, 0.5, 1.0, 1.5]])
case('max_full_ties', lambda x: torch.amax(x), [[[5.0, 1.0, 5.0], [2.0, 5.0, 0.0]]])
case('max_dim1_ties', lambda x: torch.amax(x, 1), [[[5.0, 1.0, 5.0], [2.0, 5.0, 0.0]]])
case('min_full_ties', lambda x: torch.amin(x), [[[-5.0, 1.0, -5.0], [2.0, -5.0, 0.0]]])
case('maximum_ties', torch.maximum, [[1.0, 2.0, 3.0], [1.0, 5.0, 0.0]])
case('minimum_ties', torch.minimum, [[1.0, 2.0, 3.0], [1.0, 5.0, 0.0]])
case('pow_edges', torch.pow, [[0.0, 0.0, 2.0, 1.5], [0.0, 2.0, 3.0, -0.5]])
case('norm2_zero', lambda x: torch.linalg.vector_norm(x), [[0.0, 0.0]])
case('norm_inf_ties', lambda x: torch.linalg.vector_norm(x, float('inf')), [[-3.0, 1.0, 3.0]])
case('norm3_dim', lambda x: torch.linalg.vector_norm(x, 3, dim=1), [r(2, 3)])
case('prod_one_zero', torch.prod, [[2.0, 0.0, 3.0]])
case('prod_two_zeros', torch.prod, [[0.0, 5.0, 0.0]])
case('prod_dim', lambda x: torch.prod(x, 0), [[[2.0, 0.0, 3.0], [4.0, 5.0, 0.0], [1.5, 2.0, 0.0]]])
case('logsumexp_huge', lambda x: torch.logsumexp(x, 0), [[1000.0, 1000.0, -1000.0]])
case('softmax', lambda x: torch.softmax(x, 1), [r(2, 4)])
case('log_softmax', lambda x: torch.log_softmax(x, 0), [r(3, 2)])
case('var_dims', lambda x: torch.var(x, dim=(0, 2), correction=1) if hasattr(torch, 'var') else None, [r(2, 3, 2)])
case('std_all', lambda x: torch.std(x, unbiased=False), [r(2, 3)])
case('softplus', lambda x: torch.nn.functional.softplus(x, beta=2.0, threshold=1.0), [[-1.0, 0.2, 0.6, 3.0]])
case('cumsum', lambda x: torch.cumsum(x, 1), [r(2, 3)])
case('tanh_sigmoid', lambda x: torch.tanh(x) * torch.sigmoid(x), [r(4)])
case('matmul_batched', torch.matmul, [r(2, 1, 2, 3), r(3, 3, 2)])
case('matmul_vec_mat', torch.matmul, [r(3), r(2, 3, 4)])
case('gather_repeats', lambda x: torch.gather(x, 1, torch.tensor([[2, 2, 0], [1, 1, 1]])), [r(2, 3)])
case('index_select_repeats', lambda x: torch.index_select(x, 0, torch.tensor([2, 0, 2])), [r(3, 2)])
case('masked_fill', lambda x: x.masked_fill(torch.tensor([True, False, True]), 7.0) * x, [r(2, 3)])
case('where_broadcast', lambda a, b: torch.where(torch.tensor([[True], [False]]), a, b), [r(2, 3), r(3)])
case('div_broadcast', torch.div, [r(2, 3), [0.5, -2.0, 4.0]])
case('slice_neg_step', lambda x: torch.flip(x, [1])[:, ::2], [r(2, 5)])  # = x[:, ::-2]
case('pad_crop', lambda x: torch.nn.functional.pad(x, (1, -1, 0, 2)), [r(2, 3)])
case('expand_sum', lambda x: x.expand(3, 2, 4) * torch.arange(24, dtype=D).reshape(3, 2, 4), [r(2, 1)])

out = os.path.join(os.path.dirname(__file__), '..', 'src', '__fixtures__', 'torch-grads.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
print(len(cases), 'cases ->', out)
