/**
 * The playground's engine (DOM-free) against closed forms and plain-number references.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '@gd/tensor';
import { grad } from '@gd/autograd';
import { SGD, Adagrad, RMSprop, Adam } from '@gd/optim';
import { FUNCTIONS, getFunction } from './functions.js';
import { OPTIMIZERS, evaluateGrid, makeOptimizer, optionsFor, runOptimizer, type OptimizerChoice } from './engine.js';

// The same functions written with plain numbers (independent of the tensor code).
const PLAIN: Record<string, (x: number, y: number) => number> = {
  bowl: (x, y) => x * x + y * y,
  ill: (x, y) => 0.5 * x * x + 10 * y * y,
  rosenbrock: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  himmelblau: (x, y) => (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
  saddle: (x, y) => x * x + y ** 4 / 4 - y * y / 2,
  beale: (x, y) => (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2,
};

describe('playground functions', () => {
  it.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s: the tensor version equals the plain formula on a grid', (_id, fn) => {
    const n = 7;
    const grid = evaluateGrid(fn, n, n);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const x = fn.xRange[0] + ((i + 0.5) / n) * (fn.xRange[1] - fn.xRange[0]);
        const y = fn.yRange[1] - ((j + 0.5) / n) * (fn.yRange[1] - fn.yRange[0]);
        const want = PLAIN[fn.id]!(x, y);
        expect(Math.abs(grid[j * n + i]! - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      }
    }
  });

  it.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s: the listed minima are stationary points', (_id, fn) => {
    for (const [mx, my] of fn.minima) {
      const g = grad((x: import('@gd/tensor').Tensor, y: import('@gd/tensor').Tensor) => fn.f(x, y).sum(), { argnums: [0, 1] })(
        tensor([mx], { dtype: 'float64' }), tensor([my], { dtype: 'float64' }));
      expect(Math.abs(g[0].item())).toBeLessThan(1e-4);
      expect(Math.abs(g[1].item())).toBeLessThan(1e-4);
    }
  });

  it('getFunction names the unknown id', () => {
    expect(() => getFunction('nope')).toThrow(/^getFunction: unknown function "nope"/);
  });
});

describe('playground optimizer runs', () => {
  it('GD on the bowl follows x_k = x₀(1 − 2η)^k', () => {
    const r = runOptimizer(getFunction('bowl'), { id: 'gd', lr: 0.1 }, [-2.5, 2], 30);
    expect(r.path.length).toBe(31);
    r.path.forEach(([x, y], k) => {
      expect(x).toBeCloseTo(-2.5 * 0.8 ** k, 12);
      expect(y).toBeCloseTo(2 * 0.8 ** k, 12);
    });
    expect(r.losses[30]).toBeCloseTo(PLAIN['bowl']!(...r.path[30]!), 12);
    expect(r.reason).toBe('steps');
  });

  it('momentum on the ill-conditioned bowl equals a scalar heavy-ball reference', () => {
    const lr = 0.05, mu = 0.9;
    const r = runOptimizer(getFunction('ill'), { id: 'momentum', lr, options: { momentum: mu } }, [-2.5, 2], 40);
    let x = -2.5, y = 2, vx = 0, vy = 0;
    for (let k = 1; k <= 40; k++) {
      const gx = x, gy = 20 * y;
      vx = k === 1 ? gx : mu * vx + gx;
      vy = k === 1 ? gy : mu * vy + gy;
      x -= lr * vx; y -= lr * vy;
      expect(r.path[k]![0]).toBeCloseTo(x, 10);
      expect(r.path[k]![1]).toBeCloseTo(y, 10);
    }
  });

  it('Adam\'s first step moves every coordinate by about lr against the gradient sign', () => {
    const r = runOptimizer(getFunction('rosenbrock'), { id: 'adam', lr: 0.05 }, [-1.5, 2], 1);
    const [x1, y1] = r.path[1]!;
    // ∂f/∂x at (−1.5, 2) = −2(1−x) − 400x(y−x²) < 0 → x increases; ∂f/∂y = 200(y − x²) < 0 → y increases
    expect(x1 - -1.5).toBeCloseTo(0.05, 6);
    expect(y1 - 2).toBeCloseTo(0.05, 6);
  });

  it('different optimizers give different paths from the same start', () => {
    const fn = getFunction('rosenbrock');
    const a = runOptimizer(fn, { id: 'gd', lr: 0.001 }, [-1.5, 2], 20).path;
    const b = runOptimizer(fn, { id: 'nesterov', lr: 0.001, options: { momentum: 0.9 } }, [-1.5, 2], 20).path;
    expect(Math.hypot(a[20]![0] - b[20]![0], a[20]![1] - b[20]![1])).toBeGreaterThan(1e-3);
  });

  it('a learning rate past 2/L diverges and is reported as such', () => {
    const r = runOptimizer(getFunction('bowl'), { id: 'gd', lr: 1.5 }, [-2.5, 2], 200);
    expect(r.reason).toBe('diverged');
    expect(r.path.length).toBeLessThan(201);
  });

  it('each adaptive optimizer makes progress on every function', () => {
    for (const fn of FUNCTIONS) {
      for (const id of ['adagrad', 'rmsprop', 'adam'] as const) {
        const r = runOptimizer(fn, { id, lr: fn.lrAdaptive }, fn.start, 100);
        expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]!);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hyperparameters: every control of the page reaches the real @gd/optim class, and each
// optimizer's path equals a plain-number reference of the published update (PyTorch's form).

/** Gradient of Rosenbrock (1 − x)² + 100(y − x²)² with plain numbers. */
const rosenGrad = (x: number, y: number): [number, number] => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];
/** Gradient of the ill-conditioned bowl ½x² + 10y². */
const illGrad = (x: number, y: number): [number, number] => [x, 20 * y];

