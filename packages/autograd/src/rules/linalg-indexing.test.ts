// matmul in all its forms (1-D, 2-D, batched with broadcast batch dims, transposed views), and the
// indexing rules (gather, indexSelect, scatterAdd) with repeated indices: gradcheck and gradgradcheck.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Tensor, dot, gather, indexSelect, outer, scatterAdd, tensor } from '@gd/tensor';
import { gradcheck, gradgradcheck } from '../index.js';
import { gradViewArb } from '../testing.js';

const RUNS = { numRuns: 40 };
const view = (shape: number[]) => gradViewArb({ shape }).map((c) => c.tensor);
const dim = fc.integer({ min: 1, max: 3 });

describe('matmul', () => {
  // [a shape, b shape] builders for every torch.matmul form
  const forms: [string, fc.Arbitrary<[number[], number[]]>][] = [
    ['1-D @ 1-D', dim.map((k) => [[k], [k]])],
    ['1-D @ 2-D', fc.tuple(dim, dim).map(([k, m]) => [[k], [k, m]])],
    ['2-D @ 1-D', fc.tuple(dim, dim).map(([n, k]) => [[n, k], [k]])],
    ['2-D @ 2-D', fc.tuple(dim, dim, dim).map(([n, k, m]) => [[n, k], [k, m]])],
    ['batched, broadcast batch dims', fc.tuple(dim, dim, dim, dim, fc.constantFrom(0, 1, 2)).map(([b, n, k, m, which]) =>
      which === 0 ? [[b, 1, n, k], [3, k, m]] : which === 1 ? [[n, k], [b, k, m]] : [[b, n, k], [1, k, m]])],
    ['1-D @ 3-D', fc.tuple(dim, dim, dim).map(([b, k, m]) => [[k], [b, k, m]])],
    ['3-D @ 1-D', fc.tuple(dim, dim, dim).map(([b, n, k]) => [[b, n, k], [k]])],
  ];
  for (const [name, shapes] of forms) {
    it(name, () => {
      const arb = shapes.chain(([sa, sb]) => fc.tuple(view(sa), view(sb)));
      fc.assert(fc.property(arb, ([a, b]) => gradcheck((x, y) => x.matmul(y), [a, b]) && gradgradcheck((x, y) => x.matmul(y), [a, b])), RUNS);
    });
  }

  it('transposed operands (a @ b.T, a.T @ b)', () => {
    const arb = fc.tuple(dim, dim, dim).chain(([n, k, m]) => fc.tuple(view([n, k]), view([m, k]), view([k, n]), view([k, m])));
    fc.assert(fc.property(arb, ([a, bt, at, b]) =>
      gradcheck((x, y) => x.matmul(y.T), [a, bt]) && gradcheck((x, y) => x.T.matmul(y), [at, b])), RUNS);
  });

  it('dot and outer', () => {
    const arb = fc.tuple(dim, dim).chain(([n, m]) => fc.tuple(view([n]), view([n]), view([m])));
    fc.assert(fc.property(arb, ([a, b, c]) => gradcheck(dot, [a, b]) && gradcheck(outer, [a, c]) && gradgradcheck(outer, [a, c])), RUNS);
  });

  it('the issue example: least squares loss gradient equals 2/n X^T (Xw - y)', () => {
    const X = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' });
    const y = tensor([[1], [0], [2]], { dtype: 'float64' });
    const w = tensor([[0.5], [-1]], { dtype: 'float64' }).requiresGrad_();
    const loss = X.matmul(w).sub(y).square().mean();
    loss.backward();
    expect(w.grad!.shape).toEqual([2, 1]);
    // closed form: residual r = Xw - y = [-2.5, -2.5, -5.5]; grad = 2/3 X^T r
    const r = [1 * 0.5 - 2 - 1, 3 * 0.5 - 4 - 0, 5 * 0.5 - 6 - 2];
    const expected = [0, 1].map((j) => (2 / 3) * r.reduce((s, ri, i) => s + ri * [[1, 2], [3, 4], [5, 6]][i]![j]!, 0));
    const got = w.grad!.toArray() as number[][];
    expect(got[0]![0]).toBeCloseTo(expected[0]!, 12);
    expect(got[1]![0]).toBeCloseTo(expected[1]!, 12);
  });
});

describe('indexing', () => {
  const idx = (shape: number[], n: number) => fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
    .map((v) => tensor(Int32Array.from(v), { shape }));

  it('gather (repeated indices accumulate; index smaller than the input)', () => {
    const arb = fc.tuple(dim, dim, fc.constantFrom(0, 1, -1)).chain(([r, c, axis]) => {
      const shape = [r, c];
      const ax = axis < 0 ? axis + 2 : axis;
      return fc.tuple(view(shape), fc.constant(ax), fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: shape[1 - ax]! }))
        .chain(([na, nother]) => idx(ax === 0 ? [na, nother] : [nother, na], shape[ax]!)));
    });
    fc.assert(fc.property(arb, ([x, axis, index]) => {
      const f = (t: Tensor) => gather(t, axis, index).mul(gather(t, axis, index));
      return gradcheck(f, [x]) && gradgradcheck(f, [x]);
    }), RUNS);
  });

  it('gather gradient counts repeats', () => {
    const x = tensor([10, 20, 30], { dtype: 'float64' }).requiresGrad_();
    gather(x, 0, tensor([2, 2, 0, 2], { dtype: 'int32' })).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 3]);
  });

  it('indexSelect (an embedding lookup with repeated ids)', () => {
    const arb = fc.tuple(dim, dim, fc.constantFrom(0, 1)).chain(([r, c, axis]) =>
      fc.tuple(view([r, c]), fc.constant(axis), fc.integer({ min: 1, max: 4 }).chain((m) => idx([m], axis === 0 ? r : c))));
    fc.assert(fc.property(arb, ([x, axis, index]) => {
      const f = (t: Tensor) => indexSelect(t, axis, index).square();
      return gradcheck(f, [x]) && gradgradcheck(f, [x]);
    }), RUNS);
    const w = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' }).requiresGrad_();
    indexSelect(w, 0, tensor([2, 0, 2], { dtype: 'int32' })).sum().backward();
    expect(w.grad!.toArray()).toEqual([[1, 1], [0, 0], [2, 2]]);
  });

  it('scatterAdd (base and src; index smaller than src)', () => {
    const arb = fc.tuple(dim, dim, dim).chain(([r, c, extra]) =>
      fc.tuple(view([r, c]), view([r, c + extra]), fc.integer({ min: 1, max: c + extra }).chain((w) => idx([r, w], c))));
    fc.assert(fc.property(arb, ([base, src, index]) => {
      const f = (b: Tensor, s: Tensor) => scatterAdd(b, 1, index, s).square();
      return gradcheck(f, [base, src]) && gradgradcheck(f, [base, src]);
    }), RUNS);
  });
});
