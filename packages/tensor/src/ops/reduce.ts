/**
 * Reductions over any set of axes: `sum`, `mean`, `prod`, `max`, `min`, `argmax`, `argmin`, `var`,
 * `std`, `logsumexp`, `norm`, `all`, `any`, and the scan `cumsum`.
 *
 * Axis arguments follow PyTorch: a number, a list of numbers (negative values count from the end),
 * or `undefined` for every axis. An empty list reduces over no axis. `keepdims` keeps each reduced
 * axis as size 1 so the result broadcasts against the input.
 *
 * The differentiable ones call `record` with their normalised (sorted, non-negative) axes; gradients
 * live in `@gd/autograd`.
 * @module
 */
import { Tensor } from '../tensor.js';
import { type DType, allocate, floatType, isFloat } from '../dtype.js';
import { fmt, normAxes, normAxis } from '../shape.js';
import { record } from '../dispatch.js';
import { sqrt } from './elementwise.js';
import { collapse } from '../kernels/elementwise.js';
import { getBackend } from '../kernels/backend.js';
import { type ReduceKernelName, type ReducePlan, type RowPlan, getReduceKernel, getRowKernel, planReduce } from '../kernels/reduce.js';

/** An axis argument of a reduction: one axis, several, or `undefined` for all of them. */
export type Axes = number | readonly number[] | undefined;

/** Options of {@link variance} and {@link std}. */
export interface VarOptions {
  /** Subtracted from the element count in the denominator: 1 (default) is Bessel's correction, 0 the population variance. */
  correction?: number;
  /** PyTorch's older spelling: `unbiased: false` means `correction: 0`, `true` means 1. */
  unbiased?: boolean;
  /** Keep reduced axes as size 1. */
  keepdims?: boolean;
}

// ------------------------------------------------------------------ argument checks

/**
 * Throw a TypeError naming `op` unless `x` is a Tensor.
 * @internal
 * @param op - the op name for the message.
 * @param x - the value to check.
 * @returns nothing; narrows `x` to `Tensor`.
 * @example
 * ```ts
 * checkTensorArg('sum', [1, 2]); // TypeError: sum: expected a Tensor, got object
 * ```
 */
export function checkTensorArg(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkKeepdims(op: string, keepdims: unknown): boolean {
  if (typeof keepdims !== 'boolean') throw new TypeError(`${op}: keepdims must be a boolean, got ${JSON.stringify(keepdims)}`);
  return keepdims;
}

/**
 * Normalise a reduction's axis argument against `x`'s rank (sorted, unique, non-negative).
 * @internal
 * @param op - the op name for error messages.
 * @param x - the tensor being reduced.
 * @param axes - a number, an array of numbers, or `undefined` (all axes).
 * @returns the sorted non-negative axes.
 * @example
 * ```ts
 * reductionAxes('sum', zeros([2, 3, 4]), [-1, 0]); // [0, 2]
 * ```
 */
export function reductionAxes(op: string, x: Tensor, axes: unknown): number[] {
  if (axes !== undefined && typeof axes !== 'number') {
    if (!Array.isArray(axes) || axes.some((a) => typeof a !== 'number')) {
      throw new TypeError(`${op}: axes must be a number, an array of numbers or undefined, got ${JSON.stringify(axes)}`);
    }
  }
  // As in PyTorch, a 0-d tensor accepts axis 0 (or -1) as if it had one dimension.
  if (x.ndim === 0 && axes !== undefined) {
    const list = typeof axes === 'number' ? [axes] : (axes as number[]);
    if (list.length === 1 && (list[0] === 0 || list[0] === -1)) return [];
  }
  return normAxes(op, axes as Axes, x.ndim);
}

/**
 * The shape left after reducing `shape` over `axes`.
 * @param shape - the input shape.
 * @param axes - the reduced axes (non-negative).
 * @param keepdims - keep reduced axes as size 1 instead of dropping them.
 * @returns the output shape.
 * @example
 * ```ts
 * reducedShape([2, 3, 4], [1], false); // [2, 4]
 * reducedShape([2, 3, 4], [1], true);  // [2, 1, 4]
 * ```
 */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (axes.includes(d)) {
      if (keepdims) out.push(1);
    } else out.push(shape[d]!);
  }
  return out;
}

