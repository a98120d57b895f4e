"""PyTorch's side of issue #7's comparisons, measured on this machine (Debian's python3-torch; run by
`pnpm bench` when /usr/bin/python3 has torch, or by hand):

  /usr/bin/python3 bench/torch_peer.py

Prints one JSON line: for one thread and for every core of the machine (torch.set_num_threads), for each case, the median of 7 repetitions (each >= 150 ms,
after warm-up) in the case's unit. PyTorch is never a dependency of @gd; this only gives the bench
a peer measured in the same run instead of a figure quoted from elsewhere.

Cases (the same shapes as bench/src):
  mlp      MLP 784-256-10 (ReLU, softmax cross-entropy, batch 64, SGD lr 0.01) training step, steps/s
  matmul   float32 n=512 product, GFLOP/s
  add      float32 add of 1e6 elements into a new tensor, Melem/s
  add_     the same in place (u.add_(v)), Melem/s
  exp      float32 exp of 1e6 elements into a new tensor, Melem/s
"""
import json, os, time
import torch

def median_rate(fn, work, reps=7, min_s=0.15):
    for _ in range(3):
        fn()
    n = 1
    while True:  # calls per repetition so that one repetition takes >= min_s
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_s / 4:
            n = max(1, int(n * min_s / dt) + 1)
            break
        n *= 4
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        rates.append(work * n / (time.perf_counter() - t0))
    rates.sort()
    return rates[len(rates) // 2]

def cases():
    torch.manual_seed(0)
    x = torch.rand(64, 784)
    y = torch.randint(0, 10, (64,))
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    a = torch.randn(512, 512)
    b = torch.randn(512, 512)
    u = torch.rand(1_000_000)
    v = torch.rand(1_000_000)
    w = torch.rand(1_000_000)  # the in-place case's own target (it grows)
    return {
        'mlp': (step, 1),
        'matmul': (lambda: torch.mm(a, b), 2 * 512 ** 3 / 1e9),
        'add': (lambda: torch.add(u, v), 1e6 / 1e6),
        'add_': (lambda: w.add_(v), 1e6 / 1e6),
        'exp': (lambda: torch.exp(u), 1e6 / 1e6),
    }

cores = len(os.sched_getaffinity(0))
out = {'torch': torch.__version__, 'cores': cores, 'blas': torch.__config__.show().split('BLAS_INFO=')[1].split(',')[0]}
for threads in sorted({1, cores}):
    torch.set_num_threads(threads)
    for name, (fn, work) in cases().items():
        out[f'{name}_{threads}t'] = median_rate(fn, work)
print(json.dumps(out))
