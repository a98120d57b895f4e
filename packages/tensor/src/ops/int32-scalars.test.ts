// JS-number operands of int32 (and bool) tensors: inside the int32 range they give the answer a
// BigInt / plain-number reference gives, on every kind of view; outside it every op refuses them with
// its name (before, 2^32 + 5 silently became 5: `x.eq(2 ** 32 + 5)` was true where x held 5).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Tensor, add, lt, maskedFill, maximum, tensor, where } from '../index.js';
import { stridedViewArb, toFlat } from '../testing.js';

const RUNS = { numRuns: 60 };
const I32_MIN = -2147483648;
const I32_MAX = 2147483647;
const wrap = (v: bigint): number => Number(BigInt.asIntN(32, v));

const intView = (kinds?: ('contiguous' | 'permuted' | 'stepped' | 'negative' | 'offset')[]) =>
  stridedViewArb({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), dtype: 'int32', min: I32_MIN, max: I32_MAX, ...(kinds ? { kinds } : {}) });
const inRange = fc.integer({ min: I32_MIN, max: I32_MAX });
const outOfRange = fc.oneof(
  fc.integer({ min: 2 ** 31, max: 2 ** 40 }),
  fc.integer({ min: -(2 ** 40), max: -(2 ** 31) - 1 }),
  fc.constantFrom(2 ** 32, 2 ** 32 + 5, -(2 ** 32), Number.MAX_SAFE_INTEGER, 2 ** 60),
);

type Ref = (x: number, s: number) => number | boolean;
const OPS: [string, (t: Tensor, s: number) => Tensor, Ref][] = [
  ['eq', (t, s) => t.eq(s), (x, s) => x === s],
  ['ne', (t, s) => t.ne(s), (x, s) => x !== s],
  ['lt', (t, s) => t.lt(s), (x, s) => x < s],
  ['le', (t, s) => t.le(s), (x, s) => x <= s],
  ['gt', (t, s) => t.gt(s), (x, s) => x > s],
  ['ge', (t, s) => t.ge(s), (x, s) => x >= s],
  ['maximum', (t, s) => t.maximum(s), (x, s) => Math.max(x, s)],
  ['minimum', (t, s) => t.minimum(s), (x, s) => Math.min(x, s)],
  ['add', (t, s) => t.add(s), (x, s) => wrap(BigInt(x) + BigInt(s))],
  ['sub', (t, s) => t.sub(s), (x, s) => wrap(BigInt(x) - BigInt(s))],
  ['mul', (t, s) => t.mul(s), (x, s) => wrap(BigInt(x) * BigInt(s))],
];

