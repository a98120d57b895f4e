"""scikit-learn's side of the logistic-regression benchmark (run by hand; its figure goes into
bench/README.md). Same data file, same standardisation (population std), same objective as
bench/src/logreg.ts:  f(w, b) = mean log-loss + ||w||^2 / (2 C n),  C = 1.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/logreg_sklearn.py

Prints f* (Newton's method in numpy), the loosest `tol` that brings LogisticRegression(lbfgs)
within 1e-8 of f*, and the median fit time over 21 fits at that tol. With `--cold TOL` it times
one fit at that tol in the fresh process instead.
"""
import json, os, time
import numpy as np
from sklearn.linear_model import LogisticRegression

here = os.path.dirname(os.path.abspath(__file__))
raw = np.loadtxt(os.path.join(here, '..', 'packages', 'nn', 'data', 'breast_cancer.csv'), delimiter=',', skiprows=1)
X, y = raw[:, :-1], raw[:, -1]
X = (X - X.mean(0)) / X.std(0)
n, d = X.shape
C = 1.0

def f(w, b):
    m = (2 * y - 1) * (X @ w + b)
    return np.mean(np.logaddexp(0, -m)) + w @ w / (2 * C * n)

# Newton's method for the optimum.
th = np.zeros(d + 1)
A = np.hstack([X, np.ones((n, 1))])
R = np.diag([1.0] * d + [0.0]) / (C * n)
for _ in range(50):
    s = 1 / (1 + np.exp(-(A @ th)))
    g = A.T @ (s - y) / n + R @ th
    H = (A * (s * (1 - s))[:, None]).T @ A / n + R
    step = np.linalg.solve(H, g)
    th -= step
    if np.abs(step).max() < 1e-15:
        break
f_star = f(th[:d], th[d])

import sys
if len(sys.argv) == 3 and sys.argv[1] == '--cold':
    # One fit in this fresh process (imports and data loading done, nothing fitted yet), at the given
    # tol: the counterpart of @gd's cold figure (bench/src/logreg.ts, logregColdMs).
    t0 = time.perf_counter()
    m = LogisticRegression(C=C, solver='lbfgs', tol=float(sys.argv[2]), max_iter=100000).fit(X, y)
    ms = 1e3 * (time.perf_counter() - t0)
    print(json.dumps({'cold_ms': ms, 'gap': f(m.coef_[0], m.intercept_[0]) - f_star}))
    sys.exit(0)

chosen = None
for tol in [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12]:
    m = LogisticRegression(C=C, solver='lbfgs', tol=tol, max_iter=100000).fit(X, y)
    gap = f(m.coef_[0], m.intercept_[0]) - f_star
    if gap <= 1e-8:
        chosen = (tol, gap, int(m.n_iter_[0]))
        break

tol, gap, iters = chosen
times = []
for _ in range(21):
    t0 = time.perf_counter()
    LogisticRegression(C=C, solver='lbfgs', tol=tol, max_iter=100000).fit(X, y)
    times.append(time.perf_counter() - t0)
print(json.dumps({'f_star': f_star, 'tol': tol, 'gap': gap, 'iterations': iters,
                  'median_ms': 1e3 * float(np.median(times)), 'sklearn': __import__('sklearn').__version__}))
