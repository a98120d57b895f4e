/**
 * View ops: reshape, permute, slice, expand, flip, squeeze... Each returns a tensor sharing storage
 * with its input (except `reshape` of a tensor whose strides do not allow it, which copies).
 * @module
 */
import { Tensor, type SliceSpec } from '../tensor.js';
import type { TypedArray } from '../dtype.js';
import { contiguousStrides, fmt, normAxes, normAxis, sizeOf } from '../shape.js';
import { record } from '../dispatch.js';
import { runKernel } from './elementwise.js';

function checkTensor(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkList(op: string, what: string, v: unknown): void {
  if (!Array.isArray(v)) throw new TypeError(`${op}: ${what} must be an array, got ${v === null ? 'null' : typeof v}`);
}

/** A contiguous copy of `x` in fresh storage (not recorded). @internal */
export function copyKernel(x: Tensor): Tensor {
  const out = Tensor._empty(x.shape, x.dtype);
  runKernel('copy', 'x', out, [x]);
  return out;
}

/**
 * The elements of `x` in row-major order as a fresh typed array (what `Tensor.data()` returns).
 * @param x - any tensor or view.
 * @returns a new typed array of `x.size` elements (bool as 0/1 in a `Uint8Array`).
 * @example
 * ```ts
 * Array.from(tensor([[1, 2], [3, 4]]).T.data()); // [1, 3, 2, 4] (Tensor.data calls contiguousData)
 * ```
 */
export function contiguousData(x: Tensor): TypedArray {
  checkTensor('data', x);
  if (x.isContiguous()) return x.storage.slice(x.offset, x.offset + x.size);
  // Ordinary JS memory, never the arena (as `slice` above gives): callers keep views of the result's
  // buffer (safetensors does), and an arena block is reclaimed once its storage object is unreachable.
  const n = x.size;
  const plain = x.dtype === 'float32' ? new Float32Array(n) : x.dtype === 'float64' ? new Float64Array(n)
    : x.dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  const out = Tensor._fromData(plain, x.shape, x.dtype);
  runKernel('copy', 'x', out, [x]);
  return out.storage;
}

/**
 * A contiguous copy of `x` in new storage (differentiable; the copy has its own version counter).
 * @param x - any tensor or view.
 * @returns the copy.
 * @example
 * ```ts
 * const t = tensor([1, 2]);
 * clone(t).storage === t.storage; // false
 * ```
 */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', x);
  return record('contiguous', [x], copyKernel(x), {});
}

/**
 * `x` itself when its elements are already laid out row-major, else a contiguous copy (differentiable).
 * @param x - any tensor or view.
 * @returns a contiguous tensor with the same elements.
 * @example
 * ```ts
 * contiguous(tensor([[1, 2], [3, 4]]).T).strides; // [2, 1]
 * ```
 */
export function contiguous(x: Tensor): Tensor {
  checkTensor('contiguous', x);
  if (x.isContiguous()) return x;
  return record('contiguous', [x], copyKernel(x), {});
}

/**
 * Resolve a reshape target: at most one `-1` is inferred from the element count, and the sizes must
 * multiply to `x.size`.
 * @param op - the op name used in the error message.
 * @param x - the tensor being reshaped.
 * @param shape - the requested shape, possibly with one `-1`.
 * @returns the full shape.
 * @throws RangeError naming `op` for a second `-1`, a negative or fractional size, or a wrong count.
 * @example
 * ```ts
 * zeros([2, 6]).reshape(3, -1).shape; // [3, 4] (reshape resolves the -1 with inferShape)
 * ```
 */
