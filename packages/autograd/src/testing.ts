/**
 * Property-testing support for gradients: everything from `@gd/tensor/testing` (shapes, broadcastable
 * shapes, tensors, strided views, reference helpers) plus arbitraries made for `gradcheck`: float64
 * points kept away from kinks (`abs`, `relu`, `max`...), positive domains (`log`, `sqrt`), and
 * tensors with well-separated elements (no ties for `max`/`min`/`sort`-like code).
 *
 * Import it as `@gd/autograd/testing`; it needs `fast-check`.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { gradcheck } from '@gd/autograd';
 * import { gradViewArb } from '@gd/autograd/testing';
 *
 * fc.assert(fc.property(gradViewArb({ kinks: [0] }), ({ tensor }) =>
 *   gradcheck((x) => x.abs().mul(x), [tensor])), { numRuns: 50 });
 * ```
 * @module @gd/autograd/testing
 */
import fc from 'fast-check';
import { Tensor } from '@gd/tensor';
import {
  type ShapeArbOptions, type ViewArbOptions, type ViewCase, broadcastableShapesArb, shapeArb, viewOfArb,
} from '@gd/tensor/testing';

export * from '@gd/tensor/testing';

/** Options of {@link smoothTensorArb} and {@link gradViewArb}. */
export interface GradTensorArbOptions {
  /** A fixed shape or an arbitrary of shapes (default `shapeArb({ maxRank: 3, maxDim: 3 })`: small, since gradcheck costs a pass per element). */
  shape?: readonly number[] | fc.Arbitrary<number[]>;
  /** Smallest value (default -3). */
  min?: number;
  /** Largest value (default 3). */
  max?: number;
  /** Points where the function is not differentiable (e.g. `[0]` for abs/relu); values keep `margin` away. */
  kinks?: readonly number[];
  /** Distance kept from each kink (default 0.05, far larger than gradcheck's default step 1e-6). */
  margin?: number;
}

