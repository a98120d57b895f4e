/**
 * The seeds' own definitions, run through the package: batch / mini-batch / stochastic gradient descent
 * as `W ← W − α·(1/B)·Σ_{i∈batch} ∇L_i` (seed 004 §5, seeds 002 and 003), and the decreasing step
 * `η_t = η₀/t` / `η₀/(1 + kt)` (seed 000). References are nested loops over plain numbers.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, type Tensor } from '@gd/tensor';
import '@gd/autograd';
import * as O from './index.js';

const num = fc.double({ min: -2, max: 2, noNaN: true });

/** Mean squared error of a linear model on one batch, through autograd: (1/B)Σ(x·w + b − y)². */
function batchLoss(w: Tensor, b: Tensor, xs: number[][], ys: number[]): Tensor {
  const X = tensor(xs.flat(), { dtype: 'float64', shape: [xs.length, xs[0]!.length] });
  const Y = tensor(ys, { dtype: 'float64', shape: [ys.length, 1] });
  return X.matmul(w).add(b).sub(Y).square().mean();
}

describe('batch, mini-batch and stochastic GD are one rule with different B', () => {
  it('one epoch of SGD on the batch-mean loss ≡ W ← W − α·(1/B)Σ∇L_i per batch, for B = n, 1 < B < n, B = 1', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 9 }).chain((n) => fc.record({
        xs: fc.array(fc.array(num, { minLength: 2, maxLength: 2 }), { minLength: n, maxLength: n }),
        ys: fc.array(num, { minLength: n, maxLength: n }),
        B: fc.integer({ min: 1, max: n }),
      })),
      fc.array(num, { minLength: 3, maxLength: 3 }), fc.double({ min: 0.01, max: 0.3, noNaN: true }),
      ({ xs, ys, B }, init, alpha) => {
        const n = xs.length;
        const w = tensor([init[0]!, init[1]!], { dtype: 'float64', shape: [2, 1], requiresGrad: true });
        const b = tensor([init[2]!], { dtype: 'float64', requiresGrad: true });
        const opt = new O.SGD([w, b], { lr: alpha });
        // reference: the seed's formula with per-sample gradients ∇L_i = 2(x_i·w + b − y_i)·(x_i, 1)
        let rw = [init[0]!, init[1]!], rb = init[2]!;
        for (let start = 0; start < n; start += B) {
          const idx = Array.from({ length: Math.min(B, n - start) }, (_, k) => start + k);
          opt.zeroGrad();
          batchLoss(w, b, idx.map((i) => xs[i]!), idx.map((i) => ys[i]!)).backward();
          opt.step();
          const gw = [0, 0];
          let gb = 0;
          for (const i of idx) {
            const r = xs[i]![0]! * rw[0]! + xs[i]![1]! * rw[1]! + rb - ys[i]!;
            gw[0] += 2 * r * xs[i]![0]!; gw[1] += 2 * r * xs[i]![1]!; gb += 2 * r;
          }
          rw = [rw[0]! - (alpha * gw[0]!) / idx.length, rw[1]! - (alpha * gw[1]!) / idx.length];
          rb -= (alpha * gb) / idx.length;
        }
        const got = [...(w.data() as Float64Array), ...(b.data() as Float64Array)];
        [...rw, rb].forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
      }), { numRuns: 60 });
  });

  it('the seed 004 worked step: w = 3, b = 1, ∂L/∂w = 8, ∂L/∂b = 4, α = 0.1 → w = 2.2, b = 0.6', () => {
    // L = (ReLU(w·x + b) − y)² with x = 2, y = 5; the gradients come from autograd, not from the seed.
    const w = tensor([3], { dtype: 'float64', requiresGrad: true }), b = tensor([1], { dtype: 'float64', requiresGrad: true });
    const opt = new O.SGD([w, b], { lr: 0.1 });
    w.mul(2).add(b).relu().sub(5).square().sum().backward();
    expect([w.grad!.item(), b.grad!.item()]).toEqual([8, 4]);
    opt.step();
    expect(Math.abs(w.item() - 2.2)).toBeLessThan(1e-15);
    expect(Math.abs(b.item() - 0.6)).toBeLessThan(1e-15);
    expect(w.mul(2).add(b).relu().sub(5).square().sum().item()).toBeLessThan(1e-28);
  });
});

describe('decreasing step sizes (seed 000)', () => {
  it('η_t = η₀/t and η₀/(1 + kt): a schedule-valued lr, ScheduleLR and InverseTimeLR all give θ_t = θ_{t−1} − η_t∇J', () => {
    fc.assert(fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), num, fc.integer({ min: 1, max: 30 }),
      (eta0, k, x0, steps) => {
        const grad = (x: number) => 2 * (x - 1) + Math.sin(3 * x); // J = (x − 1)² − cos(3x)/3
        const run = (mk: (p: Tensor) => { step(): void }, after?: () => void) => {
          const p = tensor([x0], { dtype: 'float64', requiresGrad: true });
          const o = mk(p);
          for (let t = 1; t <= steps; t++) { p.grad = tensor([grad(p.item())], { dtype: 'float64' }); o.step(); after?.(); }
          return p.item();
        };
        // references: step t (from 1) uses η₀/t, resp. η₀/(1 + k(t − 1)) (PyTorch counts scheduler steps from 0)
        let h = x0, inv = x0;
        for (let t = 1; t <= steps; t++) { h -= (eta0 / t) * grad(h); inv -= (eta0 / (1 + k * (t - 1))) * grad(inv); }
        const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
        near(run((p) => new O.SGD([p], { lr: O.harmonicDecay(eta0) })), h);
        let sched: O.LRScheduler | null = null;
        near(run((p) => { const o = new O.SGD([p], { lr: eta0 }); sched = new O.ScheduleLR(o, (base) => O.harmonicDecay(base)); return o; }, () => sched!.step()), h);
        near(run((p) => { const o = new O.SGD([p], { lr: eta0 }); sched = new O.InverseTimeLR(o, { k }); return o; }, () => sched!.step()), inv);
        near(run((p) => new O.SGD([p], { lr: O.inverseTimeDecay(eta0, k) })), inv);
      }), { numRuns: 60 });
  });
});
