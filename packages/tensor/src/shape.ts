/**
 * Shape arithmetic: sizes, strides, broadcasting and axis normalisation.
 * @module
 */

/** A tensor's shape: one non-negative integer per dimension. */
export type Shape = readonly number[];

/**
 * Format a shape the way error messages print it.
 * @param shape - the shape.
 * @returns text like `[2,3]`.
 * @example
 * ```ts
 * fmt([2, 3]); // '[2,3]'
 * ```
 */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/**
 * Number of elements of a shape: the product of its sizes (1 for a scalar `[]`).
 * @param shape - the shape.
 * @returns the element count.
 * @example
 * ```ts
 * sizeOf([2, 3, 4]); // 24
 * sizeOf([]);        // 1
 * ```
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/**
 * Row-major (C-order) strides: the last dim has stride 1 and each earlier stride is the product of
 * the sizes after it, `stride[d] = ∏_{k>d} shape[k]`.
 * @param shape - the shape.
 * @returns one stride per dim.
 * @example
 * ```ts
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * Validate a shape argument: an array of non-negative integers.
 * @param op - the op name used in the error message.
 * @param shape - the value to check.
 * @returns a copy of the shape.
 * @throws TypeError when `shape` is not an array; RangeError naming `op` and the shape on a negative,
 *   fractional or non-numeric size.
 * @example
 * ```ts
 * checkShape('zeros', [2, 3]); // [2, 3]
 * checkShape('zeros', [2, -1]); // throws
 * ```
 */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: invalid shape ${JSON.stringify(shape)} (sizes must be non-negative integers)`);
    }
  }
  return shape.slice() as number[];
}

/**
 * The shape two shapes broadcast to (NumPy rules): align them on the right, pad the shorter with
 * leading 1s, and in each dim the sizes must be equal or one of them 1 (the result takes the other).
 * @param op - the op name used in the error message.
 * @param a - first shape.
 * @param b - second shape.
 * @returns the broadcast shape.
 * @throws RangeError naming `op`, both shapes and the first dim that disagrees.
 * @example
 * ```ts
 * broadcastShapes('add', [3, 1], [4]); // [3, 4]
 * broadcastShapes('add', [2], [3]);    // throws
 * ```
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new RangeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast (${da} != ${db} at dim ${i})`);
  }
  return out;
}

/**
 * Broadcast any number of shapes together (see {@link broadcastShapes}).
 * @param op - the op name used in the error message.
 * @param shapes - the shapes.
 * @returns the broadcast shape (`[]` for no shapes).
 * @example
 * ```ts
 * broadcastAll('where', [[2, 1], [3], [1, 1]]); // [2, 3]
 * ```
 */
export function broadcastAll(op: string, shapes: readonly Shape[]): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastShapes(op, out, s);
  return out;
}

/**
 * True when two shapes have the same rank and sizes.
 * @param a - first shape.
 * @param b - second shape.
 * @returns whether they are equal.
 * @example
 * ```ts
 * shapesEqual([2, 3], [2, 3]); // true
 * ```
 */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Normalise a possibly negative axis into `[0, ndim)` (`-1` is the last axis).
 * @param op - the op name used in the error message.
 * @param axis - an integer in `[-ndim, ndim)`.
 * @param ndim - the rank.
 * @returns the axis in `[0, ndim)`.
 * @throws RangeError naming `op`, the axis and the rank.
 * @example
 * ```ts
 * normAxis('sum', -1, 3); // 2
 * ```
 */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new RangeError(`${op}: axis ${typeof axis === 'number' ? axis : JSON.stringify(axis)} is not an integer (tensor of rank ${ndim})`);
  }
  if (axis < -ndim || axis >= ndim) {
    throw new RangeError(`${op}: axis ${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalise an axis argument of a reduction: `undefined` means all axes; a number or list of
 * possibly negative axes is normalised, sorted and checked for repeats.
 * @param op - the op name used in the error message.
 * @param axes - `undefined`, one axis or a list.
 * @param ndim - the rank.
 * @returns sorted unique axes in `[0, ndim)`.
 * @throws RangeError on an out-of-range or repeated axis.
 * @example
 * ```ts
 * normAxes('sum', [-1, 0], 3); // [0, 2]
 * normAxes('sum', undefined, 2); // [0, 1]
 * ```
 */
export function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) {
    const all = new Array<number>(ndim);
    for (let i = 0; i < ndim; i++) all[i] = i;
    return all;
  }
  if (typeof axes === 'number') return [normAxis(op, axes, ndim)];
  if (typeof axes !== 'number' && !Array.isArray(axes)) {
    throw new TypeError(`${op}: axes must be a number, an array of numbers or undefined, got ${axes === null ? 'null' : typeof axes}`);
  }
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normAxis(op, a, ndim));
  const seen = new Set<number>();
  for (const a of out) {
    if (seen.has(a)) throw new RangeError(`${op}: axis ${a} repeated in ${JSON.stringify(list)}`);
    seen.add(a);
  }
  return out.sort((x, y) => x - y);
}
