/**
 * Gradient clipping, stopping criteria, the lr range finder, and minimize through autograd.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, type Tensor } from '@gd/tensor';
import '@gd/autograd';
import * as O from './index.js';

const gradsArb = fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 });

function withGrads(gs: number[][]): Tensor[] {
  return gs.map((g) => {
    const p = tensor(g.map(() => 0), { dtype: 'float64', requiresGrad: true });
    p.grad = tensor(g, { dtype: 'float64' });
    return p;
  });
}

describe('clipGradNorm', () => {
  it('returns the global norm of all gradients together and scales them to at most maxNorm', () => {
    fc.assert(fc.property(gradsArb, fc.double({ min: 0.01, max: 20, noNaN: true }), (gs, maxNorm) => {
      const ps = withGrads(gs);
      const flat = gs.flat();
      const total = Math.sqrt(flat.reduce((s, x) => s + x * x, 0));
      const got = O.clipGradNorm(ps, maxNorm);
      expect(Math.abs(got - total)).toBeLessThanOrEqual(1e-12 * Math.max(1, total));
      const coef = Math.min(1, maxNorm / (total + 1e-6));
      ps.forEach((p, i) => (p.grad!.data() as Float64Array).forEach((v, j) => expect(Math.abs(v - gs[i]![j]! * coef)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(gs[i]![j]!)))));
      const after = Math.sqrt(ps.flatMap((p) => Array.from(p.grad!.data() as Float64Array)).reduce((s, x) => s + x * x, 0));
      expect(after).toBeLessThanOrEqual(maxNorm * (1 + 1e-12));
    }), { numRuns: 80 });
  });

  it('p = ∞ and p = 1 norms', () => {
    fc.assert(fc.property(gradsArb, (gs) => {
      const flat = gs.flat();
      expect(O.clipGradNorm(withGrads(gs), 1e9, { normType: Infinity })).toBe(Math.max(...flat.map(Math.abs)));
      const l1 = flat.reduce((s, x) => s + Math.abs(x), 0);
      expect(Math.abs(O.clipGradNorm(withGrads(gs), 1e9, { normType: 1 }) - l1)).toBeLessThanOrEqual(1e-12 * Math.max(1, l1));
    }), { numRuns: 50 });
  });

  it('any p > 0 (and ∞): the norm of the concatenation, every gradient scaled by the same factor', () => {
    fc.assert(fc.property(gradsArb, fc.constantFrom(0.5, 1, 3, 7, Infinity), fc.double({ min: 0.01, max: 5, noNaN: true }), (gs, p, maxNorm) => {
      const flat = gs.flat().map(Math.abs);
      const total = p === Infinity ? Math.max(...flat) : flat.reduce((s, x) => s + x ** p, 0) ** (1 / p);
      const ps = withGrads(gs);
      const got = O.clipGradNorm(ps, maxNorm, { normType: p });
      expect(Math.abs(got - total)).toBeLessThanOrEqual(1e-10 * Math.max(1, total));
      const coef = Math.min(1, maxNorm / (total + 1e-6));
      ps.forEach((q, i) => (q.grad!.data() as Float64Array).forEach((v, j) => expect(Math.abs(v - gs[i]![j]! * coef)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(gs[i]![j]!)))));
    }), { numRuns: 80 });
  });

  it('normType ≤ 0 or NaN is refused (p = 0 would count zeros and return 1 or ∞)', () => {
    for (const p of [0, -1, -Infinity, NaN]) {
      expect(() => O.clipGradNorm(withGrads([[3, 4]]), 1, { normType: p })).toThrow(RangeError);
      expect(() => O.clipGradNorm(withGrads([[3, 4]]), 1, { normType: p })).toThrow(`clipGradNorm: invalid normType ${p} (expected p > 0 or Infinity)`);
    }
  });

  it('non-finite norms: an error on request, NaN gradients otherwise (as PyTorch)', () => {
    const ps = withGrads([[1, NaN]]);
    expect(() => O.clipGradNorm(ps, 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total norm of order 2 of the gradients is non-finite \(NaN\)/);
    expect(Number.isNaN(O.clipGradNorm(ps, 1))).toBe(true);
    expect(() => O.clipGradNorm(ps, -1)).toThrow(/clipGradNorm: maxNorm must be a number >= 0, got -1/);
  });

  it('ignores parameters without gradients', () => {
    const a = tensor([0], { requiresGrad: true });
    expect(O.clipGradNorm([a], 1)).toBe(0);
  });
});

describe('clipGradValue', () => {
  it('clamps each element into [-c, c]', () => {
    fc.assert(fc.property(gradsArb, fc.double({ min: 0, max: 5, noNaN: true }), (gs, c) => {
      const ps = withGrads(gs);
      O.clipGradValue(ps, c);
      ps.forEach((p, i) => (p.grad!.data() as Float64Array).forEach((v, j) => expect(v).toBe(Math.min(c, Math.max(-c, gs[i]![j]!)))));
    }), { numRuns: 50 });
    expect(() => O.clipGradValue([], -1)).toThrow(/clipGradValue: clipValue must be a number >= 0, got -1/);
  });
});

describe('stopping criteria', () => {
  const info = (step: number, loss: number, gradNorm = 1, elapsedMs = 0) => ({ step, loss, gradNorm, elapsedMs });

  it('each criterion fires on its own condition', () => {
    expect(O.maxIterations(3).check(info(2, 1))).toBeNull();
    expect(O.maxIterations(3).check(info(3, 1))).toBe('maxIterations');
    expect(O.lossBelow(0.1).check(info(0, 0.09))).toBe('lossBelow');
    expect(O.lossBelow(0.1).check(info(0, 0.1))).toBeNull();
    expect(O.gradNormBelow(1e-3).check(info(0, 1, 1e-4))).toBe('gradNormBelow');
    expect(O.timeBudget(10).check(info(0, 1, 1, 10))).toBe('timeBudget');
    expect(O.timeBudget(10).check(info(0, 1, 1, 9))).toBeNull();
  });

  it('noImprovement counts evaluations without a gain of more than minDelta', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 0.1, noNaN: true }), fc.integer({ min: 1, max: 5 }), (losses, minDelta, patience) => {
      const c = O.noImprovement({ minDelta, patience });
      let best = Infinity, bad = 0, fired = -1;
      for (let i = 0; i < losses.length; i++) {
        if (losses[i]! < best - minDelta) { best = losses[i]!; bad = 0; } else bad++;
        const expected = bad >= patience ? 'noImprovement' : null;
        expect(c.check(info(i, losses[i]!))).toBe(expected);
        if (expected && fired < 0) fired = i;
      }
      c.reset();
      expect(c.check(info(0, 5))).toBeNull();
    }), { numRuns: 60 });
  });

  it('divergence: non-finite or exploding loss', () => {
    const d = O.divergence({ factor: 100 });
    expect(d.check(info(0, 2))).toBeNull();
    expect(d.check(info(1, 150))).toBeNull();
    expect(d.check(info(2, 201))).toBe('diverged');
    d.reset();
    expect(d.check(info(0, NaN))).toBe('diverged');
    expect(O.divergence().check(info(0, 1, Infinity))).toBe('diverged');
  });

  it('anyOf reports the first reason; allOf needs all', () => {
    const any = O.anyOf(O.lossBelow(1), O.maxIterations(5));
    expect(any.check(info(7, 0.5))).toBe('lossBelow');
    expect(any.check(info(7, 2))).toBe('maxIterations');
    const all = O.allOf(O.lossBelow(1), O.gradNormBelow(0.1));
    expect(all.check(info(0, 0.5, 0.5))).toBeNull();
    expect(all.check(info(0, 0.5, 0.05))).toBe('lossBelow');
  });

  it('bad settings are refused', () => {
    expect(() => O.maxIterations(-1)).toThrow(/maxIterations: invalid n -1/);
    expect(() => O.noImprovement({ patience: 0 })).toThrow(/noImprovement: invalid patience 0/);
    expect(() => O.gradNormBelow(0)).toThrow(/gradNormBelow: invalid threshold 0/);
  });
});

describe('minimize through autograd', () => {
  it('finds the minimiser of a smooth function with Adam and with L-BFGS', () => {
    // f(x) = Σ (xᵢ − cᵢ)² + 0.1·Σ xᵢ⁴, minimiser solves 2(x − c) + 0.4x³ = 0 (checked by Newton in plain JS)
    const c = [1, -2, 0.5];
    const f = (x: Tensor) => x.sub(tensor(c, { dtype: 'float64' })).square().sum().add(x.square().square().sum().mul(0.1));
    const root = c.map((ci) => { let x = ci; for (let k = 0; k < 100; k++) x -= (2 * (x - ci) + 0.4 * x ** 3) / (2 + 1.2 * x * x); return x; });
    const adam = O.minimize(f, tensor([0, 0, 0], { dtype: 'float64' }), { optimizer: (p) => new O.Adam(p, { lr: 0.05 }), stop: [O.maxIterations(3000), O.gradNormBelow(1e-9)] });
    (adam.x.data() as Float64Array).forEach((v, i) => expect(Math.abs(v - root[i]!)).toBeLessThan(1e-6));
    const lb = O.minimize(f, tensor([0, 0, 0], { dtype: 'float64' }), { optimizer: (p) => new O.LBFGS(p, { lineSearchFn: 'strongWolfe', toleranceGrad: 1e-11, toleranceChange: 0 }), stop: [O.maxIterations(10), O.gradNormBelow(1e-9)] });
    expect(lb.reason).toBe('gradNormBelow');
    expect(lb.steps).toBeLessThanOrEqual(3);
    (lb.x.data() as Float64Array).forEach((v, i) => expect(Math.abs(v - root[i]!)).toBeLessThan(1e-9));
  });

  it('with L-BFGS: the trajectory of L-BFGS driven by hand, without evaluating each starting point twice', () => {
    // Rosenbrock in plain JS, gradient by hand; count the objective's calls
    let calls = 0;
    const vg = (x: Tensor): [number, Tensor] => {
      calls++;
      const [a, b] = Array.from(x.data());
      const d = b! - a! * a!;
      return [(1 - a!) ** 2 + 100 * d * d, tensor([-2 * (1 - a!) - 400 * d * a!, 200 * d], { dtype: 'float64' })];
    };
    for (const lineSearchFn of [null, 'strongWolfe'] as const) {
      calls = 0;
      const mk = (p: Tensor[]) => new O.LBFGS(p, { lineSearchFn, maxIter: 1, lr: lineSearchFn === null ? 0.1 : 1 });
      const r = O.minimize(null, tensor([-1.2, 1], { dtype: 'float64' }), { optimizer: mk, valueAndGrad: vg, stop: O.maxIterations(15) });
      // by hand: one step(closure) per iteration, the closure always evaluating afresh
      const p = tensor([-1.2, 1], { dtype: 'float64', requiresGrad: true });
      const opt = mk([p]);
      const rows: number[][] = [Array.from(p.data())];
      let evals = 0;
      for (let k = 0; k < 15; k++) {
        opt.step(() => { evals++; const [l, g] = vg(p.detach()); p.grad = g; return l; });
        rows.push(Array.from(p.data()));
      }
      expect(r.history.map((h) => h.params)).toEqual(rows);
      // minimize: one call per history row, plus the line search's further calls (evals − 15 of them)
      expect(calls - evals).toBe(16 + (evals - 15));
    }
  });

  it('does not modify x0 and refuses int starting points', () => {
    const x0 = tensor([1, 2], { dtype: 'float64' });
    O.minimize((x) => x.square().sum(), x0, { lr: 0.1, stop: O.maxIterations(5) });
    expect(Array.from(x0.data())).toEqual([1, 2]);
    expect(() => O.minimize((x) => x.sum(), tensor([1], { dtype: 'int32' }))).toThrow(/minimize: x0 must be a float tensor, got dtype int32/);
  });

  it('a divergent run stops with reason diverged and the last point that passed the checks', () => {
    const r = O.minimize((x) => x.square().sum(), tensor([1], { dtype: 'float64' }), { lr: 1.5, stop: O.maxIterations(1000) });
    expect(r.reason).toBe('diverged');
    // x ← x − 1.5·2x = −2x: the loss 4ᵏ first exceeds 10⁶ (the default factor) at k = 10
    expect(r.steps).toBe(10);
    expect(r.x.item()).toBe((-2) ** 9);
    expect(r.loss).toBe(4 ** 9);
  });
});

describe('lrFinder', () => {
  it('sweeps exponentially, restores the model, and suggests an lr below the divergence point 2/a', () => {
    // loss ½·a·x² per "batch"; plain GD diverges for lr > 2/a
    const a = 4;
    const w = tensor([3], { dtype: 'float64', requiresGrad: true });
    const opt = new O.SGD([w], { lr: 0.123 });
    const res = O.lrFinder(opt, () => { const x = w.item(); w.grad = tensor([a * x], { dtype: 'float64' }); return 0.5 * a * x * x; }, { startLr: 1e-4, endLr: 10, numSteps: 60, smoothing: 0 });
    const n = res.lrs.length;
    for (let i = 1; i < n; i++) expect(res.lrs[i]! / res.lrs[i - 1]!).toBeCloseTo((10 / 1e-4) ** (1 / 59), 10);
    expect(res.stoppedEarly).toBe(true);
    expect(res.lrs[n - 1]!).toBeGreaterThan(2 / a);
    expect(res.suggestedLr).toBeGreaterThan(1e-3);
    expect(res.suggestedLr).toBeLessThan(2 / a);
    expect(w.item()).toBe(3);
    expect(opt.paramGroups[0]!.lr).toBe(0.123);
  });

  it('the suggestion is the steepest point of loss vs log lr', () => {
    const w = tensor([0], { dtype: 'float64', requiresGrad: true });
    const opt = new O.SGD([w], { lr: 1 });
    // a synthetic curve: the loss is a logistic step in log lr centred at lr = 1e-2
    const res = O.lrFinder(opt, (i) => { w.grad = tensor([0], { dtype: 'float64' }); const l = Math.log10(1e-5 * (1e5) ** (i / 99)); return 1 / (1 + Math.exp(4 * (l + 2))); }, { startLr: 1e-5, endLr: 1, numSteps: 100, smoothing: 0 });
    expect(Math.abs(Math.log10(res.suggestedLr) + 2)).toBeLessThan(0.06);
  });

  it('validates its settings', () => {
    const opt = new O.SGD([tensor([0], { requiresGrad: true })], { lr: 1 });
    expect(() => O.lrFinder(opt, () => 0, { startLr: 1, endLr: 0.1 })).toThrow(/lrFinder: need 0 < startLr < endLr, got startLr 1, endLr 0.1/);
  });
});
