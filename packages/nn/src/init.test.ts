import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { zeros, Generator, Tensor } from '@gd/tensor';
import { init, calculateGain, calculateFans, Linear, Conv2d, Embedding } from './index.js';

function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
  const v = Array.from(t.data());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, maxAbs: Math.max(...v.map(Math.abs)) };
}

describe('init', () => {
  it('calculateGain matches the closed forms', () => {
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(calculateGain('relu')).toBeCloseTo(Math.sqrt(2), 15);
    expect(calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(calculateGain('selu')).toBe(0.75);
    expect(() => calculateGain('swish' as never)).toThrow(/^calculateGain: unknown nonlinearity "swish"/);
  });

  it('fans of linear and conv weights', () => {
    expect(calculateFans(zeros([8, 3]))).toEqual({ fanIn: 3, fanOut: 8 });
    expect(calculateFans(zeros([8, 3, 5, 5]))).toEqual({ fanIn: 75, fanOut: 200 });
    expect(() => calculateFans(zeros([3]))).toThrow(/^calculateFans: .* at least 2 dimensions, got shape \[3\]/);
  });

  it('same generator seed gives the same weights; different seeds differ', () => {
    const a = init.kaimingNormal(zeros([5, 4]), { generator: new Generator(7) }).toArray();
    const b = init.kaimingNormal(zeros([5, 4]), { generator: new Generator(7) }).toArray();
    const c = init.kaimingNormal(zeros([5, 4]), { generator: new Generator(8) }).toArray();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('uniform initialisers stay within their closed-form bounds and fill them', () => {
    const g = new Generator(1);
    const [fanOut, fanIn] = [200, 300];
    const xa = Math.sqrt(6 / (fanIn + fanOut)) * 2;
    const x = stats(init.xavierUniform(zeros([fanOut, fanIn], { dtype: 'float64' }), { gain: 2, generator: g }));
    expect(x.maxAbs).toBeLessThanOrEqual(xa);
    expect(x.maxAbs).toBeGreaterThan(0.99 * xa);
    expect(x.std).toBeCloseTo(xa / Math.sqrt(3), 2);
    const kb = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(fanOut); // fanOut mode, relu gain
    const k = stats(init.kaimingUniform(zeros([fanOut, fanIn], { dtype: 'float64' }), { mode: 'fanOut', nonlinearity: 'relu', generator: g }));
    expect(k.maxAbs).toBeLessThanOrEqual(kb);
    expect(k.maxAbs).toBeGreaterThan(0.99 * kb);
  });

  it('normal initialisers have the closed-form standard deviation (60 000 samples, 3% tolerance)', () => {
    const g = new Generator(2);
    const shape = [200, 300];
    const xn = stats(init.xavierNormal(zeros(shape, { dtype: 'float64' }), { generator: g }));
    expect(Math.abs(xn.std / Math.sqrt(2 / 500) - 1)).toBeLessThan(0.03);
    expect(Math.abs(xn.mean)).toBeLessThan(0.003);
    const kn = stats(init.kaimingNormal(zeros(shape, { dtype: 'float64' }), { nonlinearity: 'tanh', generator: g }));
    expect(Math.abs(kn.std / ((5 / 3) / Math.sqrt(300)) - 1)).toBeLessThan(0.03);
    const n = stats(init.normal(zeros(shape, { dtype: 'float64' }), 3, 0.5, { generator: g }));
    expect(n.mean).toBeCloseTo(3, 2);
    expect(Math.abs(n.std / 0.5 - 1)).toBeLessThan(0.03);
  });

  it('constant/zeros/ones fill exactly', () => {
    expect(init.constant(zeros([2, 2]), 0.25).toArray()).toEqual([[0.25, 0.25], [0.25, 0.25]]);
    expect(init.ones(zeros([3])).toArray()).toEqual([1, 1, 1]);
    expect(init.zeros(init.ones(zeros([3]))).toArray()).toEqual([0, 0, 0]);
  });

  it('orthogonal gives orthonormal rows or columns times the gain (property over shapes)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0.5, max: 3, noNaN: true }), (r, c, seed, gain) => {
      const w = init.orthogonal(zeros([r, c], { dtype: 'float64' }), { gain, generator: new Generator(seed) });
      const a = w.toArray() as number[][];
      // Gram matrix of the shorter side
      const byRows = r <= c;
      const n = Math.min(r, c);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let k = 0; k < Math.max(r, c); k++) dot += byRows ? a[i]![k]! * a[j]![k]! : a[k]![i]! * a[k]![j]!;
          expect(Math.abs(dot - (i === j ? gain * gain : 0))).toBeLessThan(1e-12 * gain * gain);
        }
      }
    }), { numRuns: 60 });
  });

  it('layers use PyTorch default inits: Linear/Conv2d weights and biases in ±1/√fanIn, Embedding ~ N(0,1)', () => {
    const lin = new Linear(50, 400, { generator: new Generator(3), dtype: 'float64' });
    const bound = 1 / Math.sqrt(50);
    const w = stats(lin.weight);
    expect(w.maxAbs).toBeLessThanOrEqual(bound);
    expect(w.maxAbs).toBeGreaterThan(0.99 * bound);
    expect(stats(lin.bias!).maxAbs).toBeLessThanOrEqual(bound);
    expect(stats(lin.bias!).maxAbs).toBeGreaterThan(0.9 * bound);
    const conv = new Conv2d(3, 64, 3, { generator: new Generator(4) });
    const cb = 1 / Math.sqrt(27);
    expect(stats(conv.weight).maxAbs).toBeLessThanOrEqual(cb * (1 + 1e-6));
    expect(stats(conv.weight).maxAbs).toBeGreaterThan(0.98 * cb);
    const emb = stats(new Embedding(300, 100, { generator: new Generator(5) }).weight);
    expect(Math.abs(emb.std - 1)).toBeLessThan(0.02);
  });

  it('errors name the initialiser and the bad value', () => {
    expect(() => init.uniform(zeros([2]), 1, 0)).toThrow(/^uniform: need finite low <= high, got low 1, high 0/);
    expect(() => init.normal(zeros([2]), 0, -1)).toThrow(/^normal: .*std -1/);
    expect(() => init.kaimingUniform(zeros([2, 2]), { mode: 'fan_in' as never })).toThrow(/^kaimingUniform: mode must be 'fanIn' or 'fanOut', got "fan_in"/);
    expect(() => init.orthogonal(zeros([4]))).toThrow(/^orthogonal: needs a tensor with at least 2 dimensions, got shape \[4\]/);
  });
});
