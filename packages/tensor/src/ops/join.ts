/**
 * Joining and splitting: `cat`, `stack`, `split`, `chunk`, and constant `pad`.
 * @module
 */
import { Tensor } from '../tensor.js';
import { type DType, castScalar, isFloat, promoteTypes } from '../dtype.js';
import { contiguousStrides, fmt, normAxis } from '../shape.js';
import { record } from '../dispatch.js';
import { runKernel } from './elementwise.js';
import { narrow, unsqueeze } from './views.js';

function checkTensor(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkList(op: string, tensors: unknown): asserts tensors is readonly Tensor[] {
  if (!Array.isArray(tensors)) throw new TypeError(`${op}: expected an array of tensors, got ${tensors === null ? 'null' : typeof tensors}`);
  if (tensors.length === 0) throw new RangeError(`${op}: expected a non-empty list of tensors`);
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: element ${i} of the list is not a Tensor (got ${t === null ? 'null' : typeof t})`);
  });
}

/**
 * Concatenate tensors along an existing axis. All tensors need the same number of dimensions and
 * the same sizes except along `axis`; the result's dtype is their promotion (as `torch.cat`).
 *
 * @param tensors - a non-empty list of tensors with at least 1 dimension.
 * @param axis - the axis to join along (negative counts from the end; default 0).
 * @returns a new contiguous tensor.
 * @throws RangeError for an empty list, 0-d tensors or mismatched shapes; TypeError for non-tensors.
 * @example
 * ```ts
 * cat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])]).toArray(); // [[1, 2], [3, 4], [5, 6]]
 * cat([tensor([[1], [2]]), tensor([[3], [4]])], 1).toArray(); // [[1, 3], [2, 4]]
 * ```
 */
export function cat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('cat', tensors);
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.ndim === 0) throw new RangeError(`cat: zero-dimensional tensor (at position ${i}) cannot be concatenated`);
  });
  const ax = normAxis('cat', axis, first.ndim);
  let dtype: DType = first.dtype;
  let total = 0;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim) {
      throw new RangeError(`cat: tensors must have the same number of dimensions: got shape ${fmt(first.shape)} at position 0 and ${fmt(t.shape)} at position ${i}`);
    }
    for (let d = 0; d < t.ndim; d++) {
      if (d !== ax && t.shape[d] !== first.shape[d]) {
        throw new RangeError(`cat: sizes must match except along dim ${ax}: shape ${fmt(first.shape)} at position 0 and ${fmt(t.shape)} at position ${i} differ at dim ${d} (${first.shape[d]} != ${t.shape[d]})`);
      }
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[ax]!;
  });
  const shape = first.shape.slice();
  shape[ax] = total;
  const out = Tensor._empty(shape, dtype);
  let at = 0;
  for (const t of tensors) {
    const len = t.shape[ax]!;
    if (t.size > 0) {
      const dst = Tensor._view(out, t.shape, out.strides, at * out.strides[ax]!);
      runKernel('copy', 'x', dst, [t]);
    }
    at += len;
  }
  return record('cat', tensors.slice(), out, { axis: ax });
}

/**
 * Join tensors of one shape along a new axis: `stack(ts, axis)` has shape `shape` with
 * `ts.length` inserted at `axis`. Built from `unsqueeze` and {@link cat}, so it is differentiable.
 *
 * @param tensors - a non-empty list of tensors of the same shape.
 * @param axis - where the new axis goes, in `[-(ndim+1), ndim]` (default 0).
 * @returns a new contiguous tensor.
 * @throws RangeError for an empty list, differing shapes or an out-of-range axis.
 * @example
 * ```ts
 * stack([tensor([1, 2]), tensor([3, 4])]).toArray();    // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('stack', tensors);
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((n, d) => n !== first.shape[d])) {
      throw new RangeError(`stack: all tensors must have the same shape: got ${fmt(first.shape)} at position 0 and ${fmt(t.shape)} at position ${i}`);
    }
  });
  const ax = normAxis('stack', axis, first.ndim + 1);
  return cat(tensors.map((t) => unsqueeze(t, ax)), ax);
}

