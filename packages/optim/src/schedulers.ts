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

/**
 * A scheduler's position and settings, from {@link LRScheduler.stateDict}: plain JSON data
 * (non-finite numbers are written as the strings `'Infinity'`, `'-Infinity'`, `'NaN'`).
 */
export interface SchedulerStateDict {
  /** Class name of the scheduler that wrote it (loading into another class is refused). */
  scheduler?: string;
  /** The group option driven. */
  key?: string;
  /** Index of the last step applied. */
  lastEpoch: number;
  /** Base value of each group. */
  baseValues: number[];
  /**
   * The class's settings (e.g. `{ stepSize, gamma }` for {@link StepLR}); functions (lambdas,
   * schedule factories, a custom `scaleFn`) are not saved. Absent in dicts written before settings
   * were saved: those restore the position only.
   */
  settings?: Record<string, unknown>;
}
type AnyOptimizer = Schedulable;
/** Settings of one scheduler class, as plain JSON data. */
type Settings = Record<string, unknown>;

/** Make a value JSON-safe: non-finite numbers become strings. */
function encodeJson(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (Array.isArray(v)) return v.map(encodeJson);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeJson(x)]));
  return v;
}
/** Inverse of {@link encodeJson}. */
function decodeJson(v: unknown): unknown {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === 'NaN') return NaN;
  if (Array.isArray(v)) return v.map(decodeJson);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeJson(x)]));
  return v;
}
function numberArray(where: string, what: string, v: unknown, n: number): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number')) {
    throw new RangeError(`${where}: saved ${what} ${JSON.stringify(v)} is not an array of ${n} numbers (one per parameter group)`);
  }
  return (v as number[]).slice();
}
function checkClass(where: string, saved: unknown, own: string): void {
  if (saved !== undefined && saved !== own) throw new TypeError(`${where}: the state was saved by a ${String(saved)}, not a ${own}`);
}

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
  /** The option driven (restored by {@link LRScheduler.loadStateDict}). */
  key: string;
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

  /**
   * The class's settings as plain JSON data (no functions); `{}` by default.
   * @returns a fresh object.
   */
  protected settings(): Settings {
    return {};
  }

  /**
   * Validate and adopt settings produced by {@link LRScheduler.settings} (the constructor and
   * {@link LRScheduler.loadStateDict} both go through it). Throws on invalid settings.
   * @param _s - the settings.
   * @returns nothing.
   */
  protected configure(_s: Settings): void {}

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
   * The scheduler's position and settings, for checkpointing (as PyTorch's `state_dict`, which
   * saves every attribute but the optimizer). Plain JSON data; functions are not saved (the
   * `lrLambda` of {@link LambdaLR} / {@link MultiplicativeLR}, the factory of {@link ScheduleLR},
   * a custom `scaleFn` of {@link CyclicLR}): the scheduler you load into must be built with the
   * same function.
   * @returns `{ scheduler, key, lastEpoch, baseValues, settings }`.
   * @example
   * ```ts
   * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
   * new StepLR(opt, { stepSize: 3, gamma: 0.5 }).stateDict().settings; // { stepSize: 3, gamma: 0.5 }
   * ```
   */
  stateDict(): SchedulerStateDict {
    return encodeJson({
      scheduler: this.constructor.name,
      key: this.key,
      lastEpoch: this.lastEpoch,
      baseValues: this.baseValues.slice(),
      settings: this.settings(),
    }) as SchedulerStateDict;
  }

  /**
   * Restore the position and the settings saved by {@link LRScheduler.stateDict} (the saved
   * settings replace the ones this scheduler was built with, as in PyTorch) and re-apply the
   * values at the saved step. State saved by another class is refused; on any error nothing changes.
   * @param sd - the saved state.
   * @returns nothing.
   * @example
   * ```ts
   * const a = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
   * const b = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
   * const sa = new StepLR(a, { stepSize: 3, gamma: 0.5 });
   * for (let t = 0; t < 4; t++) sa.step();
   * const sb = new StepLR(b, { stepSize: 7, gamma: 0.9 });
   * sb.loadStateDict(sa.stateDict());
   * sb.gamma; // 0.5
   * b.paramGroups[0]!.lr; // 0.05
   * ```
   */
  loadStateDict(sd: SchedulerStateDict): void {
    const name = this.constructor.name;
    const where = `${name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object') throw new TypeError(`${where}: expected a state dict object, got ${String(sd)}`);
    const d = decodeJson(sd) as SchedulerStateDict;
    checkClass(where, d.scheduler, name);
    if (typeof d.lastEpoch !== 'number' || !Number.isInteger(d.lastEpoch) || d.lastEpoch < 0) throw new RangeError(`${where}: invalid lastEpoch ${String(d.lastEpoch)} (expected an integer >= 0)`);
    const baseValues = numberArray(where, 'baseValues', d.baseValues, this.optimizer.paramGroups.length);
    if (d.key !== undefined && typeof d.key !== 'string') throw new TypeError(`${where}: invalid key ${JSON.stringify(d.key)} (expected a string)`);
    const old = { settings: this.settings(), key: this.key, baseValues: this.baseValues, lastEpoch: this.lastEpoch };
    try {
      if (d.settings !== undefined) {
        if (d.settings === null || typeof d.settings !== 'object') throw new TypeError(`${where}: invalid settings ${JSON.stringify(d.settings)}`);
        this.configure(d.settings);
      }
      this.key = d.key ?? this.key;
      this.baseValues = baseValues;
      this.lastEpoch = d.lastEpoch - 1;
      this.step();
    } catch (e) {
      this.configure(old.settings);
      this.key = old.key; this.baseValues = old.baseValues; this.lastEpoch = old.lastEpoch - 1;
      this.step();
      const msg = (e as Error).message;
      throw new (e instanceof TypeError ? TypeError : RangeError)(msg.startsWith(where) ? msg : `${where}: ${msg}`);
    }
  }
}

/**
 * Drive an option with any pure schedule factory: `make(base, groupIndex)` returns the schedule.
 * Its {@link LRScheduler.stateDict} saves the position and base values but not `make`: load into a
 * `ScheduleLR` built with the same factory.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * new ScheduleLR(opt, (base) => harmonicDecay(base)); // η₀/t
 * ```
 */
export class ScheduleLR extends LRScheduler {
  private schedules: Schedule[];
  private readonly make: (base: number, groupIndex: number) => Schedule;
  /**
   * @param optimizer - the optimizer.
   * @param make - builds each group's schedule from its base value.
   * @param opts - see {@link SchedulerOptions}.
   */
  constructor(optimizer: AnyOptimizer, make: (base: number, groupIndex: number) => Schedule, opts: SchedulerOptions = {}) {
    super(optimizer, opts);
    this.make = make;
    this.schedules = this.baseValues.map((b, i) => make(b, i));
    this.initialStep();
  }
  /**
   * Restore a saved position. The factory `make` is not saved: the schedules are rebuilt with
   * this scheduler's own `make` from the saved base values.
   * @param sd - the saved state.
   * @returns nothing.
   * @example
   * ```ts
   * const make = (base: number) => exponentialDecay(base, 0.5);
   * const a = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
   * const sa = new ScheduleLR(a, make);
   * sa.step();
   * const b = new SGD([tensor([1], { requiresGrad: true })], { lr: 1 });
   * new ScheduleLR(b, make).loadStateDict(sa.stateDict());
   * b.paramGroups[0]!.lr; // 0.05
   * ```
   */
  override loadStateDict(sd: SchedulerStateDict): void {
    const keep = this.schedules;
    try {
      this.schedules = numberArray('ScheduleLR.loadStateDict', 'baseValues', decodeJson(sd?.baseValues), this.optimizer.paramGroups.length).map((b, i) => this.make(b, i));
      super.loadStateDict(sd);
    } catch (e) {
      this.schedules = keep;
      throw e;
    }
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
  stepSize!: number;
  /** Decay factor. */
  gamma!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `stepSize`, `gamma` (default 0.1).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { stepSize: number; gamma?: number }) {
    super(optimizer, opts);
    this.configure({ stepSize: opts.stepSize, gamma: opts.gamma ?? 0.1 });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    S.stepDecay(1, s['stepSize'] as number, s['gamma'] as number);
    this.stepSize = s['stepSize'] as number; this.gamma = s['gamma'] as number;
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
  private f!: Schedule;
  /** Steps at which the value is multiplied by `gamma`. */
  milestones!: number[];
  /** Decay factor. */
  gamma!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `milestones`, `gamma` (default 0.1).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { milestones: readonly number[]; gamma?: number }) {
    super(optimizer, opts);
    this.configure({ milestones: opts.milestones, gamma: opts.gamma ?? 0.1 });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { milestones: this.milestones.slice(), gamma: this.gamma };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    const m = s['milestones'];
    if (!Array.isArray(m)) throw new TypeError(`MultiStepLR: milestones must be an array, got ${JSON.stringify(m)}`);
    this.f = S.multiStepDecay(1, m as number[], s['gamma'] as number);
    this.milestones = (m as number[]).slice(); this.gamma = s['gamma'] as number;
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
  gamma!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `gamma`.
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { gamma: number }) {
    super(optimizer, opts);
    this.configure({ gamma: opts.gamma });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { gamma: this.gamma };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    S.exponentialDecay(1, s['gamma'] as number);
    this.gamma = s['gamma'] as number;
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
  k!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `k` (decay rate).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { k: number }) {
    super(optimizer, opts);
    this.configure({ k: opts.k });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { k: this.k };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    S.inverseTimeDecay(1, s['k'] as number);
    this.k = s['k'] as number;
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
  warmupSteps!: number;
  /** Step at which the cosine reaches its end. */
  totalSteps!: number;
  /** Warm-up start as a fraction of the base value. */
  startFactor!: number;
  /** Final value as a fraction of the base value. */
  endFactor!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `warmupSteps`, `totalSteps`, `startFactor` (default 0), `endFactor` (default 0).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { warmupSteps: number; totalSteps: number; startFactor?: number; endFactor?: number }) {
    super(optimizer, opts);
    this.configure({ warmupSteps: opts.warmupSteps, totalSteps: opts.totalSteps, startFactor: opts.startFactor ?? 0, endFactor: opts.endFactor ?? 0 });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { warmupSteps: this.warmupSteps, totalSteps: this.totalSteps, startFactor: this.startFactor, endFactor: this.endFactor };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    for (const k of ['startFactor', 'endFactor'] as const) {
      const v = s[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`WarmupCosineLR: invalid ${k} ${String(v)} (expected a finite number >= 0)`);
    }
    S.warmupCosine(1, s['warmupSteps'] as number, s['totalSteps'] as number);
    this.warmupSteps = s['warmupSteps'] as number; this.totalSteps = s['totalSteps'] as number;
    this.startFactor = s['startFactor'] as number; this.endFactor = s['endFactor'] as number;
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
  tMax!: number;
  /** Lowest value. */
  etaMin!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `tMax`, `etaMin` (default 0).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { tMax: number; etaMin?: number }) {
    super(optimizer, opts);
    this.configure({ tMax: opts.tMax, etaMin: opts.etaMin ?? 0 });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    S.cosineAnnealing(1, s['tMax'] as number, s['etaMin'] as number);
    this.tMax = s['tMax'] as number; this.etaMin = s['etaMin'] as number;
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
  t0!: number;
  /** Period growth factor. */
  tMult!: number;
  /** Lowest value. */
  etaMin!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `t0`, `tMult` (default 1), `etaMin` (default 0).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { t0: number; tMult?: number; etaMin?: number }) {
    super(optimizer, opts);
    this.configure({ t0: opts.t0, tMult: opts.tMult ?? 1, etaMin: opts.etaMin ?? 0 });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { t0: this.t0, tMult: this.tMult, etaMin: this.etaMin };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    S.cosineWarmRestarts(1, s['t0'] as number, s['tMult'] as number, s['etaMin'] as number);
    this.t0 = s['t0'] as number; this.tMult = s['tMult'] as number; this.etaMin = s['etaMin'] as number;
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
  private f!: Schedule;
  /** Factor at step 0. */
  startFactor!: number;
  /** Factor from `totalIters` on. */
  endFactor!: number;
  /** Length of the ramp. */
  totalIters!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `startFactor` (1/3), `endFactor` (1), `totalIters` (5).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer, opts);
    this.configure({ startFactor: opts.startFactor ?? 1 / 3, endFactor: opts.endFactor ?? 1, totalIters: opts.totalIters ?? 5 });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    const sf = s['startFactor'] as number, ef = s['endFactor'] as number, n = s['totalIters'] as number;
    if (!(typeof sf === 'number' && sf > 0 && sf <= 1)) throw new RangeError(`LinearLR: invalid startFactor ${String(sf)} (expected in (0, 1])`);
    if (!(typeof ef === 'number' && ef >= 0 && ef <= 1)) throw new RangeError(`LinearLR: invalid endFactor ${String(ef)} (expected in [0, 1])`);
    this.f = S.linearSchedule(sf, ef, n);
    this.startFactor = sf; this.endFactor = ef; this.totalIters = n;
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
  private f!: Schedule;
  /** Factor applied before `totalIters`. */
  factor!: number;
  /** Steps at the reduced value. */
  totalIters!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `factor` (1/3), `totalIters` (5).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { factor?: number; totalIters?: number } = {}) {
    super(optimizer, opts);
    this.configure({ factor: opts.factor ?? 1 / 3, totalIters: opts.totalIters ?? 5 });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { factor: this.factor, totalIters: this.totalIters };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    this.f = S.constantWarmup(1, s['factor'] as number, s['totalIters'] as number);
    this.factor = s['factor'] as number; this.totalIters = s['totalIters'] as number;
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
  totalIters!: number;
  /** Exponent of the decay. */
  power!: number;
  /**
   * @param optimizer - the optimizer.
   * @param opts - `totalIters` (5), `power` (1).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { totalIters?: number; power?: number } = {}) {
    super(optimizer, opts);
    this.configure({ totalIters: opts.totalIters ?? 5, power: opts.power ?? 1 });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return { totalIters: this.totalIters, power: this.power };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    S.polynomialDecay(1, s['totalIters'] as number, s['power'] as number);
    this.totalIters = s['totalIters'] as number; this.power = s['power'] as number;
  }
  /** @inheritDoc */
  valueAt(t: number, base: number): number {
    return S.polynomialDecay(base, this.totalIters, this.power)(t);
  }
}

/**
 * `η₀·λ(t)`. Its {@link LRScheduler.stateDict} saves the position and base values but not the
 * function `lrLambda` (as PyTorch, which saves only callable objects' attributes): load into a
 * `LambdaLR` built with the same function.
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
 * `ηₜ = ηₜ₋₁·λ(t)`. Its {@link LRScheduler.stateDict} saves the position and base values but not
 * the function `lrLambda`: load into a `MultiplicativeLR` built with the same function.
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
  private cache: { t: number; v: number; base: number }[] = [];
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
    if (!c || c.t > t || c.base !== base) c = { t: 0, v: base, base };
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
  private lrs!: Schedule[];
  private moms!: Schedule | null;
  private opts!: Settings;
  /**
   * @param optimizer - the optimizer.
   * @param opts - see {@link OneCycleLROptions}.
   */
  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    super(optimizer, opts);
    const n = optimizer.paramGroups.length;
    const maxLrs = Array.isArray(opts.maxLr) ? opts.maxLr : new Array<number>(n).fill(opts.maxLr);
    if (maxLrs.length !== n) throw new RangeError(`OneCycleLR: got ${maxLrs.length} maxLr values for ${n} parameter groups`);
    const g0 = optimizer.paramGroups[0] as Record<string, unknown>;
    this.configure({
      maxLr: maxLrs.slice(), totalSteps: opts.totalSteps, pctStart: opts.pctStart ?? 0.3, annealStrategy: opts.annealStrategy ?? 'cos',
      divFactor: opts.divFactor ?? 25, finalDivFactor: opts.finalDivFactor ?? 1e4, threePhase: opts.threePhase ?? false,
      cycleMomentum: opts.cycleMomentum ?? ('momentum' in g0 || Array.isArray(g0['betas'])),
      baseMomentum: opts.baseMomentum ?? 0.85, maxMomentum: opts.maxMomentum ?? 0.95,
    });
    this.initialStep();
  }
  /** @inheritDoc */
  protected override settings(): Settings {
    return JSON.parse(JSON.stringify(this.opts)) as Settings;
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    const n = this.optimizer.paramGroups.length;
    const maxLrs = numberArray('OneCycleLR', 'maxLr', s['maxLr'], n);
    const o = s as unknown as S.OneCycleOptions & { totalSteps: number; cycleMomentum: boolean; baseMomentum: number; maxMomentum: number };
    const lrs = maxLrs.map((m) => S.oneCycle(m, o.totalSteps, o));
    const g0 = this.optimizer.paramGroups[0] as Record<string, unknown>;
    const hasMomentum = 'momentum' in g0 || Array.isArray(g0['betas']);
    if (typeof o.cycleMomentum !== 'boolean') throw new TypeError(`OneCycleLR: cycleMomentum must be a boolean, got ${JSON.stringify(o.cycleMomentum)}`);
    if (o.cycleMomentum && !hasMomentum) throw new RangeError('OneCycleLR: optimizer has no momentum or betas option; pass cycleMomentum: false');
    this.moms = o.cycleMomentum ? S.oneCycleMomentum(o.totalSteps, o) : null;
    this.lrs = lrs;
    this.opts = { ...s, maxLr: maxLrs };
    this.baseValues = maxLrs.map((m) => m / (o.divFactor ?? 25));
    this.optimizer.paramGroups.forEach((g, i) => { (g as Record<string, unknown>)['initialLr'] = this.baseValues[i]; });
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
  private lr!: Schedule;
  private mom!: Schedule | null;
  private opts!: Settings;
  private readonly scaleFn: ((x: number) => number) | undefined;
  /**
   * @param optimizer - the optimizer.
   * @param opts - see {@link CyclicLROptions}.
   */
  constructor(optimizer: AnyOptimizer, opts: CyclicLROptions) {
    super(optimizer, opts);
    this.scaleFn = opts.scaleFn;
    const g0 = optimizer.paramGroups[0] as Record<string, unknown>;
    const up = opts.stepSizeUp ?? 2000;
    this.configure({
      baseLr: opts.baseLr, maxLr: opts.maxLr, stepSizeUp: up, stepSizeDown: opts.stepSizeDown ?? up, mode: opts.mode ?? 'triangular',
      gamma: opts.gamma ?? 1, customScaleFn: opts.scaleFn !== undefined, scaleMode: opts.scaleMode ?? 'cycle',
      cycleMomentum: opts.cycleMomentum ?? ('momentum' in g0 || Array.isArray(g0['betas'])),
      baseMomentum: opts.baseMomentum ?? 0.8, maxMomentum: opts.maxMomentum ?? 0.9,
    });
    this.initialStep();
  }
  /**
   * Settings, with `customScaleFn: true` in place of a custom `scaleFn` (a function is not saved:
   * the scheduler loading such a state must have been built with its own `scaleFn`).
   * @returns the settings.
   */
  protected override settings(): Settings {
    return { ...this.opts };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    const o = s as unknown as S.CyclicOptions & { baseLr: number; maxLr: number; customScaleFn: boolean; cycleMomentum: boolean; baseMomentum: number; maxMomentum: number };
    if (typeof o.customScaleFn !== 'boolean') throw new TypeError(`CyclicLR: customScaleFn must be a boolean, got ${JSON.stringify(o.customScaleFn)}`);
    if (o.customScaleFn && !this.scaleFn) throw new RangeError('CyclicLR: the saved state used a custom scaleFn, which is not saved; build the scheduler with the same scaleFn to load it');
    const cfg: S.CyclicOptions = { stepSizeUp: o.stepSizeUp, stepSizeDown: o.stepSizeDown, mode: o.mode, gamma: o.gamma, scaleMode: o.scaleMode, ...(o.customScaleFn ? { scaleFn: this.scaleFn } : {}) };
    const lr = S.cyclic(o.baseLr, o.maxLr, cfg);
    const g0 = this.optimizer.paramGroups[0] as Record<string, unknown>;
    const hasMomentum = 'momentum' in g0 || Array.isArray(g0['betas']);
    if (typeof o.cycleMomentum !== 'boolean') throw new TypeError(`CyclicLR: cycleMomentum must be a boolean, got ${JSON.stringify(o.cycleMomentum)}`);
    if (o.cycleMomentum && !hasMomentum) throw new RangeError('CyclicLR: optimizer has no momentum or betas option; pass cycleMomentum: false');
    this.mom = o.cycleMomentum ? S.cyclicMomentum(o.baseMomentum, o.maxMomentum, cfg) : null;
    this.lr = lr;
    this.opts = { ...s };
    this.baseValues = this.baseValues.map(() => o.baseLr);
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

/** Load saved child states (absent: keep the children as they are); all or nothing. */
function loadChildren(name: string, children: LRScheduler[], saved: unknown): void {
  if (saved === undefined) return;
  if (!Array.isArray(saved) || saved.length !== children.length) {
    throw new RangeError(`${name}: saved state holds ${Array.isArray(saved) ? saved.length : String(saved)} child schedulers, this one has ${children.length}`);
  }
  const backup = children.map((c) => c.stateDict());
  try {
    children.forEach((c, i) => c.loadStateDict(saved[i] as SchedulerStateDict));
  } catch (e) {
    children.forEach((c, i) => c.loadStateDict(backup[i]!));
    throw e;
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
  private milestones!: number[];
  /**
   * @param optimizer - the optimizer.
   * @param opts - `schedulers` (built on the same optimizer) and `milestones` (one fewer).
   */
  constructor(optimizer: AnyOptimizer, opts: SchedulerOptions & { schedulers: LRScheduler[]; milestones: number[] }) {
    super(optimizer, opts);
    for (const s of opts.schedulers) if (s.optimizer !== optimizer) throw new RangeError('SequentialLR: every scheduler must drive the same optimizer');
    this.children = opts.schedulers.slice();
    this.configure({ milestones: opts.milestones });
    this.initialStep();
  }
  /**
   * Settings: the milestones and each child scheduler's own state dict.
   * @returns the settings.
   */
  protected override settings(): Settings {
    return { milestones: this.milestones.slice(), schedulers: this.children.map((c) => c.stateDict()) };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    const m = s['milestones'];
    if (!Array.isArray(m)) throw new TypeError(`SequentialLR: milestones must be an array, got ${JSON.stringify(m)}`);
    S.sequentialSchedule(this.children.map(() => () => 0), m as number[]);
    loadChildren('SequentialLR', this.children, s['schedulers']);
    this.milestones = (m as number[]).slice();
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
  /**
   * Settings: each child scheduler's own state dict.
   * @returns the settings.
   */
  protected override settings(): Settings {
    return { schedulers: this.children.map((c) => c.stateDict()) };
  }
  /** @inheritDoc */
  protected override configure(s: Settings): void {
    loadChildren('ChainedScheduler', this.children, s['schedulers']);
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

/** The settings of a {@link ReduceLROnPlateau}. */
interface PlateauSettings {
  key: string; mode: 'min' | 'max'; factor: number; patience: number; threshold: number;
  thresholdMode: 'rel' | 'abs'; cooldown: number; minLrs: number[]; eps: number;
}

/** State of a {@link ReduceLROnPlateau}, from {@link ReduceLROnPlateau.stateDict} (plain JSON data). */
export interface ReduceLROnPlateauStateDict {
  /** Always `'ReduceLROnPlateau'`. */
  scheduler?: string;
  /** The option driven. */
  key: string;
  /** `'min'` or `'max'`. */
  mode: 'min' | 'max';
  /** Multiplier applied on a plateau. */
  factor: number;
  /** Bad steps tolerated before reducing. */
  patience: number;
  /** Minimum significant improvement. */
  threshold: number;
  /** `'rel'` or `'abs'`. */
  thresholdMode: 'rel' | 'abs';
  /** Steps to wait after a reduction. */
  cooldown: number;
  /** Lower bound per group. */
  minLrs: number[];
  /** Reductions smaller than this are skipped. */
  eps: number;
  /** Best metric so far (`'Infinity'` / `'-Infinity'` before the first step). */
  best: number | string;
  /** Consecutive steps without significant improvement. */
  numBadEpochs: number;
  /** Remaining cooldown steps. */
  cooldownCounter: number;
  /** Number of `step()` calls. */
  lastEpoch: number;
}

function plateauSettings(where: string, s: Record<string, unknown>, n: number): PlateauSettings {
  const num = (k: string, ok: (v: number) => boolean, expected: string): number => {
    const v = s[k];
    if (typeof v !== 'number' || !ok(v)) throw new RangeError(`${where}: invalid ${k} ${JSON.stringify(v) ?? String(v)} (expected ${expected})`);
    return v;
  };
  const factor = num('factor', (v) => v >= 0 && v < 1, 'in [0, 1)');
  if (s['mode'] !== 'min' && s['mode'] !== 'max') throw new RangeError(`${where}: invalid mode ${JSON.stringify(s['mode'])} (expected 'min' or 'max')`);
  if (s['thresholdMode'] !== 'rel' && s['thresholdMode'] !== 'abs') throw new RangeError(`${where}: invalid thresholdMode ${JSON.stringify(s['thresholdMode'])} (expected 'rel' or 'abs')`);
  if (typeof s['key'] !== 'string') throw new TypeError(`${where}: invalid key ${JSON.stringify(s['key'])} (expected a string)`);
  const minLrs = s['minLrs'] as number[];
  if (minLrs.length !== n || !minLrs.every((v) => typeof v === 'number' && v >= 0)) throw new RangeError(`${where}: invalid minLrs ${JSON.stringify(minLrs)} (expected ${n} numbers >= 0)`);
  return {
    key: s['key'], mode: s['mode'], thresholdMode: s['thresholdMode'], factor, minLrs: minLrs.slice(),
    patience: num('patience', (v) => v >= 0, 'a number >= 0'),
    threshold: num('threshold', (v) => v >= 0, 'a number >= 0'),
    cooldown: num('cooldown', (v) => v >= 0, 'a number >= 0'),
    eps: num('eps', (v) => v >= 0, 'a number >= 0'),
  };
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
  /** The option driven (default `'lr'`). Every setting below is restored by {@link ReduceLROnPlateau.loadStateDict}. */
  key: string;
  /** `'min'`: lower is better; `'max'`: higher is better. */
  mode: 'min' | 'max';
  /** Multiplier applied on a plateau. */
  factor: number;
  /** Bad steps tolerated before reducing. */
  patience: number;
  /** Minimum significant improvement. */
  threshold: number;
  /** Whether `threshold` is relative or absolute. */
  thresholdMode: 'rel' | 'abs';
  /** Steps to wait after a reduction. */
  cooldown: number;
  /** Lower bound per group. */
  minLrs: number[];
  /** Reductions smaller than this are skipped. */
  eps: number;
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
    const n = optimizer.paramGroups.length;
    const m = opts.minLr ?? 0;
    const minLrs = Array.isArray(m) ? m.slice() : new Array<number>(n).fill(m);
    if (minLrs.length !== n) throw new RangeError(`ReduceLROnPlateau: got ${minLrs.length} minLr values for ${n} parameter groups`);
    const mode = opts.mode ?? 'min';
    const s = plateauSettings('ReduceLROnPlateau', {
      key: opts.key ?? 'lr', mode, factor: opts.factor ?? 0.1, patience: opts.patience ?? 10, threshold: opts.threshold ?? 1e-4,
      thresholdMode: opts.thresholdMode ?? 'rel', cooldown: opts.cooldown ?? 0, minLrs, eps: opts.eps ?? 1e-8,
    }, n);
    this.key = s.key; this.mode = s.mode; this.factor = s.factor; this.patience = s.patience; this.threshold = s.threshold;
    this.thresholdMode = s.thresholdMode; this.cooldown = s.cooldown; this.minLrs = s.minLrs; this.eps = s.eps;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /**
   * The scheduler's counters and settings, for checkpointing (the learning rate itself lives in the
   * optimizer's groups and is saved with the optimizer). Plain JSON data: an infinite `best` (before
   * the first step) is written as the string `'Infinity'` or `'-Infinity'`.
   * @returns see {@link ReduceLROnPlateauStateDict}.
   * @example
   * ```ts
   * const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
   * const sched = new ReduceLROnPlateau(opt, { patience: 2 });
   * sched.step(0.5);
   * sched.stateDict().best; // 0.5
   * ```
   */
  stateDict(): ReduceLROnPlateauStateDict {
    return encodeJson({
      scheduler: 'ReduceLROnPlateau', key: this.key, mode: this.mode, factor: this.factor, patience: this.patience,
      threshold: this.threshold, thresholdMode: this.thresholdMode, cooldown: this.cooldown, minLrs: this.minLrs.slice(), eps: this.eps,
      best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastEpoch: this.lastEpoch,
    }) as ReduceLROnPlateauStateDict;
  }

  /**
   * Restore counters and settings saved by {@link ReduceLROnPlateau.stateDict} (the saved settings
   * replace the ones this scheduler was built with, as in PyTorch). Validated first: on any error
   * nothing changes. Does not touch the optimizer's learning rates.
   * @param sd - the saved state.
   * @returns nothing.
   * @example
   * ```ts
   * const a = new ReduceLROnPlateau(new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 }), { patience: 2 });
   * a.step(0.5);
   * const b = new ReduceLROnPlateau(new SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 }));
   * b.loadStateDict(a.stateDict());
   * b.patience; // 2
   * ```
   */
  loadStateDict(sd: ReduceLROnPlateauStateDict): void {
    const where = 'ReduceLROnPlateau.loadStateDict';
    if (sd === null || typeof sd !== 'object') throw new TypeError(`${where}: expected a state dict object, got ${String(sd)}`);
    const d = decodeJson(sd) as ReduceLROnPlateauStateDict;
    checkClass(where, d.scheduler, 'ReduceLROnPlateau');
    const s = plateauSettings(where, { ...d, minLrs: numberArray(where, 'minLrs', d.minLrs, this.optimizer.paramGroups.length) }, this.optimizer.paramGroups.length);
    for (const k of ['numBadEpochs', 'cooldownCounter', 'lastEpoch'] as const) {
      const v = d[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`${where}: invalid ${k} ${String(v)} (expected an integer >= 0)`);
    }
    if (typeof d.best !== 'number' || Number.isNaN(d.best)) throw new RangeError(`${where}: invalid best ${String(d.best)} (expected a number)`);
    this.key = s.key; this.mode = s.mode; this.factor = s.factor; this.patience = s.patience; this.threshold = s.threshold;
    this.thresholdMode = s.thresholdMode; this.cooldown = s.cooldown; this.minLrs = s.minLrs; this.eps = s.eps;
    this.best = d.best; this.numBadEpochs = d.numBadEpochs; this.cooldownCounter = d.cooldownCounter; this.lastEpoch = d.lastEpoch;
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
