/**
 * The classifier page's engine (DOM-free): datasets, settings checks, and that the @gd/nn MLP
 * with each optimizer family actually learns.
 */
import { describe, expect, it } from 'vitest';
import { ClassifierTrainer, DATASETS, WINDOW, makeDataset, type ClassifierSettings } from './classifier.js';

const settings = (over: Partial<ClassifierSettings> = {}): ClassifierSettings => ({
  dataset: 'moons', hidden: 16, depth: 2, activation: 'tanh', optimizer: { id: 'adam', lr: 0.03 }, ...over,
});

describe('classifier datasets', () => {
  it.each(DATASETS.map((d) => d.id))('%s: 2n points in the window, n of each class', (id) => {
    const { x, y } = makeDataset(id, { n: 50, noise: 0 });
    expect(x.shape).toEqual([100, 2]);
    const xs = x.data() as ArrayLike<number>;
    const ys = Array.from(y.data() as ArrayLike<number>);
    expect(ys.filter((v) => v === 1).length).toBe(50);
    expect(ys.filter((v) => v === 0).length).toBe(50);
    for (let i = 0; i < xs.length; i++) expect(Math.abs(xs[i]!)).toBeLessThan(WINDOW);
  });

  it('circles: class 0 on radius 1, class 1 on radius ½ (no noise)', () => {
    const { x, y } = makeDataset('circles', { n: 20, noise: 0 });
    const xs = x.data() as ArrayLike<number>;
    const ys = y.data() as ArrayLike<number>;
    for (let k = 0; k < 40; k++) expect(Math.hypot(xs[2 * k]!, xs[2 * k + 1]!)).toBeCloseTo(ys[k] === 0 ? 1 : 0.5, 5);
  });

  it('moons: the two arcs interleave (each class has points on both sides of the other\'s mean x)', () => {
    const { x } = makeDataset('moons', { n: 30, noise: 0 });
    const xs = x.data() as ArrayLike<number>;
    const a = Array.from({ length: 30 }, (_, i) => xs[2 * i]!);
    const b = Array.from({ length: 30 }, (_, i) => xs[2 * (30 + i)]!);
    expect(Math.min(...b)).toBeLessThan(Math.max(...a));
    expect(Math.max(...a) - Math.min(...a)).toBeCloseTo(1.8, 5);
  });

  it('the seed decides the noise', () => {
    const a = makeDataset('circles', { seed: 1 }).x.data() as ArrayLike<number>;
    const b = makeDataset('circles', { seed: 1 }).x.data() as ArrayLike<number>;
    const c = makeDataset('circles', { seed: 2 }).x.data() as ArrayLike<number>;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('bad input names the operation and the value', () => {
    expect(() => makeDataset('rings' as never)).toThrow(/^makeDataset: unknown dataset "rings" \(known: spirals, moons, circles\)/);
    expect(() => makeDataset('moons', { n: 0 })).toThrow(/^makeDataset: n must be an integer in \[1, 5000\], got 0/);
    expect(() => makeDataset('moons', { noise: -1 })).toThrow(/^makeDataset: noise must be in \[0, 1\], got -1/);
    expect(() => new ClassifierTrainer(settings({ hidden: 0 }))).toThrow(/^ClassifierTrainer: hidden width must be an integer in \[1, 256\], got 0/);
    expect(() => new ClassifierTrainer(settings({ depth: 9 }))).toThrow(/^ClassifierTrainer: depth must be an integer in \[1, 4\], got 9/);
    expect(() => new ClassifierTrainer(settings({ optimizer: { id: 'adam', lr: 0.1, options: { betas: [0.9, 2] } } }))).toThrow(/^Adam: invalid betas/);
  });
});

describe('classifier training', () => {
  it('the model is 2 → hidden × depth → 2 and its parameters are what the optimizer updates', () => {
    const t = new ClassifierTrainer(settings({ hidden: 8, depth: 3 }));
    expect(t.model.parameters().map((p) => p.shape)).toEqual([[8, 2], [8], [8, 8], [8], [8, 8], [8], [2, 8], [2]]);
    const before = Array.from(t.model.parameters()[0]!.data() as ArrayLike<number>);
    t.step(1);
    expect(t.steps).toBe(1);
    expect(Array.from(t.model.parameters()[0]!.data() as ArrayLike<number>)).not.toEqual(before);
  });

  it.each([
    ['adam', 0.03], ['momentum', 0.1], ['rmsprop', 0.01],
  ] as const)('%s learns the moons (accuracy ≥ 0.95 within 400 steps, loss falls)', (id, lr) => {
    const t = new ClassifierTrainer(settings({ optimizer: { id, lr } }));
    const start = t.evaluate();
    t.step(400);
    const end = t.evaluate();
    expect(end.loss).toBeLessThan(start.loss / 3);
    expect(end.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('circles: a trained model is right on the data and on the grid (inner disc class 1, corners class 0)', () => {
    const t = new ClassifierTrainer(settings({ dataset: 'circles' }));
    t.step(300);
    const { accuracy } = t.evaluate();
    expect(accuracy).toBeGreaterThan(0.9);
    // inside the inner ring is class 1, outside the outer ring class 0 (3 × 3 grid: centre vs corner)
    const p = t.probabilities(3, 3);
    expect(p[4]).toBeGreaterThan(0.5);
    expect(p[0]).toBeLessThan(0.5);
    for (const v of p) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('a divergent learning rate stops with a non-finite loss instead of running on', () => {
    const t = new ClassifierTrainer(settings({ optimizer: { id: 'gd', lr: 1e6 }, activation: 'relu' }));
    let last = 0;
    for (let i = 0; i < 50 && Number.isFinite(last); i++) last = t.step(1);
    expect(Number.isFinite(last)).toBe(false);
  });
});
