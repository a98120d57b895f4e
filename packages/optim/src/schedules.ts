/**
 * Pure schedules: functions `(step) => value` of the 0-based step index. They work for any
 * hyperparameter (learning rate, momentum, weight decay...) and can be passed directly as an
 * optimizer option or to a transformation. The scheduler classes in `schedulers.ts` drive
 * optimizer parameter groups with them.
 * @module
 */
import { type Schedule } from './hyper.js';

function need(op: string, name: string, v: number, ok: boolean, rule: string): void {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok) throw new RangeError(`${op}: invalid ${name} ${String(v)} (expected ${rule})`);
}
function checkStep(op: string, t: number): void {
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`${op}: step must be an integer >= 0, got ${String(t)}`);
}

/**
 * A constant value.
 * @param value - the value at every step.
 * @returns the schedule `t ↦ value`.
 * @example
 * ```ts
 * constantSchedule(0.1)(1000); // 0.1
 * ```
 */
export function constantSchedule(value: number): Schedule {
  need('constantSchedule', 'value', value, Number.isFinite(value), 'a finite number');
  return () => value;
}

/**
 * Inverse-time decay `η₀ / (1 + k·t)`.
 * @param initial - η₀.
 * @param k - decay rate (≥ 0).
 * @returns the schedule.
 * @example
 * ```ts
 * inverseTimeDecay(0.1, 0.5)(2); // 0.05
 * ```
 */
export function inverseTimeDecay(initial: number, k: number): Schedule {
  need('inverseTimeDecay', 'k', k, k >= 0, 'k >= 0');
  return (t) => initial / (1 + k * t);
}

/**
 * The harmonic schedule `η₀ / t` with steps counted from 1: the value at step index `t` (0-based)
 * is `η₀ / (t + 1)`. It satisfies the Robbins–Monro conditions Σηₜ = ∞, Σηₜ² < ∞.
 * @param initial - η₀.
 * @returns the schedule.
 * @example
 * ```ts
 * harmonicDecay(1)(3); // 0.25 (the 4th step)
 * ```
 */
export function harmonicDecay(initial: number): Schedule {
  return (t) => initial / (t + 1);
}

/**
 * Step decay: multiply by γ every `stepSize` steps: `η₀·γ^⌊t/s⌋` (PyTorch `StepLR`).
 * @param initial - η₀.
 * @param stepSize - s (integer ≥ 1).
 * @param gamma - γ (default 0.1).
 * @returns the schedule.
 * @example
 * ```ts
 * stepDecay(0.1, 10, 0.5)(25); // 0.025
 * ```
 */
export function stepDecay(initial: number, stepSize: number, gamma = 0.1): Schedule {
  need('stepDecay', 'stepSize', stepSize, Number.isInteger(stepSize) && stepSize >= 1, 'an integer >= 1');
  return (t) => initial * gamma ** Math.floor(t / stepSize);
}

/**
 * Multi-step decay: multiply by γ at each milestone: `η₀·γ^{#{m ≤ t}}` (PyTorch `MultiStepLR`).
 * @param initial - η₀.
 * @param milestones - increasing step indices.
 * @param gamma - γ (default 0.1).
 * @returns the schedule.
 * @example
 * ```ts
 * multiStepDecay(0.1, [10, 25], 0.3)(12); // 0.03
 * ```
 */
export function multiStepDecay(initial: number, milestones: readonly number[], gamma = 0.1): Schedule {
  for (let i = 1; i < milestones.length; i++) {
    if (!(milestones[i]! > milestones[i - 1]!)) throw new RangeError(`multiStepDecay: milestones must be increasing, got [${milestones.join(', ')}]`);
  }
  const ms = milestones.slice();
  return (t) => {
    let n = 0;
    for (const m of ms) if (m <= t) n++;
    return initial * gamma ** n;
  };
}

/**
 * Exponential decay `η₀·γᵗ` (PyTorch `ExponentialLR`).
 * @param initial - η₀.
 * @param gamma - γ.
 * @returns the schedule.
 * @example
 * ```ts
 * exponentialDecay(0.1, 0.95)(2); // 0.09025
 * ```
 */
export function exponentialDecay(initial: number, gamma: number): Schedule {
  need('exponentialDecay', 'gamma', gamma, gamma > 0, 'gamma > 0');
  return (t) => initial * gamma ** t;
}

