import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Tensor, tensor } from '@gd/tensor';
import { customFunction, gradcheck, gradgradcheck } from './index.js';
import { distinctTensorArb, gradViewArb, positiveTensorArb, smoothTensorArb } from './testing.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });

// A deliberately wrong op: forward x^2, backward claims 2x + 0.5 for the element at flat index 1.
const wrong = customFunction({
  name: 'wrongSquare',
  forward(ctx, x: Tensor) { ctx.save(x); return x.square(); },
  backward(ctx, g) {
    const [x] = ctx.saved;
    return [g.mul(x!).mul(2).add(tensor([[0, 0.5], [0, 0]], { dtype: 'float64' }).mul(g))];
  },
});

describe('gradcheck', () => {
  it('passes a correct gradient', () => {
    expect(gradcheck((x) => x.sin().mul(x), [f64([0.5, 1.5])])).toBe(true);
  });

  it('fails a wrong gradient, naming input, element, output element, expected and got', () => {
    const x = f64([[1, 2], [3, 4]]);
    expect(() => gradcheck(wrong, [x])).toThrow(
      /^gradcheck: gradient mismatch for input 0 element \[0,1\] \(flat 1\), output element \[0,1\] \(flat 1\): expected \(numerical\) 4\.0000000\d*, got \(analytical\) 4\.5; /,
    );
  });

  it('catches a gradient that is wrong by less than 1%', () => {
    const slightly = customFunction({
      name: 'slightlyOff',
      forward: (_c, x: Tensor) => x.exp(),
      backward: (_c, g) => [g.mul(1.01)], // true gradient is exp(x), here 1.01 * g at x = 0
    });
    expect(() => gradcheck(slightly, [f64([0])])).toThrow('gradcheck: gradient mismatch for input 0 element [0]');
  });

  it('names the right input among several', () => {
    const badB = customFunction({
      name: 'badB',
      forward: (_c, a: Tensor, b: Tensor) => a.mul(b),
      backward: (c, g) => [null, g],
    });
    // gradient wrt a is reported as zero (null) although it is b: input 0 fails first
    expect(() => gradcheck(badB, [f64([2]), f64([3])])).toThrow(/^gradcheck: gradient mismatch for input 0 element \[0\] \(flat 0\), output element \[0\] \(flat 0\): expected \(numerical\) 2\.99999\d*, got \(analytical\) 0;/);
  });

  it('refuses float32 inputs', () => {
    expect(() => gradcheck((x) => x.exp(), [tensor([1, 2])])).toThrow("gradcheck: input 0 has dtype float32; central differences need float64 inputs (use .to('float64'))");
  });

  it('checks functions with several outputs and ignores non-float inputs', () => {
    const idx = tensor([1, 0], { dtype: 'int32' });
    expect(gradcheck((x, _i) => [x.exp(), x.square()], [f64([0.1, 0.2]), idx])).toBe(true);
  });

  it('handles strided and expanded inputs (views are part of the check)', () => {
    fc.assert(fc.property(gradViewArb({ shape: [2, 3] }), ({ tensor: x }) => gradcheck((t) => t.mul(t.exp()), [x])), { numRuns: 30 });
  });

  it('respects atol/rtol', () => {
    const off = customFunction({ name: 'off', forward: (_c, x: Tensor) => x.mul(1), backward: (_c, g) => [g.mul(1.0001)] });
    expect(() => gradcheck(off, [f64([1])], { rtol: 1e-5, atol: 0 })).toThrow('gradcheck: gradient mismatch');
    expect(gradcheck(off, [f64([1])], { rtol: 1e-3 })).toBe(true);
  });
});

describe('gradgradcheck', () => {
  it('passes correct second derivatives', () => {
    expect(gradgradcheck((x) => x.exp().mul(x), [f64([0.3, -0.2])])).toBe(true);
  });

  it('fails when the backward is right but not differentiable correctly', () => {
    // backward uses a detached copy of x: first derivatives are right, second are not
    const detached = customFunction({
      name: 'detachedCube',
      forward(ctx, x: Tensor) { ctx.save(x); return x.pow(3); },
      backward(ctx, g) { const [x] = ctx.saved; return [g.mul(x!.detach().square()).mul(3)]; },
    });
    const x = f64([0.7, -1.3]);
    expect(gradcheck(detached, [x])).toBe(true);
    expect(() => gradgradcheck(detached, [x])).toThrow(/^gradcheck: gradient mismatch for input 0 element/);
  });
});

describe('gradient arbitraries', () => {
  it('smoothTensorArb keeps values away from the kinks and inside the bounds', () => {
    fc.assert(fc.property(smoothTensorArb({ kinks: [0, 1], margin: 0.1, min: -2, max: 2 }), (x) => {
      const d = Array.from(x.data());
      return x.dtype === 'float64' && d.every((v) => Math.abs(v) >= 0.1 && Math.abs(v - 1) >= 0.1 && v >= -2.2 && v <= 2.2);
    }), { numRuns: 100 });
  });

  it('positiveTensorArb is positive', () => {
    fc.assert(fc.property(positiveTensorArb(), (x) => Array.from(x.data()).every((v) => v >= 0.2)), { numRuns: 100 });
  });

  it('distinctTensorArb has no two elements closer than the gap', () => {
    fc.assert(fc.property(distinctTensorArb({ gap: 0.1 }), (x) => {
      const d = Array.from(x.data()).sort((a, b) => a - b);
      return d.every((v, i) => i === 0 || v - d[i - 1]! >= 0.0749);
    }), { numRuns: 100 });
  });
});
