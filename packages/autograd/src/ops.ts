/**
 * Differentiable helper ops that only gradient rules need: the adjoint of `slice`, and the pieces the
 * `pad` and `scatterAdd` rules are built from.
 * @module
 */
import { Tensor, contiguousStrides, fmt, gather, record, runKernel, shapesEqual } from '@gd/tensor';

function sliceLength(start: number, stop: number, step: number): number {
  return step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
}

/**
 * The strided view `x[starts:stops:steps]` (normalised per-axis bounds, as `slice` records them),
 * recorded as a `slice` op.
 * @param x - the tensor to view.
 * @param starts - first index per axis.
 * @param stops - exclusive end per axis (may be -1 for a negative step running to the start).
 * @param steps - non-zero step per axis.
 * @returns the view.
 * @example
 * ```ts
 * sliceView(arange(6), [4], [-1], [-2]).toArray(); // [4, 2, 0]
 * ```
 */
export function sliceView(x: Tensor, starts: readonly number[], stops: readonly number[], steps: readonly number[]): Tensor {
  if (starts.length !== x.ndim || stops.length !== x.ndim || steps.length !== x.ndim) {
    throw new RangeError(`slice: expected ${x.ndim} starts/stops/steps for shape ${fmt(x.shape)}, got ${starts.length}/${stops.length}/${steps.length}`);
  }
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = x.offset;
  for (let d = 0; d < x.ndim; d++) {
    const len = sliceLength(starts[d]!, stops[d]!, steps[d]!);
    if (len > 0) offset += starts[d]! * x.strides[d]!;
    shape.push(len);
    strides.push(x.strides[d]! * steps[d]!);
  }
  return record('slice', [x], Tensor._view(x, shape, strides, offset), { starts: starts.slice(), stops: stops.slice(), steps: steps.slice() });
}

/**
 * The adjoint of `slice`: a zero tensor of `shape` with `g` written at the positions the slice
 * `starts/stops/steps` picked. Recorded as `sliceBackward` (whose own gradient is the slice again), so
 * gradients through slices can be differentiated again.
 * @param g - the gradient of the slice (its shape is the slice's shape).
 * @param shape - the shape of the sliced tensor.
 * @param starts - first index per axis.
 * @param stops - exclusive end per axis.
 * @param steps - non-zero step per axis.
 * @returns a new contiguous tensor of `shape`.
 * @example
 * ```ts
 * sliceBackward(tensor([1, 2]), [5], [1], [5], [2]).toArray(); // [0, 1, 0, 2, 0]
 * ```
 */
export function sliceBackward(g: Tensor, shape: readonly number[], starts: readonly number[], stops: readonly number[], steps: readonly number[]): Tensor {
  const out = Tensor._empty(shape, g.dtype);
  const base = contiguousStrides(shape);
  const vshape: number[] = [];
  const vstrides: number[] = [];
  let offset = 0;
  for (let d = 0; d < shape.length; d++) {
    const len = sliceLength(starts[d]!, stops[d]!, steps[d]!);
    if (len > 0) offset += starts[d]! * base[d]!;
    vshape.push(len);
    vstrides.push(base[d]! * steps[d]!);
  }
  if (!shapesEqual(vshape, g.shape)) {
    throw new RangeError(`sliceBackward: gradient of shape ${fmt(g.shape)} does not match the slice's shape ${fmt(vshape)}`);
  }
  if (g.size > 0) runKernel('copy', 'x', Tensor._view(out, vshape, vstrides, offset), [g]);
  return record('sliceBackward', [g], out, { shape: shape.slice(), starts: starts.slice(), stops: stops.slice(), steps: steps.slice() });
}

/**
 * Undo a constant `pad`: cut the input region out of the padded tensor's gradient.
 * `pads` lists (before, after) pairs starting from the last axis, as `pad` takes them; negative
 * entries (cropping) leave zeros in the cropped-away input positions.
 * @param g - the gradient of the padded tensor.
 * @param inShape - the shape before padding.
 * @param pads - the pads the forward op used.
 * @returns a tensor of `inShape`.
 * @example
 * ```ts
 * unpad(tensor([0, 1, 2, 0]), [2], [1, 1]).toArray(); // [1, 2]
 * ```
 */
export function unpad(g: Tensor, inShape: readonly number[], pads: readonly number[]): Tensor {
  const nd = inShape.length;
  const starts = new Array<number>(nd).fill(0);
  const stops = g.shape.slice();
  const steps = new Array<number>(nd).fill(1);
  // input region inside the padded tensor, and the part of the input that survived cropping
  const inStarts = new Array<number>(nd).fill(0);
  const inStops = inShape.slice();
  let cropped = false;
  for (let k = 0; 2 * k < pads.length; k++) {
    const d = nd - 1 - k;
    const before = pads[2 * k]!;
    const after = pads[2 * k + 1] ?? 0;
    starts[d] = Math.max(0, before);
    stops[d] = g.shape[d]! - Math.max(0, after);
    if (before < 0) { inStarts[d] = -before; cropped = true; }
    if (after < 0) { inStops[d] = inShape[d]! + after; cropped = true; }
  }
  const inner = sliceView(g, starts, stops, steps);
  if (!cropped) return inner;
  return sliceBackward(inner, inShape, inStarts, inStops, steps);
}

/**
 * `gather(g, axis, index)`, padded with zeros to `shape` when `index` is smaller than the source it
 * was scattered from (the `scatterAdd` rule's source gradient).
 * @param g - the gradient of the scatter's output.
 * @param axis - the scatter axis.
 * @param index - the scatter's index tensor.
 * @param shape - the source's shape.
 * @returns a tensor of `shape`.
 * @example
 * ```ts
 * gatherInto(tensor([[1, 2, 3]]), 1, tensor([[2, 0]], { dtype: 'int32' }), [1, 2]).toArray(); // [[3, 1]]
 * ```
 */
export function gatherInto(g: Tensor, axis: number, index: Tensor, shape: readonly number[]): Tensor {
  const got = gather(g, axis, index);
  if (shapesEqual(got.shape, shape)) return got;
  const nd = shape.length;
  return sliceBackward(got, shape, new Array<number>(nd).fill(0), got.shape.slice(), new Array<number>(nd).fill(1));
}