/**
 * Linear interpolation from `start` to `end` over `steps` steps, then constant `end` — a linear
 * warm-up when `start < end` (PyTorch `LinearLR` is `base·linearSchedule(startFactor, endFactor, totalIters)`).
 * @param start - value at step 0.
 * @param end - value from step `steps` on.
 * @param steps - length of the ramp (integer ≥ 1).
 * @returns the schedule.
 * @example
 * ```ts
 * linearSchedule(0.01, 0.1, 10)(5); // 0.055
 * ```
 */
export function linearSchedule(start: number, end: number, steps: number): Schedule {
  need('linearSchedule', 'steps', steps, Number.isInteger(steps) && steps >= 1, 'an integer >= 1');
  return (t) => start + ((end - start) * Math.min(t, steps)) / steps;
}

/**
 * `value·factor` for the first `steps` steps, then `value` (PyTorch `ConstantLR`).
 * @param value - the base value.
 * @param factor - the multiplier during the first steps (default 1/3).
 * @param steps - how many steps (default 5).
 * @returns the schedule.
 * @example
 * ```ts
 * constantWarmup(0.1, 0.5, 5)(4); // 0.05
 * ```
 */
export function constantWarmup(value: number, factor = 1 / 3, steps = 5): Schedule {
  need('constantWarmup', 'factor', factor, factor >= 0 && factor <= 1, 'factor in [0, 1]');
  return (t) => (t < steps ? value * factor : value);
}

/**
 * Polynomial decay `end + (η₀ − end)·(1 − min(t, T)/T)^p` (PyTorch `PolynomialLR` has end = 0).
 * @param initial - η₀.
 * @param totalSteps - T.
 * @param power - p (default 1).
 * @param end - final value (default 0).
 * @returns the schedule.
 * @example
 * ```ts
 * polynomialDecay(0.1, 40, 2)(1); // 0.0950625
 * ```
 */
export function polynomialDecay(initial: number, totalSteps: number, power = 1, end = 0): Schedule {
  need('polynomialDecay', 'totalSteps', totalSteps, Number.isInteger(totalSteps) && totalSteps >= 1, 'an integer >= 1');
  return (t) => end + (initial - end) * (1 - Math.min(t, totalSteps) / totalSteps) ** power;
}

/**
 * Cosine annealing `ηmin + (η₀ − ηmin)(1 + cos(πt/T))/2` (PyTorch `CosineAnnealingLR`; past T it
 * continues the cosine, rising again, as PyTorch's closed form does).
 * @param initial - η₀.
 * @param tMax - half-period T.
 * @param etaMin - floor ηmin (default 0).
 * @returns the schedule.
 * @example
 * ```ts
 * cosineAnnealing(0.1, 20, 0.001)(20); // 0.001
 * ```
 */
