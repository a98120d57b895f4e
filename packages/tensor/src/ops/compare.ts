/**
 * Whole-tensor comparisons: `isclose` (elementwise, with tolerances), `allclose` and `equal`.
 * None of them is differentiable.
 * @module
 */
import { Tensor, type TensorLike } from '../tensor.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { runKernel, scalar } from './elementwise.js';

/** Tolerances of {@link isclose} and {@link allclose}. */
export interface CloseOptions {
  /** Relative tolerance (default `1e-5`), scaled by `|other|`. */
  rtol?: number;
  /** Absolute tolerance (default `1e-8`). */
  atol?: number;
  /** Whether NaN is close to NaN (default `false`). */
  equalNan?: boolean;
}

function operand(op: string, x: unknown, pos: string): Tensor {
  if (x instanceof Tensor) return x;
  // A number is compared at full precision.
  if (typeof x === 'number') return scalar(x, 'float64');
  throw new TypeError(`${op}: ${pos} operand must be a Tensor${pos === 'second' ? ' or a number' : ''}, got ${x === null ? 'null' : typeof x}`);
}

function tolerances(op: string, opts: CloseOptions): { rtol: number; atol: number; equalNan: boolean } {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${op}: options must be an object, got ${JSON.stringify(opts)}`);
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = opts;
  for (const [name, v] of [['rtol', rtol], ['atol', atol]] as const) {
    if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`${op}: ${name} must be a non-negative number, got ${String(v)}`);
  }
  if (typeof equalNan !== 'boolean') throw new TypeError(`${op}: equalNan must be a boolean, got ${JSON.stringify(equalNan)}`);
  return { rtol, atol, equalNan };
}

// |x - y| <= atol + rtol * |y|, with equal values (infinities included) always close, a finite value
// never close to an infinite one, and NaN close to NaN only when asked.
const CLOSE = (nanExpr: string): string =>
  `(x === y ? 1 : (x !== x || y !== y) ? ${nanExpr} : ((Math.abs(x - y) <= p0 + p1 * Math.abs(y) && Math.abs(x - y) !== Infinity) ? 1 : 0))`;
const CLOSE_EXPR = CLOSE('0');
const CLOSE_NAN_EXPR = CLOSE('((x !== x && y !== y) ? 1 : 0)');

/**
 * Elementwise `|a - b| <= atol + rtol * |b|` (NumPy's and PyTorch's asymmetric rule: `b` is the
 * reference), broadcasting. Equal infinities are close; a finite value is never close to an infinite
 * one; NaN is close to NaN only with `equalNan: true`. Operands of any dtypes are compared as float64.
 * @param a - the tensor to check.
 * @param b - the reference (a tensor or a number).
 * @param opts - `rtol` (default 1e-5), `atol` (default 1e-8), `equalNan` (default false).
 * @returns a bool tensor of the broadcast shape.
 * @example
 * ```ts
 * isclose(tensor([1, 1.1, NaN]), tensor([1.000001, 1, NaN])).toArray(); // [true, false, false]
 * ```
 */
export function isclose(a: Tensor, b: TensorLike, opts: CloseOptions = {}): Tensor {
  const ta = operand('isclose', a, 'first');
  const tb = operand('isclose', b, 'second');
  const { rtol, atol, equalNan } = tolerances('isclose', opts);
  const out = Tensor._empty(broadcastShapes('isclose', ta.shape, tb.shape), 'bool');
  runKernel(equalNan ? 'iscloseNan' : 'isclose', equalNan ? CLOSE_NAN_EXPR : CLOSE_EXPR, out, [ta, tb], atol, rtol);
  return out;
}

/**
 * True when every element of `a` is close to the matching (broadcast) element of `b`, by the rule of
 * {@link isclose}.
 * @param a - the tensor to check.
 * @param b - the reference (a tensor or a number).
 * @param opts - `rtol` (default 1e-5), `atol` (default 1e-8), `equalNan` (default false).
 * @returns a JS boolean.
 * @throws RangeError when the shapes do not broadcast.
 * @example
 * ```ts
 * allclose(tensor([1, 2]), tensor([1, 2.000001])); // true
 * allclose(tensor([1, 2]), tensor([1, 2.1]));      // false
 * ```
 */
export function allclose(a: Tensor, b: TensorLike, opts: CloseOptions = {}): boolean {
  const ta = operand('allclose', a, 'first');
  const tb = operand('allclose', b, 'second');
  const { rtol, atol, equalNan } = tolerances('allclose', opts);
  const out = Tensor._empty(broadcastShapes('allclose', ta.shape, tb.shape), 'bool');
  runKernel(equalNan ? 'iscloseNan' : 'isclose', equalNan ? CLOSE_NAN_EXPR : CLOSE_EXPR, out, [ta, tb], atol, rtol);
  const s = out.storage;
  for (let i = 0; i < s.length; i++) if (s[i] === 0) return false;
  return true;
}

/**
 * True when `a` and `b` have the same shape and equal values (compared as numbers, so `int32` 1
 * equals `float32` 1; NaN equals nothing). No broadcasting: different shapes give `false`.
 * @param a - a tensor.
 * @param b - another tensor.
 * @returns a JS boolean.
 * @example
 * ```ts
 * equal(tensor([1, 2]), tensor([1, 2]));   // true
 * equal(tensor([1, 2]), tensor([[1, 2]])); // false (shapes differ)
 * ```
 */
export function equal(a: Tensor, b: Tensor): boolean {
  if (!(a instanceof Tensor)) throw new TypeError(`equal: first operand must be a Tensor, got ${a === null ? 'null' : typeof a}`);
  if (!(b instanceof Tensor)) throw new TypeError(`equal: second operand must be a Tensor, got ${b === null ? 'null' : typeof b}`);
  if (!shapesEqual(a.shape, b.shape)) return false;
  const out = Tensor._empty(a.shape, 'bool');
  runKernel('eq', '(x === y ? 1 : 0)', out, [a, b]);
  const s = out.storage;
  for (let i = 0; i < s.length; i++) if (s[i] === 0) return false;
  return true;
}
