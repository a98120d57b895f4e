/**
 * Schedules against their closed forms over random settings (the formulas are re-derived here
 * independently), continuity of joined schedules, and the scheduler classes' contract.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '@gd/tensor';
import * as O from './index.js';

const close = (a: number, b: number, rel = 1e-12) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));
const lr0 = fc.double({ min: 1e-4, max: 10, noNaN: true });
const step = fc.integer({ min: 0, max: 500 });

describe('pure schedules = closed forms', () => {
  it('inverse-time η₀/(1+kt) and harmonic η₀/t', () => {
    fc.assert(fc.property(lr0, fc.double({ min: 0, max: 5, noNaN: true }), step, (e0, k, t) => {
      close(O.inverseTimeDecay(e0, k)(t), e0 / (1 + k * t));
      close(O.harmonicDecay(e0)(t), e0 / (t + 1));
    }), { numRuns: 100 });
  });

  it('Robbins–Monro: the harmonic schedule has a divergent sum and a convergent sum of squares', () => {
    const s = O.harmonicDecay(1);
    let sum = 0, sq = 0;
    for (let t = 0; t < 100000; t++) { sum += s(t); sq += s(t) ** 2; }
    expect(sum).toBeGreaterThan(Math.log(100000)); // H_n > ln n
    expect(sq).toBeLessThan(Math.PI ** 2 / 6);
  });

  it('step, multistep, exponential', () => {
    fc.assert(fc.property(lr0, fc.integer({ min: 1, max: 50 }), fc.double({ min: 0.01, max: 1, noNaN: true }), step,
      fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 5 }), (e0, s, g, t, ms) => {
        let k = 0;
        for (let i = s; i <= t; i += s) k++;
        close(O.stepDecay(e0, s, g)(t), e0 * g ** k);
        const sorted = ms.slice().sort((a, b) => a - b);
        close(O.multiStepDecay(e0, sorted, g)(t), e0 * g ** sorted.filter((m) => m <= t).length);
        close(O.exponentialDecay(e0, g)(t), e0 * Math.exp(t * Math.log(g)), 1e-10);
      }), { numRuns: 100 });
  });

  it('linear, constant warm-up, polynomial', () => {
    fc.assert(fc.property(lr0, lr0, fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.5, max: 4, noNaN: true }), step, (a, b, n, pw, t) => {
      const u = Math.min(t, n) / n;
      close(O.linearSchedule(a, b, n)(t), a * (1 - u) + b * u, 1e-10);
      expect(O.constantWarmup(a, 0.25, n)(t)).toBe(t < n ? a * 0.25 : a);
      close(O.polynomialDecay(a, n, pw)(t), a * (1 - u) ** pw);
      close(O.polynomialDecay(a, n, pw, b)(t), b + (a - b) * (1 - u) ** pw, 1e-10);
    }), { numRuns: 100 });
  });

  it('cosine annealing hits η₀ at 0, ηmin at T and the midpoint at T/2', () => {
    fc.assert(fc.property(lr0, fc.double({ min: 0, max: 0.5, noNaN: true }), fc.integer({ min: 1, max: 200 }), (e0, frac, T) => {
      const emin = e0 * frac;
      const s = O.cosineAnnealing(e0, T, emin);
      close(s(0), e0);
      close(s(T), emin);
      close(s(T / 2), (e0 + emin) / 2);
      for (let t = 1; t <= T; t++) expect(s(t)).toBeLessThanOrEqual(s(t - 1) + 1e-15);
    }), { numRuns: 60 });
  });

  it('cosine annealing and one-cycle equal their closed forms at every step', () => {
    fc.assert(fc.property(lr0, fc.double({ min: 0, max: 0.5, noNaN: true }), fc.integer({ min: 1, max: 120 }), (e0, frac, T) => {
      const emin = e0 * frac, s = O.cosineAnnealing(e0, T, emin);
      for (let t = 0; t <= T; t++) close(s(t), emin + ((e0 - emin) * (1 + Math.cos((Math.PI * t) / T))) / 2, 1e-10);
    }), { numRuns: 50 });
    // one-cycle (Smith & Topin; PyTorch's phase ends at pct·T − 1, T − 2 and 2·pct·T − 2 for three phases)
    fc.assert(fc.property(lr0, fc.integer({ min: 20, max: 200 }), fc.double({ min: 0.1, max: 0.45, noNaN: true }), fc.boolean(), fc.constantFrom('cos', 'linear'),
      (mx, T, pct, three, strat) => {
        const s = O.oneCycle(mx, T, { pctStart: pct, threePhase: three, annealStrategy: strat as 'cos' | 'linear' });
        const lo = mx / 25, fin = lo / 1e4;
        const ann = (a: number, b: number, u: number) => (strat === 'cos' ? b + ((a - b) * (1 + Math.cos(Math.PI * u))) / 2 : a + (b - a) * u);
        const e1 = pct * T - 1;
        const phases: [number, number, number, number][] = three
          ? [[0, e1, lo, mx], [e1, 2 * pct * T - 2, mx, lo], [2 * pct * T - 2, T - 1, lo, fin]]
          : [[0, e1, lo, mx], [e1, T - 1, mx, fin]];
        for (let t = 0; t < T; t++) {
          let start = 0;
          for (const [a, b, from, to] of phases) {
            if (t <= b || b === phases[phases.length - 1]![1]) { close(s(t), ann(from, to, (t - start) / (b - start)), 1e-9); break; }
            start = b; void a;
          }
        }
      }), { numRuns: 50 });
  });

  it('warm restarts: restart points are Σ T₀·Tmultⁱ and each period is a full cosine', () => {
    fc.assert(fc.property(lr0, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3 }), (e0, T0, mult) => {
      const s = O.cosineWarmRestarts(e0, T0, mult, 0);
      let start = 0, len = T0;
      for (let cycle = 0; cycle < 4; cycle++) {
        close(s(start), e0);
        for (let k = 0; k < len; k += Math.max(1, Math.floor(len / 5))) close(s(start + k), (e0 * (1 + Math.cos((Math.PI * k) / len))) / 2, 1e-9);
        start += len;
        len *= mult;
      }
    }), { numRuns: 60 });
  });

  it('warm-up + cosine is continuous at the joint and monotone on each side', () => {
    fc.assert(fc.property(lr0, fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 300 }), (peak, W, extra) => {
      const T = W + extra;
      const s = O.warmupCosine(peak, W, T, { start: 0, end: peak / 100 });
      close(s(W), peak);
      // the one-step change at the joint is no bigger than a warm-up step
      expect(Math.abs(s(W) - s(W - 1))).toBeLessThanOrEqual(peak / W + 1e-12);
      for (let t = 1; t <= W; t++) expect(s(t)).toBeGreaterThanOrEqual(s(t - 1));
      for (let t = W + 1; t <= T; t++) expect(s(t)).toBeLessThanOrEqual(s(t - 1) + 1e-15);
      close(s(T), peak / 100);
    }), { numRuns: 60 });
  });

  it('one-cycle: starts at max/div, peaks at max, ends at max/(div·finalDiv); phases meet continuously', () => {
    fc.assert(fc.property(lr0, fc.integer({ min: 20, max: 400 }), fc.double({ min: 0.1, max: 0.45, noNaN: true }), fc.boolean(), fc.constantFrom('cos', 'linear'),
      (mx, T, pct, three, strat) => {
        const s = O.oneCycle(mx, T, { pctStart: pct, threePhase: three, annealStrategy: strat as 'cos' | 'linear' });
        close(s(0), mx / 25);
        close(s(T - 1), mx / 25 / 1e4);
        const peakAt = pct * T - 1;
        if (Number.isInteger(peakAt)) close(s(peakAt), mx);
        let top = 0;
        for (let t = 0; t < T; t++) top = Math.max(top, s(t));
        expect(top).toBeLessThanOrEqual(mx * (1 + 1e-12));
        // no jump bigger than the largest slope allows (continuity at phase boundaries)
        const maxSlope = (Math.PI / 2) * mx / Math.max(1, Math.min(peakAt, T - 1 - peakAt, three ? peakAt : Infinity));
        for (let t = 1; t < T; t++) expect(Math.abs(s(t) - s(t - 1))).toBeLessThanOrEqual(maxSlope * 1.01 + 1e-12);
        // momentum moves opposite to the lr in the first phase
        const m = O.oneCycleMomentum(T, { pctStart: pct, threePhase: three, annealStrategy: strat as 'cos' | 'linear' });
        close(m(0), 0.95);
        if (peakAt >= 1) expect(m(1)).toBeLessThan(m(0));
      }), { numRuns: 60 });
  });

  it('cyclic: triangle wave, triangular2 halves, exp_range decays; momentum mirrors', () => {
    fc.assert(fc.property(fc.double({ min: 1e-4, max: 0.1, noNaN: true }), fc.double({ min: 0.2, max: 1, noNaN: true }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), step,
      (lo, hi, up, down, t) => {
        const period = up + down;
        const c = Math.floor(t / period), x = t - c * period;
        const h = x <= up ? x / up : 1 - (x - up) / down;
        close(O.cyclic(lo, hi, { stepSizeUp: up, stepSizeDown: down })(t), lo + (hi - lo) * h, 1e-9);
        close(O.cyclic(lo, hi, { stepSizeUp: up, stepSizeDown: down, mode: 'triangular2' })(t), lo + (hi - lo) * h / 2 ** c, 1e-9);
        close(O.cyclic(lo, hi, { stepSizeUp: up, stepSizeDown: down, mode: 'exp_range', gamma: 0.99 })(t), lo + (hi - lo) * h * 0.99 ** t, 1e-9);
        close(O.cyclicMomentum(0.8, 0.9, { stepSizeUp: up, stepSizeDown: down })(t), 0.9 - 0.1 * h, 1e-9);
      }), { numRuns: 100 });
  });

  it('sequential: each piece restarts at its milestone; linear→cosine warm-up is continuous', () => {
    fc.assert(fc.property(lr0, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 2, max: 100 }), step, (e0, W, T, t) => {
      const s = O.sequentialSchedule([O.linearSchedule(0, e0, W), O.cosineAnnealing(e0, T)], [W]);
      close(s(t), t < W ? (e0 * t) / W : (e0 * (1 + Math.cos((Math.PI * (t - W)) / T))) / 2, 1e-10);
      close(s(W), O.linearSchedule(0, e0, W)(W)); // both sides agree at the joint
    }), { numRuns: 100 });
  });

  it('chained, lambda, multiplicative', () => {
    fc.assert(fc.property(lr0, fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: 0, max: 60 }), (e0, g, t) => {
      close(O.chainedSchedule(e0, [O.constantWarmup(1, 0.1, 3), O.exponentialDecay(1, g)])(t), e0 * (t < 3 ? 0.1 : 1) * g ** t, 1e-10);
      close(O.lambdaSchedule(e0, (k) => 1 / (k + 1))(t), e0 / (t + 1));
      close(O.multiplicativeSchedule(e0, () => g)(t), e0 * g ** t, 1e-10);
    }), { numRuns: 100 });
  });

  it('bad settings are refused with the option and value', () => {
    expect(() => O.stepDecay(0.1, 0)).toThrow(/stepDecay: invalid stepSize 0/);
    expect(() => O.multiStepDecay(0.1, [5, 3])).toThrow(/multiStepDecay: milestones must be increasing, got \[5, 3\]/);
    expect(() => O.oneCycle(1, 10, { pctStart: 1.5 })).toThrow(/oneCycle: invalid pctStart 1.5/);
    expect(() => O.oneCycle(1, 10)(11)).toThrow(/oneCycle: step 11 is past the cycle of 10 steps/);
    expect(() => O.cyclic(0.1, 1, { mode: 'sawtooth' as never })).toThrow(/cyclic: invalid mode "sawtooth"/);
    expect(() => O.sequentialSchedule([O.constantSchedule(1)], [3])).toThrow(/sequentialSchedule: expected 0 milestones for 1 schedules, got 1/);
    expect(() => O.warmupCosine(1, 10, 5)).toThrow(/warmupCosine: invalid totalSteps 5/);
  });
});

describe('scheduler classes', () => {
  const sgd = (lr = 0.1, momentum = 0.9) => new O.SGD([tensor([1], { dtype: 'float64', requiresGrad: true })], { lr, momentum });

  it('any option can be scheduled: momentum and weightDecay', () => {
    const opt = sgd(0.1, 0.9);
    const s = new O.ScheduleLR(opt, (base) => O.linearSchedule(0.5, base, 10), { key: 'momentum' });
    expect(opt.paramGroups[0]!.momentum).toBe(0.5);
    for (let i = 0; i < 10; i++) s.step();
    expect(opt.paramGroups[0]!.momentum).toBe(0.9);
    const adam = new O.AdamW([tensor([1], { requiresGrad: true })], { weightDecay: 0.1 });
    const w = new O.ExponentialLR(adam, { gamma: 0.5, key: 'weightDecay' });
    w.step();
    expect(adam.paramGroups[0]!.weightDecay).toBe(0.05);
    expect(adam.paramGroups[0]!.lr).toBe(1e-3);
  });

  it('HarmonicLR and WarmupCosineLR write their closed forms into every group, per group base', () => {
    fc.assert(fc.property(lr0, lr0, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true }),
      (a, b, W, extra, sf, ef) => {
        const T = W + extra;
        const mk = () => new O.SGD([{ params: [tensor([1], { requiresGrad: true })], lr: a }, { params: [tensor([1], { requiresGrad: true })], lr: b }]);
        const o1 = mk(), h = new O.HarmonicLR(o1);
        const o2 = mk(), c = new O.WarmupCosineLR(o2, { warmupSteps: W, totalSteps: T, startFactor: sf, endFactor: ef });
        for (let t = 0; t <= T + 3; t++) {
          [a, b].forEach((base, g) => {
            close(o1.paramGroups[g]!.lr as number, base / (t + 1));
            const want = t < W ? base * sf + ((base - base * sf) * t) / W
              : base * ef + ((base - base * ef) * (1 + Math.cos(Math.PI * Math.min(1, (t - W) / (T - W))))) / 2;
            close(o2.paramGroups[g]!.lr as number, want, 1e-10);
          });
          h.step(); c.step();
        }
      }), { numRuns: 40 });
    expect(() => new O.WarmupCosineLR(sgd(0.1, 0), { warmupSteps: 5, totalSteps: 5 })).toThrow(/warmupCosine: invalid totalSteps 5/);
    expect(() => new O.WarmupCosineLR(sgd(0.1, 0), { warmupSteps: 1, totalSteps: 5, endFactor: -1 })).toThrow(/WarmupCosineLR: invalid endFactor -1/);
  });

  it('CyclicLR cycles SGD momentum and Adam β₁ opposite to the lr, at every step', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.constantFrom('triangular', 'triangular2', 'exp_range'), (up, down, mode) => {
      const o = { stepSizeUp: up, stepSizeDown: down, mode: mode as 'triangular', gamma: 0.97 };
      const opt = sgd(0.1, 0.9);
      const adam = new O.Adam([tensor([1], { requiresGrad: true })]);
      const s1 = new O.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, ...o, baseMomentum: 0.85, maxMomentum: 0.95 });
      const s2 = new O.CyclicLR(adam, { baseLr: 0.01, maxLr: 0.1, ...o });
      for (let t = 0; t < 3 * (up + down); t++) {
        const period = up + down, x = t % period;
        // the wave in [0, 1] times PyTorch's scale_fn, which scales the momentum amplitude too
        const scale = mode === 'triangular' ? 1 : mode === 'triangular2' ? 1 / 2 ** Math.floor(t / period) : 0.97 ** t;
        const h = (x <= up ? x / up : 1 - (x - up) / down) * scale;
        close(opt.paramGroups[0]!.momentum as number, 0.95 - 0.1 * h, 1e-12);
        close((adam.paramGroups[0]!.betas as readonly number[])[0]!, 0.9 - 0.1 * h, 1e-12);
        expect((adam.paramGroups[0]!.betas as readonly number[])[1]).toBe(0.999);
        s1.step(); s2.step();
      }
    }), { numRuns: 30 });
  });

  it('OneCycleLR cycles SGD momentum and Adam β₁', () => {
    const opt = sgd(0.1, 0.9);
    const s = new O.OneCycleLR(opt, { maxLr: 1, totalSteps: 20 });
    expect(opt.paramGroups[0]!.momentum).toBe(0.95);
    for (let i = 0; i < 5; i++) s.step();
    expect(opt.paramGroups[0]!.momentum).toBe(O.oneCycleMomentum(20)(5));
    const adam = new O.Adam([tensor([1], { requiresGrad: true })]);
    new O.OneCycleLR(adam, { maxLr: 1, totalSteps: 20 });
    expect(adam.paramGroups[0]!.betas).toEqual([0.95, 0.999]);
  });

  it('schedulers drive a Lookahead wrapper (its groups are the inner optimizer\'s)', () => {
    const inner = sgd();
    const la = new O.Lookahead(inner);
    const s = new O.StepLR(la, { stepSize: 1, gamma: 0.5 });
    s.step();
    expect(inner.paramGroups[0]!.lr).toBe(0.05);
  });

  it('state dict resumes the same schedule', () => {
    const a = sgd(), b = sgd();
    const sa = new O.CosineAnnealingLR(a, { tMax: 10 });
    for (let i = 0; i < 4; i++) sa.step();
    const sb = new O.CosineAnnealingLR(b, { tMax: 10 });
    sb.loadStateDict(JSON.parse(JSON.stringify(sa.stateDict())));
    expect(b.paramGroups[0]!.lr).toBe(a.paramGroups[0]!.lr);
    sa.step(); sb.step();
    expect(sb.getLastLr()).toEqual(sa.getLastLr());
  });

  it('ChainedScheduler multiplies factors; MultiplicativeLR compounds', () => {
    const opt = sgd(1);
    const c = new O.ChainedScheduler(opt, { schedulers: [new O.ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new O.ExponentialLR(opt, { gamma: 0.9 })] });
    const seen = [opt.paramGroups[0]!.lr];
    for (let i = 0; i < 3; i++) { c.step(); seen.push(opt.paramGroups[0]!.lr); }
    seen.forEach((v, t) => close(v as number, (t < 2 ? 0.1 : 1) * 0.9 ** t));
    const o2 = sgd(1);
    const m = new O.MultiplicativeLR(o2, { lrLambda: (t) => 1 - 0.1 * t });
    for (let i = 0; i < 3; i++) m.step();
    close(o2.paramGroups[0]!.lr as number, 0.9 * 0.8 * 0.7);
  });

  it('ReduceLROnPlateau against a scalar re-implementation (max/abs, cooldown, minLr)', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 60 }), fc.constantFrom('min', 'max'), fc.constantFrom('rel', 'abs'),
      fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }), (metrics, mode, tm, patience, cooldown) => {
        const opt = sgd(1);
        const s = new O.ReduceLROnPlateau(opt, { mode: mode as 'min' | 'max', thresholdMode: tm as 'rel' | 'abs', threshold: 0.01, patience, cooldown, factor: 0.5, minLr: 0.2 });
        let lr = 1, best = mode === 'min' ? Infinity : -Infinity, bad = 0, cool = 0;
        for (const x of metrics) {
          const better = mode === 'min' ? (tm === 'rel' ? x < best * 0.99 : x < best - 0.01) : (tm === 'rel' ? x > best * 1.01 : x > best + 0.01);
          if (better) { best = x; bad = 0; } else bad++;
          if (cool > 0) { cool--; bad = 0; }
          if (bad > patience) { const n = Math.max(lr * 0.5, 0.2); if (lr - n > 1e-8) lr = n; cool = cooldown; bad = 0; }
          s.step(x);
          expect(opt.paramGroups[0]!.lr).toBe(lr);
        }
      }), { numRuns: 80 });
  });

  it('a scheduler needs a numeric option to start from', () => {
    const opt = new O.SGD([tensor([1], { requiresGrad: true })], { lr: (t: number) => 1 / (t + 1) });
    expect(() => new O.StepLR(opt, { stepSize: 2 })).toThrow(/StepLR: group 0 has a non-numeric lr/);
  });
});
