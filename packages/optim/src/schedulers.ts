/**
 * PyTorch-style scheduler classes: each sets an option (the learning rate by default, or any other
 * numeric option such as `momentum` or `weightDecay`) of every parameter group of an optimizer
 * from a pure schedule, once per `step()`.
 * @module
 */
import { type Schedule } from './hyper.js';
import * as S from './schedules.js';

/** Options common to all schedulers. */
export interface SchedulerOptions {
  /** The group option to drive (default `'lr'`). `'momentum'` on Adam-like optimizers drives `betas[0]`. */
  key?: string;
}

/** Anything with PyTorch-style parameter groups (an {@link Optimizer} or a {@link Lookahead}). */
export interface Schedulable {
  /** Parameter groups whose options the scheduler writes. */
  readonly paramGroups: readonly object[];
}

/** A scheduler's position, from {@link LRScheduler.stateDict}. */
export interface SchedulerStateDict {
  /** Index of the last step applied. */
  lastEpoch: number;
  /** Base value of each group. */
  baseValues: number[];
}
type AnyOptimizer = Schedulable;

function readKey(group: Record<string, unknown>, key: string): unknown {
  if (key === 'momentum' && !('momentum' in group) && Array.isArray(group['betas'])) return (group['betas'] as unknown[])[0];
  return group[key];
}
function writeKey(group: Record<string, unknown>, key: string, v: number): void {
  if (key === 'momentum' && !('momentum' in group) && Array.isArray(group['betas'])) {
    group['betas'] = [v, (group['betas'] as unknown[])[1]];
    return;
  }
  group[key] = v;
}

/**
 * Base class: holds the base value of each group and sets `group[key] = valueAt(t, base)` at each
 * `step()`. Construction applies step 0 (as PyTorch does), so the optimizer's first step already
 * uses the scheduled value.
 *
 * Differences from PyTorch: values come from closed forms, while PyTorch updates most schedulers
 * recursively from the previous lr (they agree to about 1e-15 relative); so a value written into
 * `group.lr` by hand between steps is overwritten at the next `step()` instead of compounding.
 *
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const sched = new StepLR(opt, { stepSize: 10, gamma: 0.5 });
 * for (let epoch = 0; epoch < 30; epoch++) { opt.step(); sched.step(); }
 * sched.getLastLr(); // [0.0125]
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose groups are driven. */
  readonly optimizer: AnyOptimizer;
  /** The option driven. */
  readonly key: string;
  /** Base value of each group (its `initialLr` for the learning rate). */
  baseValues: number[];
  /** Index of the last step applied (0 after construction). */
  lastEpoch = -1;
  private _last: number[] = [];

  /**
   * @param optimizer - the optimizer.
   * @param opts - see {@link SchedulerOptions}.
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions = {}) {
    this.optimizer = optimizer;
    this.key = opts.key ?? 'lr';
    const name = this.constructor.name;
    this.baseValues = optimizer.paramGroups.map((g, i) => {
      const rec = g as Record<string, unknown>;
      if (this.key === 'lr') {
        if (typeof rec['initialLr'] !== 'number') {
          if (typeof rec['lr'] !== 'number') throw new TypeError(`${name}: group ${i} has a non-numeric lr (${typeof rec['lr']}); a scheduler needs a number to start from`);
          rec['initialLr'] = rec['lr'];
        }
        return rec['initialLr'] as number;
      }
      const v = readKey(rec, this.key);
      if (typeof v !== 'number') throw new TypeError(`${name}: group ${i} has no numeric option "${this.key}" (got ${String(v)})`);
      return v;
    });
  }

  /** The value for group `i` at step `t`, given its base value. */
  abstract valueAt(t: number, base: number, groupIndex: number): number;

  /** @internal Apply step 0; subclasses call this at the end of their constructor. */
  protected initialStep(): void {
    this.step();
  }

  /**
   * Advance one step and write the new values into the optimizer's groups.
   * @returns nothing.
   */
  step(): void {
    this.lastEpoch++;
    this._last = this.optimizer.paramGroups.map((g, i) => {
      const v = this.valueAt(this.lastEpoch, this.baseValues[i]!, i);
      writeKey(g as Record<string, unknown>, this.key, v);
      return v;
    });
  }

  /**
   * The values set by the last `step()` (one per group).
   * @returns a fresh array.
   */
  getLastLr(): number[] {
    return this._last.slice();
  }

  /**
   * The scheduler's position, for checkpointing.
   * @returns `{ lastEpoch, baseValues }`.
   */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseValues: this.baseValues.slice() };
  }

  /**
   * Restore a position saved by {@link LRScheduler.stateDict} and re-apply its values.
   * @param sd - the saved state.
   * @returns nothing.
   */
  loadStateDict(sd: SchedulerStateDict): void {
    this.baseValues = sd.baseValues.slice();
    this.lastEpoch = sd.lastEpoch - 1;
    this.step();
  }
}