export function cosineAnnealing(initial: number, tMax: number, etaMin = 0): Schedule {
  need('cosineAnnealing', 'tMax', tMax, tMax > 0, 'tMax > 0');
  return (t) => etaMin + ((initial - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
}

/**
 * Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017): the cosine restarts after
 * T₀, then T₀·Tmult, T₀·Tmult², ... steps (PyTorch `CosineAnnealingWarmRestarts`).
 * @param initial - η₀.
 * @param t0 - first period T₀ (integer ≥ 1).
 * @param tMult - period growth factor (integer ≥ 1, default 1).
 * @param etaMin - floor (default 0).
 * @returns the schedule.
 * @example
 * ```ts
 * cosineWarmRestarts(0.1, 10, 2, 0.001)(10); // 0.1 (restart)
 * ```
 */
export function cosineWarmRestarts(initial: number, t0: number, tMult = 1, etaMin = 0): Schedule {
  need('cosineWarmRestarts', 't0', t0, Number.isInteger(t0) && t0 >= 1, 'an integer >= 1');
  need('cosineWarmRestarts', 'tMult', tMult, Number.isInteger(tMult) && tMult >= 1, 'an integer >= 1');
  return (t) => {
    let tCur = t, ti = t0;
    if (tMult === 1) tCur = t % t0;
    else if (t >= t0) {
      const n = Math.floor(Math.log((t / t0) * (tMult - 1) + 1) / Math.log(tMult));
      tCur = t - (t0 * (tMult ** n - 1)) / (tMult - 1);
      ti = t0 * tMult ** n;
    }
    return etaMin + ((initial - etaMin) * (1 + Math.cos((Math.PI * tCur) / ti))) / 2;
  };
}

/**
 * Linear warm-up from `start` to `peak` over `warmupSteps`, then cosine decay to `end` at `totalSteps`
 * (constant `end` afterwards). Continuous at the joint.
 * @param peak - value reached at the end of the warm-up.
 * @param warmupSteps - warm-up length W.
 * @param totalSteps - total length T (> W).
 * @param opts - `start` (default 0), `end` (default 0).
 * @returns the schedule.
 * @example
 * ```ts
 * const s = warmupCosine(1e-3, 100, 1000);
 * s(100); // 1e-3
 * ```
 */
export function warmupCosine(peak: number, warmupSteps: number, totalSteps: number, opts: { start?: number; end?: number } = {}): Schedule {
  const { start = 0, end = 0 } = opts;
  need('warmupCosine', 'warmupSteps', warmupSteps, Number.isInteger(warmupSteps) && warmupSteps >= 0, 'an integer >= 0');
  need('warmupCosine', 'totalSteps', totalSteps, Number.isInteger(totalSteps) && totalSteps > warmupSteps, `an integer > warmupSteps (${warmupSteps})`);
  return (t) => {
    if (t < warmupSteps) return start + ((peak - start) * t) / warmupSteps;
    const p = Math.min(1, (t - warmupSteps) / (totalSteps - warmupSteps));
    return end + ((peak - end) * (1 + Math.cos(Math.PI * p))) / 2;
  };
}

/** Options of {@link oneCycle}. */
export interface OneCycleOptions {
  /** Fraction of the cycle spent increasing (default 0.3). */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'` annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Initial value is maxValue/divFactor (default 25). */
  divFactor?: number;
  /** Final value is initial/finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, symmetric down, annihilation) instead of two (default false). */
  threePhase?: boolean;
}

function anneal(strategy: 'cos' | 'linear', start: number, end: number, pct: number): number {
  return strategy === 'cos' ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
}

function oneCyclePhases(total: number, o: OneCycleOptions, lo: number, peak: number, last: number): { end: number; from: number; to: number }[] {
  const pct = o.pctStart ?? 0.3;
  return o.threePhase
    ? [
        { end: pct * total - 1, from: lo, to: peak },
        { end: 2 * pct * total - 2, from: peak, to: lo },
        { end: total - 1, from: lo, to: last },
      ]
    : [
        { end: pct * total - 1, from: lo, to: peak },
        { end: total - 1, from: peak, to: last },
      ];
}

function onePhaseValue(phases: { end: number; from: number; to: number }[], strategy: 'cos' | 'linear', t: number): number {
  let start = 0;
  for (let i = 0; i < phases.length; i++) {
    const ph = phases[i]!;
    if (t <= ph.end || i === phases.length - 1) return anneal(strategy, ph.from, ph.to, (t - start) / (ph.end - start));
    start = ph.end;
  }
  return NaN;
}

/**
 * The one-cycle policy (Smith & Topin 2018, https://arxiv.org/abs/1708.07120; PyTorch `OneCycleLR`):
 * rise from `max/divFactor` to `max` over `pctStart` of the steps, then anneal to
 * `max/(divFactor·finalDivFactor)` (optionally in three phases).
 * @param maxValue - the peak.
 * @param totalSteps - cycle length (the schedule is defined for steps 0..totalSteps−1).
 * @param opts - see {@link OneCycleOptions}.
 * @returns the schedule.
 * @example
 * ```ts
 * oneCycle(1.0, 60)(0); // 0.04
 * ```
 */
export function oneCycle(maxValue: number, totalSteps: number, opts: OneCycleOptions = {}): Schedule {
  need('oneCycle', 'totalSteps', totalSteps, Number.isInteger(totalSteps) && totalSteps >= 2, 'an integer >= 2');
  const pct = opts.pctStart ?? 0.3;
  need('oneCycle', 'pctStart', pct, pct > 0 && pct < 1, 'pctStart in (0, 1)');
  const strategy = opts.annealStrategy ?? 'cos';
  if (strategy !== 'cos' && strategy !== 'linear') throw new RangeError(`oneCycle: invalid annealStrategy ${JSON.stringify(strategy)} (expected 'cos' or 'linear')`);
  const lo = maxValue / (opts.divFactor ?? 25);
  const last = lo / (opts.finalDivFactor ?? 1e4);
  const phases = oneCyclePhases(totalSteps, opts, lo, maxValue, last);
  return (t) => {
    if (t > totalSteps) throw new RangeError(`oneCycle: step ${t} is past the cycle of ${totalSteps} steps`);
    return onePhaseValue(phases, strategy, t);
  };
}

/**
 * The momentum that one-cycle pairs with its learning rate: from `maxMomentum` down to
 * `baseMomentum` while the lr rises, and back up while it falls.
 * @param totalSteps - cycle length.
 * @param opts - {@link OneCycleOptions} plus `baseMomentum` (0.85) and `maxMomentum` (0.95).
 * @returns the schedule.
 * @example
 * ```ts
 * oneCycleMomentum(60)(0); // 0.95
 * ```
 */
export function oneCycleMomentum(totalSteps: number, opts: OneCycleOptions & { baseMomentum?: number; maxMomentum?: number } = {}): Schedule {
  const base = opts.baseMomentum ?? 0.85, max = opts.maxMomentum ?? 0.95;
  const phases = oneCyclePhases(totalSteps, opts, max, base, max);
  const strategy = opts.annealStrategy ?? 'cos';
  return (t) => onePhaseValue(phases, strategy, t);
}

/** Options of {@link cyclic}. */
export interface CyclicOptions {
  /** Steps in the increasing half (default 2000). */
  stepSizeUp?: number;
  /** Steps in the decreasing half (default = stepSizeUp). */
  stepSizeDown?: number;
  /** `'triangular'` (default), `'triangular2'` (amplitude halves each cycle), `'exp_range'` (amplitude × γ^t). */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** γ of `'exp_range'` (default 1). */
  gamma?: number;
  /** A custom amplitude scale; overrides `mode`. */
  scaleFn?: (x: number) => number;
  /** Whether `scaleFn` gets the cycle number or the step (default `'cycle'`). */
  scaleMode?: 'cycle' | 'iterations';
}

function cyclicParts(opts: CyclicOptions): { total: number; ratio: number; fn: (x: number) => number; byCycle: boolean } {
  const up = opts.stepSizeUp ?? 2000;
  const down = opts.stepSizeDown ?? up;
  need('cyclic', 'stepSizeUp', up, up > 0, 'stepSizeUp > 0');
  need('cyclic', 'stepSizeDown', down, down > 0, 'stepSizeDown > 0');
  const mode = opts.mode ?? 'triangular';
  const gamma = opts.gamma ?? 1;
  let fn: (x: number) => number;
  let byCycle: boolean;
  if (opts.scaleFn) { fn = opts.scaleFn; byCycle = (opts.scaleMode ?? 'cycle') === 'cycle'; }
  else if (mode === 'triangular') { fn = () => 1; byCycle = true; }
  else if (mode === 'triangular2') { fn = (x) => 1 / 2 ** (x - 1); byCycle = true; }
  else if (mode === 'exp_range') { fn = (x) => gamma ** x; byCycle = false; }
  else throw new RangeError(`cyclic: invalid mode ${JSON.stringify(mode)} (expected 'triangular', 'triangular2' or 'exp_range')`);
  return { total: up + down, ratio: up / (up + down), fn, byCycle };
}

function cyclicHeight(p: ReturnType<typeof cyclicParts>, t: number): number {
  const cycle = Math.floor(1 + t / p.total);
  const x = 1 + t / p.total - cycle;
  const sf = x <= p.ratio ? x / p.ratio : (x - 1) / (p.ratio - 1);
  return sf * p.fn(p.byCycle ? cycle : t);
}

/**
 * Cyclical learning rates (Smith 2017, https://arxiv.org/abs/1506.01186; PyTorch `CyclicLR`):
 * a triangle wave between `base` and `max`.
 * @param base - lower bound.
 * @param max - upper bound.
 * @param opts - see {@link CyclicOptions}.
 * @returns the schedule.
 * @example
 * ```ts
 * cyclic(0.01, 0.1, { stepSizeUp: 5 })(5); // 0.1
 * ```
 */
export function cyclic(base: number, max: number, opts: CyclicOptions = {}): Schedule {
  const p = cyclicParts(opts);
  return (t) => base + (max - base) * cyclicHeight(p, t);
}

/**
 * The momentum paired with {@link cyclic}: `maxMomentum − (maxMomentum − baseMomentum)·height`,
 * low when the learning rate is high.
 * @param baseMomentum - lower momentum (PyTorch default 0.8).
 * @param maxMomentum - upper momentum (PyTorch default 0.9).
 * @param opts - the same {@link CyclicOptions} as the lr schedule.
 * @returns the schedule.
 * @example
 * ```ts
 * cyclicMomentum(0.8, 0.9, { stepSizeUp: 5 })(5); // 0.8
 * ```
 */
export function cyclicMomentum(baseMomentum: number, maxMomentum: number, opts: CyclicOptions = {}): Schedule {
  const p = cyclicParts(opts);
  return (t) => maxMomentum - (maxMomentum - baseMomentum) * cyclicHeight(p, t);
}

/**
 * Run schedules one after another: schedule i starts (at its own step 0) at `milestones[i−1]`
 * (PyTorch `SequentialLR`).
 * @param schedules - n schedules.
 * @param milestones - n−1 increasing switch points.
 * @returns the joined schedule.
 * @example
 * ```ts
 * const s = sequentialSchedule([linearSchedule(0.01, 0.1, 5), cosineAnnealing(0.1, 50)], [5]);
 * s(5); // 0.1
 * ```
 */
export function sequentialSchedule(schedules: readonly Schedule[], milestones: readonly number[]): Schedule {
  if (schedules.length === 0) throw new RangeError('sequentialSchedule: need at least one schedule');
  if (milestones.length !== schedules.length - 1) {
    throw new RangeError(`sequentialSchedule: expected ${schedules.length - 1} milestones for ${schedules.length} schedules, got ${milestones.length}`);
  }
  for (let i = 0; i < milestones.length; i++) {
    if (!Number.isInteger(milestones[i]) || milestones[i]! < 0 || (i > 0 && milestones[i]! <= milestones[i - 1]!)) {
      throw new RangeError(`sequentialSchedule: milestones must be increasing integers >= 0, got [${milestones.join(', ')}]`);
    }
  }
  const ss = schedules.slice(), ms = milestones.slice();
  return (t) => {
    let i = 0;
    while (i < ms.length && t >= ms[i]!) i++;
    return ss[i]!(i === 0 ? t : t - ms[i - 1]!);
  };
}

/**
 * Multiply schedules' factors: `base · Π fᵢ(t)` (PyTorch `ChainedScheduler` of multiplicative schedulers).
 * @param base - the base value.
 * @param factors - factor schedules (e.g. `exponentialDecay(1, 0.9)`).
 * @returns the product schedule.
 * @example
 * ```ts
 * const s = chainedSchedule(0.1, [constantWarmup(1, 0.1, 3), exponentialDecay(1, 0.9)]);
 * s(1); // 0.1·0.1·0.9
 * ```
 */
export function chainedSchedule(base: number, factors: readonly Schedule[]): Schedule {
  const fs = factors.slice();
  return (t) => {
    let v = base;
    for (const f of fs) v *= f(t);
    return v;
  };
}

/**
 * `base · λ(t)` (PyTorch `LambdaLR`).
 * @param base - the base value.
 * @param lambda - the factor as a function of the step.
 * @returns the schedule.
 * @example
 * ```ts
 * lambdaSchedule(0.1, (t) => 1 / (t + 1))(1); // 0.05
 * ```
 */
export function lambdaSchedule(base: number, lambda: (t: number) => number): Schedule {
  return (t) => base * lambda(t);
}

/**
 * `base · Π_{k=1..t} λ(k)` (PyTorch `MultiplicativeLR`: multiply by λ(t) at every step after the first).
 * @param base - the base value.
 * @param lambda - the per-step factor.
 * @returns the schedule (O(t) per call; the scheduler class keeps it incremental).
 * @example
 * ```ts
 * multiplicativeSchedule(1, () => 0.5)(3); // 0.125
 * ```
 */
export function multiplicativeSchedule(base: number, lambda: (t: number) => number): Schedule {
  return (t) => {
    checkStep('multiplicativeSchedule', t);
    let v = base;
    for (let k = 1; k <= t; k++) v *= lambda(k);
    return v;
  };
}
