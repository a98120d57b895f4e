import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '@gd/tensor';
import { SGD } from './index.js';

/**
 * The last update of a plain-SGD-like chain writes θ ← θ − η·d straight into the parameter's storage
 * with a specialised loop per dtype (float32: unrolled; float64: correctly rounded fma). Check both
 * against a scalar reference, for every length (the unrolled loop's remainder included) and for
 * parameters that are views.
 */
describe('in-place parameter update loops', () => {
  const f32 = fc.float({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
  it('float32: each element is fround(θ + (−η)·g) (one rounding of the float64 value)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(f32, f32), { minLength: 1, maxLength: 13 }), fc.double({ min: 1e-4, max: 1, noNaN: true }), (pairs, lr) => {
      const p = tensor(Float32Array.from(pairs.map((q) => q[0])), { requiresGrad: true });
      p.grad = tensor(Float32Array.from(pairs.map((q) => q[1])));
      new SGD([p], { lr }).step();
      const got = Array.from(p.data());
      const want = pairs.map(([t, g]) => Math.fround(-lr * Math.fround(g) + Math.fround(t)));
      expect(got).toEqual(want);
    }), { numRuns: 100 });
  });

  it('float64: each element is the correctly rounded θ − η·g (exact cases)', () => {
    // η = 2^-k and small-integer g make η·g exact, so fma(−η, g, θ) = round(θ − η·g) = the plain float64 result.
    fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -1000, max: 1000 })), { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 20 }), (pairs, k) => {
      const lr = 2 ** -k;
      const p = tensor(Float64Array.from(pairs.map((q) => q[0])), { requiresGrad: true });
      p.grad = tensor(Float64Array.from(pairs.map((q) => q[1])));
      new SGD([p], { lr }).step();
      expect(Array.from(p.data())).toEqual(pairs.map(([t, g]) => t - lr * g));
    }), { numRuns: 100 });
  });

  it('a parameter that is a view of a larger storage is updated through the view only', () => {
    const base = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]));
    const view = base.slice([1, 6, 2]).requiresGrad_();
    view.grad = tensor(Float32Array.from([10, 10, 10]));
    new SGD([view], { lr: 0.5 }).step();
    expect(Array.from(base.data())).toEqual([1, -3, 3, -1, 5, 1]);
  });
});