describe('int32 tensor ⊕ integer JS number', () => {
  for (const [name, op, ref] of OPS) {
    it(`${name}: in range, equals the reference on any view; out of range, refused naming ${name}`, () => {
      fc.assert(fc.property(intView(), inRange, outOfRange, (c, s, big) => {
        const out = op(c.tensor, s);
        const want = c.values.map((x) => ref(x, s));
        const got = toFlat(out);
        expect(got.length).toBe(want.length);
        got.forEach((g, i) => expect(g).toBe(typeof want[i] === 'boolean' ? +want[i]! : want[i]));
        expect(out.shape).toEqual(c.tensor.shape);
        expect(() => op(c.tensor, big)).toThrow(new RegExp(`^${name}: scalar ${big} is outside the int32 range`));
      }), RUNS);
    });
  }

  it('the number on the left is checked too, and bool tensors (int32 arithmetic) as well', () => {
    const x = tensor([1, 2], { dtype: 'int32' });
    expect(() => lt(2 ** 33, x)).toThrow(/^lt: scalar 8589934592 is outside the int32 range/);
    expect(() => add(-(2 ** 33), x)).toThrow(/^add: scalar -8589934592 is outside the int32 range/);
    expect(() => maximum(2 ** 31, x)).toThrow(/^maximum: scalar 2147483648 is outside/);
    expect(lt(1, x).toArray()).toEqual([false, true]);
    expect(() => tensor([true, false]).add(2 ** 31)).toThrow(/^add: scalar 2147483648 is outside the int32 range/);
    expect(() => tensor([true]).lt(-(2 ** 31) - 1)).toThrow(/^lt: scalar -2147483649 is outside/);
    expect(tensor([true, false]).add(2 ** 31 - 1).toArray()).toEqual([wrap(2n ** 31n), 2 ** 31 - 1]);
  });

  it('float tensors and fractional numbers are unaffected: 2^40 compares exactly against float64', () => {
    const f = tensor([2 ** 40, 5], { dtype: 'float64' });
    expect(f.eq(2 ** 40).toArray()).toEqual([true, false]);
    // A fractional number makes an int tensor float32 (weak scalar rule), so nothing wraps.
    expect(tensor([5], { dtype: 'int32' }).lt(2 ** 40 + 0.5).toArray()).toEqual([true]);
    expect(tensor([5], { dtype: 'int32' }).add(2 ** 40 + 0.5).dtype).toBe('float32');
  });

  it('where, maskedFill, fillInPlace, copyFrom and in-place operands refuse numbers int32 cannot hold', () => {
    const x = tensor([5, -5], { dtype: 'int32' });
    const m = tensor([true, false]);
    expect(() => where(m, x, 2 ** 32)).toThrow(/^where: scalar 4294967296 is outside the int32 range/);
    expect(() => x.where(m, 2 ** 32)).toThrow(/^where: scalar 4294967296/);
    expect(() => maskedFill(x, m, 2 ** 32)).toThrow(/^maskedFill: scalar 4294967296 is outside/);
    expect(() => x.clone().fillInPlace(2 ** 32)).toThrow(/^fillInPlace: scalar 4294967296 is outside/);
    expect(() => x.clone().copyFrom(-(2 ** 32))).toThrow(/^copyFrom: scalar -4294967296 is outside/);
    expect(() => x.clone().addInPlace(2 ** 32)).toThrow(/^addInPlace: scalar 4294967296 is outside/);
    expect(() => x.clone().mulInPlace(2 ** 33)).toThrow(/^mulInPlace: scalar 8589934592 is outside/);
    expect(() => x.clone().maximumInPlace(2 ** 33)).toThrow(/^maximumInPlace: scalar 8589934592 is outside/);
    // The extremes of the range are accepted and exact.
    expect(where(m, x, I32_MIN).toArray()).toEqual([5, I32_MIN]);
    expect(maskedFill(x, m, I32_MAX).toArray()).toEqual([I32_MAX, -5]);
    expect(x.clone().fillInPlace(I32_MIN).toArray()).toEqual([I32_MIN, I32_MIN]);
    // A bool tensor filled with a big number is a boolean fill, not an int32 one: allowed.
    expect(tensor([false, false]).copyFrom(2 ** 40).toArray()).toEqual([true, true]);
  });

  it('in-place ops with in-range numbers write through strided views like the reference', () => {
    fc.assert(fc.property(intView(['permuted', 'stepped', 'negative', 'offset']), inRange, (c, s) => {
      const t = c.tensor;
      t.maximumInPlace(s);
      toFlat(t).forEach((g, i) => expect(g).toBe(Math.max(c.values[i]!, s)));
    }), RUNS);
  });
});

describe('int32 products and powers wrap exactly (two\'s complement, as PyTorch)', () => {
  const pair = fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(
    stridedViewArb({ shape: [n], dtype: 'int32', min: I32_MIN, max: I32_MAX }),
    stridedViewArb({ shape: [n], dtype: 'int32', min: I32_MIN, max: I32_MAX }),
  ));

  it('tensor * tensor and mulInPlace equal BigInt.asIntN(32, a * b) on any views (float64 loses the low bits past 2^53)', () => {
    fc.assert(fc.property(pair, ([a, b]) => {
      const want = a.values.map((x, i) => wrap(BigInt(x) * BigInt(b.values[i]!)));
      expect(toFlat(a.tensor.mul(b.tensor))).toEqual(want);
      const target = a.tensor.contiguous().clone();
      target.mulInPlace(b.tensor);
      expect(toFlat(target)).toEqual(want);
    }), RUNS);
  });

  it('pow with non-negative int exponents equals BigInt.asIntN(32, x ** e)', () => {
    fc.assert(fc.property(
      stridedViewArb({ shape: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), dtype: 'int32', min: -60, max: 60 }),
      fc.integer({ min: 0, max: 70 }),
      (c, e) => {
        const want = c.values.map((x) => wrap(BigInt(x) ** BigInt(e)));
        expect(toFlat(c.tensor.pow(e))).toEqual(want);
        expect(toFlat(c.tensor.pow(tensor(e, { dtype: 'int32' })))).toEqual(want);
      },
    ), RUNS);
    expect(tensor([3], { dtype: 'int32' }).pow(40).item()).toBe(wrap(3n ** 40n));
    expect(tensor([I32_MAX, 3037000499], { dtype: 'float64' }).astype('int32').pow(2).toArray()).toEqual([1, wrap(3037000499n ** 2n)]);
    expect(tensor([0, 7], { dtype: 'int32' }).pow(0).toArray()).toEqual([1, 1]);
  });
});

describe('int32 square wraps exactly', () => {
  it('square(x) = BigInt.asIntN(32, x * x) on any view (bool squares to int32 0/1)', () => {
    fc.assert(fc.property(stridedViewArb({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), dtype: ['int32', 'bool'], min: I32_MIN, max: I32_MAX }), (c) => {
      const out = c.tensor.square();
      expect(out.dtype).toBe('int32');
      expect(toFlat(out)).toEqual(c.values.map((x) => wrap(BigInt(x) * BigInt(x))));
    }), RUNS);
  });
});
