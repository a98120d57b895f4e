// Reductions, cumsum, softmax, logSoftmax: random shapes, random axis sets (negative axes too),
// keepdims on and off, random strided views, float64; backward == central differences, and second
// order for the smooth ones.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Tensor, tensor } from '@gd/tensor';
import { gradcheck, gradgradcheck } from '../index.js';
import { distinctTensorArb, gradViewArb, shapeArb, viewOfArb, type GradTensorArbOptions } from '../testing.js';

const RUNS = { numRuns: 40 };
const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
const NO_REPEATS = { kinks: undefined, kinds: ['contiguous', 'offset', 'permuted', 'stepped', 'negative'] as const };

/** A view, a random set of axes (or undefined: all), and keepdims. */
function reduceCase(opts: GradTensorArbOptions = {}, distinct = false) {
  const shape = shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 });
  const views = distinct
    ? viewOfArb(distinctTensorArb({ shape }), { kinds: NO_REPEATS.kinds })
    : gradViewArb({ ...opts, shape });
  return views.chain((c) => {
    const r = c.tensor.ndim;
    const ids = Array.from({ length: r }, (_, i) => i);
    const axes = fc.oneof(
      fc.constant(undefined),
      fc.subarray(ids, { minLength: 1 }).chain((ax) => fc.tuple(...ax.map((a) => fc.constantFrom(a, a - r)))),
      fc.integer({ min: -r, max: r - 1 }),
    );
    return fc.record({ x: fc.constant(c.tensor), axes, keepdims: fc.boolean() });
  });
}

