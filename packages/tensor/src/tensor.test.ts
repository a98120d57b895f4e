// The Tensor class core: reading elements out of any view, the shared version counter, detach,
// clone/contiguous independence, dtype conversion, requiresGrad rules and the autograd hook error.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, arange, tensor, zeros } from './index.js';
import { forEachIndex, nestedMismatch, readAt, stridedViewArb, toNested } from './testing.js';

const RUNS = { numRuns: 80 };
const views = stridedViewArb({ dtype: ['float32', 'float64', 'int32', 'bool'] });

describe('reading elements', () => {
  it('toArray, data, get and item agree with a strided reference on every kind of view', () => {
    fc.assert(fc.property(views, (c) => {
      const t = c.tensor;
      expect(nestedMismatch(t.toArray(), c.expected)).toBeNull();
      expect(nestedMismatch(toNested(t), c.expected)).toBeNull();
      const d = t.data();
      expect(d.length).toBe(t.size);
      expect(Array.from(d)).toEqual(c.values);
      forEachIndex(t.shape, (idx, k) => {
        expect(t.get(...idx)).toBe(c.values[k]);
        expect(t.get(...idx.map((i, dd) => i - t.shape[dd]!))).toBe(c.values[k]); // negative indices
      });
      if (t.size === 1) expect(t.item()).toBe(c.values[0]);
      expect(t.ndim).toBe(t.shape.length);
      expect(t.dim()).toBe(t.shape.length);
      expect(t.size).toBe(c.values.length);
    }), RUNS);
  });

  it('data() is a copy: writing to it leaves the tensor alone', () => {
    const t = arange(6).to('float32').reshape(2, 3);
    const d = t.data();
    d[0] = 100;
    expect(t.get(0, 0)).toBe(0);
    const v = t.T.data();
    v[1] = 100;
    expect(t.get(1, 0)).toBe(3);
  });

  it('toArray of a 0-d tensor is a number; of a bool tensor, booleans', () => {
    expect(tensor(2).toArray()).toBe(2);
    expect(tensor([[true], [false]]).toArray()).toEqual([[true], [false]]);
    expect(tensor(true).item()).toBe(1);
  });
});

describe('storage sharing and the version counter', () => {
  it('every view of a storage shares one version counter; in-place writes through any view bump it once', () => {
    fc.assert(fc.property(stridedViewArb({ kinds: ['contiguous', 'offset', 'permuted', 'stepped', 'negative'] }), (c) => {
      const t = c.tensor;
      const others = [t.detach(), t.reshape(-1), t.flip(t.shape.map((_, i) => i)), t.unsqueeze(0)];
      const v0 = t.version;
      t.addInPlace(1);
      expect(t.version).toBe(v0 + 1);
      for (const o of others) if (o.storage === t.storage) expect(o.version).toBe(v0 + 1);
      others[0]!.mulInPlace(2);
      expect(t.version).toBe(v0 + 2);
      forEachIndex(t.shape, (idx, k) => expect(readAt(t, idx)).toBe(Math.fround((Math.fround(c.values[k]! + 1)) * 2)));
    }), RUNS);
  });

  it('out-of-place ops and copies never bump the version', () => {
    const t = arange(4).to('float32');
    t.add(1); t.clone(); t.T.contiguous(); t.to('float64'); t.reshape(2, 2); t.toString(); t.data();
    expect(t.version).toBe(0);
  });

  it('clone and contiguous copies are independent; contiguous() of a contiguous tensor is itself', () => {
    fc.assert(fc.property(views, (c) => {
      const cl = c.tensor.clone();
      expect(cl.storage).not.toBe(c.tensor.storage);
      expect(cl.isContiguous()).toBe(true);
      expect(cl.version).toBe(0);
      expect(nestedMismatch(cl.toArray(), c.expected)).toBeNull();
      const ct = c.tensor.contiguous();
      if (c.tensor.isContiguous()) expect(ct).toBe(c.tensor);
      else {
        expect(ct.storage).not.toBe(c.tensor.storage);
        expect(ct.isContiguous()).toBe(true);
      }
      expect(nestedMismatch(ct.toArray(), c.expected)).toBeNull();
    }), RUNS);
  });

  it('detach shares storage, shape, strides and version but never requires grad', () => {
    const t = zeros([2, 3], { requiresGrad: true });
    const d = t.T.detach();
    expect(d.storage).toBe(t.storage);
    expect(d.strides).toEqual([1, 3]);
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    d.fillInPlace(5);
    expect(t.get(1, 2)).toBe(5);
    expect(t.version).toBe(1);
  });
});

describe('dtype conversion', () => {
  it('to / astype return the same tensor for the same dtype and a converted copy otherwise', () => {
    const t = tensor([1.7, -1.7, 0]);
    expect(t.to('float32')).toBe(t);
    expect(t.to('int32').toArray()).toEqual([1, -1, 0]);
    expect(t.astype('bool').toArray()).toEqual([true, true, false]);
    expect(t.to('float64').storage).not.toBe(t.storage);
    expect(() => t.to('half' as never)).toThrow(/^to: unknown dtype "half"/);
  });
});

describe('gradient flags without @gd/autograd loaded', () => {
  it('requiresGrad_ marks float tensors only; grads start null', () => {
    const t = zeros([2]).requiresGrad_();
    expect(t.requiresGrad).toBe(true);
    expect(t.grad).toBeNull();
    expect(t.isLeaf).toBe(true);
    t.requiresGrad_(false);
    expect(t.requiresGrad).toBe(false);
    expect(() => zeros([2], { dtype: 'int32' }).requiresGrad_()).toThrow(/^requiresGrad_: only floating-point tensors can require gradients \(dtype is int32\)/);
    expect(() => zeros([2], { dtype: 'bool' }).requiresGrad_()).toThrow(/dtype is bool/);
    expect(zeros([2], { dtype: 'float64' }).requiresGrad_().requiresGrad).toBe(true);
  });

  it('backward explains that @gd/autograd is needed', () => {
    expect(() => zeros([]).backward()).toThrow(/^backward: gradients need @gd\/autograd; add `import '@gd\/autograd'`/);
  });

  it('the constructor is private: tensors come from factories', () => {
    expect(Tensor._fromData(new Float32Array([1, 2]), [2], 'float32').toArray()).toEqual([1, 2]);
    expect(Tensor._empty([2, 2], 'int32').toArray()).toEqual([[0, 0], [0, 0]]);
  });
});