/**
 * Drive an option with any pure schedule factory: `make(base, groupIndex)` returns the schedule.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * new ScheduleLR(opt, (base) => harmonicDecay(base)); // η₀/t
 * ```
 */
export class ScheduleLR extends LRScheduler {
  private readonly schedules: Schedule[];
  /**
   * @param optimizer - the optimizer.
   * @param make - builds each group's schedule from its base value.
   * @param opts - see {@link SchedulerOptions}.
   */
  constructor(optimizer: AnyOptimizer, make: (base: number, groupIndex: number) => Schedule, opts: SchedulerOptions = {}) {
    super(optimizer, opts);
    this.schedules = this.baseValues.map((b, i) => make(b, i));
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, _base: number, i: number): number {
    return this.schedules[i]!(t);
  }
}

/**
 * `η₀·γ^⌊t/stepSize⌋`.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * opt.paramGroups[0]!.lr; // 0.1
 * ```
 */
export class StepLR extends LRScheduler {
  /** Steps between decays. */
  readonly stepSize: number;
  /** Decay factor. */
  readonly gamma: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `stepSize`, `gamma` (default 0.1).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { stepSize: number; gamma?: number }) {
    super(optimizer, opts);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    S.stepDecay(1, this.stepSize, this.gamma);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return S.stepDecay(base, this.stepSize, this.gamma)(t);
  }
}

/**
 * `η₀·γ^{#milestones ≤ t}`.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new MultiStepLR(opt, { milestones: [30, 80] });
 * for (let t = 0; t < 30; t++) sched.step();
 * sched.getLastLr(); // [0.01]
 * ```
 */
export class MultiStepLR extends LRScheduler {
  private readonly f: Schedule;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `milestones`, `gamma` (default 0.1).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { milestones: readonly number[]; gamma?: number }) {
    super(optimizer, opts);
    this.f = S.multiStepDecay(1, opts.milestones, opts.gamma ?? 0.1);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return base * this.f(t);
  }
}

/**
 * `η₀·γᵗ`.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new ExponentialLR(opt, { gamma: 0.95 });
 * sched.step();
 * sched.getLastLr(); // [0.095]
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** Decay factor. */
  readonly gamma: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `gamma`.
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { gamma: number }) {
    super(optimizer, opts);
    S.exponentialDecay(1, opts.gamma);
    this.gamma = opts.gamma;
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return base * this.gamma ** t;
  }
}

/**
 * `η₀/(1 + k·t)` (inverse-time decay).
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new InverseTimeLR(opt, { k: 1 });
 * sched.step();
 * sched.getLastLr(); // [0.05]
 * ```
 */
export class InverseTimeLR extends LRScheduler {
  /** Decay rate k. */
  readonly k: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `k` (decay rate).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { k: number }) {
    super(optimizer, opts);
    S.inverseTimeDecay(1, opts.k);
    this.k = opts.k;
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return base / (1 + this.k * t);
  }
}

/**
 * `η₀/(t + 1)`: the harmonic step size `η₀/t` of the Robbins–Monro conditions, counting steps from 1
 * (see {@link harmonicDecay}).
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const sched = new HarmonicLR(opt);
 * sched.step();
 * sched.getLastLr(); // [0.05]
 * ```
 */
