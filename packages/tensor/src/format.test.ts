// toString: PyTorch/NumPy-style text, summarised past 1000 elements, independent of memory layout.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arange, randn, tensor, zeros, Generator } from './index.js';
import { stridedViewArb } from './testing.js';
import { formatTensor } from './format.js';

describe('toString', () => {
  it.each<[string, () => string, string]>([
    ['matrix of integral floats', () => tensor([[1, 2], [3, 4]]).toString(), 'tensor([[1., 2.],\n        [3., 4.]])'],
    ['fixed point, right-aligned', () => tensor([1.5, -2.25, 3]).toString(), 'tensor([ 1.5000, -2.2500,  3.0000])'],
    ['scientific when tiny values appear', () => tensor([1e-5, 1]).toString(), 'tensor([1.0000e-5, 1.0000e+0])'],
    ['non-finite values', () => tensor([NaN, Infinity, -Infinity, 1.5]).toString(), 'tensor([   nan,    inf,   -inf, 1.5000])'],
    ['bool', () => tensor([true, false]).toString(), 'tensor([ true, false], dtype=bool)'],
    ['int32', () => tensor([1, -20], { dtype: 'int32' }).toString(), 'tensor([  1, -20], dtype=int32)'],
    ['float64', () => tensor([1, 2], { dtype: 'float64' }).toString(), 'tensor([1., 2.], dtype=float64)'],
    ['0-d', () => tensor(3.5).toString(), 'tensor(3.5000)'],
    ['empty', () => zeros([0]).toString(), 'tensor([])'],
    ['empty of rank > 1 shows its shape', () => zeros([2, 0, 3], { dtype: 'int32' }).toString(), 'tensor([], shape=[2, 0, 3], dtype=int32)'],
    ['negative zero keeps its sign', () => tensor([-0, 1.5, 0]).toString(), 'tensor([-0.0000,  1.5000,  0.0000])'],
    ['negative zero among integral floats', () => tensor([-0, 2], { dtype: 'float64' }).toString(), 'tensor([-0.,  2.], dtype=float64)'],
    ['3-d blank line between blocks', () => arange(8).reshape(2, 2, 2).toString(), 'tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], dtype=int32)'],
    ['requiresGrad', () => zeros([2], { requiresGrad: true }).toString(), 'tensor([0., 0.], requiresGrad=true)'],
    ['a view prints its own elements', () => arange(6).reshape(2, 3).T.flip(0).toString(), 'tensor([[2, 5],\n        [1, 4],\n        [0, 3]], dtype=int32)'],
  ])('%s', (_s, f, want) => {
    expect(f()).toBe(want);
  });

  it('summarises more than 1000 elements: first and last 3 of each long dim around ...', () => {
    expect(arange(1000).toString()).not.toContain('...');
    expect(arange(1001).toString()).toBe('tensor([   0,    1,    2, ...,  998,  999, 1000], dtype=int32)');
    const m = arange(2000).reshape(20, 100).toString();
    expect(m.split('\n')).toHaveLength(7);
    expect(m).toContain('[   0,    1,    2, ...,   97,   98,   99]');
    expect(m).toContain('        ...,\n');
    expect(m).toContain('[1900, 1901, 1902, ..., 1997, 1998, 1999]');
    fc.assert(fc.property(fc.integer({ min: 1001, max: 50000 }), (n) => {
      const s = arange(n).toString();
      const nums = s.replace(', dtype=int32', '').match(/-?\d+/g)!.map(Number);
      expect(nums).toEqual([0, 1, 2, n - 3, n - 2, n - 1]);
    }), { numRuns: 30 });
  });

  it('a huge tensor or view prints quickly and briefly (only the shown elements are read)', () => {
    const t = randn([1000, 1000], { generator: new Generator(0) });
    const s = t.T.flip(0).toString();
    expect(s.length).toBeLessThan(700);
    expect(s.match(/\.\.\./g)!.length).toBe(7); // one per shown row plus the row gap
  });

  it('int32 views: the printed numbers are the elements in row-major order, whatever the layout', () => {
    fc.assert(fc.property(stridedViewArb({ dtype: 'int32', min: -999, max: 999 }), (c) => {
      const s = c.tensor.toString();
      expect(s.endsWith(', dtype=int32)')).toBe(true);
      const nums = (s.slice(0, -', dtype=int32)'.length).match(/-?\d+/g) ?? []).map(Number);
      expect(nums).toEqual(c.values);
    }), { numRuns: 100 });
  });

  it('float views print like their contiguous copies', () => {
    fc.assert(fc.property(stridedViewArb({ dtype: ['float32', 'float64', 'bool'], noNaN: false }), (c) => {
      expect(c.tensor.toString()).toBe(formatTensor(c.tensor.contiguous().clone()));
    }), { numRuns: 100 });
  });
});
