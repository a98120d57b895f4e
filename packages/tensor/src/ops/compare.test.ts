import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, zeros, isclose, allclose, equal } from '../index.js';
import {
  broadcastIndex, broadcastableShapesArb, forEachIndex, nestFlat, nestedMismatch, referenceBroadcast, stridedViewArb,
} from '../testing.js';

function flatPos(shape: readonly number[], idx: readonly number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + idx[d]!;
  return p;
}

/** The closeness rule, case by case. */
function closeRef(a: number, b: number, rtol: number, atol: number, equalNan: boolean): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return equalNan && Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

const tolArb = fc.record({
  rtol: fc.constantFrom(0, 1e-5, 1e-3, 0.1, 0.5),
  atol: fc.constantFrom(0, 1e-8, 1e-3, 0.5),
  equalNan: fc.boolean(),
});

/** Two broadcastable views; `b` is sometimes `a`'s values nudged, so both outcomes occur often. */
const pairArb = broadcastableShapesArb(2, { maxRank: 3, maxDim: 4 }).chain(([sa, sb]) => fc.record({
  a: stridedViewArb({ shape: sa!, dtype: ['float32', 'float64', 'int32', 'bool'], min: -3, max: 3, noNaN: false }),
  b: stridedViewArb({ shape: sb!, dtype: ['float32', 'float64', 'int32'], min: -3, max: 3, noNaN: false }),
  tol: tolArb,
  sa: fc.constant(sa!),
  sb: fc.constant(sb!),
}));

describe('isclose / allclose against an elementwise reference', () => {
  it('isclose broadcasts and follows |a - b| <= atol + rtol |b| with NaN/Infinity rules', () => {
    fc.assert(fc.property(pairArb, ({ a, b, tol, sa, sb }) => {
      const out = isclose(a.tensor, b.tensor, tol);
      const shape = referenceBroadcast(sa, sb)!;
      expect(out.dtype).toBe('bool');
      expect(out.shape).toEqual(shape);
      const ref: number[] = [];
      forEachIndex(shape, (idx) => {
        const va = a.values[flatPos(sa, broadcastIndex(idx, sa))]!;
        const vb = b.values[flatPos(sb, broadcastIndex(idx, sb))]!;
        ref.push(closeRef(va, vb, tol.rtol, tol.atol, tol.equalNan) ? 1 : 0);
      });
      expect(nestedMismatch(out.toArray(), nestFlat(shape, ref, true))).toBeNull();
      expect(allclose(a.tensor, b.tensor, tol)).toBe(ref.every((v) => v === 1));
      expect(a.tensor.allclose(b.tensor, tol)).toBe(ref.every((v) => v === 1));
    }), { numRuns: 200 });
  });

  it('a tensor is allclose to itself (NaN only with equalNan) and to itself plus a tiny nudge', () => {
    const arb = stridedViewArb({ dtype: ['float64'], min: -100, max: 100 });
    fc.assert(fc.property(arb, ({ tensor: t }) => {
      expect(allclose(t, t)).toBe(true);
      expect(allclose(t.mul(1 + 1e-7), t)).toBe(true);
      if (t.size > 0) expect(allclose(t.add(1), t)).toBe(false);
    }), { numRuns: 50 });
  });

  it('defaults are rtol 1e-5, atol 1e-8 (PyTorch)', () => {
    expect(allclose(tensor([1], { dtype: 'float64' }), tensor([1 + 9e-6], { dtype: 'float64' }))).toBe(true);
    expect(allclose(tensor([1], { dtype: 'float64' }), tensor([1 + 1.1e-5], { dtype: 'float64' }))).toBe(false);
    expect(allclose(tensor([0], { dtype: 'float64' }), tensor([9e-9], { dtype: 'float64' }))).toBe(true);
    expect(allclose(tensor([0], { dtype: 'float64' }), tensor([2e-8], { dtype: 'float64' }))).toBe(false);
  });

  it('the rule is asymmetric: b is the reference', () => {
    // |10 - 11| = 1 <= 0.095 * 11 = 1.045, but not <= 0.095 * 10 = 0.95.
    expect(isclose(tensor([10]), tensor([11]), { rtol: 0.095, atol: 0 }).item()).toBe(1);
    expect(isclose(tensor([11]), tensor([10]), { rtol: 0.095, atol: 0 }).item()).toBe(0);
  });

  it('infinities and NaN', () => {
    const a = tensor([Infinity, -Infinity, Infinity, 5, NaN, NaN]);
    const b = tensor([Infinity, -Infinity, -Infinity, Infinity, NaN, 1]);
    expect(isclose(a, b, { rtol: 1 }).toArray()).toEqual([true, true, false, false, false, false]);
    expect(isclose(a, b, { rtol: 1, equalNan: true }).toArray()).toEqual([true, true, false, false, true, false]);
  });

  it('a number operand is compared at full precision', () => {
    expect(isclose(tensor([0.5, 0.6]), 0.5).toArray()).toEqual([true, false]);
    expect(allclose(tensor([2, 2]), 2)).toBe(true);
  });

  it('errors name the op and show the bad values', () => {
    expect(() => isclose(zeros([2]), zeros([3]))).toThrow(/^isclose: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => allclose(zeros([2, 2]), zeros([3]))).toThrow(/^allclose: shapes \[2,2\] and \[3\]/);
    expect(() => isclose(zeros([2]), zeros([2]), { rtol: -1 })).toThrow(/^isclose: rtol must be a non-negative number, got -1/);
    expect(() => allclose(zeros([2]), zeros([2]), { atol: NaN })).toThrow(/^allclose: atol must be a non-negative number, got NaN/);
    expect(() => isclose(zeros([2]), zeros([2]), { equalNan: 1 as never })).toThrow(/^isclose: equalNan must be a boolean/);
    expect(() => isclose([1] as never, zeros([1]))).toThrow(/^isclose: first operand must be a Tensor/);
    expect(() => allclose(zeros([1]), '1' as never)).toThrow(/^allclose: second operand must be a Tensor or a number, got string/);
  });
});