export class HarmonicLR extends LRScheduler {
  /**
   * @param optimizer - the optimizer.
   * @param opts - see {@link SchedulerOptions}.
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions = {}) {
    super(optimizer, opts);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return S.harmonicDecay(base)(t);
  }
}

/**
 * Linear warm-up from `startFactor·η₀` to η₀ over `warmupSteps`, then cosine down to `endFactor·η₀`
 * at `totalSteps` (see {@link warmupCosine}); η₀ is each group's base value.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * const sched = new WarmupCosineLR(opt, { warmupSteps: 5, totalSteps: 50 });
 * for (let t = 0; t < 5; t++) sched.step();
 * sched.getLastLr(); // [0.1]
 * ```
 */
export class WarmupCosineLR extends LRScheduler {
  /** Length of the linear warm-up. */
  readonly warmupSteps: number;
  /** Step at which the cosine reaches its end. */
  readonly totalSteps: number;
  /** Warm-up start as a fraction of the base value. */
  readonly startFactor: number;
  /** Final value as a fraction of the base value. */
  readonly endFactor: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `warmupSteps`, `totalSteps`, `startFactor` (default 0), `endFactor` (default 0).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { warmupSteps: number; totalSteps: number; startFactor?: number; endFactor?: number }) {
    super(optimizer, opts);
    this.warmupSteps = opts.warmupSteps;
    this.totalSteps = opts.totalSteps;
    this.startFactor = opts.startFactor ?? 0;
    this.endFactor = opts.endFactor ?? 0;
    for (const [k, v] of [['startFactor', this.startFactor], ['endFactor', this.endFactor]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`WarmupCosineLR: invalid ${k} ${String(v)} (expected a finite number >= 0)`);
    }
    S.warmupCosine(1, this.warmupSteps, this.totalSteps);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return S.warmupCosine(base, this.warmupSteps, this.totalSteps, { start: base * this.startFactor, end: base * this.endFactor })(t);
  }
}

/**
 * Cosine from η₀ to `etaMin` over `tMax` steps.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new CosineAnnealingLR(opt, { tMax: 100 });
 * for (let t = 0; t < 50; t++) sched.step();
 * sched.getLastLr(); // [0.05]
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half-period of the cosine. */
  readonly tMax: number;
  /** Lowest value. */
  readonly etaMin: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `tMax`, `etaMin` (default 0).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { tMax: number; etaMin?: number }) {
    super(optimizer, opts);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    S.cosineAnnealing(1, this.tMax, this.etaMin);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return S.cosineAnnealing(base, this.tMax, this.etaMin)(t);
  }
}

/**
 * SGDR warm restarts.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 * for (let t = 0; t < 10; t++) sched.step();
 * sched.getLastLr(); // [0.1] (restart)
 * ```
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** First period. */
  readonly t0: number;
  /** Period growth factor. */
  readonly tMult: number;
  /** Lowest value. */
  readonly etaMin: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `t0`, `tMult` (default 1), `etaMin` (default 0).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { t0: number; tMult?: number; etaMin?: number }) {
    super(optimizer, opts);
    this.t0 = opts.t0; this.tMult = opts.tMult ?? 1; this.etaMin = opts.etaMin ?? 0;
    S.cosineWarmRestarts(1, this.t0, this.tMult, this.etaMin);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return S.cosineWarmRestarts(base, this.t0, this.tMult, this.etaMin)(t);
  }
}

/**
 * Linear factor ramp (warm-up).
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * new LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
 * opt.paramGroups[0]!.lr; // 0.01
 * ```
 */
export class LinearLR extends LRScheduler {
  private readonly f: Schedule;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `startFactor` (1/3), `endFactor` (1), `totalIters` (5).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer, opts);
    const sf = opts.startFactor ?? 1 / 3, ef = opts.endFactor ?? 1;
    if (!(sf > 0 && sf <= 1)) throw new RangeError(`LinearLR: invalid startFactor ${sf} (expected in (0, 1])`);
    if (!(ef >= 0 && ef <= 1)) throw new RangeError(`LinearLR: invalid endFactor ${ef} (expected in [0, 1])`);
    this.f = S.linearSchedule(sf, ef, opts.totalIters ?? 5);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return base * this.f(t);
  }
}

/**
 * `factor·η₀` for `totalIters` steps, then η₀.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * new ConstantLR(opt, { factor: 0.5, totalIters: 5 });
 * opt.paramGroups[0]!.lr; // 0.05
 * ```
 */
export class ConstantLR extends LRScheduler {
  private readonly f: Schedule;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `factor` (1/3), `totalIters` (5).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { factor?: number; totalIters?: number } = {}) {
    super(optimizer, opts);
    this.f = S.constantWarmup(1, opts.factor ?? 1 / 3, opts.totalIters ?? 5);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return base * this.f(t);
  }
}

/**
 * `η₀(1 − t/T)^p`.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new PolynomialLR(opt, { totalIters: 40, power: 2 });
 * for (let t = 0; t < 20; t++) sched.step();
 * sched.getLastLr(); // [0.025]
 * ```
 */