export function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  checkList(op, 'shape', shape);
  const out = shape.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const n = out[i]!;
    if (n === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be -1, got ${fmt(shape)}`);
      infer = i;
    } else if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`${op}: invalid shape ${fmt(shape)} (sizes must be non-negative integers or a single -1)`);
    } else known *= n;
  }
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) throw new RangeError(`${op}: shape ${fmt(shape)} is invalid for a tensor of ${x.size} elements`);
    out[infer] = x.size / known;
  } else if (known !== x.size) {
    throw new RangeError(`${op}: shape ${fmt(shape)} is invalid for a tensor of ${x.size} elements (shape ${fmt(x.shape)})`);
  }
  return out;
}

/**
 * Strides that show the elements of a tensor of shape `oldShape`/`oldStrides` in `shape` without
 * copying, or `null` when no such strides exist. Old dims are grouped into runs that are contiguous
 * among themselves (`stride[d] = stride[d+1]·size[d+1]`); the new shape must split or merge within
 * those runs (PyTorch's rule).
 * @param oldShape - the current shape.
 * @param oldStrides - the current strides.
 * @param shape - the wanted shape (same element count).
 * @returns the new strides, or `null`.
 * @example
 * ```ts
 * viewStrides([2, 3], [3, 1], [3, 2]); // [2, 1]
 * viewStrides([3, 2], [1, 3], [6]);    // null (a transpose cannot be flattened in place)
 * ```
 */
export function viewStrides(oldShape: readonly number[], oldStrides: readonly number[], shape: readonly number[]): number[] | null {
  const total = sizeOf(shape);
  if (total === 0 || oldShape.length === 0) return contiguousStrides(shape);
  const newStrides = new Array<number>(shape.length).fill(1);
  // Walk old dims from the end in chunks that are contiguous with each other.
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1]!;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d]!;
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

/**
 * The same elements in a new shape: a view sharing storage whenever {@link viewStrides} finds one
 * (always for contiguous tensors), a contiguous copy otherwise. One size may be `-1`.
 * @param x - any tensor or view.
 * @param shape - the new shape.
 * @returns a view or a copy; check `out.storage === x.storage` to tell.
 * @example
 * ```ts
 * reshape(arange(6), [2, -1]).shape; // [2, 3]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x);
  const s = inferShape('reshape', x, shape);
  const strides = viewStrides(x.shape, x.strides, s);
  const out = strides !== null ? Tensor._view(x, s, strides, x.offset) : Tensor._view(copyKernel(x), s, contiguousStrides(s), 0);
  return record('reshape', [x], out, { shape: s });
}

/**
 * Like {@link reshape}, but never copies: throws when the strides do not allow a view.
 * @param x - any tensor or view.
 * @param shape - the new shape (one size may be `-1`).
 * @returns a view sharing `x`'s storage.
 * @throws Error naming the shape and strides when a copy would be needed.
 * @example
 * ```ts
 * view(arange(6), [3, 2]).shape;          // [3, 2]
 * view(arange(6).reshape(2, 3).T, [6]);   // throws
 * ```
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('view', x);
  const s = inferShape('view', x, shape);
  const strides = viewStrides(x.shape, x.strides, s);
  if (strides === null) {
    throw new Error(`view: shape ${fmt(s)} is incompatible with the strides ${fmt(x.strides)} of a tensor of shape ${fmt(x.shape)}; use reshape() to copy`);
  }
  return record('reshape', [x], Tensor._view(x, s, strides, x.offset), { shape: s });
}

/**
 * Merge dims `startDim..endDim` (inclusive, negative allowed) into one; a 0-d tensor becomes `[1]`.
 * @param x - any tensor.
 * @param startDim - first dim to merge.
 * @param endDim - last dim to merge.
 * @returns a view when possible, else a copy (as {@link reshape}).
 * @example
 * ```ts
 * flatten(zeros([2, 3, 4]), 1).shape; // [2, 12]
 * ```
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normAxis('flatten', startDim, x.ndim);
  const b = normAxis('flatten', endDim, x.ndim);
  if (a > b) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, a), sizeOf(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)];
  return reshape(x, shape);
}

/**
 * Reorder dims without copying: dim `i` of the result is dim `dims[i]` of `x`.
 * @param x - any tensor.
 * @param dims - a permutation of `0..ndim-1` (negative allowed).
 * @returns a view.
 * @example
 * ```ts
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', x);
  checkList('permute', 'dims', dims);
  if (dims.length !== x.ndim) throw new RangeError(`permute: got ${dims.length} dims ${fmt(dims)} for a tensor of rank ${x.ndim}`);
  const d = dims.map((a) => normAxis('permute', a, x.ndim));
  if (new Set(d).size !== d.length) throw new RangeError(`permute: dims ${fmt(dims)} are not a permutation of 0..${x.ndim - 1}`);
  const out = Tensor._view(x, d.map((i) => x.shape[i]!), d.map((i) => x.strides[i]!), x.offset);
  return record('permute', [x], out, { dims: d });
}

/**
 * Swap two dims without copying (defaults: the last two; a 0-d or 1-d tensor is returned as is).
 * @param x - any tensor.
 * @param dim0 - first dim.
 * @param dim1 - second dim.
 * @returns a view.
 * @example
 * ```ts
 * transpose(zeros([2, 3])).shape; // [3, 2]
 * ```
 */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor('transpose', x);
  if (x.ndim < 2 && dim0 === -2 && dim1 === -1) return x;
  const a = normAxis('transpose', dim0, x.ndim);
  const b = normAxis('transpose', dim1, x.ndim);
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/**
 * Python's `slice(start, stop, step).indices(n)`: clamp the bounds into range (negative ones count
 * from the end; `null` means "from the start/end" in the step's direction).
 * @param op - the op name used in the error message.
 * @param n - the length of the axis.
 * @param start - first index (inclusive).
 * @param stop - end index (exclusive).
 * @param step - non-zero integer step.
 * @returns `[start, stop, step, length]` after normalisation.
 * @example
 * ```ts
 * sliceIndices('slice', 5, null, null, -2); // [4, -1, -2, 3]
 * ```
 */
