/**
 * Full-batch logistic regression on the 569×30 breast-cancer data (standardised, float64) with an L2
 * penalty, the objective scikit-learn's `LogisticRegression(C=1)` minimises, scaled by 1/n:
 *
 *   f(w, b) = (1/n) Σᵢ log(1 + exp(−sᵢ (xᵢ·w + b))) + ‖w‖² / (2 C n),   sᵢ = ±1.
 *
 * The optimum f* comes from Newton's method written here in plain float64 loops (independent of
 * the @gd code being timed). @gd runs L-BFGS (strong Wolfe) from zero, one iteration per `step`, until
 * f − f* ≤ 1e-8; the whole run is timed. `bench/logreg_sklearn.py` does the same for scikit-learn.
 * @module
 */
import { tensor, type Tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { bceWithLogitsLoss, loadBreastCancer, standardize } from '@gd/nn';
import { LBFGS } from '@gd/optim';
import { median } from './harness.js';

const C = 1;
const GAP = 1e-8;

/** The data as plain arrays plus tensors. */
function data(): { x: Tensor; y: Tensor; X: Float64Array; Y: Float64Array; n: number; d: number } {
  const raw = loadBreastCancer({ dtype: 'float64' });
  const x = standardize(raw.x).x;
  const y = raw.y.to('float64');
  const [n, d] = x.shape as [number, number];
  return { x, y, X: x.data() as Float64Array, Y: y.data() as Float64Array, n, d };
}

/** f at (w, b) in plain float64 loops. */
function objective(X: Float64Array, Y: Float64Array, n: number, d: number, w: ArrayLike<number>, b: number): number {
  let s = 0, r = 0;
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let j = 0; j < d; j++) z += X[i * d + j]! * w[j]!;
    const m = (2 * Y[i]! - 1) * z; // log(1 + e^{-m}), stably
    s += m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
  }
  for (let j = 0; j < d; j++) r += w[j]! * w[j]!;
  return s / n + r / (2 * C * n);
}

/** The optimum by Newton's method (Cholesky solve of the (d+1)² Hessian), to machine precision. */
export function newtonOptimum(X: Float64Array, Y: Float64Array, n: number, d: number): number {
  const p = d + 1;
  const th = new Float64Array(p); // w then b
  for (let it = 0; it < 50; it++) {
    const g = new Float64Array(p), H = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      let z = th[d]!;
      for (let j = 0; j < d; j++) z += X[i * d + j]! * th[j]!;
      const sg = 1 / (1 + Math.exp(-z));
      const e = sg - Y[i]!, h = sg * (1 - sg);
      for (let a = 0; a < p; a++) {
        const xa = a < d ? X[i * d + a]! : 1;
        g[a]! += (e * xa) / n;
        for (let c = 0; c <= a; c++) H[a * p + c]! += (h * xa * (c < d ? X[i * d + c]! : 1)) / n;
      }
    }
    for (let a = 0; a < d; a++) { g[a]! += th[a]! / (C * n); H[a * p + a]! += 1 / (C * n); }
    // Cholesky H = L Lᵀ (lower triangle), then solve H δ = g.
    for (let a = 0; a < p; a++) {
      for (let c = 0; c <= a; c++) {
        let s = H[a * p + c]!;
        for (let q = 0; q < c; q++) s -= H[a * p + q]! * H[c * p + q]!;
        H[a * p + c] = a === c ? Math.sqrt(s) : s / H[c * p + c]!;
      }
    }
    const v = g.slice();
    for (let a = 0; a < p; a++) { for (let q = 0; q < a; q++) v[a]! -= H[a * p + q]! * v[q]!; v[a]! /= H[a * p + a]!; }
    for (let a = p - 1; a >= 0; a--) { for (let q = a + 1; q < p; q++) v[a]! -= H[q * p + a]! * v[q]!; v[a]! /= H[a * p + a]!; }
    let step = 0;
    for (let a = 0; a < p; a++) { th[a]! -= v[a]!; step = Math.max(step, Math.abs(v[a]!)); }
    if (step < 1e-15) break;
  }
  return objective(X, Y, n, d, th.subarray(0, d), th[d]!);
}

/** One timed @gd run: L-BFGS from zero until f − f* ≤ GAP. Returns [seconds, iterations, gap]. */
function gdRun(x: Tensor, y: Tensor, X: Float64Array, Y: Float64Array, n: number, d: number, fStar: number): [number, number, number] {
  const t0 = performance.now();
  const w = tensor(new Float64Array(d), { shape: [d] }).requiresGrad_();
  const b = tensor(new Float64Array(1), { shape: [1] }).requiresGrad_();
  const opt = new LBFGS([w, b], { lineSearchFn: 'strongWolfe', maxIter: 1, toleranceGrad: 0, toleranceChange: 0 });
  const loss = () => bceWithLogitsLoss(x.matmul(w).add(b), y).add(w.square().sum().mul(1 / (2 * C * n)));
  const closure = () => { opt.zeroGrad(); const l = loss(); l.backward(); return l; };
  let it = 0, gap = Infinity;
  while (gap > GAP && it < 1000) {
    opt.step(closure);
    it++;
    gap = noGrad(() => loss().item()) - fStar;
  }
  const s = (performance.now() - t0) / 1e3;
  // Check the gap with the independent float64 objective, not the library's.
  const gapRef = objective(X, Y, n, d, w.data(), b.item()) - fStar;
  return [s, it, gapRef];
}

/**
 * Time @gd to 1e-8 of the optimum (median of `reps` full runs).
 * @param reps - Number of runs.
 * @returns Median seconds, iterations, the final gap (by the independent objective) and f*.
 * @example
 * ```ts
 * const r = logregGd(5);
 * ```
 */
export function logregGd(reps: number): { seconds: number; iterations: number; gap: number; fStar: number } {
  const { x, y, X, Y, n, d } = data();
  const fStar = newtonOptimum(X, Y, n, d);
  const runs = Array.from({ length: reps }, () => gdRun(x, y, X, Y, n, d, fStar));
  return { seconds: median(runs.map((r) => r[0])), iterations: runs[0]![1], gap: Math.max(...runs.map((r) => r[2])), fStar };
}