function checkNonEmpty(op: string, x: Tensor, axes: readonly number[], plan: ReducePlan): void {
  if (plan.redSize === 0) {
    throw new RangeError(`${op}: cannot reduce over an empty set of elements: shape ${fmt(x.shape)}, axes ${fmt(axes)} (the operation has no identity)`);
  }
}

// ------------------------------------------------------------------ core

/**
 * Run reduction kernel `name` over `axes` of `x` into a fresh contiguous tensor of `outDtype`
 * (not recorded), for composites that record themselves once.
 * @internal
 * @param name - a kernel of `REDUCE_SPECS`.
 * @param x - the input.
 * @param axes - sorted non-negative axes.
 * @param keepdims - keep reduced axes as size 1.
 * @param outDtype - the output dtype.
 * @param M - per-output parameter array (the mean for `var`, the shifted max for `lse`), or `null`.
 * @param p0 - scalar parameter (the correction for `var`, p for `normP`).
 * @param plan - a precomputed {@link planReduce} of `x` over `axes`.
 * @returns the reduced tensor.
 * @example
 * ```ts
 * reduceKernel('sum', tensor([[1, 2], [3, 4]]), [1], false, 'float32').toArray(); // [3, 7]
 * ```
 */
export function reduceKernel(
  name: ReduceKernelName, x: Tensor, axes: readonly number[], keepdims: boolean, outDtype: DType,
  M: Float64Array | null = null, p0 = 0, plan: ReducePlan = planReduce(x.shape, x.strides, axes),
): Tensor {
  const out = Tensor._empty(reducedShape(x.shape, axes, keepdims), outDtype);
  if (plan.outSize > 0) getReduceKernel(name, plan.order, x.dtype, outDtype)(x.storage, x.offset, plan, out.storage, M, p0);
  return out;
}

/** Like {@link reduceKernel} but into a float64 scratch array (one value per output element). */
function reduceToF64(name: ReduceKernelName, x: Tensor, plan: ReducePlan, M: Float64Array | null = null, p0 = 0): Float64Array {
  const out = new Float64Array(plan.outSize);
  if (plan.outSize > 0) getReduceKernel(name, plan.order, x.dtype, 'f64scratch')(x.storage, x.offset, plan, out, M, p0);
  return out;
}

/** Sums and products of bool and int32 are int32; of floats, the same float. */
function accumulateType(d: DType): DType {
  return isFloat(d) ? d : 'int32';
}

// ------------------------------------------------------------------ sum, mean, prod

/**
 * Sum of the elements over `axes` (all axes by default).
 *
 * Float32 inputs are accumulated in float64. bool and int32 inputs give int32 (wrapping on overflow);
 * an empty reduction gives 0.
 * @param x - the input tensor.
 * @param axes - an axis, a list of axes (negative counts from the end), or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns the sums, of shape `x.shape` without (or with size-1) reduced axes.
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * sum(x).item();              // 21
 * sum(x, 0).toArray();        // [5, 7, 9]
 * sum(x, -1, true).toArray(); // [[6], [15]]
 * ```
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('sum', x);
  const ax = reductionAxes('sum', x, axes);
  const kd = checkKeepdims('sum', keepdims);
  const plan = planReduce(x.shape, x.strides, ax);
  const out = backendAxisSum(x, ax, kd, plan) ?? reduceKernel('sum', x, ax, kd, accumulateType(x.dtype), null, 0, plan);
  return record('sum', [x], out, { axes: ax, keepdims: kd });
}

/** Where the backend's column and row sums start paying for a call (input elements). */
const BACKEND_SUM_MIN = 2048;

/**
 * A large float sum whose plan is one kept run and one reduced run, computed by the installed
 * backend: column sums (`colSum`) when the kept run has unit stride (e.g. `sum(x, 0)` of a contiguous
 * `[m, n]` gradient: a bias gradient), row sums (`rowSum`) when the reduced run has (`sum(x, -1)`, at
 * least 4 rows), each divided by `div` (1 for `sum`, the count for `mean`). `null` when the case
 * does not apply or the backend declines. Same bits as the TS kernels (float64 accumulators,
 * elements added in the same order, one division and one rounding).
 */
