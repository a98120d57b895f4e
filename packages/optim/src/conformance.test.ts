/**
 * Conformance against PyTorch 1.13.1 (float64): every optimizer configuration, both L-BFGS
 * configurations and every scheduler in fixtures/pytorch-optim-rosenbrock.json, compared at every step.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Tensor } from '@gd/tensor';
import * as O from './index.js';

const fx = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/pytorch-optim-rosenbrock.json', import.meta.url)), 'utf8'));

/** snake_case PyTorch option → camelCase. */
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Rosenbrock loss and gradient, written in the order PyTorch's autograd evaluates them. */
function rosenbrock(x: number, y: number): [number, number, number] {
  const d = y - x * x;
  return [(1 - x) * (1 - x) + 100 * (d * d), -(2 * (1 - x)) - (200 * d) * (2 * x), 200 * d];
}

function relErr(got: number, want: number): number {
  return Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);
}

const worst: Record<string, number> = {};

afterAll(() => {
  const rows = Object.entries(worst).sort((a, b) => b[1] - a[1]);
  // Printed so the worst relative error can be quoted in reports.
  const exact = rows.filter(([, v]) => v === 0).length;
  console.log(`${exact} of ${rows.length} configurations match PyTorch exactly; worst relative error per configuration (top 8):\n` + rows.slice(0, 8).map(([k, v]) => `  ${v.toExponential(2)}  ${k}`).join('\n'));
});

describe('optimizers vs PyTorch on Rosenbrock (200 steps, float64)', () => {
  for (const c of fx.optimizers as { optimizer: string; options: Record<string, unknown>; steps: number; trajectory: number[][]; losses: number[] }[]) {
    const label = `${c.optimizer} ${JSON.stringify(c.options)}`;
    it(label, () => {
      const opts: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.options)) opts[camel(k)] = v;
      // The fixture comes from PyTorch 1.13, whose NAdam used Πₜ·μₜ·μₜ₊₁ (see NAdam's docs).
      if (c.optimizer === 'NAdam') opts['legacyMuProductNext'] = true;
      const p = tensor([-1.5, 2.0], { dtype: 'float64', requiresGrad: true });
      const Ctor = (O as unknown as Record<string, new (ps: Tensor[], o: unknown) => O.Optimizer<any>>)[c.optimizer]!;
      const opt = new Ctor([p], opts);
      let w = 0;
      for (let t = 0; t <= c.steps; t++) {
        const [x, y] = p.data() as Float64Array;
        const [loss, gx, gy] = rosenbrock(x!, y!);
        w = Math.max(w, relErr(x!, c.trajectory[t]![0]!), relErr(y!, c.trajectory[t]![1]!));
        if (t < c.steps) {
          w = Math.max(w, relErr(loss, c.losses[t]!));
          p.grad = tensor([gx, gy], { dtype: 'float64' });
          opt.step();
        }
      }
      worst[label] = w;
      expect(w).toBe(0); // bit-identical trajectory and losses
    });
  }
});

describe('L-BFGS vs PyTorch (5 outer steps of step(closure))', () => {
  for (const c of fx.lbfgs as { options: Record<string, unknown>; outer_steps: number; trajectory: number[][] }[]) {
    const label = `LBFGS ${JSON.stringify(c.options)}`;
    it(label, () => {
      const o = c.options;
      const p = tensor([-1.5, 2.0], { dtype: 'float64', requiresGrad: true });
      const opt = new O.LBFGS([p], { lr: o['lr'] as number, maxIter: o['max_iter'] as number, historySize: o['history_size'] as number, lineSearchFn: o['line_search_fn'] === 'strong_wolfe' ? 'strongWolfe' : null });
      let evals = 0;
      const closure = () => {
        evals++;
        const [x, y] = p.data() as Float64Array;
        const [f, gx, gy] = rosenbrock(x!, y!);
        p.grad = tensor([gx, gy], { dtype: 'float64' });
        return f;
      };
      let w = 0;
      for (let k = 0; k <= c.outer_steps; k++) {
        const got = p.data() as Float64Array;
        w = Math.max(w, relErr(got[0]!, c.trajectory[k]![0]!), relErr(got[1]!, c.trajectory[k]![1]!));
        if (k < c.outer_steps) opt.step(closure);
      }
      worst[label] = w;
      expect(w).toBe(0);
      expect(evals).toBe(opt.counters.funcEvals);
    });
  }
});

