"""Reference results for matmul / gather / indexSelect / scatterAdd / cat / stack / split / chunk / pad,
produced by PyTorch (float64 values, int64 indices written as plain integers).

Run with a Python that has torch (here: Debian's python3-torch 1.13):
    /usr/bin/python3 packages/tensor/src/ops/__fixtures__/linalg-indexing-torch.py \
        > packages/tensor/src/ops/__fixtures__/linalg-indexing-torch.json
Each case stores its inputs (shape, dtype, flat row-major values) and the result (shape, dtype, flat
values), or a list of results for split/chunk.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(2024)


def t(x):
    kind = "int" if x.dtype in (torch.int64, torch.int32) else "float"
    return {"shape": list(x.shape), "dtype": kind, "values": x.flatten().tolist()}


cases = []


def add(op, inputs, args, out):
    outs = [t(o) for o in out] if isinstance(out, (list, tuple)) else t(out)
    cases.append({"op": op, "inputs": [t(x) for x in inputs], "args": args, "out": outs})


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float64)


# ---- matmul: every torch.matmul shape rule
pairs = [
    ([3], [3]), ([2, 3], [3]), ([3], [3, 4]), ([2, 3], [3, 4]), ([5, 2, 3], [3, 4]),
    ([2, 3], [5, 3, 4]), ([1, 2, 3], [4, 3, 5]), ([4, 1, 2, 3], [5, 3, 2]), ([3], [2, 3, 4]),
    ([2, 2, 3], [3]), ([0, 3], [3, 2]), ([2, 0], [0, 3]), ([3, 1, 4, 5], [2, 5, 1]), ([7, 6], [6, 7]),
]
for sa, sb in pairs:
    a, b = randn(*sa), randn(*sb)
    add("matmul", [a, b], {}, torch.matmul(a, b))
ia = torch.randint(-5, 6, (3, 4))
ib = torch.randint(-5, 6, (4, 2))
add("matmul", [ia, ib], {}, torch.matmul(ia, ib))

# ---- gather / indexSelect / scatterAdd
X = randn(3, 4, 5)
for axis in (0, 1, 2, -1, -3):
    n = X.shape[axis]
    ishape = [2, 3, 4]
    ishape[axis] = 6
    idx = torch.randint(0, n, tuple(ishape))
    add("gather", [X, idx], {"axis": axis}, torch.gather(X, axis, idx))
    sel = torch.randint(0, n, (7,))
    add("indexSelect", [X, sel], {"axis": axis}, torch.index_select(X, axis, sel))
    src = randn(*[s + 1 for s in ishape])
    add("scatterAdd", [X, idx, src], {"axis": axis}, torch.scatter_add(X, axis, idx, src))

# ---- cat / stack
for axis in (0, 1, -1):
    parts = []
    for k in (1, 3, 0, 2):
        shape = [2, 3, 4]
        shape[axis] = k
        parts.append(randn(*shape))
    add("cat", parts, {"axis": axis}, torch.cat(parts, axis))
mixed = [torch.randint(-3, 4, (2, 3)), randn(1, 3)]
add("cat", mixed, {"axis": 0}, torch.cat(mixed, 0))
for axis in (0, 1, 2, -1, -3):
    parts = [randn(2, 3) for _ in range(3)]
    add("stack", parts, {"axis": axis}, torch.stack(parts, axis))

# ---- split / chunk
Y = randn(7, 4)
for size in (1, 2, 3, 7, 10):
    add("split", [Y], {"size": size, "axis": 0}, list(torch.split(Y, size, 0)))
for sections in ([3, 4], [0, 7], [1, 1, 5], [2, 0, 5]):
    add("split", [Y], {"size": sections, "axis": 0}, list(torch.split(Y, sections, 0)))
add("split", [Y], {"size": 3, "axis": -1}, list(torch.split(Y, 3, -1)))
for n in (0, 1, 5, 6, 7, 10):
    Z = randn(n, 2)
    for chunks in (1, 2, 3, 4, 6):
        add("chunk", [Z], {"chunks": chunks, "axis": 0}, list(torch.chunk(Z, chunks, 0)))

# ---- pad (constant mode)
P = randn(2, 3, 4)
for pads in ([1, 2], [0, 0, 1, 0], [2, 1, 0, 3, 1, 1], [-1, 1], [-1, -2, 1, -1], [0, -4], [3, 0, -2, 2, 0, 1]):
    for value in (0.0, -1.5):
        add("pad", [P], {"pads": pads, "value": value}, F.pad(P, pads, "constant", value))
IP = torch.randint(-3, 4, (2, 3))
add("pad", [IP], {"pads": [1, 1, 1, 0], "value": 7}, F.pad(IP, [1, 1, 1, 0], "constant", 7))

json.dump({"torch": torch.__version__, "cases": cases}, __import__("sys").stdout)