function backendAxisSum(x: Tensor, ax: readonly number[], kd: boolean, plan: ReducePlan, div = 1): Tensor | null {
  if ((x.dtype !== 'float32' && x.dtype !== 'float64') || x.size < BACKEND_SUM_MIN) return null;
  if (plan.keepShape.length !== 1 || plan.redShape.length !== 1) return null;
  const cols = plan.order === 'B' && plan.keepStrides[0] === 1 && plan.redStrides[0]! >= plan.keepShape[0]!;
  const rows = plan.order === 'A' && plan.redStrides[0] === 1 && plan.keepStrides[0]! >= plan.redShape[0]! && plan.keepShape[0]! >= 4;
  if (!cols && !rows) return null;
  const be = getBackend();
  const f = cols ? be?.colSum : be?.rowSum;
  if (be === null || f === undefined) return null;
  const m = cols ? plan.redShape[0]! : plan.keepShape[0]!;
  const n = cols ? plan.keepShape[0]! : plan.redShape[0]!;
  const ld = cols ? plan.redStrides[0]! : plan.keepStrides[0]!;
  const out = Tensor._empty(reducedShape(x.shape, ax, kd), x.dtype);
  return f.call(be, out.storage as Float32Array | Float64Array, x.storage as Float32Array | Float64Array, x.offset, m, n, ld, div) ? out : null;
}

/**
 * Arithmetic mean over `axes`: `sum(x, axes) / n` with `n` the number of reduced elements.
 *
 * Integer and bool inputs give float32. An empty reduction gives NaN, as in PyTorch.
 * @param x - the input tensor.
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns the means.
 * @example
 * ```ts
 * mean(tensor([[1, 2], [3, 4]]), 1).toArray(); // [1.5, 3.5]
 * ```
 */
export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('mean', x);
  const ax = reductionAxes('mean', x, axes);
  const kd = checkKeepdims('mean', keepdims);
  const plan = planReduce(x.shape, x.strides, ax);
  const out = backendAxisSum(x, ax, kd, plan, plan.redSize) ?? reduceKernel('mean', x, ax, kd, floatType(x.dtype), null, 0, plan);
  return record('mean', [x], out, { axes: ax, keepdims: kd });
}

/**
 * Product of the elements over `axes`. bool and int32 inputs give int32 (wrapping on overflow, like
 * 32-bit integer multiplication); an empty reduction gives 1.
 * @param x - the input tensor.
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns the products.
 * @example
 * ```ts
 * prod(tensor([[1, 2], [3, 4]]), 0).toArray(); // [3, 8]
 * ```
 */
export function prod(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('prod', x);
  const ax = reductionAxes('prod', x, axes);
  const kd = checkKeepdims('prod', keepdims);
  const outDtype = accumulateType(x.dtype);
  const out = reduceKernel(isFloat(outDtype) ? 'prod' : 'prodInt', x, ax, kd, outDtype);
  return record('prod', [x], out, { axes: ax, keepdims: kd });
}

// ------------------------------------------------------------------ max, min, argmax, argmin

/**
 * Largest element over `axes` (values only; see {@link argmax} for positions). NaN propagates: a
 * slice containing NaN gives NaN. Keeps the input dtype.
 * @param x - the input tensor.
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns the maxima.
 * @throws RangeError when the reduced axes hold no elements (max has no identity).
 * @example
 * ```ts
 * max(tensor([[1, 5], [7, 2]]), 1).toArray(); // [5, 7]
 * ```
 */
export function max(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('max', x);
  const ax = reductionAxes('max', x, axes);
  const kd = checkKeepdims('max', keepdims);
  const plan = planReduce(x.shape, x.strides, ax);
  checkNonEmpty('max', x, ax, plan);
  const out = reduceKernel('max', x, ax, kd, x.dtype, null, 0, plan);
  return record('max', [x], out, { axes: ax, keepdims: kd });
}

