"""Reference numbers for @gd/nn's tests, from PyTorch in float64 (run once; the project never runs Python).

Writes packages/nn/src/fixtures/torch-nn.json: for each case the inputs, options, PyTorch's output and
the gradient of sum(output * upstream) with respect to each float input.
"""
import json, os
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {"torch": torch.__version__, "losses": [], "layers": []}

def arr(t):
    return t.detach().tolist()

def run(fn, inputs, grad_names):
    ins = {k: (v.clone().requires_grad_(k in grad_names) if v.is_floating_point() else v) for k, v in inputs.items()}
    y = fn(**ins)
    up = torch.randn_like(y)
    (y * up).sum().backward()
    return y, up, {k: arr(ins[k].grad) for k in grad_names}

def loss_case(name, fn, inputs, options, grad_names=("input",)):
    y, up, grads = run(fn, inputs, grad_names)
    out["losses"].append({"name": name, "options": options,
        "inputs": {k: {"data": arr(v), "dtype": "int32" if not v.is_floating_point() else "float64"} for k, v in inputs.items()},
        "output": arr(y), "upstream": arr(up), "grads": grads})

N, C = 5, 4
x = torch.randn(N, C); y = torch.randn(N, C)
for red in ["mean", "sum", "none"]:
    loss_case(f"mseLoss/{red}", lambda input, target: F.mse_loss(input, target, reduction=red), {"input": x, "target": y}, {"reduction": red}, ("input", "target"))
    loss_case(f"l1Loss/{red}", lambda input, target: F.l1_loss(input, target, reduction=red), {"input": x, "target": y}, {"reduction": red})
    loss_case(f"huberLoss/{red}", lambda input, target: F.huber_loss(input, target, reduction=red, delta=0.7), {"input": x, "target": y}, {"reduction": red, "delta": 0.7})
    loss_case(f"smoothL1Loss/{red}", lambda input, target: F.smooth_l1_loss(input, target, reduction=red, beta=0.6), {"input": x, "target": y}, {"reduction": red, "beta": 0.6})
    p = torch.rand(N, C) * 0.98 + 0.01; t = torch.rand(N, C)
    w = torch.rand(N, C) + 0.5
    loss_case(f"bceLoss/{red}", lambda input, target, weight: F.binary_cross_entropy(input, target, weight=weight, reduction=red), {"input": p, "target": t, "weight": w}, {"reduction": red}, ("input",))
    z = torch.randn(N, C) * 3; pw = torch.rand(C) + 0.5
    loss_case(f"bceWithLogitsLoss/{red}", lambda input, target, weight, posWeight: F.binary_cross_entropy_with_logits(input, target, weight=weight, pos_weight=posWeight, reduction=red),
              {"input": z, "target": t, "weight": w, "posWeight": pw}, {"reduction": red}, ("input", "target"))
    logits = torch.randn(N, C) * 2
    tgt = torch.tensor([0, 3, 1, 3, 2], dtype=torch.int32)
    tgt_ign = torch.tensor([0, -100, 1, 3, 2], dtype=torch.int32)
    cw = torch.rand(C) + 0.5
    for ls in [0.0, 0.2]:
        loss_case(f"crossEntropy/indices/{red}/ls{ls}", lambda input, target: F.cross_entropy(input, target.long(), reduction=red, label_smoothing=ls),
                  {"input": logits, "target": tgt}, {"reduction": red, "labelSmoothing": ls})
        loss_case(f"crossEntropy/indices+weight+ignore/{red}/ls{ls}", lambda input, target, weight: F.cross_entropy(input, target.long(), weight=weight, reduction=red, label_smoothing=ls),
                  {"input": logits, "target": tgt_ign, "weight": cw}, {"reduction": red, "labelSmoothing": ls, "ignoreIndex": -100})
        probs = torch.softmax(torch.randn(N, C), 1)
        loss_case(f"crossEntropy/probs+weight/{red}/ls{ls}", lambda input, target, weight: F.cross_entropy(input, target, weight=weight, reduction=red, label_smoothing=ls),
                  {"input": logits, "target": probs, "weight": cw}, {"reduction": red, "labelSmoothing": ls})
    # spatial [N, C, d]
    lg3 = torch.randn(2, 3, 4); t3 = torch.randint(0, 3, (2, 4), dtype=torch.int32)
    loss_case(f"crossEntropy/spatial/{red}/ls0.1", lambda input, target: F.cross_entropy(input, target.long(), reduction=red, label_smoothing=0.1), {"input": lg3, "target": t3}, {"reduction": red, "labelSmoothing": 0.1})
    lp = torch.log_softmax(torch.randn(N, C), 1)
    loss_case(f"nllLoss/weight+ignore/{red}", lambda input, target, weight: F.nll_loss(input, target.long(), weight=weight, reduction=red, ignore_index=1),
              {"input": lp, "target": tgt, "weight": cw}, {"reduction": red, "ignoreIndex": 1})
    q = torch.softmax(torch.randn(N, C), 1); q[0, 1] = 0; q[0] = q[0] / q[0].sum()
