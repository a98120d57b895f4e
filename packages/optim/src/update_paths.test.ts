import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Backend, createWasmBackend, getBackend, setBackend, tensor } from '@gd/tensor';
import { Adam, AdamW, SGD } from './index.js';

/**
 * The last update of a plain-SGD-like chain writes θ ← θ − η·d straight into the parameter's storage
 * with a specialised loop per dtype (float32: unrolled; float64: correctly rounded fma). Check both
 * against a scalar reference, for every length (the unrolled loop's remainder included) and for
 * parameters that are views.
 */
describe('in-place parameter update loops', () => {
  const f32 = fc.float({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
  it('float32: each element is fround(θ + (−η)·g) (one rounding of the float64 value)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(f32, f32), { minLength: 1, maxLength: 13 }), fc.double({ min: 1e-4, max: 1, noNaN: true }), (pairs, lr) => {
      const p = tensor(Float32Array.from(pairs.map((q) => q[0])), { requiresGrad: true });
      p.grad = tensor(Float32Array.from(pairs.map((q) => q[1])));
      new SGD([p], { lr }).step();
      const got = Array.from(p.data());
      const want = pairs.map(([t, g]) => Math.fround(-lr * Math.fround(g) + Math.fround(t)));
      expect(got).toEqual(want);
    }), { numRuns: 100 });
  });

  it('float64: each element is the correctly rounded θ − η·g (exact cases)', () => {
    // η = 2^-k and small-integer g make η·g exact, so fma(−η, g, θ) = round(θ − η·g) = the plain float64 result.
    fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -1000, max: 1000 })), { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 20 }), (pairs, k) => {
      const lr = 2 ** -k;
      const p = tensor(Float64Array.from(pairs.map((q) => q[0])), { requiresGrad: true });
      p.grad = tensor(Float64Array.from(pairs.map((q) => q[1])));
      new SGD([p], { lr }).step();
      expect(Array.from(p.data())).toEqual(pairs.map(([t, g]) => t - lr * g));
    }), { numRuns: 100 });
  });

  it('a parameter that is a view of a larger storage is updated through the view only', () => {
    const base = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]));
    const view = base.slice([1, 6, 2]).requiresGrad_();
    view.grad = tensor(Float32Array.from([10, 10, 10]));
    new SGD([view], { lr: 0.5 }).step();
    expect(Array.from(base.data())).toEqual([1, -3, 3, -1, 5, 1]);
  });
});

/**
 * Large float32 parameters go through the backend's `axpy` (SGD's last update), `axpby` (momentum,
 * weight decay, Nesterov) and `adam` kernels
 * (the WebAssembly SIMD ones by default). They must give the TypeScript loops' bits: checked against
 * `setBackend(null)` over a few steps, with lengths that are not multiples of the vector width.
 */
describe('backend update kernels (float32, large parameters)', () => {
  function data(n: number, seed: number): Float32Array {
    const a = new Float32Array(n);
    let s = seed;
    for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) % 2147483648; a[i] = (s / 2147483648 - 0.5) * 4; }
    return a;
  }
  const wasm = createWasmBackend({ threads: 1 });
  function run(be: Backend | null, make: (p: ReturnType<typeof tensor>[]) => { step(): unknown }, n: number): Float32Array[] {
    const prev = setBackend(be);
    try {
      const ps = [tensor(data(n, 1), { requiresGrad: true }), tensor(data(37, 2), { requiresGrad: true })];
      const opt = make(ps);
      for (let t = 0; t < 3; t++) {
        ps[0]!.grad = tensor(data(n, 10 + t));
        ps[1]!.grad = tensor(data(37, 20 + t));
        opt.step();
      }
      return ps.map((p) => p.data() as Float32Array);
    } finally {
      setBackend(prev);
    }
  }
  const optimizers: [string, (p: ReturnType<typeof tensor>[]) => { step(): unknown }][] = [
    ['SGD', (p) => new SGD(p, { lr: 0.01 })],
    ['SGD momentum + weight decay', (p) => new SGD(p, { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 })],
    ['SGD Nesterov', (p) => new SGD(p, { lr: 0.01, momentum: 0.8, nesterov: true })],
    ['SGD momentum + dampening', (p) => new SGD(p, { lr: 0.01, momentum: 0.8, dampening: 0.1 })],
    ['Adam', (p) => new Adam(p, { lr: 1e-3 })],
    ['AdamW', (p) => new AdamW(p, { lr: 1e-3, weightDecay: 0.01 })],
  ];
  it.each(optimizers)('%s: same bits as the TypeScript loops', (_name, make) => {
    for (const n of [4096, 5003, 40001]) {
      const calls: string[] = [];
      const spy: Backend = {
        name: 'spy',
        axpy: (s, k, d) => { const ok = wasm.axpy!(s, k, d); if (ok) calls.push('axpy'); return ok; },
        adam: (a) => { const ok = wasm.adam!(a); if (ok) calls.push('adam'); return ok; },
        axpby: (o, a, x, b, y) => { const ok = wasm.axpby!(o, a, x, b, y); if (ok) calls.push('axpby'); return ok; },
      };
      const want = run(null, make, n);
      const got = run(spy, make, n);
      expect(calls).toContain(_name.startsWith('Adam') ? 'adam' : 'axpy');
      if (_name.startsWith('SGD ')) expect(calls).toContain('axpby');
      for (let q = 0; q < 2; q++) {
        for (let i = 0; i < want[q]!.length; i++) {
          if (!Object.is(got[q]![i], want[q]![i])) throw new Error(`param ${q}[${i}] n=${n}: ${got[q]![i]} vs ${want[q]![i]}`);
        }
      }
    }
  });
  it('the default backend is restored', () => {
    expect(getBackend()).not.toBeNull();
  });
});
