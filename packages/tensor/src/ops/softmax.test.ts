import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type DType, type OpName, setOpObserver, tensor, zeros, softmax, logSoftmax, randn, getBackend, setBackend, Generator } from '../index.js';
import { backendSoftmax } from './softmax.js';
import { forEachIndex, nestFlat, nestedMismatch, shapeArb, stridedViewArb } from '../testing.js';
import { mathExpBackend } from './__fixtures__/math-exp-backend.js';

function flatPos(shape: readonly number[], idx: readonly number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + idx[d]!;
  return p;
}

/** The values along `axis` through position `idx`, by nested loops. */
function row(shape: readonly number[], values: readonly number[], idx: readonly number[], axis: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < shape[axis]!; k++) {
    const j = idx.slice();
    j[axis] = k;
    out.push(values[flatPos(shape, j)]!);
  }
  return out;
}

const outType = (d: DType): DType => (d === 'float64' ? 'float64' : 'float32');
const tol = (d: DType) => (d === 'float64' ? { rtol: 1e-12, atol: 1e-15 } : { rtol: 2e-6, atol: 1e-7 });

/** Random views with a random axis (maybe negative), values spread over ±`range`. */
function caseArb(range: number) {
  return shapeArb({ minRank: 1, maxRank: 4, minDim: 1, maxDim: 5 }).chain((shape) => fc.record({
    view: stridedViewArb({ shape, dtype: ['float32', 'float64', 'int32', 'bool'], min: -range, max: range }),
    axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
  }).map(({ view, axis }) => ({ x: view.tensor, values: view.values, shape, axis, a: axis < 0 ? axis + shape.length : axis })));
}

describe('softmax and logSoftmax against a direct float64 reference on random views', () => {
  it('softmax = exp(x) / sum(exp(x)) along the axis (values within ±30, where the direct formula is safe)', () => {
    fc.assert(fc.property(caseArb(30), ({ x, values, shape, axis, a }) => {
      const out = softmax(x, axis);
      expect(out.dtype).toBe(outType(x.dtype));
      expect(out.shape).toEqual(shape);
      const ref: number[] = [];
      forEachIndex(shape, (idx) => {
        const r = row(shape, values, idx, a);
        const den = r.reduce((s, v) => s + Math.exp(v), 0);
        ref.push(Math.exp(values[flatPos(shape, idx)]!) / den);
      });
      expect(nestedMismatch(out.toArray(), nestFlat(shape, ref), tol(x.dtype))).toBeNull();
    }), { numRuns: 150 });
  });

  it('logSoftmax = x - log(sum(exp(x))) along the axis', () => {
    fc.assert(fc.property(caseArb(30), ({ x, values, shape, axis, a }) => {
      const out = x.logSoftmax(axis);
      expect(out.dtype).toBe(outType(x.dtype));
      const ref: number[] = [];
      forEachIndex(shape, (idx) => {
        const r = row(shape, values, idx, a);
        ref.push(values[flatPos(shape, idx)]! - Math.log(r.reduce((s, v) => s + Math.exp(v), 0)));
      });
      const t = x.dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 2e-6, atol: 1e-5 };
      expect(nestedMismatch(out.toArray(), nestFlat(shape, ref), t)).toBeNull();
    }), { numRuns: 150 });
  });
});

describe('softmax laws', () => {
  it('rows sum to 1, entries lie in [0, 1], and softmax = exp(logSoftmax), even for logits of ±1000', () => {
    fc.assert(fc.property(caseArb(1000), ({ x, axis }) => {
      const p = softmax(x, axis);
      const lp = logSoftmax(x, axis);
      const pv = p.data();
      for (const v of pv) expect(v >= 0 && v <= 1).toBe(true);
      for (const v of lp.data()) expect(Number.isFinite(v) && v <= 0).toBe(true);
      const sums = p.to('float64').sum(axis).data();
      for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      const e = lp.exp().data();
      for (let i = 0; i < e.length; i++) expect(Math.abs(e[i]! - pv[i]!)).toBeLessThan(1e-6);
    }), { numRuns: 100 });
  });

  it('shifting every logit of a row by a constant changes nothing', () => {
    const arb = fc.tuple(caseArb(10), fc.double({ min: -500, max: 500, noNaN: true }));
    fc.assert(fc.property(arb, ([{ x, axis }, c]) => {
      const x64 = x.to('float64');
      const a = softmax(x64, axis).data();
      const b = softmax(x64.add(c), axis).data();
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-12);
    }), { numRuns: 50 });
  });
});