export class PolynomialLR extends LRScheduler {
  /** Steps until the value reaches 0. */
  readonly totalIters: number;
  /** Exponent of the decay. */
  readonly power: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `totalIters` (5), `power` (1).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { totalIters?: number; power?: number } = {}) {
    super(optimizer, opts);
    this.totalIters = opts.totalIters ?? 5; this.power = opts.power ?? 1;
    S.polynomialDecay(1, this.totalIters, this.power);
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return S.polynomialDecay(base, this.totalIters, this.power)(t);
  }
}

/**
 * `η₀·λ(t)`.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new LambdaLR(opt, { lrLambda: (t) => 1 / (t + 1) });
 * sched.step();
 * sched.getLastLr(); // [0.05]
 * ```
 */
export class LambdaLR extends LRScheduler {
  private readonly lambda: (t: number, groupIndex: number) => number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `lrLambda(t, groupIndex)`.
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { lrLambda: (t: number, groupIndex: number) => number }) {
    super(optimizer, opts);
    if (typeof opts.lrLambda !== 'function') throw new TypeError('LambdaLR: lrLambda must be a function');
    this.lambda = opts.lrLambda;
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number, i: number): number {
    return base * this.lambda(t, i);
  }
}

/**
 * `ηₜ = ηₜ₋₁·λ(t)`.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new MultiplicativeLR(opt, { lrLambda: () => 0.5 });
 * sched.step(); sched.step();
 * sched.getLastLr(); // [0.025]
 * ```
 */
export class MultiplicativeLR extends LRScheduler {
  private readonly lambda: (t: number, groupIndex: number) => number;
  private cache: { t: number; v: number }[] = [];
  /**
   * @param optimizer - the optimizer.
   * @param opts - `lrLambda(t, groupIndex)`, the factor applied at step t ≥ 1.
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { lrLambda: (t: number, groupIndex: number) => number }) {
    super(optimizer, opts);
    if (typeof opts.lrLambda !== 'function') throw new TypeError('MultiplicativeLR: lrLambda must be a function');
    this.lambda = opts.lrLambda;
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number, i: number): number {
    let c = this.cache[i];
    if (!c || c.t > t) c = { t: 0, v: base };
    while (c.t < t) { c.t++; c.v *= this.lambda(c.t, i); }
    this.cache[i] = { ...c };
    return c.v;
  }
}

/** Options of {@link OneCycleLR}. */
export interface OneCycleLROptions extends SchedulerOptions, S.OneCycleOptions {
  /** Peak learning rate (a number, or one per group). */
  maxLr: number | number[];
  /** Cycle length in steps. */
  totalSteps: number;
  /** Also cycle momentum (or Adam's β₁) inversely (default true when the optimizer has one). */
  cycleMomentum?: boolean;
  /** Lowest momentum (default 0.85). */
  baseMomentum?: number;
  /** Highest momentum (default 0.95). */
  maxMomentum?: number;
}

/**
 * One-cycle learning rate with momentum cycling. Overrides the groups' lr (base = maxLr/divFactor).
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * new OneCycleLR(opt, { maxLr: 1.0, totalSteps: 60 });
 * opt.paramGroups[0]!.lr; // 0.04
 * opt.paramGroups[0]!.momentum; // 0.95
 * ```
 */
export class OneCycleLR extends LRScheduler {
  private readonly lrs: Schedule[];
  private readonly moms: Schedule | null;
  /**
   * @param optimizer - the optimizer.
   * @param opts - see {@link OneCycleLROptions}.
   */
  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    super(optimizer, opts);
    const n = optimizer.paramGroups.length;
    const maxLrs = Array.isArray(opts.maxLr) ? opts.maxLr : new Array<number>(n).fill(opts.maxLr);
    if (maxLrs.length !== n) throw new RangeError(`OneCycleLR: got ${maxLrs.length} maxLr values for ${n} parameter groups`);
    this.lrs = maxLrs.map((m) => S.oneCycle(m, opts.totalSteps, opts));
    this.baseValues = maxLrs.map((m) => m / (opts.divFactor ?? 25));
    optimizer.paramGroups.forEach((g, i) => { (g as Record<string, unknown>)['initialLr'] = this.baseValues[i]; });
    const g0 = optimizer.paramGroups[0] as Record<string, unknown>;
    const hasMomentum = 'momentum' in g0 || Array.isArray(g0['betas']);
    const cycle = opts.cycleMomentum ?? hasMomentum;
    if (cycle && !hasMomentum) throw new RangeError('OneCycleLR: optimizer has no momentum or betas option; pass cycleMomentum: false');
    this.moms = cycle ? S.oneCycleMomentum(opts.totalSteps, opts) : null;
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, _base: number, i: number): number {
    return this.lrs[i]!(t);
  }
  override step(): void {
    super.step();
    if (this.moms) for (const g of this.optimizer.paramGroups) writeKey(g as Record<string, unknown>, 'momentum', this.moms(this.lastEpoch));
  }
}

