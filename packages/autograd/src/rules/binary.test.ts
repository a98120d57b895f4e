// Broadcasting binary rules, where and maskedFill: random mutually broadcastable shapes, each operand
// in a random strided layout, float64; backward == central differences, and second order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Tensor, tensor, where } from '@gd/tensor';
import { gradcheck, gradgradcheck } from '../index.js';
import { broadcastGradArb, gradViewArb } from '../testing.js';

const RUNS = { numRuns: 40 };
const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });

/** Two operands at least `gap` apart elementwise after broadcasting (no ties or near-ties). */
function apart(a: Tensor, b: Tensor, gap = 0.05): boolean {
  const d = a.sub(b).abs().data();
  return Array.from(d).every((v) => v >= gap);
}

describe('binary rules: gradcheck over broadcastable shapes and views', () => {
  const smooth: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', (a, b) => a.add(b)],
    ['add with alpha', (a, b) => a.add(b, -2.5)],
    ['sub', (a, b) => a.sub(b)],
    ['mul', (a, b) => a.mul(b)],
  ];
  for (const [name, f] of smooth) {
    it(name, () => {
      fc.assert(fc.property(broadcastGradArb(2), ([a, b]) => gradcheck(f, [a!, b!])), RUNS);
    });
    it(`${name} (second order)`, () => {
      fc.assert(fc.property(broadcastGradArb(2, { maxRank: 2 }), ([a, b]) => gradgradcheck(f, [a!, b!])), { numRuns: 15 });
    });
  }

  it('div (divisor away from 0)', () => {
    fc.assert(fc.property(broadcastGradArb(2, { min: 0.3, max: 3 }), fc.boolean(), ([a, b], flip) => {
      const num = flip ? a!.neg().detach() : a!; // numerators of both signs
      return gradcheck((x, y) => x.div(y), [num, b!]);
    }), RUNS);
  });
  it('div (second order)', () => {
    fc.assert(fc.property(broadcastGradArb(2, { min: 0.3, max: 3, maxRank: 2 }), ([a, b]) => gradgradcheck((x, y) => x.div(y), [a!, b!])), { numRuns: 15 });
  });

  it('pow with a tensor exponent (positive base)', () => {
    fc.assert(fc.property(broadcastGradArb(2, { min: 0.3, max: 2 }), ([a, b]) => gradcheck((x, y) => x.pow(y), [a!, b!])), RUNS);
  });
  it('pow with a tensor exponent (second order)', () => {
    fc.assert(fc.property(broadcastGradArb(2, { min: 0.3, max: 2, maxRank: 2 }), ([a, b]) => gradgradcheck((x, y) => x.pow(y), [a!, b!])), { numRuns: 15 });
  });
  it('pow with a constant integer exponent on negative bases', () => {
    fc.assert(fc.property(gradViewArb({ min: -3, max: 3 }), fc.constantFrom(2, 3, -1), ({ tensor: x }, k) => {
      fc.pre(k > 0 || Array.from(x.data()).every((v) => Math.abs(v) > 0.2));
      return gradcheck((t) => t.pow(k), [x]) && gradgradcheck((t) => t.pow(k), [x.reshape([-1]).contiguous().detach()]);
    }), { numRuns: 30 });
  });
  it('pow at documented edge points', () => {
    // d/da a^0 = 0 even at a = 0; d/db 0^b = 0 for b >= 0 (PyTorch conventions)
    const a = f64([0, 0, 2]).requiresGrad_();
    const b = f64([0, 2, 3]).requiresGrad_();
    a.pow(b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0, 0, 12]);
    expect(b.grad!.toArray()).toEqual([0, 0, 8 * Math.log(2)]);
  });

  for (const [name, f] of [['maximum', (a: Tensor, b: Tensor) => a.maximum(b)], ['minimum', (a: Tensor, b: Tensor) => a.minimum(b)]] as const) {
    it(`${name} (operands kept apart)`, () => {
      fc.assert(fc.property(broadcastGradArb(2), ([a, b]) => {
        fc.pre(apart(a!, b!));
        return gradcheck(f, [a!, b!]) && gradgradcheck(f, [a!, b!]);
      }), RUNS);
    });
    it(`${name} splits the gradient evenly at ties`, () => {
      const a = f64([1, 2, 3]).requiresGrad_();
      const b = f64([1, 5, 0]).requiresGrad_();
      f(a, b).mul(f64([4, 1, 1])).sum().backward();
      const big = name === 'maximum';
      expect(a.grad!.toArray()).toEqual([2, big ? 0 : 1, big ? 1 : 0]);
      expect(b.grad!.toArray()).toEqual([2, big ? 1 : 0, big ? 0 : 1]);
    });
  }
});

describe('where and maskedFill', () => {
  it('where(cond, a, b) with all three broadcasting', () => {
    fc.assert(fc.property(broadcastGradArb(3), fc.infiniteStream(fc.boolean()), ([c, a, b], bits) => {
      const cond = c!.gt(0); // random bool mask of the first shape
      void bits;
      return gradcheck((x, y) => where(cond, x, y), [a!, b!]) && gradgradcheck((x, y) => where(cond, x.square(), y.mul(y)), [a!, b!]);
    }), { numRuns: 30 });
  });

  it('where with a scalar operand', () => {
    const x = f64([1, -2, 3]).requiresGrad_();
    where(x.gt(0), x, 0).mul(f64([1, 10, 100])).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 100]);
  });

  it('maskedFill', () => {
    fc.assert(fc.property(broadcastGradArb(2), ([x, m]) => {
      // the mask must broadcast to x's shape; use the broadcast shape for x
      const shape = x!.add(m!).shape;
      const xx = x!.expand(shape as number[]);
      const mask = m!.lt(0);
      return gradcheck((t) => t.maskedFill(mask, 7).mul(t), [xx]);
    }), RUNS);
  });
});
