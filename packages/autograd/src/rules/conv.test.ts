// unfold and fold rules: float64 central differences for first and second order (each op's gradient
// is the other op, so second order exercises both rules recorded), random window geometry with
// ragged sizes, strided inputs.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { Generator, fold, randn, unfold } from '@gd/tensor';
import { gradcheck, gradgradcheck } from '../index.js';

const geomArb = fc.record({
  n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 2 }),
  kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
  s: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
  p: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 2 })),
  d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  eh: fc.integer({ min: 0, max: 3 }), ew: fc.integer({ min: 0, max: 4 }),
  seed: fc.integer({ min: 1, max: 1e6 }),
}).map((r) => ({
  ...r,
  h: Math.max(1, r.d[0] * (r.kh - 1) + 1 - 2 * r.p[0]) + r.eh,
  w: Math.max(1, r.d[1] * (r.kw - 1) + 1 - 2 * r.p[1]) + r.ew,
}));

const out = (size: number, k: number, s: number, p: number, d: number): number => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;

describe('unfold / fold rules', () => {
  it('unfold: gradcheck and gradgradcheck (input a permuted view half of the time)', () => {
    fc.assert(fc.property(geomArb, fc.boolean(), (t, permuted) => {
      const g = new Generator(t.seed);
      const x = permuted
        ? randn([t.c, t.n, t.h, t.w], { dtype: 'float64', generator: g }).permute([1, 0, 2, 3])
        : randn([t.n, t.c, t.h, t.w], { dtype: 'float64', generator: g });
      const o = { stride: t.s, padding: t.p, dilation: t.d };
      // a non-linear head so the second derivative is not identically zero
      const f = (a: typeof x) => unfold(a, [t.kh, t.kw], o).square();
      gradcheck((a: typeof x) => unfold(a, [t.kh, t.kw], o), [x]);
      gradgradcheck(f, [x]);
    }), { numRuns: 25 });
  });

  it('fold: gradcheck and gradgradcheck', () => {
    fc.assert(fc.property(geomArb, (t) => {
      const l = out(t.h, t.kh, t.s[0], t.p[0], t.d[0]) * out(t.w, t.kw, t.s[1], t.p[1], t.d[1]);
      const c = randn([t.n, t.c * t.kh * t.kw, l], { dtype: 'float64', generator: new Generator(t.seed) });
      const o = { stride: t.s, padding: t.p, dilation: t.d };
      gradcheck((a: typeof c) => fold(a, [t.h, t.w], [t.kh, t.kw], o), [c]);
      gradgradcheck((a: typeof c) => fold(a, [t.h, t.w], [t.kh, t.kw], o).square(), [c]);
    }), { numRuns: 25 });
  });
});
