/**
 * Shape arithmetic: sizes, strides, broadcasting and axis normalisation.
 * @module
 */

/** A tensor's shape: one non-negative integer per dimension. */
export type Shape = readonly number[];

/** Format a shape the way errors print it: `[2,3]`. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major (C-order) strides for a shape. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Throws unless every entry of `shape` is a non-negative integer. */
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
 * The shape two shapes broadcast to (NumPy rules: align on the right; sizes must match or be 1).
 * @throws RangeError naming `op` and both shapes when they do not broadcast.
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

/** Broadcast any number of shapes together. */
export function broadcastAll(op: string, shapes: readonly Shape[]): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastShapes(op, out, s);
  return out;
}

/** True when two shapes are equal. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Normalise a possibly negative axis into `[0, ndim)`.
 * @throws RangeError naming `op`, the axis and the rank.
 */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${op}: axis ${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalise an axis argument of a reduction: `undefined` means all axes. Returns sorted unique axes.
 * @throws RangeError on an out-of-range or repeated axis.
 */
export function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normAxis(op, a, ndim));
  const seen = new Set<number>();
  for (const a of out) {
    if (seen.has(a)) throw new RangeError(`${op}: axis ${a} repeated in ${JSON.stringify(list)}`);
    seen.add(a);
  }
  return out.sort((x, y) => x - y);
}
