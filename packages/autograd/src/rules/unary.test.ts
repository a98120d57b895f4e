// Unary elementwise rules: for random shapes and random strided views (contiguous, offset, permuted,
// stepped, negative-step, expanded) of float64 points, backward == central differences, and for the
// smooth ops the second derivatives too.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type DType, type Tensor, cast, tensor } from '@gd/tensor';
import { gradcheck, gradgradcheck } from '../index.js';
import { gradViewArb } from '../testing.js';

const RUNS = { numRuns: 40 };

type Case = { name: string; f: (x: Tensor) => Tensor; min?: number; max?: number; kinks?: number[]; second?: boolean };

const cases: Case[] = [
  { name: 'neg', f: (x) => x.neg() },
  { name: 'abs', f: (x) => x.abs(), kinks: [0] },
  { name: 'exp', f: (x) => x.exp() },
  { name: 'log', f: (x) => x.log(), min: 0.2 },
  { name: 'log1p', f: (x) => x.log1p(), min: -0.8 },
  { name: 'expm1', f: (x) => x.expm1() },
  { name: 'sqrt', f: (x) => x.sqrt(), min: 0.2 },
  { name: 'rsqrt', f: (x) => x.rsqrt(), min: 0.2 },
  { name: 'square', f: (x) => x.square() },
  { name: 'sin', f: (x) => x.sin() },
  { name: 'cos', f: (x) => x.cos() },
  { name: 'tanh', f: (x) => x.tanh() },
  { name: 'sigmoid', f: (x) => x.sigmoid() },
  { name: 'relu', f: (x) => x.relu(), kinks: [0] },
  { name: 'softplus', f: (x) => x.softplus() },
  { name: 'softplus (beta 2, threshold 1: both branches)', f: (x) => x.softplus(2, 1), kinks: [0.5] },
  { name: 'clamp(-1, 0.5)', f: (x) => x.clamp(-1, 0.5), kinks: [-1, 0.5] },
  { name: 'clamp(min only)', f: (x) => x.clamp(0.3), kinks: [0.3] },
  { name: 'clamp(max only)', f: (x) => x.clamp(undefined, -0.2), kinks: [-0.2] },
];

describe('unary rules: gradcheck on random views', () => {
  for (const c of cases) {
    it(c.name, () => {
      const opts = { min: c.min ?? -3, max: c.max ?? 3, kinks: c.kinks ?? [] };
      fc.assert(fc.property(gradViewArb(opts), ({ tensor: x }) => gradcheck(c.f, [x])), RUNS);
    });
  }
});

describe('unary rules: gradgradcheck (second order) on random views', () => {
  for (const c of cases) {
    it(c.name, () => {
      const opts = { min: c.min ?? -3, max: c.max ?? 3, kinks: c.kinks ?? [], shape: fc.constantFrom<number[]>([3], [2, 2], [1, 3]) };
      fc.assert(fc.property(gradViewArb(opts), ({ tensor: x }) => gradgradcheck(c.f, [x])), { numRuns: 15 });
    });
  }
});

describe('unary rules: documented values at the kinks', () => {
  const at0 = (f: (x: Tensor) => Tensor) => {
    const x = tensor([0], { dtype: 'float64' }).requiresGrad_();
    f(x).sum().backward();
    return x.grad!.item();
  };
  it('abs and relu have gradient 0 at 0 (as PyTorch)', () => {
    expect(at0((x) => x.abs())).toBe(0);
    expect(at0((x) => x.relu())).toBe(0);
  });
  it('clamp passes the gradient at its bounds (bounds inclusive, as PyTorch)', () => {
    expect(at0((x) => x.clamp(0, 1))).toBe(1);
    expect(at0((x) => x.clamp(-1, 0))).toBe(1);
    expect(at0((x) => x.clamp(0.5))).toBe(0);
  });
  it('relu gradient is exactly 1 on the positive side and 0 on the negative side', () => {
    const x = tensor([-2, -1e-300, 1e-300, 3], { dtype: 'float64' }).requiresGrad_();
    x.relu().sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1, 1]);
  });
});

describe('cast', () => {
  it('float64 -> float32 -> float64 passes the gradient and returns it in the input dtype', () => {
    const x = tensor([1.5, -2], { dtype: 'float64' }).requiresGrad_();
    x.to('float32').mul(3).sum().backward();
    expect(x.grad!.dtype).toBe('float64');
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });
  it('a float32 leaf used in float64 arithmetic gets a float32 gradient', () => {
    const x = tensor([1.5, -2]).requiresGrad_();
    x.to('float64').square().sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([3, -4]);
  });
  it('mixed float32/float64 binary ops give each input a gradient in its own dtype', () => {
    const a = tensor([2]).requiresGrad_();
    const b = tensor([3], { dtype: 'float64' }).requiresGrad_();
    a.mul(b).sum().backward();
    expect([a.grad!.dtype, b.grad!.dtype]).toEqual(['float32', 'float64']);
    expect([a.grad!.item(), b.grad!.item()]).toEqual([3, 2]);
  });
  it('a missing or unknown dtype throws instead of returning an unrecorded copy (the graph would be lost silently)', () => {
    const x = tensor([1.5, -2], { dtype: 'float64' }).requiresGrad_();
    expect(() => cast(x, undefined as unknown as DType)).toThrow(/^cast: unknown dtype undefined/);
    expect(() => cast(x, 'float16' as DType)).toThrow(/^cast: unknown dtype float16/);
    expect(() => cast(null as unknown as Tensor, 'float32')).toThrow(/^cast: expected a Tensor, got null/);
  });
});