/**
 * Split a tensor into views along an axis (as `torch.split`). With a number `s`, the pieces have
 * `s` elements along `axis` (the last may be shorter); with a list, the pieces have those sizes,
 * which must add up to the axis's size. The pieces are views built with `narrow`, so gradients
 * flow back into `x`.
 *
 * @param x - the tensor to split (at least 1-D).
 * @param sizeOrSections - a positive piece size, or a list of non-negative piece sizes.
 * @param axis - the axis to split (default 0).
 * @returns the list of views.
 * @throws RangeError for a non-positive size or sections that do not add up.
 * @example
 * ```ts
 * split(arange(5), 2).map((t) => t.toArray());      // [[0, 1], [2, 3], [4]]
 * split(arange(5), [1, 4]).map((t) => t.toArray()); // [[0], [1, 2, 3, 4]]
 * ```
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  checkTensor('split', x);
  if (x.ndim === 0) throw new RangeError('split: cannot split a 0-d tensor');
  const ax = normAxis('split', axis, x.ndim);
  const n = x.shape[ax]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    const s = sizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n !== 0)) {
      throw new RangeError(`split: split size must be a positive integer, got ${s} (dim ${ax} has size ${n})`);
    }
    sizes = [];
    if (n === 0) sizes.push(0);
    for (let at = 0; at < n; at += s) sizes.push(Math.min(s, n - at));
  } else if (Array.isArray(sizeOrSections)) {
    sizes = sizeOrSections.slice();
    for (const s of sizes) {
      if (!Number.isInteger(s) || s < 0) throw new RangeError(`split: section sizes must be non-negative integers, got ${fmt(sizes)}`);
    }
    const sum = sizes.reduce((p, q) => p + q, 0);
    if (sum !== n) throw new RangeError(`split: section sizes ${fmt(sizes)} add up to ${sum}, but dim ${ax} has size ${n}`);
  } else {
    throw new TypeError(`split: sizeOrSections must be a number or an array of numbers, got ${typeof sizeOrSections}`);
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(narrow(x, ax, at, s));
    at += s;
  }
  return out;
}

/**
 * Split a tensor into `chunks` views of (nearly) equal size along an axis (as `torch.chunk`):
 * every piece has `ceil(n / chunks)` elements except possibly the last, so there may be fewer than
 * `chunks` pieces. The pieces are views, so gradients flow back into `x`.
 *
 * @param x - the tensor to split (at least 1-D).
 * @param chunks - the number of pieces wanted, a positive integer.
 * @param axis - the axis to split (default 0).
 * @returns the list of views.
 * @throws RangeError for a non-positive `chunks`.
 * @example
 * ```ts
 * chunk(arange(5), 3).map((t) => t.toArray()); // [[0, 1], [2, 3], [4]]
 * chunk(arange(6), 4).map((t) => t.toArray()); // [[0, 1], [2, 3], [4, 5]]
 * ```
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  checkTensor('chunk', x);
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  if (x.ndim === 0) throw new RangeError('chunk: cannot split a 0-d tensor');
  const ax = normAxis('chunk', axis, x.ndim);
  const n = x.shape[ax]!;
  if (n === 0) return split(x, new Array<number>(chunks).fill(0), ax);
  return split(x, Math.ceil(n / chunks), ax);
}

/**
 * Constant padding (as `torch.nn.functional.pad` in constant mode). `pads` lists
 * `(before, after)` pairs starting from the LAST dimension: `[left, right]` pads the last
 * dimension, `[left, right, top, bottom]` the last two, and so on. Negative entries crop.
 * New positions hold `value`.
 *
 * @param x - the tensor to pad.
 * @param pads - an even number of integers, at most two per dimension.
 * @param value - the fill value (default 0); must be representable in `x.dtype`.
 * @returns a new contiguous tensor of `x.dtype`.
 * @throws RangeError for an odd or too long `pads`, non-integers, or a crop below size 0;
 *   TypeError for a fractional value on an int32 tensor.
 * @example
 * ```ts
 * pad(tensor([[1, 2]]), [1, 0]).toArray();           // [[0, 1, 2]]
 * pad(tensor([[1, 2]]), [0, 0, 1, 1], 9).toArray();  // [[9, 9], [1, 2], [9, 9]]
 * pad(tensor([1, 2, 3, 4]), [-1, -1]).toArray();     // [2, 3]
 * ```
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  checkTensor('pad', x);
  if (!Array.isArray(pads)) throw new TypeError(`pad: pads must be an array of integers, got ${typeof pads}`);
  if (pads.length % 2 !== 0) throw new RangeError(`pad: pads must have an even length (before, after pairs), got ${fmt(pads)}`);
  if (pads.length / 2 > x.ndim) {
    throw new RangeError(`pad: pads ${fmt(pads)} cover ${pads.length / 2} dims but the tensor of shape ${fmt(x.shape)} has ${x.ndim}`);
  }
  for (const p of pads) if (!Number.isInteger(p)) throw new RangeError(`pad: pads must be integers, got ${fmt(pads)}`);
  if (typeof value !== 'number') throw new TypeError(`pad: value must be a number, got ${typeof value}`);
  if (!isFloat(x.dtype) && !Number.isInteger(value)) throw new TypeError(`pad: value ${value} cannot be stored in a ${x.dtype} tensor`);
  if (x.dtype === 'bool' && value !== 0 && value !== 1) throw new TypeError(`pad: value ${value} cannot be stored in a bool tensor (use 0 or 1)`);
  const nd = x.ndim;
  const shape = x.shape.slice();
  const before = new Array<number>(nd).fill(0);
  const after = new Array<number>(nd).fill(0);
  for (let k = 0; 2 * k < pads.length; k++) {
    const d = nd - 1 - k;
    before[d] = pads[2 * k]!;
    after[d] = pads[2 * k + 1]!;
    shape[d] = x.shape[d]! + before[d]! + after[d]!;
    if (shape[d]! < 0) {
      throw new RangeError(`pad: pads ${fmt(pads)} shrink dim ${d} of size ${x.shape[d]} to ${shape[d]} (shape ${fmt(x.shape)})`);
    }
  }
  const out = Tensor._empty(shape, x.dtype);
  const fill = castScalar(x.dtype, value);
  if (!Object.is(fill, 0)) out.storage.fill(fill);
  // The part of x that survives cropping, and where it lands in the output.
  const lens: number[] = [];
  let srcOff = x.offset;
  let dstOff = 0;
  const outStrides = contiguousStrides(shape);
  for (let d = 0; d < nd; d++) {
    const cutLo = Math.max(0, -before[d]!);
    const cutHi = Math.max(0, -after[d]!);
    lens.push(Math.max(0, x.shape[d]! - cutLo - cutHi));
    srcOff += cutLo * x.strides[d]!;
    dstOff += Math.max(0, before[d]!) * outStrides[d]!;
  }
  if (lens.every((l) => l > 0)) {
    const src = Tensor._view(x, lens, x.strides, srcOff);
    const dst = Tensor._view(out, lens, outStrides, dstOff);
    runKernel('copy', 'x', dst, [src]);
  }
  return record('pad', [x], out, { pads: pads.slice(), value });
}
