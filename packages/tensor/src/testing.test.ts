// The testing arbitraries themselves: each view kind really has the layout it claims, values and
// expected agree, bounds are respected, and the reference helpers give known answers.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from './index.js';
import {
  VIEW_KINDS, broadcastIndex, broadcastableShapesArb, forEachIndex, nestFlat, nestedFromFn, nestedGet, nestedMismatch,
  readAt, referenceBroadcast, shapeArb, stridedViewArb, tensorArb, toFlat, toNested, valuesArb, viewOfArb,
} from './testing.js';

describe('arbitraries', () => {
  it('shapeArb respects its bounds', () => {
    fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 3, minDim: 2, maxDim: 5 }), (s) => {
      expect(s.length >= 1 && s.length <= 3).toBe(true);
      expect(s.every((n) => n >= 2 && n <= 5)).toBe(true);
    }));
    expect(() => shapeArb({ minRank: 3, maxRank: 2 })).toThrow(/^shapeArb: minRank 3 exceeds maxRank 2/);
    expect(() => shapeArb({ maxDim: -1 })).toThrow(/^shapeArb: maxDim must be a non-negative integer, got -1/);
  });

  it('broadcastableShapesArb shapes broadcast, and size-1 and missing leading dims both occur', () => {
    let ones = 0;
    let shorter = 0;
    fc.assert(fc.property(broadcastableShapesArb(3, { minRank: 1 }), (shapes) => {
      expect(shapes).toHaveLength(3);
      const out = referenceBroadcast(...shapes);
      expect(out).not.toBeNull();
      if (shapes.some((s) => s.includes(1))) ones++;
      if (shapes.some((s) => s.length < out!.length)) shorter++;
    }), { numRuns: 200 });
    expect(ones).toBeGreaterThan(20);
    expect(shorter).toBeGreaterThan(20);
    expect(() => broadcastableShapesArb(0)).toThrow(/^broadcastableShapesArb: n must be a positive integer, got 0/);
  });

  it('tensorArb and valuesArb stay within bounds and dtype', () => {
    fc.assert(fc.property(tensorArb({ dtype: ['int32', 'float64', 'float32'], min: -2.5, max: 3.5 }), (t) => {
      const v = toFlat(t);
      expect(v.every((x) => x >= -2.5 && x <= 3.5)).toBe(true);
      if (t.dtype === 'int32') expect(v.every(Number.isInteger)).toBe(true);
      if (t.dtype === 'float32') expect(v.every((x) => Math.fround(x) === x)).toBe(true);
      expect(t.isContiguous()).toBe(true);
    }));
    let sawNaN = false;
    fc.assert(fc.property(valuesArb(20, 'float64', { noNaN: false }), (v) => { if (v.some(Number.isNaN)) sawNaN = true; }), { numRuns: 50 });
    expect(sawNaN).toBe(true);
    expect(() => valuesArb(2, 'int32', { min: 0.2, max: 0.8 })).toThrow(/^tensorArb: no integer lies in \[0\.2, 0\.8\]/);
  });

  it('every view kind has the layout it claims and holds the values it reports', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(stridedViewArb({ shape: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 2, maxLength: 3 }), dtype: ['float32', 'int32'] }), (c) => {
      const t = c.tensor;
      seen.add(c.kind);
      expect(toFlat(t)).toEqual(c.values);
      expect(nestedMismatch(toNested(t), c.expected)).toBeNull();
      switch (c.kind) {
        case 'contiguous': expect(t.isContiguous() && t.offset === 0).toBe(true); break;
        case 'offset': expect(t.isContiguous() && t.offset > 0).toBe(true); break;
        case 'negative': expect(t.strides.some((s) => s < 0)).toBe(true); break;
        case 'stepped': expect(t.strides.every((s) => s > 0)).toBe(true); break;
        default: break;
      }
      // storage positions the view does not cover hold junk, which for int32 is 30583
      const covered = new Set<number>();
      forEachIndex(t.shape, (idx) => covered.add(idx.reduce((p, i, d) => p + i * t.strides[d]!, t.offset)));
      if (t.dtype === 'int32') for (let p = 0; p < t.storage.length; p++) if (!covered.has(p)) expect(t.storage[p]).toBe(30583);
    }), { numRuns: 300 });
    expect([...seen].sort()).toEqual([...VIEW_KINDS].sort());
  });

  it('expanded views repeat their values along stride-0 dims', () => {
    fc.assert(fc.property(stridedViewArb({ shape: [3, 4], kinds: ['expanded'] }), (c) => {
      const t = c.tensor;
      forEachIndex(t.shape, (idx) => {
        t.strides.forEach((s, d) => { if (s === 0) expect(readAt(t, idx)).toBe(readAt(t, idx.map((i, k) => (k === d ? 0 : i)))); });
      });
    }), { numRuns: 50 });
  });

  it("viewOfArb keeps the source tensor's values (non-expanded kinds)", () => {
    fc.assert(fc.property(
      tensorArb({ shape: [2, 3] }).chain((src) => fc.tuple(fc.constant(src), viewOfArb(fc.constant(src), { kinds: ['permuted', 'negative', 'stepped', 'offset'] }))),
      ([src, c]) => {
        expect(c.tensor.storage).not.toBe(src.storage);
        expect(toFlat(c.tensor)).toEqual(toFlat(src));
      }), { numRuns: 50 });
    expect(() => fc.sample(viewOfArb(tensorArb(), { kinds: [] }), 1)).toThrow(/^viewOfArb: kinds must not be empty/);
  });
});