export function sliceIndices(op: string, n: number, start: number | null | undefined, stop: number | null | undefined, step: number | null | undefined): [number, number, number, number] {
  const st = step ?? 1;
  if (!Number.isInteger(st) || st === 0) throw new RangeError(`${op}: slice step must be a non-zero integer, got ${step}`);
  for (const [name, v] of [['start', start], ['stop', stop]] as const) {
    if (v !== null && v !== undefined && !Number.isInteger(v)) throw new RangeError(`${op}: slice ${name} must be an integer, got ${v}`);
  }
  let a: number;
  let b: number;
  if (st > 0) {
    a = start == null ? 0 : start < 0 ? Math.max(0, start + n) : Math.min(start, n);
    b = stop == null ? n : stop < 0 ? Math.max(0, stop + n) : Math.min(stop, n);
  } else {
    a = start == null ? n - 1 : start < 0 ? Math.max(-1, start + n) : Math.min(start, n - 1);
    b = stop == null ? -1 : stop < 0 ? Math.max(-1, stop + n) : Math.min(stop, n - 1);
  }
  const len = st > 0 ? Math.max(0, Math.ceil((b - a) / st)) : Math.max(0, Math.ceil((a - b) / -st));
  return [a, b, st, len];
}

/**
 * A strided view with Python slicing semantics, one spec per leading axis: `[start, stop, step]`
 * (negative indices count from the end, negative steps walk backwards), a number to pick one index
 * and drop the axis, or `null` for the whole axis.
 * @param x - any tensor.
 * @param specs - one spec per leading axis (the rest are kept whole).
 * @returns a view.
 * @example
 * ```ts
 * slice(arange(10), [[null, null, -3]]).toArray(); // [9, 6, 3, 0]
 * ```
 */
export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  checkTensor('slice', x);
  checkList('slice', 'specs', specs);
  if (specs.length > x.ndim) throw new RangeError(`slice: ${specs.length} slice specs for a tensor of rank ${x.ndim}`);
  const starts: number[] = [];
  const stops: number[] = [];
  const steps: number[] = [];
  const shape: number[] = [];
  const strides: number[] = [];
  const drop: number[] = [];
  let offset = x.offset;
  for (let d = 0; d < x.ndim; d++) {
    const n = x.shape[d]!;
    const spec = d < specs.length ? specs[d] : null;
    let a: number, b: number, st: number, len: number;
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec)) throw new RangeError(`slice: index ${spec} for dim ${d} is not an integer`);
      if (spec < -n || spec >= n) throw new RangeError(`slice: index ${spec} is out of range for dim ${d} of size ${n}`);
      a = spec < 0 ? spec + n : spec;
      b = a + 1; st = 1; len = 1;
      drop.push(d);
    } else if (spec === null || spec === undefined) {
      a = 0; b = n; st = 1; len = n;
    } else if (Array.isArray(spec)) {
      if (spec.length > 3) throw new RangeError(`slice: spec for dim ${d} has ${spec.length} entries ${JSON.stringify(spec)}; expected [start, stop, step]`);
      [a, b, st, len] = sliceIndices('slice', n, spec[0], spec[1], spec[2]);
    } else {
      throw new TypeError(`slice: spec for dim ${d} must be a number, null or [start, stop, step], got ${JSON.stringify(spec)}`);
    }
    starts.push(a); stops.push(b); steps.push(st);
    if (len > 0) offset += a * x.strides[d]!;
    shape.push(len);
    strides.push(x.strides[d]! * st);
  }
  let out = record('slice', [x], Tensor._view(x, shape, strides, offset), { starts, stops, steps });
  if (drop.length > 0) out = reshape(out, shape.filter((_, i) => !drop.includes(i)));
  return out;
}

/**
 * `length` elements of axis `axis` starting at `start` (negative counts from the end), as a view.
 * @param x - any tensor.
 * @param axis - the axis.
 * @param start - first index.
 * @param length - how many.
 * @returns a view.
 * @example
 * ```ts
 * narrow(arange(6), 0, 2, 3).toArray(); // [2, 3, 4]
 * ```
 */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  checkTensor('narrow', x);
  const a = normAxis('narrow', axis, x.ndim);
  const n = x.shape[a]!;
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
    throw new RangeError(`narrow: start ${start} and length ${length} are out of range for dim ${a} of size ${n}`);
  }
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[a] = [s, s + length, 1];
  return slice(x, specs);
}

/**
 * Index `index` of axis `axis` (negative counts from the end), removing that axis; a view.
 * @param x - any tensor.
 * @param axis - the axis.
 * @param index - the index.
 * @returns a view of rank `ndim - 1`.
 * @example
 * ```ts
 * select(arange(6).reshape(2, 3), 1, -1).toArray(); // [2, 5]
 * ```
 */