for red in ["mean", "sum", "none", "batchmean"]:
    lq = torch.log_softmax(torch.randn(N, C), 1)
    loss_case(f"klDiv/{red}", lambda input, target: F.kl_div(input, target, reduction=red), {"input": lq, "target": q}, {"reduction": red}, ("input",))  # d/dp of p log p is -inf at p = 0
    loss_case(f"klDiv/logTarget/{red}", lambda input, target: F.kl_div(input, target, reduction=red, log_target=True), {"input": lq, "target": torch.log(q + 0.01)}, {"reduction": red, "logTarget": True}, ("input", "target"))

def layer_case(name, fn, inputs, options, grad_names, extra=None):
    y, up, grads = run(fn, inputs, grad_names)
    c = {"name": name, "options": options, "inputs": {k: arr(v) for k, v in inputs.items()}, "output": arr(y), "upstream": arr(up), "grads": grads}
    if extra: c.update(extra)
    out["layers"].append(c)

xa = torch.randn(3, 5) * 2
for nm, fn in [("relu", F.relu), ("leakyRelu", lambda v: F.leaky_relu(v, 0.2)), ("elu", lambda v: F.elu(v, 1.3)), ("gelu", F.gelu),
               ("geluTanh", lambda v: F.gelu(v, approximate="tanh")), ("silu", F.silu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh),
               ("softplus", lambda v: F.softplus(v, beta=2, threshold=5)), ("softmax", lambda v: F.softmax(v, 1)), ("logSoftmax", lambda v: F.log_softmax(v, 1))]:
    layer_case(nm, lambda x: fn(x), {"x": xa}, {}, ("x",))
layer_case("linear", lambda x, weight, bias: F.linear(x, weight, bias), {"x": torch.randn(2, 3, 4), "weight": torch.randn(5, 4), "bias": torch.randn(5)}, {}, ("x", "weight", "bias"))
for i, (st, pd, dl, k) in enumerate([(1, 0, 1, 3), (2, 1, 1, 3), (1, 2, 2, 3), (2, 0, 1, (2, 3)), ((1, 2), (1, 0), (2, 1), (3, 2))]):
    kk = k if isinstance(k, tuple) else (k, k)
    layer_case(f"conv2d/{i}", lambda x, weight, bias: F.conv2d(x, weight, bias, stride=st, padding=pd, dilation=dl),
               {"x": torch.randn(2, 3, 7, 6), "weight": torch.randn(4, 3, *kk), "bias": torch.randn(4)},
               {"stride": st, "padding": pd, "dilation": dl}, ("x", "weight", "bias"))