function resolveShape(shape: GradTensorArbOptions['shape']): fc.Arbitrary<number[]> {
  if (shape === undefined) return shapeArb({ maxRank: 3, maxDim: 3 });
  if (Array.isArray(shape)) return fc.constant((shape as readonly number[]).slice());
  return shape as fc.Arbitrary<number[]>;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function pushAway(v: number, kinks: readonly number[], margin: number): number {
  for (let round = 0; round < 4; round++) {
    let moved = false;
    for (const k of kinks) {
      const d = v - k;
      if (Math.abs(d) < margin) {
        v = k + (d >= 0 ? margin : -margin) * 1.5;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return v;
}

/**
 * Contiguous float64 tensors whose elements lie in `[min, max]` and at least `margin` away from every
 * kink, so central differences never straddle a point where the function is not differentiable.
 * @param opts - shape, bounds, kinks, margin.
 * @returns an arbitrary of float64 tensors.
 * @example
 * ```ts
 * fc.assert(fc.property(smoothTensorArb({ kinks: [0] }), (x) => gradcheck((t) => t.relu(), [x])));
 * ```
 */
export function smoothTensorArb(opts: GradTensorArbOptions = {}): fc.Arbitrary<Tensor> {
  const min = opts.min ?? -3;
  const max = opts.max ?? 3;
  const kinks = opts.kinks ?? [];
  const margin = opts.margin ?? 0.05;
  if (!(min < max)) throw new RangeError(`smoothTensorArb: min ${min} must be below max ${max}`);
  if (!(margin >= 0)) throw new RangeError(`smoothTensorArb: margin must be non-negative, got ${margin}`);
  return resolveShape(opts.shape).chain((shape) =>
    fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
      .map((vals) => {
        const data = Float64Array.from(vals, (v) => pushAway(v, kinks, margin));
        return Tensor._fromData(data, shape, 'float64');
      }));
}

/**
 * Float64 tensors with strictly positive elements in `[min, max]` (default `[0.2, 3]`): the domain of
 * `log`, `sqrt`, `rsqrt`, `pow` with a tensor exponent, and divisors.
 * @param opts - shape and bounds (`min` must be positive).
 * @returns an arbitrary of float64 tensors.
 * @example
 * ```ts
 * fc.assert(fc.property(positiveTensorArb(), (x) => gradcheck((t) => t.log(), [x])));
 * ```
 */
export function positiveTensorArb(opts: Omit<GradTensorArbOptions, 'kinks' | 'margin'> = {}): fc.Arbitrary<Tensor> {
  const min = opts.min ?? 0.2;
  if (!(min > 0)) throw new RangeError(`positiveTensorArb: min must be positive, got ${min}`);
  return smoothTensorArb({ ...opts, min, max: opts.max ?? 3 });
}

/**
 * Float64 tensors whose elements are pairwise at least `gap` apart (a shuffled, jittered grid), so
 * `max`, `min` and `maximum` have no ties and no near-ties within gradcheck's step.
 * @param opts - shape, `min` (default -3) and `gap` (default 0.1).
 * @returns an arbitrary of float64 tensors.
 * @example
 * ```ts
 * fc.assert(fc.property(distinctTensorArb(), (x) => gradcheck((t) => t.max(), [x])));
 * ```
 */
export function distinctTensorArb(opts: { shape?: GradTensorArbOptions['shape']; min?: number; gap?: number } = {}): fc.Arbitrary<Tensor> {
  const min = opts.min ?? -3;
  const gap = opts.gap ?? 0.1;
  if (!(gap > 0)) throw new RangeError(`distinctTensorArb: gap must be positive, got ${gap}`);
  return resolveShape(opts.shape).chain((shape) => {
    const n = sizeOf(shape);
    const ids = Array.from({ length: n }, (_, i) => i);
    return fc.tuple(
      fc.shuffledSubarray(ids, { minLength: n, maxLength: n }),
      fc.array(fc.double({ min: 0, max: gap / 4, noNaN: true }), { minLength: n, maxLength: n }),
    ).map(([perm, jitter]) => Tensor._fromData(Float64Array.from(perm, (p, i) => min + p * gap + jitter[i]!), shape, 'float64'));
  });
}

/**
 * Strided views (see `stridedViewArb`) of {@link smoothTensorArb} tensors: a float64 point away from
 * the kinks, laid out contiguous, offset, permuted, stepped, flipped or expanded. Use
 * `{ kinds: [...] }` without `'expanded'`/`'mixed'` when repeated elements would create ties.
 * @param opts - as {@link smoothTensorArb}, plus `kinds`.
 * @returns an arbitrary of view cases (`.tensor` is the view).
 * @example
 * ```ts
 * fc.assert(fc.property(gradViewArb({ kinks: [0] }), ({ tensor }) => gradcheck((t) => t.abs(), [tensor])));
 * ```
 */
export function gradViewArb(opts: GradTensorArbOptions & ViewArbOptions = {}): fc.Arbitrary<ViewCase> {
  return viewOfArb(smoothTensorArb(opts), opts.kinds === undefined ? {} : { kinds: opts.kinds });
}

/**
 * `n` float64 tensors of mutually broadcastable shapes (e.g. `[3, 1]` and `[4]`), each in a random
 * strided layout: the inputs of a broadcasting binary op under gradcheck.
 * @param n - how many operands.
 * @param opts - value bounds/kinks (as {@link smoothTensorArb}), rank/size bounds, `kinds`.
 * @returns an arbitrary of tensor lists.
 * @example
 * ```ts
 * fc.assert(fc.property(broadcastGradArb(2), ([a, b]) => gradcheck((x, y) => x.mul(y), [a!, b!])));
 * ```
 */
export function broadcastGradArb(
  n: number,
  opts: Omit<GradTensorArbOptions, 'shape'> & ShapeArbOptions & ViewArbOptions = {},
): fc.Arbitrary<Tensor[]> {
  const shapeOpts: ShapeArbOptions = { maxRank: opts.maxRank ?? 3, maxDim: opts.maxDim ?? 3 };
  if (opts.minRank !== undefined) shapeOpts.minRank = opts.minRank;
  if (opts.minDim !== undefined) shapeOpts.minDim = opts.minDim;
  return broadcastableShapesArb(n, shapeOpts).chain((shapes) =>
    fc.tuple(...shapes.map((s) => gradViewArb({ ...opts, shape: s }).map((c) => c.tensor))));
}