export function select(x: Tensor, axis: number, index: number): Tensor {
  checkTensor('select', x);
  const a = normAxis('select', axis, x.ndim);
  const n = x.shape[a]!;
  if (!Number.isInteger(index)) throw new RangeError(`select: index ${index} for dim ${a} is not an integer`);
  if (index < -n || index >= n) throw new RangeError(`select: index ${index} is out of range for dim ${a} of size ${n}`);
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[a] = index;
  return slice(x, specs);
}

/**
 * Remove size-1 dims: all of them, or the listed ones (each must have size 1).
 * @param x - any tensor.
 * @param axes - the dims to remove (default: every size-1 dim).
 * @returns a view.
 * @example
 * ```ts
 * squeeze(zeros([2, 1, 3, 1])).shape;    // [2, 3]
 * squeeze(zeros([2, 1, 3, 1]), 1).shape; // [2, 3, 1]
 * ```
 */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  checkTensor('squeeze', x);
  const list = axes === undefined ? x.shape.map((n, i) => (n === 1 ? i : -1)).filter((i) => i >= 0) : normAxes('squeeze', axes, x.ndim);
  for (const a of list) {
    if (x.shape[a] !== 1) throw new RangeError(`squeeze: dim ${a} has size ${x.shape[a]}, not 1 (shape ${fmt(x.shape)})`);
  }
  return reshape(x, x.shape.filter((_, i) => !list.includes(i)));
}

/**
 * Insert a size-1 dim at `axis` (which may be `ndim`, or negative counting from `ndim + 1`).
 * @param x - any tensor.
 * @param axis - where the new dim goes.
 * @returns a view.
 * @example
 * ```ts
 * unsqueeze(zeros([3]), 0).shape;  // [1, 3]
 * unsqueeze(zeros([3]), -1).shape; // [3, 1]
 * ```
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  checkTensor('unsqueeze', x);
  const a = normAxis('unsqueeze', axis, x.ndim + 1);
  const shape = x.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/**
 * Broadcast to `shape` without copying: size-1 dims and new leading dims get stride 0; `-1` keeps a
 * size. Such a view cannot be written in place.
 * @param x - any tensor.
 * @param shape - the target shape.
 * @returns a view.
 * @example
 * ```ts
 * expand(tensor([[1], [2]]), [2, 3]).toArray(); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return expandAs('expand', x, shape);
}

/**
 * Broadcast `x` to `shape` without copying (NumPy's `broadcast_to`): the same view as {@link expand},
 * with errors naming `broadcastTo`.
 * @param x - any tensor.
 * @param shape - the target shape (`x.shape` must broadcast to it).
 * @returns a view (stride 0 on broadcast dims).
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [3, 2]).strides; // [0, 1]
 * ```
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expandAs('broadcastTo', x, shape);
}

function expandAs(op: string, x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(op, x);
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of integers, got ${shape === null ? 'null' : typeof shape}`);
  if (shape.length < x.ndim) throw new RangeError(`${op}: target shape ${fmt(shape)} has fewer dims than the tensor's ${fmt(x.shape)}`);
  const lead = shape.length - x.ndim;
  const outShape: number[] = [];
  const strides: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const want = shape[d]!;
    if (d < lead) {
      if (!Number.isInteger(want) || want < 0) throw new RangeError(`${op}: invalid size ${want} in ${fmt(shape)}`);
      outShape.push(want); strides.push(0);
      continue;
    }
    const have = x.shape[d - lead]!;
    const n = want === -1 ? have : want;
    if (have === n) { outShape.push(n); strides.push(x.strides[d - lead]!); }
    else if (have === 1 && Number.isInteger(n) && n >= 0) { outShape.push(n); strides.push(0); }
    else throw new RangeError(`${op}: cannot expand shape ${fmt(x.shape)} to ${fmt(shape)} (dim ${d}: ${have} -> ${want})`);
  }
  return record('expand', [x], Tensor._view(x, outShape, strides, x.offset), { shape: outShape });
}

/**
 * Reverse the order of elements along `axes` without copying (negative strides).
 * @param x - any tensor.
 * @param axes - one axis or a list (negative allowed, no repeats).
 * @returns a view.
 * @example
 * ```ts
 * flip(tensor([[1, 2], [3, 4]]), 1).toArray(); // [[2, 1], [4, 3]]
 * ```
 */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  checkTensor('flip', x);
  const list = normAxes('flip', axes, x.ndim);
  const strides = x.strides.slice();
  let offset = x.offset;
  for (const a of list) {
    if (x.shape[a]! > 0) offset += (x.shape[a]! - 1) * x.strides[a]!;
    strides[a] = -x.strides[a]!;
  }
  return record('flip', [x], Tensor._view(x, x.shape, strides, offset), { axes: list });
}
