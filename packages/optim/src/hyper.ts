/**
 * Hyperparameters that may be numbers or schedules, and small numeric helpers shared by the
 * transforms and the optimizer classes.
 * @module
 */
import { Tensor, zeros, type DType } from '@gd/tensor';

/**
 * A schedule: the value of a hyperparameter as a function of the step index `t` (0 for the first
 * update, 1 for the second, ...).
 *
 * @example
 * ```ts
 * const halfEvery10: Schedule = (t) => 0.1 * 0.5 ** Math.floor(t / 10);
 * halfEvery10(25); // 0.025
 * ```
 */
export type Schedule = (step: number) => number;

/**
 * A hyperparameter: a fixed number or a {@link Schedule} evaluated at each step. Any option of a
 * transform or optimizer typed `Hyper` can be scheduled (learning rate, momentum, weight decay...).
 *
 * @example
 * ```ts
 * const momentum: Hyper = (t) => Math.min(0.9, 0.5 + 0.01 * t);
 * ```
 */
export type Hyper = number | Schedule;

/**
 * The value of a hyperparameter at step `t`.
 * @param h - a number or a schedule.
 * @param t - the 0-based step index.
 * @returns `h` itself if it is a number, else `h(t)`.
 * @example
 * ```ts
 * resolveHyper(0.1, 5);            // 0.1
 * resolveHyper((t) => 1 / (t + 1), 3); // 0.25
 * ```
 */
export function resolveHyper(h: Hyper, t: number): number {
  return typeof h === 'number' ? h : h(t);
}

/** @internal A float typed array. */
export type FloatArray = Float32Array | Float64Array;

/** @internal The float dtype used for state/updates of a parameter. */
export function floatDtypeOf(t: Tensor): DType {
  return t.dtype === 'float32' ? 'float32' : 'float64';
}

/** @internal Contiguous row-major elements of `t` (its own storage when already laid out flat, never to be written). */
export function readFlat(t: Tensor): ArrayLike<number> {
  if (t.offset === 0 && t.storage.length === t.size && t.isContiguous()) return t.storage;
  return t.data();
}

/** @internal A fresh zero tensor shaped like `t` in `t`'s float dtype. */
export function zerosLikeFloat(t: Tensor): Tensor {
  return zeros(t.shape, { dtype: floatDtypeOf(t) });
}

/** @internal The writable flat storage of a tensor created by {@link zerosLikeFloat}. */
export function buf(t: Tensor): FloatArray {
  return t.storage as FloatArray;
}

/** @internal Check a number option: finite and satisfying `ok`, else a RangeError naming it. */
export function checkNumber(op: string, name: string, v: unknown, ok: (x: number) => boolean, rule: string): void {
  if (typeof v === 'function') return; // schedules are checked when evaluated
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) {
    throw new RangeError(`${op}: invalid ${name} ${formatValue(v)} (expected ${rule})`);
  }
}

/** @internal Check a `[a, b]` pair option. */
export function checkPair(op: string, name: string, v: unknown, ok: (x: number, i: number) => boolean, rule: string): void {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x, i) => typeof x === 'function' || (typeof x === 'number' && !Number.isNaN(x) && ok(x, i)))) {
    throw new RangeError(`${op}: invalid ${name} ${formatValue(v)} (expected ${rule})`);
  }
}

/** @internal Render a value for an error message. */
export function formatValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'function') return '<function>';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

const SPLIT = 134217729; // 2^27 + 1, Veltkamp splitter

/**
 * Fused multiply-add `a·b + c` with a single rounding (emulated with Dekker's exact product).
 * PyTorch's CPU kernels compile `x + α·y` and `addcmul` to hardware FMA; using it here keeps float64
 * trajectories bit-identical to PyTorch's.
 * @param a - first factor.
 * @param b - second factor.
 * @param c - addend.
 * @returns `a·b + c`, rounded once (up to rare double-rounding ties).
 * @example
 * ```ts
 * fma(0.1, 10, -1); // 5.551115123125783e-17, the rounding error of 0.1·10
 * ```
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  const s = p + c;
  const v = s - p;
  const r = s + (e + ((p - (s - v)) + (c - v)));
  // Overflow in the splitting (|a| or |b| near the top of the range) or non-finite inputs give NaN
  // here; fall back to the unfused result, which is then also the correct IEEE answer.
  return r === r ? r : p + c;
}

/**
 * `base ** n` for an integer `n ≥ 0`, correctly rounded in practice (as glibc's `pow`, which PyTorch's
 * Python-side `beta ** step` uses): binary exponentiation in double-double arithmetic, one final
 * rounding. V8's `**` can be one unit in the last place off (e.g. `0.9 ** 4`), which would make
 * bias corrections differ from PyTorch's. Other exponents fall back to `Math.pow`.
 * @param base - the base.
 * @param n - the exponent.
 * @returns `base ** n`.
 * @example
 * ```ts
 * powExact(0.9, 4); // 0.6561
 * ```
 */
export function powExact(base: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 || !Number.isFinite(base) || base === 0) return Math.pow(base, n);
  // result = (rh + rl), running square = (bh + bl)
  let rh = 1, rl = 0, bh = base, bl = 0;
  let k = n;
  while (k > 0) {
    if (k & 1) [rh, rl] = ddMul(rh, rl, bh, bl);
    k = Math.floor(k / 2);
    if (k > 0) [bh, bl] = ddMul(bh, bl, bh, bl);
  }
  const r = rh + rl;
  return Number.isFinite(r) ? r : Math.pow(base, n);
}

/** Double-double product (ah + al)(bh + bl), normalised. */
function ddMul(ah: number, al: number, bh: number, bl: number): [number, number] {
  const p = ah * bh;
  let t = SPLIT * ah;
  const ahh = t - (t - ah), ahl = ah - ahh;
  t = SPLIT * bh;
  const bhh = t - (t - bh), bhl = bh - bhh;
  const e = ahh * bhh - p + ahh * bhl + ahl * bhh + ahl * bhl + (ah * bl + al * bh);
  const s = p + e;
  return [s, e - (s - p)];
}
