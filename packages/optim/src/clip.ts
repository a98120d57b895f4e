/**
 * Gradient clipping.
 * @module
 */
import { Tensor, setGradEnabled } from '@gd/tensor';
import { readFlat } from './hyper.js';

function toList(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  if (params instanceof Tensor) return [params];
  if (params == null || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') throw new TypeError(`${op}: params must be a Tensor or an iterable of tensors`);
  const list = Array.from(params);
  list.forEach((p, i) => { if (!(p instanceof Tensor)) throw new TypeError(`${op}: element ${i} is not a Tensor`); });
  return list;
}

function pNorm(a: ArrayLike<number>, p: number): number {
  if (p === Infinity) { let m = 0; for (let i = 0; i < a.length; i++) { const v = Math.abs(a[i]!); if (v > m || Number.isNaN(v)) m = v; } return m; }
  if (p === -Infinity) { let m = Infinity; for (let i = 0; i < a.length; i++) { const v = Math.abs(a[i]!); if (v < m || Number.isNaN(v)) m = v; } return m; }
  if (p === 0) { let n = 0; for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++; return n; }
  let s = 0;
  if (p === 2) { for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!; return Math.sqrt(s); }
  if (p === 1) { for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!); return s; }
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!) ** p;
  return s ** (1 / p);
}

/**
 * The global p-norm of several gradients, as if they were concatenated into one vector:
 * `‖(‖g₁‖ₚ, ‖g₂‖ₚ, ...)‖ₚ`.
 * @param grads - the gradient tensors.
 * @param normType - p (default 2; `Infinity` for the max norm).
 * @returns the norm (0 for no gradients).
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * globalNorm([tensor([3]), tensor([4])]); // 5
 * ```
 */
export function globalNorm(grads: readonly Tensor[], normType = 2): number {
  if (grads.length === 0) return 0;
  return pNorm(grads.map((g) => pNorm(readFlat(g), normType)), normType);
}

/**
 * Scale the gradients of `params` in place so that their global norm is at most `maxNorm`:
 * `g ← g · min(1, maxNorm/(total + 1e-6))` (as PyTorch's `clip_grad_norm_`). Parameters without
 * a gradient are ignored.
 * @param params - a parameter or parameters.
 * @param maxNorm - the largest allowed norm (≥ 0).
 * @param opts - `normType` p > 0 (default 2, `Infinity` allowed), `errorIfNonfinite` (default false: a
 *   NaN/∞ norm then makes every gradient NaN, as PyTorch).
 * @returns the total norm **before** clipping.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const w = tensor([0, 0], { requiresGrad: true });
 * w.grad = tensor([3, 4]);
 * clipGradNorm([w], 1); // 5; w.grad is now ≈ [0.6, 0.8]
 * ```
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, opts: { normType?: number; errorIfNonfinite?: boolean } = {}): number {
  const list = toList('clipGradNorm', params);
  const normType = opts.normType ?? 2;
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  // p ≤ 0 is no norm: the sum Σ|g|⁰ would count zeros as well and Σ^(1/0) is ∞, a silent wrong answer.
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`clipGradNorm: invalid normType ${String(normType)} (expected p > 0 or Infinity)`);
  const grads = list.map((p) => p.grad).filter((g): g is Tensor => g != null);
  if (grads.length === 0) return 0;
  const total = globalNorm(grads, normType);
  if (opts.errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(`clipGradNorm: the total norm of order ${normType} of the gradients is non-finite (${total}), so it cannot be clipped; pass errorIfNonfinite: false to scale anyway`);
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (coef === 1) return total;
  const prev = setGradEnabled(false);
  try {
    for (const g of grads) g.mulInPlace(coef);
  } finally {
    setGradEnabled(prev);
  }
  return total;
}

/**
 * Clamp every gradient element of `params` into `[−clipValue, clipValue]` in place.
 * @param params - a parameter or parameters.
 * @param clipValue - the bound (≥ 0).
 * @returns nothing.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const w = tensor([0, 0], { requiresGrad: true });
 * w.grad = tensor([-3, 0.5]);
 * clipGradValue([w], 1); // w.grad = [-1, 0.5]
 * ```
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const list = toList('clipGradValue', params);
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new RangeError(`clipGradValue: clipValue must be a number >= 0, got ${String(clipValue)}`);
  const prev = setGradEnabled(false);
  try {
    for (const p of list) if (p.grad) p.grad.clampInPlace(-clipValue, clipValue);
  } finally {
    setGradEnabled(prev);
  }
}
