"""Reference numbers for reduce/softmax/compare tests, produced by PyTorch (float64).

Run with a Python that has torch (here: Debian's python3-torch 1.13):
    /usr/bin/python3 packages/tensor/src/ops/__fixtures__/reduce-torch.py > packages/tensor/src/ops/__fixtures__/reduce-torch.json
Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity".
"""
import json
import math
import torch

torch.manual_seed(1234)


def enc(v):
    if isinstance(v, torch.Tensor):
        return enc(v.tolist())
    if isinstance(v, list):
        return [enc(e) for e in v]
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    return v


cases = []
inputs = {}


def add(op, x, args, out):
    """Record one case; each distinct input tensor is stored once under `inputs`."""
    name = next((k for k, v in inputs.items() if v is x), None)
    if name is None:
        name = "in%d" % len(inputs)
        inputs[name] = x
    cases.append({"op": op, "input": name, "args": args, "out": enc(out), "outShape": list(out.shape)})


X = torch.randn(3, 4, 5, dtype=torch.float64)
P = torch.rand(3, 4, 5, dtype=torch.float64) + 0.5
dims_list = [None, [0], [1], [2], [-1], [0, 2], [1, -3], [0, 1, 2]]

for dims in dims_list:
    for keep in (False, True):
        d = dims if dims is not None else list(range(3))
        a = {"axes": dims, "keepdims": keep}
        add("sum", X, a, X.sum(dim=d, keepdim=keep))
        add("mean", X, a, X.mean(dim=d, keepdim=keep))
        add("prod", P, a, P.prod(dim=d[0], keepdim=keep) if len(d) == 1 else
            torch.exp(torch.log(P).sum(dim=d, keepdim=keep)))
        add("max", X, a, X.amax(dim=d, keepdim=keep))
        add("min", X, a, X.amin(dim=d, keepdim=keep))
        add("logsumexp", X, a, torch.logsumexp(X, dim=d, keepdim=keep))
        for c in (0, 1, 2):
            add("var", X, {**a, "correction": c}, torch.var(X, dim=d, correction=c, keepdim=keep))
            add("std", X, {**a, "correction": c}, torch.std(X, dim=d, correction=c, keepdim=keep))
        for p in (0, 1, 2, 3, 0.5, math.inf, -math.inf):
            add("norm", X, {**a, "p": enc(float(p))}, torch.linalg.vector_norm(X, ord=p, dim=d, keepdim=keep))

for dim in (0, 1, 2, -1):
    for keep in (False, True):
        add("argmax", X, {"axis": dim, "keepdims": keep}, torch.argmax(X, dim=dim, keepdim=keep))
        add("argmin", X, {"axis": dim, "keepdims": keep}, torch.argmin(X, dim=dim, keepdim=keep))
    add("cumsum", X, {"axis": dim}, torch.cumsum(X, dim=dim))
    add("softmax", X, {"axis": dim}, torch.softmax(X, dim=dim))
    add("logSoftmax", X, {"axis": dim}, torch.log_softmax(X, dim=dim))
add("argmax", X, {"axis": None, "keepdims": False}, torch.argmax(X))
add("argmin", X, {"axis": None, "keepdims": False}, torch.argmin(X))

# Special values.
nan, inf = math.nan, math.inf
S = torch.tensor([[1.0, nan, 3.0, nan], [2.0, 2.0, -1.0, -1.0], [-inf, -inf, -inf, -inf], [inf, 1.0, -inf, 0.0]], dtype=torch.float64)
for op, fn in [("max", lambda t: t.amax(dim=1)), ("min", lambda t: t.amin(dim=1)),
               ("logsumexp", lambda t: torch.logsumexp(t, dim=1)), ("softmax", lambda t: torch.softmax(t, dim=1)),
               ("logSoftmax", lambda t: torch.log_softmax(t, dim=1)), ("sum", lambda t: t.sum(dim=1)),
               ("cumsum", lambda t: torch.cumsum(t, dim=1))]:
    args = {"axis": 1} if op in ("softmax", "logSoftmax", "cumsum") else {"axes": [1], "keepdims": False}
    add(op, S, args, fn(S))
add("argmax", S, {"axis": 1, "keepdims": False}, torch.argmax(S, dim=1))
add("argmin", S, {"axis": 1, "keepdims": False}, torch.argmin(S, dim=1))
L = torch.tensor([[1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -999.0]], dtype=torch.float64)
add("logsumexp", L, {"axes": [1], "keepdims": False}, torch.logsumexp(L, dim=1))
add("softmax", L, {"axis": 1}, torch.softmax(L, dim=1))
add("logSoftmax", L, {"axis": 1}, torch.log_softmax(L, dim=1))
V = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
for c in (0, 1, 2, 3):
    add("var", V, {"axes": [1], "keepdims": False, "correction": c}, torch.var(V, dim=1, correction=c))
E = torch.zeros(0, 3, dtype=torch.float64)
add("sum", E, {"axes": [0], "keepdims": False}, E.sum(dim=0))
add("prod", E, {"axes": [0], "keepdims": False}, E.prod(dim=0))
add("mean", E, {"axes": [0], "keepdims": False}, E.mean(dim=0))
add("logsumexp", E, {"axes": [0], "keepdims": False}, torch.logsumexp(E, dim=0))

# isclose (PyTorch's rule, defaults and custom tolerances).
A = torch.tensor([1.0, 1.0 + 1e-6, 1.1, nan, nan, inf, inf, -inf, 5.0, 0.0, 0.0, 10.0, 11.0], dtype=torch.float64)
B = torch.tensor([1.0, 1.0, 1.0, nan, 1.0, inf, -inf, -inf, inf, 1e-9, 2e-8, 11.0, 10.0], dtype=torch.float64)
close = []
for opts in [{}, {"rtol": 0.095, "atol": 0.0}, {"rtol": 0.0, "atol": 0.2, "equalNan": True}]:
    kw = {"rtol": opts.get("rtol", 1e-5), "atol": opts.get("atol", 1e-8), "equal_nan": opts.get("equalNan", False)}
    close.append({"opts": opts, "out": torch.isclose(A, B, **kw).tolist(), "all": bool(torch.allclose(A[:3], B[:3], **kw))})

print(json.dumps({"torch": torch.__version__,
                  "inputs": {k: {"shape": list(v.shape), "values": enc(v.flatten())} for k, v in inputs.items()},
                  "cases": cases,
                  "isclose": {"a": enc(A), "b": enc(B), "results": close}}, separators=(",", ":")))