/**
 * Runs a per-coordinate update rule `step(state, g, t) → Δ` (θ ← θ − Δ) from `start` with plain
 * numbers; returns the iterates after step 1..steps.
 */
function reference<S>(gradient: (x: number, y: number) => [number, number], start: [number, number], steps: number,
  init: () => S, step: (s: S, g: number, t: number) => number): [number, number][] {
  let p: [number, number] = [...start];
  const states = [init(), init()];
  const out: [number, number][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = gradient(p[0], p[1]);
    p = [p[0] - step(states[0]!, g[0], t), p[1] - step(states[1]!, g[1], t)];
    out.push(p);
  }
  return out;
}

function expectPath(got: [number, number][], want: [number, number][], digits = 9): void {
  expect(got.length).toBe(want.length + 1);
  want.forEach(([x, y], k) => {
    const [gx, gy] = got[k + 1]!;
    expect(Math.abs(gx - x)).toBeLessThanOrEqual(10 ** -digits * Math.max(1, Math.abs(x)));
    expect(Math.abs(gy - y)).toBeLessThanOrEqual(10 ** -digits * Math.max(1, Math.abs(y)));
  });
}

const gap = (a: [number, number][], b: [number, number][]): number =>
  Math.max(...a.slice(0, Math.min(a.length, b.length)).map((p, k) => Math.hypot(p[0] - b[k]![0], p[1] - b[k]![1])));

