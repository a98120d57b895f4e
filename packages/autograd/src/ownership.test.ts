import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, Tensor, randn, Generator } from '@gd/tensor';
import { customFunction } from './index.js';

/**
 * `backward()` adopts a leaf's single gradient as `.grad` without copying it when it owns the
 * storage outright. These tests check the other half of that contract: no `.grad` ever aliases a
 * seed, an input, another leaf's gradient or a tensor a custom function keeps.
 */

function snapshot(ts: readonly Tensor[]): number[][] {
  return ts.map((t) => Array.from(t.data()));
}

/** Write into every grad in turn, and check nothing else moved. */
function expectIndependent(grads: Tensor[], others: Tensor[]): void {
  for (let k = 0; k < grads.length; k++) {
    const before = snapshot([...grads.filter((_, j) => j !== k), ...others]);
    grads[k]!.addInPlace(1000);
    expect(snapshot([...grads.filter((_, j) => j !== k), ...others])).toEqual(before);
  }
}

describe('leaf gradients are never aliased', () => {
  it('add/sub/reshape/transpose/expand/matmul graphs: writing into one .grad changes no other grad, leaf or seed', () => {
    const ops = ['add', 'sub', 'mul', 'matmul', 'reshape', 'transpose', 'expandSum', 'sumKeep'] as const;
    fc.assert(fc.property(fc.array(fc.constantFrom(...ops), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 1e6 }), (chain, seed) => {
      const gen = new Generator(seed);
      const a = randn([3, 3], { dtype: 'float64', generator: gen }).requiresGrad_();
      const b = randn([3, 3], { dtype: 'float64', generator: gen }).requiresGrad_();
      const c = randn([3, 3], { dtype: 'float64', generator: gen }).requiresGrad_();
      let h: Tensor = a;
      for (const op of chain) {
        if (op === 'add') h = h.add(b);
        else if (op === 'sub') h = c.sub(h);
        else if (op === 'mul') h = h.mul(b);
        else if (op === 'matmul') h = h.matmul(c);
        else if (op === 'reshape') h = h.reshape([9]).reshape([3, 3]);
        else if (op === 'transpose') h = h.T;
        else if (op === 'expandSum') h = h.sum(0, true).expand([3, 3]).add(c);
        else h = h.add(b.sum(1, true));
      }
      const seedG = randn([3, 3], { dtype: 'float64', generator: gen });
      const seedCopy = seedG.clone();
      h.backward(seedG);
      const grads = [a, b, c].map((t) => t.grad).filter((g): g is Tensor => g !== null);
      for (const g of grads) expect(g.isContiguous()).toBe(true);
      expectIndependent(grads, [a, b, c, seedG]);
      expect(snapshot([seedG])).toEqual(snapshot([seedCopy]));
    }), { numRuns: 80 });
  });

  it('the seed and the upstream gradient are copied, not adopted', () => {
    const a = tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const b = tensor([3, 4], { dtype: 'float64' }).requiresGrad_();
    const seed = tensor([5, 6], { dtype: 'float64' });
    a.add(b).backward(seed);
    expect(a.grad!.toArray()).toEqual([5, 6]);
    expect(b.grad!.toArray()).toEqual([5, 6]);
    expect(a.grad!.storage).not.toBe(seed.storage);
    expect(b.grad!.storage).not.toBe(a.grad!.storage);
    // a leaf that is itself the root
    const s = tensor([2], { dtype: 'float64' }).requiresGrad_();
    const sd = tensor([7], { dtype: 'float64' });
    s.backward(sd);
    expect(s.grad!.storage).not.toBe(sd.storage);
  });

  it('a fresh gradient from a built-in rule is adopted (and is correct)', () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const w = tensor([[1, 0], [2, 1]], { dtype: 'float64' }).requiresGrad_();
    x.matmul(w).sum().backward();
    // d/dw sum(x w) = xᵀ 1 — column sums of x, repeated
    expect(w.grad!.toArray()).toEqual([[4, 4], [6, 6]]);
  });

  it('a custom function that returns a kept tensor has it copied; freshGradients opts in to adoption safely', () => {
    const kept = tensor([1, 1], { dtype: 'float64' });
    const leaky = customFunction({
      name: 'leaky',
      forward(_ctx, x: Tensor) { return x.mul(2); },
      backward() { return [kept]; },
    });
    const x = tensor([3, 4], { dtype: 'float64' }).requiresGrad_();
    leaky(x).sum().backward();
    expect(x.grad!.storage).not.toBe(kept.storage);
    x.grad!.addInPlace(5);
    expect(kept.toArray()).toEqual([1, 1]);

    const twice = customFunction({
      name: 'twice',
      freshGradients: true,
      forward(_ctx, x: Tensor) { return x.mul(2); },
      backward(_ctx, g) { return [g.mul(2)]; },
    });
    const y = tensor([3, 4], { dtype: 'float64' }).requiresGrad_();
    const seed = tensor([1, 10], { dtype: 'float64' });
    twice(y).backward(seed);
    expect(y.grad!.toArray()).toEqual([2, 20]);
    y.grad!.addInPlace(1);
    expect(seed.toArray()).toEqual([1, 10]);
  });

  it('a second backward accumulates into an adopted gradient without touching the first result elsewhere', () => {
    const w = tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const g1Holder: Tensor[] = [];
    w.mul(3).sum().backward();
    g1Holder.push(w.grad!);
    w.mul(4).sum().backward();
    expect(w.grad!.toArray()).toEqual([7, 7]);
    expect(g1Holder[0]!.toArray()).toEqual([3, 3]);
  });
});
