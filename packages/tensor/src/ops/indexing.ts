/**
 * Indexing with index tensors: `gather`, `indexSelect`, `scatterAdd` (and its in-place form).
 * Index tensors have dtype int32 and any strides; every index value is range-checked before
 * anything is written.
 * @module
 */
import { Tensor } from '../tensor.js';
import type { TypedArray } from '../dtype.js';
import { fmt, normAxis, sizeOf } from '../shape.js';
import { record, shouldRecord } from '../dispatch.js';
import { copyKernel } from './views.js';

function checkTensor(op: string, x: unknown, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkIndexTensor(op: string, index: unknown): asserts index is Tensor {
  checkTensor(op, index, 'index');
  if (index.dtype !== 'int32') throw new TypeError(`${op}: index must have dtype int32, got ${index.dtype}`);
}

/** Position `k` (row-major) of `shape` as a printable multi-index. */
function positionOf(shape: readonly number[], k: number): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = k % n;
    k = Math.floor(k / n);
  }
  return fmt(idx);
}

/**
 * Walk `shape` in row-major order one innermost row at a time, with one storage pointer per operand.
 * `row(k, p, len, inner)` gets the row-major position of the row's first element, the pointers to it
 * (a reused array), the row length and each operand's innermost stride (a reused array); it runs
 * its own tight loop over the row. A 0-d shape is one row of length 1.
 */
function walkRows(shape: readonly number[], offsets: readonly number[], strides: readonly (readonly number[])[], row: (k: number, p: number[], len: number, inner: number[]) => void): void {
  const nd = shape.length;
  const nops = offsets.length;
  const len = nd === 0 ? 1 : shape[nd - 1]!;
  let rows = 1;
  for (let d = 0; d < nd - 1; d++) rows *= shape[d]!;
  if (rows === 0 || len === 0) return;
  const inner = strides.map((s) => (nd === 0 ? 0 : s[nd - 1]!));
  const p = offsets.slice();
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  for (let r = 0; r < rows; r++) {
    row(r * len, p, len, inner);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      for (let o = 0; o < nops; o++) p[o]! += strides[o]![d]!;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
      for (let o = 0; o < nops; o++) p[o]! -= strides[o]![d]! * shape[d]!;
    }
  }
}

/** Throws unless every value of `index` lies in `[0, n)`. */
function checkRange(op: string, index: Tensor, n: number, axis: number): void {
  const s = index.storage;
  walkRows(index.shape, [index.offset], [index.strides], (k, p, len, inner) => {
    const p0 = p[0]!, s0 = inner[0]!;
    for (let j = 0; j < len; j++) {
      const v = s[p0 + j * s0]!;
      if (v < 0 || v >= n) {
        throw new RangeError(`${op}: index ${v} is out of range for dim ${axis} of size ${n} (at index position ${positionOf(index.shape, k + j)})`);
      }
    }
  });
}

/**
 * Pick values along an axis by position: for a 3-D input and `axis = 1`,
 * `out[i][j][k] = x[i][index[i][j][k]][k]` (as `torch.gather`). The result has `index`'s shape;
 * `index` has as many dimensions as `x` and is no larger than `x` in every dimension but `axis`.
 *
 * @param x - the source tensor (at least 1-D).
 * @param axis - the axis the index values select along (negative counts from the end).
 * @param index - an int32 tensor of positions in `[0, x.shape[axis])`.
 * @returns a new tensor of `index.shape` and `x.dtype`.
 * @throws TypeError for a non-int32 index; RangeError for a rank or size mismatch or an index out of range.
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * gather(x, 1, tensor([[2, 0], [1, 1]], { dtype: 'int32' })).toArray(); // [[3, 1], [5, 5]]
 * ```
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  checkTensor('gather', x, 'input');
  checkIndexTensor('gather', index);
  if (x.ndim === 0) throw new RangeError('gather: input must have at least 1 dimension, got shape []');
  const ax = normAxis('gather', axis, x.ndim);
  if (index.ndim !== x.ndim) {
    throw new RangeError(`gather: index of shape ${fmt(index.shape)} must have as many dimensions as the input of shape ${fmt(x.shape)}`);
  }
  for (let d = 0; d < x.ndim; d++) {
    if (d !== ax && index.shape[d]! > x.shape[d]!) {
      throw new RangeError(`gather: index of shape ${fmt(index.shape)} is larger than the input of shape ${fmt(x.shape)} at dim ${d} (${index.shape[d]} > ${x.shape[d]})`);
    }
  }
  checkRange('gather', index, x.shape[ax]!, ax);
  return record('gather', [x], gatherKernel(x, ax, index), { axis: ax, index });
}

/** `gather` without checks or recording (index values already known to be in range). */
function gatherKernel(x: Tensor, ax: number, index: Tensor): Tensor {
  const out = Tensor._empty(index.shape, x.dtype);
  const xs = x.storage;
  const is = index.storage;
  const os = out.storage;
  const sAx = x.strides[ax]!;
  // Walk index positions; the input pointer moves along every dim except `axis`.
  const xWalk = x.strides.map((s, d) => (d === ax ? 0 : s));
  walkRows(index.shape, [x.offset, index.offset], [xWalk, index.strides], (k, p, len, inner) => {
    const px = p[0]!, pi = p[1]!, sx = inner[0]!, si = inner[1]!;
    for (let j = 0; j < len; j++) os[k + j] = xs[px + j * sx + is[pi + j * si]! * sAx]!;
  });
  return out;
}