/** Options of {@link CyclicLR}. */
export interface CyclicLROptions extends SchedulerOptions, S.CyclicOptions {
  /** Lower learning rate (overrides the groups' lr). */
  baseLr: number;
  /** Upper learning rate. */
  maxLr: number;
  /** Also cycle momentum inversely (default true when the optimizer has momentum/betas). */
  cycleMomentum?: boolean;
  /** Lowest momentum (default 0.8). */
  baseMomentum?: number;
  /** Highest momentum (default 0.9). */
  maxMomentum?: number;
}

/**
 * Cyclical learning rate (triangular, triangular2, exp_range) with momentum cycling.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5 });
 * for (let t = 0; t < 5; t++) sched.step();
 * sched.getLastLr(); // [0.1]
 * opt.paramGroups[0]!.momentum; // 0.8
 * ```
 */
export class CyclicLR extends LRScheduler {
  private readonly lr: Schedule;
  private readonly mom: Schedule | null;
  /**
   * @param optimizer - the optimizer.
   * @param opts - see {@link CyclicLROptions}.
   */
  constructor(optimizer: AnyOptimizer, opts: CyclicLROptions) {
    super(optimizer, opts);
    this.lr = S.cyclic(opts.baseLr, opts.maxLr, opts);
    this.baseValues = this.baseValues.map(() => opts.baseLr);
    const g0 = optimizer.paramGroups[0] as Record<string, unknown>;
    const hasMomentum = 'momentum' in g0 || Array.isArray(g0['betas']);
    const cycle = opts.cycleMomentum ?? hasMomentum;
    if (cycle && !hasMomentum) throw new RangeError('CyclicLR: optimizer has no momentum or betas option; pass cycleMomentum: false');
    this.mom = cycle ? S.cyclicMomentum(opts.baseMomentum ?? 0.8, opts.maxMomentum ?? 0.9, opts) : null;
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number): number {
    return this.lr(t);
  }
  override step(): void {
    super.step();
    if (this.mom) for (const g of this.optimizer.paramGroups) writeKey(g as Record<string, unknown>, 'momentum', this.mom(this.lastEpoch));
  }
}

/**
 * Run schedulers one after another, switching at the milestones (each restarts at its own step 0).
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const warm = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cos = new CosineAnnealingLR(opt, { tMax: 50 });
 * const sched = new SequentialLR(opt, { schedulers: [warm, cos], milestones: [5] });
 * for (let t = 0; t < 5; t++) sched.step();
 * sched.getLastLr(); // [0.1]
 * ```
 */
