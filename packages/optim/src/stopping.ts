/**
 * Composable stopping criteria for iterative minimisation.
 * @module
 */

/** What a criterion sees after each evaluation. */
export interface StopInfo {
  /** Number of optimizer steps taken so far (0 before the first). */
  step: number;
  /** Loss at the current parameters. */
  loss: number;
  /** Global L2 norm of the gradient at the current parameters. */
  gradNorm: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
}

/** Why a run stopped. `'diverged'` means the loss became non-finite or exploded. */
export type StopReason = 'maxIterations' | 'lossBelow' | 'gradNormBelow' | 'noImprovement' | 'timeBudget' | 'diverged' | (string & {});

/** A stopping criterion: `check` returns a reason to stop, or `null` to go on. */
export interface StopCriterion {
  /** A short description. */
  readonly name: string;
  /** Forget any history (called when a run starts). */
  reset(): void;
  /** Inspect the current state. */
  check(info: StopInfo): StopReason | null;
}

function need(op: string, name: string, v: number, ok: boolean, rule: string): void {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok) throw new RangeError(`${op}: invalid ${name} ${String(v)} (expected ${rule})`);
}

/**
 * Stop after `n` optimizer steps.
 * @param n - the step budget (integer ≥ 0).
 * @returns the criterion (reason `'maxIterations'`).
 * @example
 * ```ts
 * maxIterations(100).check({ step: 100, loss: 1, gradNorm: 1, elapsedMs: 0 }); // 'maxIterations'
 * ```
 */
export function maxIterations(n: number): StopCriterion {
  need('maxIterations', 'n', n, Number.isInteger(n) && n >= 0, 'an integer >= 0');
  return { name: `maxIterations(${n})`, reset() {}, check: (i) => (i.step >= n ? 'maxIterations' : null) };
}

/**
 * Stop once the loss is below a threshold.
 * @param threshold - the target loss.
 * @returns the criterion (reason `'lossBelow'`).
 * @example
 * ```ts
 * lossBelow(1e-6);
 * ```
 */
export function lossBelow(threshold: number): StopCriterion {
  need('lossBelow', 'threshold', threshold, true, 'a number');
  return { name: `lossBelow(${threshold})`, reset() {}, check: (i) => (i.loss < threshold ? 'lossBelow' : null) };
}

/**
 * Stop once the gradient norm is below a threshold (a first-order stationarity test).
 * @param threshold - the tolerance (> 0).
 * @returns the criterion (reason `'gradNormBelow'`).
 * @example
 * ```ts
 * gradNormBelow(1e-8);
 * ```
 */
export function gradNormBelow(threshold: number): StopCriterion {
  need('gradNormBelow', 'threshold', threshold, threshold > 0, 'threshold > 0');
  return { name: `gradNormBelow(${threshold})`, reset() {}, check: (i) => (i.gradNorm < threshold ? 'gradNormBelow' : null) };
}

/**
 * Stop when the loss has not improved on its best by more than `minDelta` for `patience`
 * consecutive evaluations (early stopping).
 * @param opts - `minDelta` (default 0), `patience` (default 10).
 * @returns the criterion (reason `'noImprovement'`).
 * @example
 * ```ts
 * noImprovement({ minDelta: 1e-4, patience: 5 });
 * ```
 */
export function noImprovement(opts: { minDelta?: number; patience?: number } = {}): StopCriterion {
  const minDelta = opts.minDelta ?? 0, patience = opts.patience ?? 10;
  need('noImprovement', 'minDelta', minDelta, minDelta >= 0, 'minDelta >= 0');
  need('noImprovement', 'patience', patience, Number.isInteger(patience) && patience >= 1, 'an integer >= 1');
  let best = Infinity, bad = 0;
  return {
    name: `noImprovement(minDelta=${minDelta}, patience=${patience})`,
    reset() { best = Infinity; bad = 0; },
    check(i) {
      if (i.loss < best - minDelta) { best = i.loss; bad = 0; return null; }
      bad++;
      return bad >= patience ? 'noImprovement' : null;
    },
  };
}

/**
 * Stop when the wall-clock budget is spent.
 * @param ms - the budget in milliseconds.
 * @returns the criterion (reason `'timeBudget'`).
 * @example
 * ```ts
 * timeBudget(5000);
 * ```
 */
export function timeBudget(ms: number): StopCriterion {
  need('timeBudget', 'ms', ms, ms >= 0, 'ms >= 0');
  return { name: `timeBudget(${ms})`, reset() {}, check: (i) => (i.elapsedMs >= ms ? 'timeBudget' : null) };
}

/**
 * Stop when the loss is non-finite (NaN/±∞) or exceeds `factor` × the first loss (exploding), or
 * `maxLoss` when given. `minimize` then restores the last parameters whose loss was finite.
 * @param opts - `factor` (default 1e6), `maxLoss` (default none).
 * @returns the criterion (reason `'diverged'`).
 * @example
 * ```ts
 * divergence({ factor: 1e3 });
 * ```
 */
export function divergence(opts: { factor?: number; maxLoss?: number } = {}): StopCriterion {
  const factor = opts.factor ?? 1e6;
  need('divergence', 'factor', factor, factor > 1, 'factor > 1');
  let first: number | null = null;
  return {
    name: `divergence(factor=${factor})`,
    reset() { first = null; },
    check(i) {
      if (!Number.isFinite(i.loss) || !Number.isFinite(i.gradNorm)) return 'diverged';
      if (first === null) first = i.loss;
      if (opts.maxLoss !== undefined && i.loss > opts.maxLoss) return 'diverged';
      if (i.loss > Math.abs(first) * factor && i.loss > first) return 'diverged';
      return null;
    },
  };
}

/**
 * Stop when any of the criteria says so (the first in order gives the reason).
 * @param criteria - the criteria.
 * @returns the combined criterion.
 * @example
 * ```ts
 * anyOf(maxIterations(1000), gradNormBelow(1e-6), divergence());
 * ```
 */
export function anyOf(...criteria: StopCriterion[]): StopCriterion {
  return {
    name: `anyOf(${criteria.map((c) => c.name).join(', ')})`,
    reset() { for (const c of criteria) c.reset(); },
    check(i) {
      let reason: StopReason | null = null;
      for (const c of criteria) { const r = c.check(i); if (r !== null && reason === null) reason = r; }
      return reason;
    },
  };
}

/**
 * Stop only when all criteria say so (the first one's reason is reported).
 * @param criteria - the criteria.
 * @returns the combined criterion.
 * @example
 * ```ts
 * allOf(lossBelow(1e-3), gradNormBelow(1e-3));
 * ```
 */
export function allOf(...criteria: StopCriterion[]): StopCriterion {
  return {
    name: `allOf(${criteria.map((c) => c.name).join(', ')})`,
    reset() { for (const c of criteria) c.reset(); },
    check(i) {
      const rs = criteria.map((c) => c.check(i));
      return rs.every((r) => r !== null) ? rs[0] ?? null : null;
    },
  };
}