describe('closed forms and special values', () => {
  it('two logits: softmax is the logistic sigmoid of their difference', () => {
    for (const [u, v] of [[0, 0], [1, 3], [1000, 999], [-1000, 1000], [-745, 0]] as const) {
      const p = softmax(tensor([u, v], { dtype: 'float64' })).data();
      const s = 1 / (1 + Math.exp(v - u));
      expect(p[0]).toBeCloseTo(s, 14);
      expect(p[1]).toBeCloseTo(1 - s, 14);
    }
  });

  it('logSoftmax keeps precision where softmax underflows', () => {
    const lp = logSoftmax(tensor([-1000, 1000], { dtype: 'float64' })).data();
    expect(lp[0]).toBe(-2000);
    expect(lp[1]).toBe(0);
    const lp32 = logSoftmax(tensor([[0, 200, 0]]), 1).data();
    expect(lp32[0]).toBe(-200);
  });

  it('a +Infinity or NaN logit makes the row NaN; -Infinity logits get probability 0', () => {
    expect(Array.from(softmax(tensor([0, -Infinity])).data())).toEqual([1, 0]);
    expect(Array.from(logSoftmax(tensor([0, -Infinity])).data())).toEqual([0, -Infinity]);
    expect(Array.from(softmax(tensor([NaN, 1])).data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(softmax(tensor([-Infinity, -Infinity])).data()).every(Number.isNaN)).toBe(true);
  });

  it('default axis is the last; 0-d and empty tensors', () => {
    const x = tensor([[1, 2], [3, 5]]);
    expect(softmax(x).toArray()).toEqual(softmax(x, 1).toArray());
    expect(softmax(tensor(3)).item()).toBe(1);
    expect(logSoftmax(tensor(3)).item()).toBe(0);
    expect(softmax(zeros([0, 3])).shape).toEqual([0, 3]);
    expect(softmax(zeros([3, 0]), 1).shape).toEqual([3, 0]);
  });
});

describe('large float32 inputs: exponentials from the backend', () => {
  const x = randn([6, 1100], { generator: new Generator(2024) }).mul(20);
  // A few rows with extreme or special values.
  x.select(0, 1).fillInPlace(-1000);
  x.select(0, 2).narrow(0, 0, 3).fillInPlace(1000);
  x.select(0, 3).narrow(0, 5, 1).fillInPlace(-Infinity);
  const vals = Array.from(x.data());
  const len = 1100;
  const ref = (log: boolean): number[] => {
    const out: number[] = [];
    for (let r = 0; r < 6; r++) {
      const row = vals.slice(r * len, (r + 1) * len);
      const m = Math.max(...row);
      const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
      for (const v of row) out.push(log ? v - m - Math.log(s) : Math.exp(v - m) / s);
    }
    return out;
  };

  it('the default backend path agrees with a float64 reference (and with the TypeScript kernel)', () => {
    for (const log of [false, true]) {
      const got = (log ? logSoftmax(x) : softmax(x)).toArray();
      expect(nestedMismatch(got, nestFlat([6, len], ref(log)), { rtol: 1e-5, atol: 1e-7 })).toBeNull();
      const prev = setBackend(null);
      try {
        const ts = (log ? logSoftmax(x) : softmax(x)).toArray();
        expect(nestedMismatch(got, ts, { rtol: 1e-5, atol: 1e-7 })).toBeNull();
      } finally {
        setBackend(prev);
      }
    }
  });

  it('uses the backend when one is installed and falls back when it declines', () => {
    const calls: number[] = [];
    const prev = setBackend(mathExpBackend(calls));
    try {
      const p = backendSoftmax(x, 1, false);
      expect(p).not.toBeNull();
      expect(calls).toEqual([6 * len]);
      expect(nestedMismatch(p!.toArray(), nestFlat([6, len], ref(false)), { rtol: 2e-6, atol: 1e-8 })).toBeNull();
      expect(nestedMismatch(backendSoftmax(x, 1, true)!.toArray(), nestFlat([6, len], ref(true)), { rtol: 2e-6, atol: 1e-4 })).toBeNull();
      // Not applicable: another axis, a non-contiguous view, float64, small tensors.
      expect(backendSoftmax(x, 0, false)).toBeNull();
      expect(backendSoftmax(x.T.contiguous().T, 1, false)).toBeNull();
      expect(backendSoftmax(x.to('float64'), 1, false)).toBeNull();
      expect(backendSoftmax(x.narrow(0, 0, 1), 1, false)).toBeNull();
      setBackend({ name: 'declines', elementwise: () => false });
      expect(backendSoftmax(x, 1, false)).toBeNull();
      expect(nestedMismatch(softmax(x).toArray(), nestFlat([6, len], ref(false)), { rtol: 2e-6, atol: 1e-8 })).toBeNull();
    } finally {
      setBackend(prev);
    }
    expect(getBackend()).toBe(prev);
  });
});

describe('recording and errors', () => {
  afterEach(() => setOpObserver(null));

  it('records softmax/logSoftmax with a normalised axis', () => {
    const seen: [OpName, unknown][] = [];
    setOpObserver({ record: (op, _i, _o, attrs) => void seen.push([op, attrs]) });
    const x = zeros([2, 3]).requiresGrad_();
    softmax(x, -2);
    logSoftmax(x);
    expect(seen).toEqual([['softmax', { axis: 0 }], ['logSoftmax', { axis: 1 }]]);
  });

  it('bad axes and inputs name the op', () => {
    const x = zeros([2, 3]);
    expect(() => softmax(x, 2)).toThrow(/^softmax: axis 2 is out of range for a tensor of rank 2/);
    expect(() => logSoftmax(x, -3)).toThrow(/^logSoftmax: axis -3 is out of range/);
    expect(() => softmax(x, 0.5)).toThrow(/^softmax: axis 0.5/);
    expect(() => softmax(x, '1' as never)).toThrow(/^softmax: axis must be a number/);
    expect(() => softmax([1, 2] as never)).toThrow(/^softmax: expected a Tensor/);
  });
});