export class SequentialLR extends LRScheduler {
  private readonly children: LRScheduler[];
  private readonly milestones: number[];
  /**
   * @param optimizer - the optimizer.
   * @param opts - `schedulers` (built on the same optimizer) and `milestones` (one fewer).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { schedulers: LRScheduler[]; milestones: number[] }) {
    super(optimizer, opts);
    S.sequentialSchedule(opts.schedulers.map(() => () => 0), opts.milestones);
    for (const s of opts.schedulers) if (s.optimizer !== optimizer) throw new RangeError('SequentialLR: every scheduler must drive the same optimizer');
    this.children = opts.schedulers.slice();
    this.milestones = opts.milestones.slice();
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number, i: number): number {
    let k = 0;
    while (k < this.milestones.length && t >= this.milestones[k]!) k++;
    return this.children[k]!.valueAt(k === 0 ? t : t - this.milestones[k - 1]!, base, i);
  }
}

/**
 * Apply several multiplicative schedulers at once: `η₀·Π (schedᵢ(t)/η₀)`.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * new ChainedScheduler(opt, { schedulers: [new ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new ExponentialLR(opt, { gamma: 0.9 })] });
 * opt.paramGroups[0]!.lr; // 0.01
 * ```
 */
export class ChainedScheduler extends LRScheduler {
  private readonly children: LRScheduler[];
  /**
   * @param optimizer - the optimizer.
   * @param opts - `schedulers` built on the same optimizer.
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { schedulers: LRScheduler[] }) {
    super(optimizer, opts);
    for (const s of opts.schedulers) if (s.optimizer !== optimizer) throw new RangeError('ChainedScheduler: every scheduler must drive the same optimizer');
    this.children = opts.schedulers.slice();
    this.initialStep();
  }
  /** @inheritDoc */
  valueAt(t: number, base: number, i: number): number {
    let v = base;
    for (const c of this.children) v *= c.valueAt(t, base, i) / base;
    return v;
  }
}

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions extends SchedulerOptions {
  /** `'min'` (default: a lower metric is better) or `'max'`. */
  mode?: 'min' | 'max';
  /** Multiply by this on a plateau (default 0.1). */
  factor?: number;
  /** Bad steps tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum significant improvement (default 1e-4). */
  threshold?: number;
  /** `'rel'` (default): relative to the best; `'abs'`: absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction (default 0). */
  cooldown?: number;
  /** Lower bound (a number or one per group, default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduce the learning rate when a metric stops improving (PyTorch `ReduceLROnPlateau`).
 * Call `step(metric)` after each evaluation.
 * @example
 * ```ts
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new ReduceLROnPlateau(opt, { factor: 0.5, patience: 3 });
 * for (const loss of [1, 0.5, 0.5, 0.5, 0.5, 0.5]) sched.step(loss);
 * sched.getLastLr(); // [0.05]
 * ```
 */
export class ReduceLROnPlateau {
  /** The optimizer whose groups are driven. */
  readonly optimizer: AnyOptimizer;
  /** The option driven (default `'lr'`). */
  readonly key: string;
  /** `'min'`: lower is better; `'max'`: higher is better. */
  readonly mode: 'min' | 'max';
  /** Multiplier applied on a plateau. */
  readonly factor: number;
  /** Bad steps tolerated before reducing. */
  readonly patience: number;
  /** Minimum significant improvement. */
  readonly threshold: number;
  /** Whether `threshold` is relative or absolute. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Steps to wait after a reduction. */
  readonly cooldown: number;
  /** Lower bound per group. */
  readonly minLrs: number[];
  /** Reductions smaller than this are skipped. */
  readonly eps: number;
  /** Best metric so far. */
  best: number;
  /** Consecutive steps without significant improvement. */
  numBadEpochs = 0;
  /** Remaining cooldown steps. */
  cooldownCounter = 0;
  /** Number of `step()` calls. */
  lastEpoch = 0;

  /**
   * @param optimizer - the optimizer.
   * @param opts - see {@link ReduceLROnPlateauOptions}.
   */
  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    this.optimizer = optimizer;
    this.key = opts.key ?? 'lr';
    this.mode = opts.mode ?? 'min';
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    this.cooldown = opts.cooldown ?? 0;
    this.eps = opts.eps ?? 1e-8;
    if (!(this.factor < 1 && this.factor >= 0)) throw new RangeError(`ReduceLROnPlateau: invalid factor ${this.factor} (expected in [0, 1))`);
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`ReduceLROnPlateau: invalid mode ${JSON.stringify(this.mode)} (expected 'min' or 'max')`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new RangeError(`ReduceLROnPlateau: invalid thresholdMode ${JSON.stringify(this.thresholdMode)} (expected 'rel' or 'abs')`);
    const n = optimizer.paramGroups.length;
    const m = opts.minLr ?? 0;
    this.minLrs = Array.isArray(m) ? m.slice() : new Array<number>(n).fill(m);
    if (this.minLrs.length !== n) throw new RangeError(`ReduceLROnPlateau: got ${this.minLrs.length} minLr values for ${n} parameter groups`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /**
   * Whether `a` is a significant improvement over `best`.
   * @param a - the new metric.
   * @param best - the best so far.
   * @returns true when better by more than the threshold.
   */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /**
   * Record a metric; reduce the learning rate after more than `patience` bad steps.
   * @param metric - the monitored value (e.g. validation loss).
   * @returns nothing.
   */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) throw new RangeError(`ReduceLROnPlateau.step: metric must be a number, got ${String(metric)}`);
    this.lastEpoch++;
    if (this.isBetter(metric, this.best)) { this.best = metric; this.numBadEpochs = 0; }
    else this.numBadEpochs++;
    if (this.cooldownCounter > 0) { this.cooldownCounter--; this.numBadEpochs = 0; }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const rec = g as Record<string, unknown>;
        const old = readKey(rec, this.key) as number;
        const nv = Math.max(old * this.factor, this.minLrs[i]!);
        if (old - nv > this.eps) writeKey(rec, this.key, nv);
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /**
   * The current value of the driven option in each group.
   * @returns one number per group.
   */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => readKey(g as Record<string, unknown>, this.key) as number);
  }
}