describe('reductions: gradcheck and gradgradcheck on random axes and views', () => {
  it('sum', () => {
    fc.assert(fc.property(reduceCase(), ({ x, axes, keepdims }) => {
      const f = (t: Tensor) => t.sum(axes, keepdims);
      return gradcheck(f, [x]) && gradgradcheck((t) => f(t.square()), [x]);
    }), RUNS);
  });

  it('mean', () => {
    fc.assert(fc.property(reduceCase(), ({ x, axes, keepdims }) => {
      const f = (t: Tensor) => t.mean(axes, keepdims);
      return gradcheck(f, [x]) && gradgradcheck((t) => f(t.square()), [x]);
    }), RUNS);
  });

  it('prod (no zeros)', () => {
    fc.assert(fc.property(reduceCase({ kinks: [0], margin: 0.2, min: -2, max: 2 }), ({ x, axes, keepdims }) => {
      const f = (t: Tensor) => t.prod(axes, keepdims);
      return gradcheck(f, [x]) && gradgradcheck(f, [x]);
    }), RUNS);
  });

  it('prod with exact zeros (one or several per slice) is still exact, to second order', () => {
    // non-zero elements stay away from 0: 1/x of a denormal overflows (inherent to prod/x, as in PyTorch)
    const withZeros = reduceCase({ kinks: [0], margin: 0.2 }).chain((c) =>
      fc.array(fc.nat(2), { minLength: c.x.size, maxLength: c.x.size }).map((picks) => {
        const data = Float64Array.from(c.x.data(), (v, i) => (picks[i] === 0 ? 0 : v)); // about a third become 0
        return { ...c, z: tensor(data, { shape: c.x.shape as number[] }) };
      }));
    fc.assert(fc.property(withZeros, ({ z, axes, keepdims }) => {
      const f = (t: Tensor) => t.prod(axes, keepdims);
      return gradcheck(f, [z]) && gradgradcheck(f, [z]);
    }), RUNS);
  });

  it('prod with a zero: only the zero gets a gradient (the product of the rest)', () => {
    const x = f64([2, 0, 3]).requiresGrad_();
    x.prod().backward();
    expect(x.grad!.toArray()).toEqual([0, 6, 0]);
    const y = f64([0, 5, 0]).requiresGrad_();
    y.prod().backward();
    expect(y.grad!.toArray()).toEqual([0, 0, 0]);
  });

  for (const op of ['max', 'min'] as const) {
    it(`${op} (distinct elements)`, () => {
      fc.assert(fc.property(reduceCase({}, true), ({ x, axes, keepdims }) => {
        const f = (t: Tensor) => t[op](axes, keepdims);
        return gradcheck(f, [x]) && gradgradcheck(f, [x]);
      }), RUNS);
    });

    it(`${op}: tied extremes share the gradient evenly`, () => {
      const v = op === 'max' ? 5 : -5;
      const x = f64([[v, 1, v], [2, v, 0]]).requiresGrad_();
      x[op]().backward();
      expect(x.grad!.toArray()).toEqual([[1 / 3, 0, 1 / 3], [0, 1 / 3, 0]]);
      const y = f64([[v, 1, v], [2, v, 0]]).requiresGrad_();
      y[op](1).sum().backward();
      expect(y.grad!.toArray()).toEqual([[0.5, 0, 0.5], [0, 1, 0]]);
    });
  }

  it('var (correction 0 and 1)', () => {
    fc.assert(fc.property(reduceCase(), fc.constantFrom(0, 1), ({ x, axes, keepdims }, correction) => {
      const probe = x.sum(axes, true);
      fc.pre(x.size / probe.size > correction);
      const f = (t: Tensor) => t.var(axes, { correction, keepdims });
      return gradcheck(f, [x]) && gradgradcheck(f, [x]);
    }), RUNS);
  });

  it('std (recorded as var then sqrt)', () => {
    fc.assert(fc.property(reduceCase({}, true), ({ x, axes }) => {
      const probe = x.sum(axes, true);
      fc.pre(x.size / probe.size > 1);
      return gradcheck((t) => t.std(axes), [x]);
    }), RUNS);
  });

  it('logsumexp', () => {
    fc.assert(fc.property(reduceCase(), ({ x, axes, keepdims }) => {
      const f = (t: Tensor) => t.logsumexp(axes, keepdims);
      return gradcheck(f, [x]) && gradgradcheck(f, [x]);
    }), RUNS);
  });

  it('logsumexp stays finite for huge logits (gradient = softmax)', () => {
    const x = f64([1000, 1000, -1000]).requiresGrad_();
    x.logsumexp().backward();
    const g = x.grad!.toArray() as number[];
    expect(g[0]).toBeCloseTo(0.5, 12);
    expect(g[1]).toBeCloseTo(0.5, 12);
    expect(g[2]).toBe(0);
  });

  for (const p of [2, 3, 1.5]) {
    it(`norm p=${p}`, () => {
      fc.assert(fc.property(reduceCase({ kinks: [0], margin: 0.1 }), ({ x, axes, keepdims }) => {
        const f = (t: Tensor) => t.norm(p, axes, keepdims);
        return gradcheck(f, [x]) && gradgradcheck(f, [x]);
      }), RUNS);
    });
  }

  it('norm p=1 (away from 0)', () => {
    fc.assert(fc.property(reduceCase({ kinks: [0], margin: 0.1 }), ({ x, axes, keepdims }) => gradcheck((t) => t.norm(1, axes, keepdims), [x])), RUNS);
  });

  it('norm p=Infinity and -Infinity (distinct |x|)', () => {
    fc.assert(fc.property(reduceCase({}, true), fc.constantFrom(Infinity, -Infinity), ({ x, axes, keepdims }, p) => {
      const shifted = x.add(3.5).detach(); // distinct and positive, so |x| has no ties
      return gradcheck((t) => t.norm(p, axes, keepdims), [shifted]);
    }), RUNS);
  });

  it('norm at zero has gradient 0, and p=0 has none', () => {
    const x = f64([0, 0]).requiresGrad_();
    x.norm().backward();
    expect(x.grad!.toArray()).toEqual([0, 0]);
    const y = f64([1, 0, 2]).requiresGrad_();
    y.norm(0).add(y.sum()).backward();
    expect(y.grad!.toArray()).toEqual([1, 1, 1]);
  });
});

describe('cumsum, softmax, logSoftmax along a random axis', () => {
  const axisCase = gradViewArb({ shape: shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }) })
    .chain((c) => fc.record({ x: fc.constant(c.tensor), axis: fc.integer({ min: -c.tensor.ndim, max: c.tensor.ndim - 1 }) }));

  for (const [name, f] of [
    ['cumsum', (t: Tensor, a: number) => t.cumsum(a)],
    ['softmax', (t: Tensor, a: number) => t.softmax(a)],
    ['logSoftmax', (t: Tensor, a: number) => t.logSoftmax(a)],
  ] as const) {
    it(name, () => {
      fc.assert(fc.property(axisCase, ({ x, axis }) => gradcheck((t) => f(t, axis), [x]) && gradgradcheck((t) => f(t, axis), [x])), RUNS);
    });
  }

  it('softmax and logSoftmax gradients stay finite for logits of ±1000', () => {
    const x = f64([[1000, -1000, 0]]).requiresGrad_();
    x.logSoftmax(1).select(1, 0).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 0, 0]]);
    const y = f64([[1000, -1000, 0]]).requiresGrad_();
    y.softmax(1).mul(f64([[1, 2, 3]])).sum().backward();
    expect(Array.from(y.grad!.data()).every(Number.isFinite)).toBe(true);
  });
});