/**
 * Select whole slices along an axis: `out` is `x` with dimension `axis` replaced by the entries
 * `index[0], index[1], ...` of that axis (as `torch.index_select`; repeats allowed). An embedding
 * lookup is `indexSelect(weight, 0, ids)`.
 *
 * @param x - the source tensor (at least 1-D).
 * @param axis - the axis to select along (negative counts from the end).
 * @param index - a 1-D int32 tensor of positions in `[0, x.shape[axis])`.
 * @returns a new tensor; its shape is `x.shape` with `index.shape[0]` at `axis`.
 * @throws TypeError for a non-int32 index; RangeError for a non-1-D index or an index out of range.
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * indexSelect(x, 0, tensor([2, 0, 2], { dtype: 'int32' })).toArray(); // [[5, 6], [1, 2], [5, 6]]
 * ```
 */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  checkTensor('indexSelect', x, 'input');
  checkIndexTensor('indexSelect', index);
  if (x.ndim === 0) throw new RangeError('indexSelect: input must have at least 1 dimension, got shape []');
  const ax = normAxis('indexSelect', axis, x.ndim);
  if (index.ndim !== 1) throw new RangeError(`indexSelect: index must be 1-D, got shape ${fmt(index.shape)}`);
  const n = x.shape[ax]!;
  checkRange('indexSelect', index, n, ax);
  const len = index.shape[0]!;
  const shape = x.shape.slice();
  shape[ax] = len;
  let out: Tensor;
  if (x.isContiguous()) {
    out = Tensor._empty(shape, x.dtype);
    if (out.size > 0) {
      const pre = sizeOf(x.shape.slice(0, ax));
      const post = sizeOf(x.shape.slice(ax + 1));
      copyRows(x.storage, x.offset, out.storage, pre, n, post, index.storage, index.offset, index.strides[0]!, len);
    }
  } else {
    // A gather with the 1-D index broadcast (stride 0) across the other dimensions.
    const strides = shape.map((_, d) => (d === ax ? index.strides[0]! : 0));
    out = gatherKernel(x, ax, Tensor._view(index, shape, strides, index.offset));
  }
  return record('indexSelect', [x], out, { axis: ax, index });
}

/** Contiguous source viewed as `[pre, n, post]`: copy blocks of `post` elements picked by `ids`. */
function copyRows(xs: TypedArray, xOff: number, os: TypedArray, pre: number, n: number, post: number, ids: TypedArray, iOff: number, iStr: number, len: number): void {
  let o = 0;
  for (let a = 0; a < pre; a++) {
    const base = xOff + a * n * post;
    for (let i = 0; i < len; i++) {
      const s = base + ids[iOff + i * iStr]! * post;
      if (post >= 32) {
        os.set(xs.subarray(s, s + post), o);
        o += post;
      } else {
        for (let j = 0; j < post; j++) os[o++] = xs[s + j]!;
      }
    }
  }
}

function checkScatter(op: string, base: Tensor, axis: number, index: Tensor, src: Tensor): number {
  checkTensor(op, base, 'base');
  checkIndexTensor(op, index);
  checkTensor(op, src, 'src');
  if (base.dtype !== src.dtype) throw new TypeError(`${op}: src dtype ${src.dtype} does not match base dtype ${base.dtype}`);
  if (base.dtype === 'bool') throw new TypeError(`${op}: bool tensors cannot be added; convert to int32 first`);
  if (base.ndim === 0) throw new RangeError(`${op}: base must have at least 1 dimension, got shape []`);
  const ax = normAxis(op, axis, base.ndim);
  if (index.ndim !== base.ndim || src.ndim !== base.ndim) {
    throw new RangeError(`${op}: base ${fmt(base.shape)}, index ${fmt(index.shape)} and src ${fmt(src.shape)} must have the same number of dimensions`);
  }
  for (let d = 0; d < base.ndim; d++) {
    if (index.shape[d]! > src.shape[d]!) {
      throw new RangeError(`${op}: index of shape ${fmt(index.shape)} is larger than src of shape ${fmt(src.shape)} at dim ${d} (${index.shape[d]} > ${src.shape[d]})`);
    }
    if (d !== ax && index.shape[d]! > base.shape[d]!) {
      throw new RangeError(`${op}: index of shape ${fmt(index.shape)} is larger than base of shape ${fmt(base.shape)} at dim ${d} (${index.shape[d]} > ${base.shape[d]})`);
    }
  }
  checkRange(op, index, base.shape[ax]!, ax);
  return ax;
}

