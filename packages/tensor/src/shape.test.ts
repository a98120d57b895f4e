// Shape arithmetic against slow references: broadcasting, strides, sizes, axis normalisation.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { broadcastAll, broadcastShapes, checkShape, contiguousStrides, fmt, normAxes, normAxis, shapesEqual, sizeOf } from './index.js';
import { broadcastableShapesArb, forEachIndex, referenceBroadcast, shapeArb } from './testing.js';

describe('sizes and strides', () => {
  it('sizeOf counts the indices forEachIndex visits; contiguousStrides give each index its row-major position', () => {
    fc.assert(fc.property(shapeArb({ minDim: 0, maxRank: 5 }), (shape) => {
      let count = 0;
      const st = contiguousStrides(shape);
      forEachIndex(shape, (idx, k) => {
        expect(idx.reduce((p, i, d) => p + i * st[d]!, 0)).toBe(k);
        count++;
      });
      expect(sizeOf(shape)).toBe(count);
    }), { numRuns: 100 });
    expect(sizeOf([])).toBe(1);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
  });

  it('fmt prints shapes as errors show them', () => {
    expect(fmt([2, 3])).toBe('[2,3]');
    expect(fmt([])).toBe('[]');
  });

  it('checkShape accepts non-negative integers only', () => {
    expect(checkShape('op', [0, 3])).toEqual([0, 3]);
    expect(() => checkShape('op', [2, -1])).toThrow(/^op: invalid shape \[2,-1\] \(sizes must be non-negative integers\)/);
    expect(() => checkShape('op', [1.5])).toThrow(/^op: invalid shape \[1\.5\]/);
    expect(() => checkShape('op', [Infinity])).toThrow(/^op: invalid shape \[null\]/);
    expect(() => checkShape('op', 'ab')).toThrow(/^op: shape must be an array of integers, got ab/);
  });
});

describe('broadcasting', () => {
  it('broadcastShapes agrees with the reference on broadcastable shapes, in either order', () => {
    fc.assert(fc.property(broadcastableShapesArb(2, { minDim: 0 }), ([a, b]) => {
      const want = referenceBroadcast(a!, b!);
      expect(want).not.toBeNull();
      expect(broadcastShapes('op', a!, b!)).toEqual(want);
      expect(broadcastShapes('op', b!, a!)).toEqual(want);
    }), { numRuns: 200 });
  });

  it('on arbitrary shape pairs it throws exactly when the reference says they do not broadcast', () => {
    fc.assert(fc.property(shapeArb({ maxDim: 3 }), shapeArb({ maxDim: 3 }), (a, b) => {
      const want = referenceBroadcast(a, b);
      if (want === null) expect(() => broadcastShapes('mul', a, b)).toThrow(new RegExp(`^mul: shapes \\[${a.join(',')}\\] and \\[${b.join(',')}\\] cannot be broadcast`));
      else expect(broadcastShapes('mul', a, b)).toEqual(want);
    }), { numRuns: 200 });
  });

  it('broadcastAll folds any number of shapes', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }).chain((n) => broadcastableShapesArb(n)), (shapes) => {
      expect(broadcastAll('op', shapes)).toEqual(referenceBroadcast(...shapes));
    }), { numRuns: 100 });
    expect(broadcastAll('op', [])).toEqual([]);
    expect(() => broadcastAll('cat', [[2], [1], [3]])).toThrow(/^cat: shapes \[2\] and \[3\] cannot be broadcast \(2 != 3 at dim 0\)/);
  });

  it('size-0 dims broadcast with 1 and with 0 only', () => {
    expect(broadcastShapes('op', [0, 3], [1, 3])).toEqual([0, 3]);
    expect(broadcastShapes('op', [0], [0])).toEqual([0]);
    expect(() => broadcastShapes('op', [0], [2])).toThrow(/^op: shapes \[0\] and \[2\] cannot be broadcast \(0 != 2 at dim 0\)/);
  });

  it('shapesEqual', () => {
    fc.assert(fc.property(shapeArb(), shapeArb(), (a, b) => {
      expect(shapesEqual(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
      expect(shapesEqual(a, a.slice())).toBe(true);
    }));
  });
});

describe('axes', () => {
  it('normAxis maps [-ndim, ndim) onto [0, ndim) and refuses the rest', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: -10, max: 10 }), (nd, a) => {
      if (a >= -nd && a < nd) expect(normAxis('op', a, nd)).toBe(((a % nd) + nd) % nd);
      else expect(() => normAxis('sum', a, nd)).toThrow(`sum: axis ${a} is out of range for a tensor of rank ${nd}`);
    }), { numRuns: 200 });
    expect(() => normAxis('op', 0.5, 3)).toThrow(/^op: axis 0\.5 is not an integer \(tensor of rank 3\)/);
    expect(() => normAxis('op', NaN, 3)).toThrow(/^op: axis NaN is not an integer/);
    expect(() => normAxis('op', '1' as unknown as number, 3)).toThrow(/^op: axis "1" is not an integer/);
  });

  it('normAxes: undefined means all; results sorted and unique; repeats refused', () => {
    expect(normAxes('op', undefined, 3)).toEqual([0, 1, 2]);
    expect(normAxes('op', -1, 3)).toEqual([2]);
    expect(normAxes('op', [2, 0], 3)).toEqual([0, 2]);
    expect(normAxes('op', [], 3)).toEqual([]);
    expect(() => normAxes('mean', [1, -2], 3)).toThrow(/^mean: axis 1 repeated in \[1,-2\]/);
    expect(() => normAxes('mean', [3], 3)).toThrow(/^mean: axis 3 is out of range for a tensor of rank 3/);
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }).chain((nd) => fc.tuple(fc.constant(nd), fc.subarray([...Array(nd).keys()]))), ([nd, axes]) => {
      const neg = axes.map((a, i) => (i % 2 ? a - nd : a));
      expect(normAxes('op', neg, nd)).toEqual([...axes].sort((x, y) => x - y));
    }));
  });
});