for i, (k, st, pd, dl) in enumerate([(2, None, 0, 1), (3, 2, 1, 1), ((3, 2), (1, 2), (1, 0), (1, 1)), (2, 1, 0, 2)]):
    layer_case(f"maxPool2d/{i}", lambda x: F.max_pool2d(x, k, stride=st, padding=pd, dilation=dl), {"x": torch.randn(2, 2, 7, 6)},
               {"kernelSize": k, "stride": st, "padding": pd, "dilation": dl}, ("x",))
    if dl == 1:
        layer_case(f"avgPool2d/{i}", lambda x: F.avg_pool2d(x, k, stride=st, padding=pd), {"x": torch.randn(2, 2, 7, 6)},
                   {"kernelSize": k, "stride": st, "padding": pd}, ("x",))
layer_case("layerNorm", lambda x, weight, bias: F.layer_norm(x, (3, 4), weight, bias, eps=1e-5), {"x": torch.randn(2, 3, 4) * 3 + 1, "weight": torch.randn(3, 4), "bias": torch.randn(3, 4)}, {"normalizedShape": [3, 4]}, ("x", "weight", "bias"))
# BatchNorm1d: two training steps then eval, on [N, C] and [N, C, L]
for shape in [(6, 3), (4, 3, 5)]:
    bn = torch.nn.BatchNorm1d(3, momentum=0.3)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(3)); bn.bias.copy_(torch.randn(3))
    xs = [torch.randn(*shape) * 2 + 1 for _ in range(3)]
    w0, b0 = arr(bn.weight), arr(bn.bias)
    x0 = xs[0].clone().requires_grad_(True)
    y0 = bn(x0); up = torch.randn_like(y0); (y0 * up).sum().backward()
    y1 = bn(xs[1])
    rm, rv = arr(bn.running_mean), arr(bn.running_var)
    bn.eval(); y2 = bn(xs[2])
    out["layers"].append({"name": f"batchNorm1d/{len(shape)}d", "options": {"momentum": 0.3}, "weight": w0, "bias": b0,
        "inputs": {"x0": arr(xs[0]), "x1": arr(xs[1]), "x2": arr(xs[2])}, "output": arr(y0), "upstream": arr(up),
        "grads": {"x0": arr(x0.grad), "weight": arr(bn.weight.grad), "bias": arr(bn.bias.grad)},
        "train2": arr(y1), "runningMean": rm, "runningVar": rv, "eval": arr(y2)})
emb_w = torch.randn(6, 3)
idx = torch.tensor([[1, 4, 1], [0, 5, 4]], dtype=torch.int32)
layer_case("embedding", lambda indices, weight: F.embedding(indices.long(), weight), {"indices": idx, "weight": emb_w}, {}, ("weight",))

# BatchNorm2d (appended last so the earlier cases keep their random numbers)
bn = torch.nn.BatchNorm2d(3, momentum=0.2)
with torch.no_grad():
    bn.weight.copy_(torch.randn(3)); bn.bias.copy_(torch.randn(3))
xs = [torch.randn(2, 3, 4, 5) * 2 + 1 for _ in range(3)]
w0, b0 = arr(bn.weight), arr(bn.bias)
x0 = xs[0].clone().requires_grad_(True)
y0 = bn(x0); up = torch.randn_like(y0); (y0 * up).sum().backward()
y1 = bn(xs[1])
rm, rv = arr(bn.running_mean), arr(bn.running_var)
bn.eval(); y2 = bn(xs[2])
out["layers"].append({"name": "batchNorm2d", "options": {"momentum": 0.2}, "weight": w0, "bias": b0,
    "inputs": {"x0": arr(xs[0]), "x1": arr(xs[1]), "x2": arr(xs[2])}, "output": arr(y0), "upstream": arr(up),
    "grads": {"x0": arr(x0.grad), "weight": arr(bn.weight.grad), "bias": arr(bn.bias.grad)},
    "train2": arr(y1), "runningMean": rm, "runningVar": rv, "eval": arr(y2)})

os.makedirs(os.path.join(os.path.dirname(__file__), '..', 'src', 'fixtures'), exist_ok=True)
with open(os.path.join(os.path.dirname(__file__), '..', 'src', 'fixtures', 'torch-nn.json'), 'w') as f:
    json.dump(out, f)
print(len(out["losses"]), "loss cases,", len(out["layers"]), "layer cases")