/** `target[... index[pos] ...] += src[pos]` for every position of `index` (checked beforehand). */
function scatterInto(target: Tensor, ax: number, index: Tensor, src: Tensor): void {
  const ts = target.storage;
  const is = index.storage;
  const ss = src.storage;
  const sAx = target.strides[ax]!;
  const tWalk = target.strides.map((s, d) => (d === ax ? 0 : s));
  walkRows(index.shape, [target.offset, index.offset, src.offset], [tWalk, index.strides, src.strides], (_, p, len, inner) => {
    const pt = p[0]!, pi = p[1]!, ps = p[2]!, st = inner[0]!, si = inner[1]!, ss2 = inner[2]!;
    for (let j = 0; j < len; j++) ts[pt + j * st + is[pi + j * si]! * sAx]! += ss[ps + j * ss2]!;
  });
}

/**
 * Out-of-place scatter-add: a copy of `base` to which every `src` element is added at the position
 * `index` names along `axis`; for 3-D tensors and `axis = 1`,
 * `out[i][index[i][j][k]][k] += src[i][j][k]` (as `torch.scatter_add`). Repeated indices
 * accumulate. `index` has as many dimensions as `base` and `src`, is no larger than `src` in any
 * dimension and no larger than `base` in any dimension but `axis`; only the part of `src` that
 * `index` covers is used.
 *
 * @param base - the tensor added into (float or int32; not modified).
 * @param axis - the axis the index values address.
 * @param index - an int32 tensor of positions in `[0, base.shape[axis])`.
 * @param src - the values to add; same dtype as `base`.
 * @returns a new contiguous tensor of `base`'s shape and dtype.
 * @throws TypeError for a non-int32 index or mismatched dtypes; RangeError for rank/size mismatches or an index out of range.
 * @example
 * ```ts
 * const idx = tensor([0, 2, 0], { dtype: 'int32' });
 * scatterAdd(zeros([3]), 0, idx, tensor([1, 2, 3])).toArray(); // [4, 0, 2]
 * ```
 */
export function scatterAdd(base: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const ax = checkScatter('scatterAdd', base, axis, index, src);
  const out = copyKernel(base);
  scatterInto(out, ax, index, src);
  return record('scatterAdd', [base, src], out, { axis: ax, index });
}

/**
 * In-place {@link scatterAdd}: adds `src` into `base` itself (through its strides) and returns it.
 * Never recorded for autograd; refuses expanded (stride-0) targets and tensors that require grad
 * while gradients are being recorded. Nothing is written when an index is out of range.
 *
 * @param base - the tensor to update.
 * @param axis - the axis the index values address.
 * @param index - an int32 tensor of positions in `[0, base.shape[axis])`.
 * @param src - the values to add; same dtype as `base`.
 * @returns `base`.
 * @throws as {@link scatterAdd}, and Error for a target that cannot be written in place.
 * @example
 * ```ts
 * const acc = zeros([2]);
 * scatterAddInPlace(acc, 0, tensor([1, 1], { dtype: 'int32' }), tensor([5, 6]));
 * acc.toArray(); // [0, 11]
 * ```
 */
export function scatterAddInPlace(base: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const ax = checkScatter('scatterAddInPlace', base, axis, index, src);
  if (base.requiresGrad && shouldRecord([base])) {
    throw new Error('scatterAddInPlace: in-place update of a tensor that requires grad; wrap it in noGrad(() => ...) or use scatterAdd');
  }
  for (let d = 0; d < base.ndim; d++) {
    if (base.strides[d] === 0 && base.shape[d]! > 1) {
      throw new Error(`scatterAddInPlace: cannot write in place into an expanded tensor (shape ${fmt(base.shape)}, strides ${fmt(base.strides)}); call contiguous() first`);
    }
  }
  scatterInto(base, ax, index, src);
  base._version.value++;
  return base;
}