describe('reference helpers', () => {
  it('forEachIndex visits row-major, once each; none for an empty shape, one for a scalar', () => {
    const seen: string[] = [];
    forEachIndex([2, 3], (i, k) => seen.push(`${k}:${i.join('')}`));
    expect(seen).toEqual(['0:00', '1:01', '2:02', '3:10', '4:11', '5:12']);
    let n = 0;
    forEachIndex([2, 0, 3], () => n++);
    expect(n).toBe(0);
    forEachIndex([], (i) => { expect(i).toEqual([]); n++; });
    expect(n).toBe(1);
  });

  it('referenceBroadcast and broadcastIndex', () => {
    expect(referenceBroadcast([3, 1], [4])).toEqual([3, 4]);
    expect(referenceBroadcast([2, 1, 5], [3, 1], [])).toEqual([2, 3, 5]);
    expect(referenceBroadcast([2], [3])).toBeNull();
    expect(referenceBroadcast()).toEqual([]);
    expect(broadcastIndex([1, 2, 3], [1, 4])).toEqual([0, 3]);
    expect(() => broadcastIndex([1], [2, 2])).toThrow(/^broadcastIndex: index of rank 1 cannot address shape \[2,2\]/);
  });

  it('toNested / readAt read through strides; nestFlat / nestedFromFn / nestedGet build and index', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(toNested(t.T)).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(readAt(t.flip(1), [0, 0])).toBe(3);
    expect(() => readAt(t, [2, 0])).toThrow(/^readAt: index 2 out of range for dim 0 of size 2/);
    expect(nestFlat([2, 2], [1, 0, 0, 1], true)).toEqual([[true, false], [false, true]]);
    expect(nestFlat([], [7])).toBe(7);
    expect(() => nestFlat([2], [1])).toThrow(/^nestFlat: shape \[2\] needs 2 values, got 1/);
    expect(nestedFromFn([2, 2], ([i, j]) => i! * 2 + j!)).toEqual([[0, 1], [2, 3]]);
    expect(nestedGet([[1, 2], [3, 4]], [1, 1])).toBe(4);
    expect(() => nestedGet([[1, 2]], [0])).toThrow(/^nestedGet: index \[0\] stops above the leaves/);
  });

  it('nestedMismatch: tolerances, NaN, infinities, shapes, booleans', () => {
    expect(nestedMismatch([1, 2], [1, 2])).toBeNull();
    expect(nestedMismatch([1, 2.001], [1, 2], { atol: 1e-2 })).toBeNull();
    expect(nestedMismatch([1, 2.001], [1, 2], { rtol: 1e-4 })).toBe('at [1]: got 2.001, expected 2');
    expect(nestedMismatch([NaN], [NaN])).toBeNull();
    expect(nestedMismatch([1], [NaN])).toBe('at [0]: got 1, expected NaN');
    expect(nestedMismatch([Infinity], [-Infinity], { atol: 1e300 })).toBe('at [0]: got Infinity, expected -Infinity');
    expect(nestedMismatch([[1]], [1])).toBe('at [0]: got an array, expected 1');
    expect(nestedMismatch([1, 2], [1, 2, 3])).toBe('at []: got length 2, expected 3');
    expect(nestedMismatch([true], [false])).toBe('at [0]: got true, expected false');
    expect(nestedMismatch(1, [1])).toBe('at []: got 1, expected an array of length 1');
  });
});