describe('schedulers vs PyTorch (lr before each of 60 steps, base lr 0.1)', () => {
  const S = fx.schedulers as Record<string, number[]>;
  const sgd = () => new O.SGD([tensor([1], { dtype: 'float64', requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
  const cases: Record<string, (o: O.SGD) => O.LRScheduler> = {
    'StepLR(step_size=10,gamma=0.5)': (o) => new O.StepLR(o, { stepSize: 10, gamma: 0.5 }),
    'MultiStepLR(milestones=[10,25,40],gamma=0.3)': (o) => new O.MultiStepLR(o, { milestones: [10, 25, 40], gamma: 0.3 }),
    'ExponentialLR(gamma=0.95)': (o) => new O.ExponentialLR(o, { gamma: 0.95 }),
    'CosineAnnealingLR(T_max=20,eta_min=0.001)': (o) => new O.CosineAnnealingLR(o, { tMax: 20, etaMin: 0.001 }),
    'CosineAnnealingWarmRestarts(T_0=10,T_mult=2,eta_min=0.001)': (o) => new O.CosineAnnealingWarmRestarts(o, { t0: 10, tMult: 2, etaMin: 0.001 }),
    'LinearLR(start_factor=0.1,end_factor=1.0,total_iters=10)': (o) => new O.LinearLR(o, { startFactor: 0.1, endFactor: 1, totalIters: 10 }),
    'ConstantLR(factor=0.5,total_iters=5)': (o) => new O.ConstantLR(o, { factor: 0.5, totalIters: 5 }),
    'PolynomialLR(total_iters=40,power=2.0)': (o) => new O.PolynomialLR(o, { totalIters: 40, power: 2 }),
    'OneCycleLR(max_lr=1.0,total_steps=60)': (o) => new O.OneCycleLR(o, { maxLr: 1, totalSteps: 60 }),
    'OneCycleLR(max_lr=1.0,total_steps=60,anneal_strategy=linear,three_phase=True)': (o) => new O.OneCycleLR(o, { maxLr: 1, totalSteps: 60, annealStrategy: 'linear', threePhase: true }),
    'CyclicLR(base_lr=0.01,max_lr=0.1,step_size_up=5,mode=triangular)': (o) => new O.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5, mode: 'triangular' }),
    'CyclicLR(base_lr=0.01,max_lr=0.1,step_size_up=5,mode=triangular2)': (o) => new O.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5, mode: 'triangular2' }),
    'CyclicLR(base_lr=0.01,max_lr=0.1,step_size_up=5,mode=exp_range,gamma=0.97)': (o) => new O.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5, mode: 'exp_range', gamma: 0.97 }),
    'SequentialLR(LinearLR(0.1,1,5) then CosineAnnealingLR(T_max=50), milestones=[5])': (o) =>
      new O.SequentialLR(o, { schedulers: [new O.LinearLR(o, { startFactor: 0.1, endFactor: 1, totalIters: 5 }), new O.CosineAnnealingLR(o, { tMax: 50 })], milestones: [5] }),
    'LambdaLR(1/(t+1))': (o) => new O.LambdaLR(o, { lrLambda: (t) => 1 / (t + 1) }),
  };

  it('covers every scheduler in the fixture', () => {
    const names = Object.keys(S).filter((k) => k !== 'note' && !k.startsWith('_'));
    expect(names.sort()).toEqual([...Object.keys(cases), 'ReduceLROnPlateau(factor=0.5,patience=3,threshold=1e-4)'].sort());
  });

  for (const [name, make] of Object.entries(cases)) {
    it(name, () => {
      const opt = sgd();
      const sched = make(opt);
      let w = 0;
      for (let t = 0; t < 60; t++) {
        w = Math.max(w, Math.abs(opt.paramGroups[0]!.lr as number - S[name]![t]!) / Math.max(Math.abs(S[name]![t]!), 1e-300));
        opt.step();
        sched.step();
      }
      worst[name] = w;
      expect(w).toBeLessThan(1e-14);
    });
  }

  it('ReduceLROnPlateau(factor=0.5,patience=3,threshold=1e-4)', () => {
    const name = 'ReduceLROnPlateau(factor=0.5,patience=3,threshold=1e-4)';
    const opt = sgd();
    const sched = new O.ReduceLROnPlateau(opt, { factor: 0.5, patience: 3, threshold: 1e-4 });
    for (let t = 0; t < 60; t++) {
      expect(opt.paramGroups[0]!.lr).toBe(S[name]![t]);
      opt.step();
      sched.step(S['_plateau_losses']![t]!);
    }
  });
});