describe('playground hyperparameters', () => {
  const CLASSES = { SGD, Adagrad, RMSprop, Adam };
  const at = (opts: Record<string, unknown>, option: string, index?: 0 | 1): unknown =>
    index === undefined ? opts[option] : (opts[option] as readonly unknown[])[index];

  it.each(OPTIMIZERS.map((o) => [o.id, o] as const))('%s: the controls use @gd/optim\'s option names and defaults', (_id, spec) => {
    const p = tensor([0], { dtype: 'float64' }).requiresGrad_();
    const built = makeOptimizer({ id: spec.id, lr: 0.01 }, [p]);
    expect(built).toBeInstanceOf(CLASSES[spec.className]);
    const fresh = new CLASSES[spec.className]([tensor([0], { dtype: 'float64' }).requiresGrad_()]);
    const builtDefaults = built.defaults as unknown as Record<string, unknown>;
    const classDefaults = fresh.defaults as unknown as Record<string, unknown>;
    expect(builtDefaults['lr']).toBe(0.01);
    for (const h of spec.hypers) {
      expect(h.option in classDefaults, `${spec.className} has an option ${h.option}`).toBe(true);
      // the optimizer the playground builds starts from the control's default...
      expect(at(builtDefaults, h.option, h.index)).toBe(h.default);
      // ...which is the class default, except where the spec says why not (momentum 0 would be plain GD)
      expect(at(classDefaults, h.option, h.index)).toBe(h.libraryDefault ?? h.default);
    }
    for (const [k, v] of Object.entries(spec.fixed ?? {})) expect(builtDefaults[k]).toBe(v);
  });

  it('the hyperparameters asked for by the page are all offered', () => {
    const offered = Object.fromEntries(OPTIMIZERS.map((o) => [o.id, o.hypers.map((h) => h.option + (h.index ?? ''))]));
    expect(offered).toEqual({
      gd: [], momentum: ['momentum', 'dampening'], nesterov: ['momentum'], adagrad: ['lrDecay', 'initialAccumulatorValue', 'eps'],
      rmsprop: ['alpha', 'eps', 'momentum', 'centered'], adam: ['betas0', 'betas1', 'eps', 'amsgrad'],
    });
  });

  it('momentum with dampening τ equals v ← μv + (1 − τ)g (v₁ = g)', () => {
    const lr = 0.02, mu = 0.8, tau = 0.3;
    const r = runOptimizer(getFunction('ill'), { id: 'momentum', lr, options: { momentum: mu, dampening: tau } }, [-2.5, 2], 40);
    const want = reference(illGrad, [-2.5, 2], 40, () => ({ v: 0 }), (s, g, t) => {
      s.v = t === 1 ? g : mu * s.v + (1 - tau) * g;
      return lr * s.v;
    });
    expectPath(r.path, want, 10);
    const undamped = runOptimizer(getFunction('ill'), { id: 'momentum', lr, options: { momentum: mu } }, [-2.5, 2], 40);
    expect(gap(r.path, undamped.path)).toBeGreaterThan(1e-3);
  });

  it('Nesterov with μ = 0.7 on Rosenbrock equals θ ← θ − η(g + μv), v ← μv + g', () => {
    const lr = 5e-4, mu = 0.7;
    const r = runOptimizer(getFunction('rosenbrock'), { id: 'nesterov', lr, options: { momentum: mu } }, [-1.5, 2], 60);
    const want = reference(rosenGrad, [-1.5, 2], 60, () => ({ v: 0 }), (s, g, t) => {
      s.v = t === 1 ? g : mu * s.v + g;
      return lr * (g + mu * s.v);
    });
    expectPath(r.path, want);
  });

  it('AdaGrad with lrDecay, G₀ and eps equals θ ← θ − η/(1 + (t−1)d) · g/(√G + ε)', () => {
    const lr = 0.4, d = 0.05, g0 = 0.5, eps = 0.01;
    const r = runOptimizer(getFunction('rosenbrock'), { id: 'adagrad', lr, options: { lrDecay: d, initialAccumulatorValue: g0, eps } }, [-1.5, 2], 50);
    const want = reference(rosenGrad, [-1.5, 2], 50, () => ({ G: g0 }), (s, g, t) => {
      s.G += g * g;
      return (lr / (1 + (t - 1) * d)) * g / (Math.sqrt(s.G) + eps);
    });
    expectPath(r.path, want);
    const plain = runOptimizer(getFunction('rosenbrock'), { id: 'adagrad', lr }, [-1.5, 2], 50);
    expect(gap(r.path, plain.path)).toBeGreaterThan(1e-3);
  });

  it.each([
    [false, 0], [false, 0.5], [true, 0], [true, 0.5],
  ] as const)('RMSProp centered=%s momentum=%s equals the reference (α = 0.9, ε = 1e-3)', (centered, mu) => {
    const lr = 0.01, alpha = 0.9, eps = 1e-3;
    const r = runOptimizer(getFunction('rosenbrock'), { id: 'rmsprop', lr, options: { alpha, eps, momentum: mu, centered } }, [-1.5, 2], 60);
    const want = reference(rosenGrad, [-1.5, 2], 60, () => ({ v: 0, m: 0, b: 0 }), (s, g) => {
      s.v = alpha * s.v + (1 - alpha) * g * g;
      s.m = alpha * s.m + (1 - alpha) * g;
      const denom = Math.sqrt(centered ? s.v - s.m * s.m : s.v) + eps;
      if (mu === 0) return lr * g / denom;
      s.b = mu * s.b + g / denom;
      return lr * s.b;
    });
    expectPath(r.path, want);
  });

  it.each([false, true])('Adam β₁ = 0.8, β₂ = 0.9, ε = 1e-4, amsgrad=%s equals the bias-corrected reference', (amsgrad) => {
    const lr = 0.05, b1 = 0.8, b2 = 0.9, eps = 1e-4;
    const r = runOptimizer(getFunction('ill'), { id: 'adam', lr, options: { betas: [b1, b2], eps, amsgrad } }, [-2.5, 2], 80);
    const want = reference(illGrad, [-2.5, 2], 80, () => ({ m: 0, v: 0, vmax: 0 }), (s, g, t) => {
      s.m = b1 * s.m + (1 - b1) * g;
      s.v = b2 * s.v + (1 - b2) * g * g;
      s.vmax = Math.max(s.vmax, s.v);
      const vhat = (amsgrad ? s.vmax : s.v) / (1 - b2 ** t);
      return (lr / (1 - b1 ** t)) * s.m / (Math.sqrt(vhat) + eps);
    });
    expectPath(r.path, want);
  });

  it('AMSGrad, β₂ and ε each change Adam\'s path', () => {
    const fn = getFunction('ill');
    const run = (options: OptimizerChoice['options']) => runOptimizer(fn, { id: 'adam', lr: 0.05, options }, [-2.5, 2], 80).path;
    const base = run({ betas: [0.8, 0.9] });
    expect(gap(base, run({ betas: [0.8, 0.9], amsgrad: true }))).toBeGreaterThan(1e-3);
    expect(gap(base, run({ betas: [0.8, 0.999] }))).toBeGreaterThan(1e-3);
    expect(gap(base, run({ betas: [0.8, 0.9], eps: 0.5 }))).toBeGreaterThan(1e-3);
  });

  it('options not offered for an optimizer are refused, naming what it has', () => {
    expect(() => optionsFor({ id: 'gd', lr: 0.1, options: { momentum: 0.9 } })).toThrow(/^playground: GD has no hyperparameter "momentum" \(has: lr\)/);
    expect(() => runOptimizer(getFunction('bowl'), { id: 'adam', lr: 0.1, options: { alpha: 0.9 } }, [1, 1], 3))
      .toThrow(/^playground: Adam has no hyperparameter "alpha" \(has: lr, betas, eps, amsgrad\)/);
  });

  it('invalid values are rejected by the @gd/optim constructors themselves', () => {
    const bowl = getFunction('bowl');
    expect(() => runOptimizer(bowl, { id: 'adam', lr: 0.1, options: { betas: [0.9, 1.5] } }, [1, 1], 3)).toThrow(/^Adam: invalid betas/);
    expect(() => runOptimizer(bowl, { id: 'rmsprop', lr: 0.1, options: { alpha: -1 } }, [1, 1], 3)).toThrow(/^RMSprop: invalid alpha -1/);
    expect(() => runOptimizer(bowl, { id: 'nesterov', lr: 0.1, options: { momentum: 0 } }, [1, 1], 3)).toThrow(/^SGD: nesterov momentum requires momentum > 0/);
    expect(() => runOptimizer(bowl, { id: 'momentum', lr: 0.1, options: { dampening: 2 } }, [1, 1], 3)).toThrow(/^SGD: invalid dampening 2/);
    expect(() => runOptimizer(bowl, { id: 'adagrad', lr: 0.1, options: { eps: 0 } }, [1, 1], 3)).toThrow(/^Adagrad: invalid eps 0/);
  });
});
