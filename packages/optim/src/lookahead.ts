/**
 * Lookahead (Zhang et al. 2019, https://arxiv.org/abs/1907.08610): run an inner ("fast")
 * optimizer, and every k steps pull a slow copy of the weights toward the fast ones and restart
 * the fast weights from it:
 * ```text
 * every k steps:  φ ← φ + α(θ − φ);  θ ← φ
 * ```
 * @module
 */
import { Tensor, setGradEnabled } from '@gd/tensor';
import { type GradientTransformation } from './transforms.js';
import { buf, readFlat, zerosLikeFloat } from './hyper.js';
import { type Closure, type Optimizer, type OptimizerStateDict } from './optimizer.js';
import { type JSONValue, stateFromJSON, stateToJSON } from './serialize.js';

function checkLookahead(k: number, alpha: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`Lookahead: invalid k ${String(k)} (expected an integer >= 1)`);
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new RangeError(`Lookahead: invalid alpha ${String(alpha)} (expected in [0, 1])`);
}

/** State of {@link lookahead}. */
export interface LookaheadState<S> {
  /** State of the inner (fast) transformation. */
  inner: S;
  /** Slow weights φ. */
  slow: Tensor[];
  /** Updates taken. */
  count: number;
}

/**
 * Lookahead as a pure transformation around an inner one. The slow weights start as a copy of the
 * parameters given to `init`.
 * @param inner - the fast transformation.
 * @param opts - `k` (sync period, default 5), `alpha` (slow step, default 0.5).
 * @returns the transformation.
 * @example
 * ```ts
 * const tx = lookahead(adam({ lr: 1e-3 }), { k: 5, alpha: 0.5 });
 * ```
 */
export function lookahead<S>(inner: GradientTransformation<S>, opts: { k?: number; alpha?: number } = {}): GradientTransformation<LookaheadState<S>> {
  const k = opts.k ?? 5, alpha = opts.alpha ?? 0.5;
  checkLookahead(k, alpha);
  return {
    init: (params) => ({ inner: inner.init(params), slow: params.map((p) => { const s = zerosLikeFloat(p); buf(s).set(readFlat(p)); return s; }), count: 0 }),
    update(grads, state, params) {
      const [u, innerState] = inner.update(grads, state.inner, params);
      const count = state.count + 1;
      if (count % k !== 0) return [u, { inner: innerState, slow: state.slow, count }];
      const slow = state.slow.map((s, i) => {
        const ns = zerosLikeFloat(s);
        const a = buf(ns), old = buf(s), p = readFlat(params[i]!);
        const d = u[i] ? readFlat(u[i]!) : null;
        for (let j = 0; j < a.length; j++) {
          const fast = d ? p[j]! + d[j]! : p[j]!;
          a[j] = old[j]! + alpha * (fast - old[j]!);
        }
        return ns;
      });
      const out = params.map((p, i) => {
        const r = zerosLikeFloat(p);
        const rr = buf(r), sl = buf(slow[i]!), pp = readFlat(p);
        for (let j = 0; j < rr.length; j++) rr[j] = sl[j]! - pp[j]!;
        return r;
      });
      return [out, { inner: innerState, slow, count }];
    },
  };
}

/**
 * Lookahead wrapper around any PyTorch-style optimizer. `paramGroups` are the inner optimizer's, so
 * schedulers can drive it.
 * The method of Zhang, Lucas, Hinton & Ba 2019 (https://arxiv.org/abs/1907.08610): every `k` inner steps,
 * `φ ← φ + α(θ − φ)` and `θ ← φ` (slow weights φ).
 *
 * **Differences from PyTorch.** PyTorch has no Lookahead; this follows the paper (defaults k = 5, α = 0.5).
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const opt = new Lookahead(new Adam([w], { lr: 1e-2 }), { k: 5, alpha: 0.5 });
 * ```
 */
export class Lookahead {
  /** The fast optimizer. */
  readonly inner: Optimizer<any>;
  /** Sync period. */
  readonly k: number;
  /** Slow step size. */
  readonly alpha: number;
  /** Steps taken. */
  count = 0;
  private slow: Tensor[][];

  /**
   * @param inner - the optimizer to wrap.
   * @param opts - `k` (default 5), `alpha` (default 0.5).
   */
  constructor(inner: Optimizer<any>, opts: { k?: number; alpha?: number } = {}) {
    this.inner = inner;
    this.k = opts.k ?? 5;
    this.alpha = opts.alpha ?? 0.5;
    checkLookahead(this.k, this.alpha);
    this.slow = inner.paramGroups.map((g) => g.params.map((p: Tensor) => p.detach().clone()));
  }

  /** The inner optimizer's parameter groups. */
  get paramGroups(): Optimizer<any>['paramGroups'] {
    return this.inner.paramGroups;
  }

  /**
   * One inner step; every k-th step also moves the slow weights and resets the fast ones to them.
   * @param closure - passed to the inner optimizer.
   * @returns the closure's result.
   */
  step<T = number | Tensor>(closure?: Closure<T>): T | undefined {
    const loss = this.inner.step(closure);
    this.count++;
    if (this.count % this.k === 0) {
      const prev = setGradEnabled(false);
      try {
        this.inner.paramGroups.forEach((g, gi) => {
          // groups added after construction get slow weights lazily
          while (this.slow[gi]!.length < g.params.length) this.slow[gi]!.push(g.params[this.slow[gi]!.length]!.detach().clone());
          g.params.forEach((p: Tensor, i: number) => {
            const s = this.slow[gi]![i]!;
            s.addInPlace(p.detach().sub(s), this.alpha);
            p.copyFrom(s);
          });
        });
      } finally {
        setGradEnabled(prev);
      }
    }
    return loss;
  }

  /**
   * Clear gradients (see {@link Optimizer.zeroGrad}).
   * @param setToNone - `true` (default) sets `grad = null`.
   * @returns nothing.
   */
  zeroGrad(setToNone = true): void {
    this.inner.zeroGrad(setToNone);
  }

  /**
   * The inner state dict plus the slow weights and step count.
   * @returns JSON data.
   */
  stateDict(): OptimizerStateDict {
    const sd = this.inner.stateDict();
    return { ...sd, extra: { inner: sd.extra ?? null, lookahead: { count: this.count, slow: stateToJSON(this.slow) } } as JSONValue };
  }

  /**
   * Restore what {@link Lookahead.stateDict} saved.
   * @param sd - the saved state.
   * @returns nothing.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const extra = sd.extra as { inner: JSONValue; lookahead: { count: number; slow: JSONValue } } | undefined;
    if (!extra || !extra.lookahead) throw new TypeError('Lookahead.loadStateDict: missing lookahead state');
    const innerSd: OptimizerStateDict = { state: sd.state, paramGroups: sd.paramGroups };
    if (extra.inner !== null) innerSd.extra = extra.inner;
    this.inner.loadStateDict(innerSd);
    this.count = extra.lookahead.count;
    this.slow = (stateFromJSON(extra.lookahead.slow) as Tensor[][]).map((g) => g.map((t) => t));
  }
}

