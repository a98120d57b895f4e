/**
 * The playground's engine (DOM-free) against closed forms and plain-number references.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '@gd/tensor';
import { grad } from '@gd/autograd';
import { FUNCTIONS, getFunction } from './functions.js';
import { evaluateGrid, runOptimizer } from './engine.js';

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
    const r = runOptimizer(getFunction('ill'), { id: 'momentum', lr, beta: mu }, [-2.5, 2], 40);
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
    const b = runOptimizer(fn, { id: 'nesterov', lr: 0.001, beta: 0.9 }, [-1.5, 2], 20).path;
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
