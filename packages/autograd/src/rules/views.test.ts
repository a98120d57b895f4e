// View and copy rules (reshape, permute, expand, slice, flip, contiguous, pad) and the composites built
// on them (transpose, squeeze, unsqueeze, flatten, narrow, select), plus cat/stack/split/chunk: random
// shapes, random strided views, float64; gradcheck and gradgradcheck.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type SliceSpec, type Tensor, cat, chunk, pad, split, stack, tensor } from '@gd/tensor';
import { gradcheck, gradgradcheck, sliceBackward } from '../index.js';
import { gradViewArb, shapeArb } from '../testing.js';

const RUNS = { numRuns: 40 };
const viewCase = (minRank = 1) => gradViewArb({ shape: shapeArb({ minRank, maxRank: 3, maxDim: 4 }) }).map((c) => c.tensor);

/** Check f and its second order; `square` first makes the second derivative non-trivial. */
const both = (f: (t: Tensor) => Tensor, x: Tensor) => gradcheck(f, [x]) && gradgradcheck((t) => f(t.square()), [x]);

describe('view rules', () => {
  it('reshape to a random factorisation (view or copy)', () => {
    fc.assert(fc.property(viewCase(0), fc.boolean(), (x, flatFirst) => {
      const target = flatFirst ? [x.size] : [...x.shape].reverse();
      return both((t) => t.reshape(target).mul(tensor(Float64Array.from({ length: x.size }, (_, i) => i + 1), { shape: target })), x);
    }), RUNS);
  });

  it('permute', () => {
    fc.assert(fc.property(viewCase().chain((x) => fc.tuple(fc.constant(x), fc.shuffledSubarray(x.shape.map((_, i) => i), { minLength: x.ndim, maxLength: x.ndim }))),
      ([x, dims]) => both((t) => t.permute(dims).mul(t.permute(dims).exp()), x)), RUNS);
  });

  it('transpose, T, squeeze, unsqueeze, flatten', () => {
    fc.assert(fc.property(viewCase(2), (x) =>
      both((t) => t.transpose(0, -1).cumsum(0), x)
      && both((t) => t.T.cumsum(0).sin(), x)
      && both((t) => t.unsqueeze(1).flatten().cumsum(0), x)
      && both((t) => t.unsqueeze(0).squeeze(0).mul(2), x)), RUNS);
  });

  it('expand (broadcast a tensor with size-1 and missing dims)', () => {
    fc.assert(fc.property(viewCase(1), fc.integer({ min: 1, max: 3 }), (x, lead) => {
      const small = x.sum(0, true).detach(); // shape [1, ...]
      const target = [lead, 3, ...small.shape.slice(1)];
      return both((t) => t.expand(target).mul(tensor(Float64Array.from({ length: target.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i)), { shape: target })), small);
    }), RUNS);
  });

  it('slice with random starts, stops, and (negative) steps; narrow and select', () => {
    const specArb = (n: number) => fc.oneof(
      fc.constant(null),
      fc.integer({ min: -n, max: n - 1 }),
      fc.tuple(fc.option(fc.integer({ min: -n - 1, max: n + 1 })), fc.option(fc.integer({ min: -n - 1, max: n + 1 })), fc.constantFrom(1, 2, 3, -1, -2)),
    ) as fc.Arbitrary<SliceSpec>;
    const arb = viewCase(1).chain((x) => fc.tuple(fc.constant(x), fc.tuple(...x.shape.map((n) => specArb(n)))));
    fc.assert(fc.property(arb, ([x, specs]) => both((t) => t.slice(...specs).mul(3), x)), RUNS);
    fc.assert(fc.property(viewCase(1), (x) => both((t) => t.narrow(0, 0, 1).add(t.select(0, -1)), x)), RUNS);
  });

  it('slice gives zero gradient outside the slice and the gradient inside', () => {
    const x = tensor([1, 2, 3, 4, 5], { dtype: 'float64' }).requiresGrad_();
    x.slice([4, null, -2]).mul(tensor([10, 20, 30], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.toArray()).toEqual([30, 0, 20, 0, 10]);
  });

  it('sliceBackward is differentiable (third order through a slice)', () => {
    const f = (t: Tensor) => t.slice([1, null, 2]).pow(4).sum();
    const x = tensor([0.5, 1.5, -1, 2], { dtype: 'float64' });
    expect(gradgradcheck((t) => f(t), [x])).toBe(true);
    expect(sliceBackward(tensor([1, 2]), [5], [1], [5], [2]).toArray()).toEqual([0, 1, 0, 2, 0]);
  });

  it('flip', () => {
    fc.assert(fc.property(viewCase().chain((x) => fc.tuple(fc.constant(x), fc.subarray(x.shape.map((_, i) => i), { minLength: 1 }))),
      ([x, axes]) => both((t) => t.flip(axes).cumsum(0), x)), RUNS);
  });

  it('contiguous and clone', () => {
    fc.assert(fc.property(viewCase(), (x) => both((t) => t.contiguous().mul(t.clone()), x)), RUNS);
  });

  it('pad with positive and negative (cropping) pads', () => {
    const arb = viewCase(1).chain((x) => {
      const k = Math.min(x.ndim, 2);
      return fc.tuple(fc.constant(x), fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 2 * k, maxLength: 2 * k }), fc.double({ min: -2, max: 2, noNaN: true }));
    });
    fc.assert(fc.property(arb, ([x, pads, value]) => {
      for (let k = 0; 2 * k < pads.length; k++) fc.pre(x.shape[x.ndim - 1 - k]! + pads[2 * k]! + pads[2 * k + 1]! >= 0);
      return both((t) => pad(t, pads, value).cumsum(-1), x);
    }), RUNS);
  });
});

describe('joining', () => {
  it('cat along a random axis of views with different sizes there', () => {
    const arb = shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((shape) => fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
      fc.tuple(
        fc.constant(axis),
        fc.array(fc.integer({ min: 0, max: 3 }).chain((n) => gradViewArb({ shape: shape.map((s, d) => (d === axis ? n : s)) }).map((c) => c.tensor)), { minLength: 1, maxLength: 3 }),
      )));
    fc.assert(fc.property(arb, ([axis, parts]) => {
      fc.pre(parts.some((p) => p.size > 0));
      const f = (...ts: Tensor[]) => cat(ts, axis).cumsum(axis);
      return gradcheck(f, parts) && gradgradcheck((...ts) => f(...ts.map((t) => t.square())), parts);
    }), RUNS);
  });

  it('stack, split and chunk (composites of reshape/cat/slice)', () => {
    fc.assert(fc.property(viewCase(1), (x) => {
      const f = (t: Tensor) => stack([t, t.exp()], 0).sum(0);
      const g = (t: Tensor) => cat(split(t, 1, 0).reverse(), 0).mul(t);
      const h = (t: Tensor) => cat(chunk(t, 2, -1).map((c, i) => c.mul(i + 2)), -1);
      return gradcheck(f, [x]) && gradcheck(g, [x]) && gradcheck(h, [x]);
    }), RUNS);
  });
});