/**
 * Smallest element over `axes` (values only). NaN propagates. Keeps the input dtype.
 * @param x - the input tensor.
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns the minima.
 * @throws RangeError when the reduced axes hold no elements.
 * @example
 * ```ts
 * min(tensor([[1, 5], [7, 2]]), 0).toArray(); // [1, 2]
 * ```
 */
export function min(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('min', x);
  const ax = reductionAxes('min', x, axes);
  const kd = checkKeepdims('min', keepdims);
  const plan = planReduce(x.shape, x.strides, ax);
  checkNonEmpty('min', x, ax, plan);
  const out = reduceKernel('min', x, ax, kd, x.dtype, null, 0, plan);
  return record('min', [x], out, { axes: ax, keepdims: kd });
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepdims: boolean): Tensor {
  checkTensorArg(op, x);
  if (axis !== undefined && typeof axis !== 'number') throw new TypeError(`${op}: axis must be a number or undefined, got ${JSON.stringify(axis)}`);
  const kd = checkKeepdims(op, keepdims);
  const ax = axis === undefined || (x.ndim === 0 && (axis === 0 || axis === -1)) ? x.shape.map((_, i) => i) : [normAxis(op, axis, x.ndim)];
  const plan = planReduce(x.shape, x.strides, ax);
  checkNonEmpty(op, x, ax, plan);
  return reduceKernel(op, x, ax, kd, 'int32', null, 0, plan);
}

/**
 * Index of the largest element along `axis`, or the flat (row-major) index over all elements when
 * `axis` is omitted. Ties give the first index; NaN counts as the largest value. Not differentiable.
 * @param x - the input tensor.
 * @param axis - the axis to search (negative counts from the end); omit to search everything.
 * @param keepdims - keep the searched axis (all axes when `axis` is omitted) as size 1.
 * @returns an int32 tensor of indices.
 * @throws RangeError when the searched elements are empty.
 * @example
 * ```ts
 * argmax(tensor([[1, 9, 9], [4, 0, 2]]), 1).toArray(); // [1, 0]
 * argmax(tensor([[1, 9], [4, 0]])).item();             // 1
 * ```
 */
export function argmax(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argReduce('argmax', x, axis, keepdims);
}

/**
 * Index of the smallest element along `axis` (flat index when omitted). Ties give the first index;
 * NaN counts as the smallest value. Not differentiable.
 * @param x - the input tensor.
 * @param axis - the axis to search; omit to search everything.
 * @param keepdims - keep the searched axis as size 1.
 * @returns an int32 tensor of indices.
 * @throws RangeError when the searched elements are empty.
 * @example
 * ```ts
 * argmin(tensor([3, 1, 1, 2])).item(); // 1
 * ```
 */
export function argmin(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argReduce('argmin', x, axis, keepdims);
}

// ------------------------------------------------------------------ var, std