describe('equal', () => {
  it('same shape and values on any views; any single change or a different shape gives false', () => {
    const arb = stridedViewArb({ dtype: ['float32', 'int32', 'bool'], min: -5, max: 5 }).chain((v) => fc.record({
      v: fc.constant(v),
      w: stridedViewArb({ shape: v.tensor.shape.slice(), dtype: v.tensor.dtype, min: -5, max: 5 }),
      at: fc.nat(),
    }));
    fc.assert(fc.property(arb, ({ v, w, at }) => {
      const t = v.tensor;
      // Another layout holding the same values.
      const copy = tensor(v.values, { dtype: t.dtype, shape: t.shape.slice() });
      expect(equal(t, copy)).toBe(true);
      expect(t.equal(t.clone())).toBe(true);
      const same = w.values.length === v.values.length && w.values.every((x, i) => x === v.values[i]);
      expect(equal(t, w.tensor)).toBe(same);
      if (t.size > 0) {
        const changed = v.values.slice();
        const i = at % changed.length;
        changed[i] = t.dtype === 'bool' ? 1 - changed[i]! : changed[i]! + 1;
        expect(equal(t, tensor(changed, { dtype: t.dtype, shape: t.shape.slice() }))).toBe(false);
        const sameShape = t.ndim === 2 && t.shape[0] === 1;
        expect(equal(t, t.reshape(-1).unsqueeze(0))).toBe(sameShape);
      }
    }), { numRuns: 100 });
  });

  it('compares values across dtypes; NaN is never equal; no broadcasting', () => {
    expect(equal(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2], { dtype: 'float64' }))).toBe(true);
    expect(equal(tensor([NaN]), tensor([NaN]))).toBe(false);
    expect(equal(tensor([1, 1]), tensor([1]))).toBe(false);
    expect(equal(zeros([0, 2]), zeros([0, 2]))).toBe(true);
    expect(equal(zeros([0, 2]), zeros([2, 0]))).toBe(false);
    expect(() => equal(zeros([1]), 1 as never)).toThrow(/^equal: second operand must be a Tensor, got number/);
  });
});