function varCorrection(op: string, opts: VarOptions): number {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${op}: options must be an object, got ${JSON.stringify(opts)}`);
  const { correction, unbiased } = opts;
  if (correction !== undefined && (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0)) {
    throw new RangeError(`${op}: correction must be a non-negative finite number, got ${String(correction)}`);
  }
  if (unbiased !== undefined && typeof unbiased !== 'boolean') throw new TypeError(`${op}: unbiased must be a boolean, got ${JSON.stringify(unbiased)}`);
  if (correction !== undefined && unbiased !== undefined && correction !== (unbiased ? 1 : 0)) {
    throw new RangeError(`${op}: correction ${correction} contradicts unbiased ${unbiased}; give only one`);
  }
  return correction ?? (unbiased === false ? 0 : 1);
}

/**
 * Variance over `axes`: `sum((x - mean)^2) / max(0, n - correction)`.
 *
 * Two passes (mean, then squared deviations), both in float64, so the result does not suffer the
 * cancellation of `E[x^2] - E[x]^2`. With `n <= correction` the denominator is 0, giving NaN (or
 * infinity), as in PyTorch. Integer inputs give float32.
 *
 * Exported from the package as both `variance` and `var`.
 * @param x - the input tensor.
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param opts - `correction` (default 1: the unbiased sample variance; 0: population), `unbiased`
 *   (PyTorch's older boolean spelling), `keepdims`.
 * @returns the variances.
 * @example
 * ```ts
 * variance(tensor([1, 2, 3, 4])).item();                     // 1.6666666
 * variance(tensor([1, 2, 3, 4]), undefined, { correction: 0 }).item(); // 1.25
 * ```
 */
export function variance(x: Tensor, axes?: number | readonly number[], opts: VarOptions = {}): Tensor {
  checkTensorArg('var', x);
  const ax = reductionAxes('var', x, axes);
  const correction = varCorrection('var', opts);
  const kd = checkKeepdims('var', opts.keepdims ?? false);
  const plan = planReduce(x.shape, x.strides, ax);
  const m = reduceToF64('mean', x, plan);
  const out = reduceKernel('var', x, ax, kd, floatType(x.dtype), m, correction, plan);
  return record('var', [x], out, { axes: ax, keepdims: kd, correction });
}

/**
 * Standard deviation over `axes`: the square root of {@link variance} with the same options. It is
 * recorded as `var` followed by `sqrt`, so its gradient comes from those two rules.
 * @param x - the input tensor.
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param opts - `correction` (default 1), `unbiased`, `keepdims`.
 * @returns the standard deviations.
 * @example
 * ```ts
 * std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), undefined, { correction: 0 }).item(); // 2
 * ```
 */
export function std(x: Tensor, axes?: number | readonly number[], opts: VarOptions = {}): Tensor {
  checkTensorArg('std', x);
  if (opts === null || typeof opts !== 'object') throw new TypeError(`std: options must be an object, got ${JSON.stringify(opts)}`);
  reductionAxes('std', x, axes);
  varCorrection('std', opts);
  checkKeepdims('std', opts.keepdims ?? false);
  return sqrt(variance(x, axes, opts));
}

// ------------------------------------------------------------------ logsumexp, norm

/**
 * `log(sum(exp(x)))` over `axes`, computed stably as `m + log(sum(exp(x - m)))` with `m` the maximum,
 * so logits of ±1000 give finite results. A slice of only `-Infinity` (or an empty slice) gives
 * `-Infinity`; one containing `+Infinity` gives `+Infinity`; NaN propagates. Integer inputs give float32.
 * @param x - the input tensor.
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns the log-sum-exps.
 * @example
 * ```ts
 * logsumexp(tensor([1000, 1000])).item(); // 1000.6931
 * ```
 */
export function logsumexp(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('logsumexp', x);
  const ax = reductionAxes('logsumexp', x, axes);
  const kd = checkKeepdims('logsumexp', keepdims);
  const rows = ax.length === 1 ? backendExpRows(x, ax[0]!, true) : null;
  let out: Tensor;
  if (rows !== null) {
    const { E, M, len, count } = rows;
    out = Tensor._empty(reducedShape(x.shape, ax, kd), 'float32');
    const O = out.storage;
    for (let r = 0, p = 0; r < count; r++, p += len) {
      let s = 0;
      for (let i = 0; i < len; i++) s += E[p + i]!;
      O[r] = M[r]! + Math.log(s);
    }
  } else {
    const plan = planReduce(x.shape, x.strides, ax);
    const m = reduceToF64('max', x, plan);
    for (let i = 0; i < m.length; i++) if (m[i] === Infinity || m[i] === -Infinity) m[i] = 0;
    out = reduceKernel('lse', x, ax, kd, floatType(x.dtype), m, 0, plan);
  }
  return record('logsumexp', [x], out, { axes: ax, keepdims: kd });
}

/** Where the backend's exp starts paying for its copies (elements). */
const BACKEND_EXP_MIN = 4096;

/**
 * For a large contiguous float32 tensor and its last axis: the row maxima `M` (with infinities
 * replaced by 0 when `finiteShift`) and `E = exp(x - M)` per row, the exponentials computed by the
 * installed backend's `elementwise('exp')` in one call (the WebAssembly SIMD exp is several times
 * faster than `Math.exp`). Returns `null` when the case does not apply or the backend declines.
 * @internal
 * @param x - the input.
 * @param axis - the normalised axis; only the last axis qualifies.
 * @param finiteShift - replace an infinite row maximum by 0 (logsumexp's convention) instead of
 *   letting `inf - inf` make the row NaN (softmax's).
 * @returns `{ E, M, len, count }` (E is row-major, `count` rows of `len`), or `null`.
 * @example
 * ```ts
 * backendExpRows(randn([64, 1000]), 1, false)?.count; // 64 (or undefined without a backend)
 * ```
 */
export function backendExpRows(x: Tensor, axis: number, finiteShift: boolean): { E: Float32Array; M: Float64Array; len: number; count: number } | null {
  const be = getBackend();
  if (be === null || be.elementwise === undefined) return null;
  if (x.dtype !== 'float32' || x.ndim === 0 || axis !== x.ndim - 1 || x.size < BACKEND_EXP_MIN || !x.isContiguous()) return null;
  const len = x.shape[axis]!;
  const count = x.size / len;
  const X = x.storage as Float32Array;
  const x0 = x.offset;
  const E = allocate('float32', x.size, false); // every element is written below; in the kernels' memory where it can be
  const M = new Float64Array(count);
  for (let r = 0, p = 0; r < count; r++, p += len) {
    let m = -Infinity;
    for (let i = 0; i < len; i++) {
      const v = X[x0 + p + i]!;
      if (v > m || v !== v) m = v;
    }
    if (finiteShift && (m === Infinity || m === -Infinity)) m = 0;
    M[r] = m;
    for (let i = 0; i < len; i++) E[p + i] = X[x0 + p + i]! - m;
  }
  if (!be.elementwise('exp', E, E, null)) return null;
  return { E, M, len, count };
}

/**
 * Vector p-norm over `axes` (the elements of the reduced axes are treated as one vector):
 *
 * - `p > 0`: `(sum |x|^p)^(1/p)`; `p = 2` (or `'fro'`) is the Euclidean norm, `p = 1` the sum of `|x|`;
 * - `p = Infinity`: `max |x|`; `p = -Infinity`: `min |x|`;
 * - `p = 0`: the number of non-zero elements.
 *
 * Integer inputs give float32. An empty reduction gives 0, except for `p = ±Infinity` (no identity:
 * RangeError).
 * @param x - the input tensor.
 * @param p - the order (default 2), or `'fro'` for 2.
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns the norms.
 * @example
 * ```ts
 * norm(tensor([3, 4])).item();                // 5
 * norm(tensor([[3, -4], [1, 0]]), 1, 1).toArray(); // [7, 1]
 * norm(tensor([3, -4]), Infinity).item();     // 4
 * ```
 */
export function norm(x: Tensor, p: number | 'fro' = 2, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('norm', x);
  const pp = p === 'fro' ? 2 : p;
  if (typeof pp !== 'number' || Number.isNaN(pp) || pp < 0 && pp !== -Infinity) {
    throw new RangeError(`norm: p must be a non-negative number, Infinity, -Infinity or 'fro', got ${JSON.stringify(p) ?? String(p)}`);
  }
  const ax = reductionAxes('norm', x, axes);
  const kd = checkKeepdims('norm', keepdims);
  const plan = planReduce(x.shape, x.strides, ax);
  let name: ReduceKernelName;
  if (pp === 2) name = 'norm2';
  else if (pp === 1) name = 'norm1';
  else if (pp === 0) name = 'norm0';
  else if (pp === Infinity) name = 'normInf';
  else if (pp === -Infinity) name = 'normNegInf';
  else name = 'normP';
  if (pp === Infinity || pp === -Infinity) checkNonEmpty(`norm`, x, ax, plan);
  const out = reduceKernel(name, x, ax, kd, floatType(x.dtype), null, pp, plan);
  return record('norm', [x], out, { p: pp, axes: ax, keepdims: kd });
}

// ------------------------------------------------------------------ all, any

/**
 * True where every element over `axes` is non-zero (NaN counts as non-zero). An empty reduction is
 * true. Not differentiable.
 * @param x - the input tensor (any dtype).
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns a bool tensor.
 * @example
 * ```ts
 * all(tensor([[1, 0], [2, 3]]), 1).toArray(); // [false, true]
 * ```
 */
export function all(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('all', x);
  const ax = reductionAxes('all', x, axes);
  return reduceKernel('all', x, ax, checkKeepdims('all', keepdims), 'bool');
}

/**
 * True where some element over `axes` is non-zero. An empty reduction is false. Not differentiable.
 * @param x - the input tensor (any dtype).
 * @param axes - an axis, a list of axes, or `undefined` for all.
 * @param keepdims - keep reduced axes as size 1.
 * @returns a bool tensor.
 * @example
 * ```ts
 * any(tensor([[0, 0], [0, 3]]), 1).toArray(); // [false, true]
 * ```
 */
export function any(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  checkTensorArg('any', x);
  const ax = reductionAxes('any', x, axes);
  return reduceKernel('any', x, ax, checkKeepdims('any', keepdims), 'bool');
}

// ------------------------------------------------------------------ cumsum

/**
 * Run a per-row kernel along `axis` of `x` into a fresh contiguous tensor of `outDtype` (not
 * recorded), choosing the row or column loop order from the strides.
 * @internal
 * @param name - `cumsum`, `cumsumInt`, `softmax` or `logSoftmax`.
 * @param x - the input.
 * @param axis - a non-negative axis (0 for a 0-d tensor).
 * @param outDtype - the output dtype.
 * @returns a tensor of `x`'s shape.
 * @example
 * ```ts
 * rowKernel('cumsum', tensor([1, 2, 3]), 0, 'float32').toArray(); // [1, 3, 6]
 * ```
 */
export function rowKernel(name: 'cumsum' | 'cumsumInt' | 'softmax' | 'logSoftmax', x: Tensor, axis: number, outDtype: DType): Tensor {
  const out = Tensor._empty(x.shape, outDtype);
  if (x.size === 0) return out;
  const shape: number[] = [];
  const inS: number[] = [];
  const outS: number[] = [];
  for (let d = 0; d < x.ndim; d++) {
    if (d === axis) continue;
    shape.push(x.shape[d]!);
    inS.push(x.strides[d]!);
    outS.push(out.strides[d]!);
  }
  const [cs, [cin, cout]] = collapse(shape, [inS, outS]);
  const len = x.ndim === 0 ? 1 : x.shape[axis]!;
  const t = x.ndim === 0 ? 0 : x.strides[axis]!;
  // Walk the rows side by side when another dim is laid out closer together than the axis itself.
  const nd = cs.length;
  const col = nd > 0 && len > 1 && cs[nd - 1]! >= 4 && cin![nd - 1] !== 0 && Math.abs(cin![nd - 1]!) < Math.abs(t);
  const plan: RowPlan = {
    outerShape: cs, inStrides: cin!, outStrides: cout!, len, t, u: x.ndim === 0 ? 0 : out.strides[axis]!, order: col ? 'col' : 'row',
  };
  getRowKernel(name, plan.order, x.dtype, outDtype)(x.storage, x.offset, out.storage, 0, plan);
  return out;
}

/**
 * Running sum along `axis`: `out[..., i, ...] = sum_{k <= i} x[..., k, ...]`. bool and int32 inputs
 * give int32; floats keep their dtype (float32 is accumulated in float64).
 * @param x - the input tensor.
 * @param axis - the axis to accumulate along (negative counts from the end).
 * @returns a tensor of `x`'s shape.
 * @example
 * ```ts
 * cumsum(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(); // [[1, 3, 6], [4, 9, 15]]
 * ```
 */
export function cumsum(x: Tensor, axis: number): Tensor {
  checkTensorArg('cumsum', x);
  if (typeof axis !== 'number') throw new TypeError(`cumsum: axis must be a number, got ${JSON.stringify(axis)}`);
  const a = x.ndim === 0 && (axis === 0 || axis === -1) ? 0 : normAxis('cumsum', axis, x.ndim);
  const outDtype = accumulateType(x.dtype);
  const out = rowKernel(isFloat(outDtype) ? 'cumsum' : 'cumsumInt', x, a, outDtype);
  return record('cumsum', [x], out, { axis: a });
}
