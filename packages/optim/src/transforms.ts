/**
 * Pure gradient transformations (optax-style) and the optimizer recipes built from them.
 *
 * A transformation turns gradients into updates: `init(params)` builds its state,
 * `update(grads, state, params)` returns `[updates, newState]` without mutating the old state.
 * `applyUpdates(params, updates)` adds the updates to the parameters. A `null` gradient means
 * "this parameter got no gradient this step": its update is `null` and its state is left as is
 * (PyTorch skips such parameters the same way).
 * @module
 */
import { Tensor, getBackend, setGradEnabled } from '@gd/tensor';
import { type FloatArray, type Hyper, buf, fma as fmaExport, powExact, readFlat, resolveHyper, zerosLikeFloat } from './hyper.js';

/** Module-local binding: hot loops call it without going through the import's accessor. */
const fma = fmaExport;

/**
 * A pure gradient transformation with state `S`.
 *
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const tx = chain(scaleByAdam(), scaleByLearningRate(1e-3));
 * const params = [tensor([1, 2])];
 * let state = tx.init(params);
 * const [updates, next] = tx.update([tensor([0.5, -0.5])], state, params);
 * state = next;
 * applyUpdates(params, updates);
 * ```
 */
export interface GradientTransformation<S> {
  /** Build the initial state for these parameters. */
  init(params: readonly Tensor[]): S;
  /** Map gradients to updates; returns the updates and the new state (the old one is not modified). */
  update(grads: readonly (Tensor | null)[], state: S, params: readonly Tensor[]): [(Tensor | null)[], S];
}

/** The state type of a transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never;

// ------------------------------------------------------------------------------------------ helpers

/** Run `fn(i, g, out)` for every parameter with a gradient, producing fresh update tensors. */
function mapGrads(
  grads: readonly (Tensor | null)[],
  fn: (i: number, g: ArrayLike<number>, out: FloatArray, gt: Tensor) => void,
): (Tensor | null)[] {
  const out: (Tensor | null)[] = new Array(grads.length);
  for (let i = 0; i < grads.length; i++) {
    const gt = grads[i];
    if (gt == null) { out[i] = null; continue; }
    const u = zerosLikeFloat(gt);
    fn(i, readFlat(gt), buf(u), gt);
    out[i] = u;
  }
  return out;
}

/**
 * `out[j] = a * x[j] + y[j] * b` on the installed backend's float32 kernel (the WebAssembly SIMD one),
 * which computes the same bits as the TS loops here; false (nothing done) when it does not apply.
 */
function axpby32(out: FloatArray, a: number, x: ArrayLike<number>, b: number, y: ArrayLike<number>): boolean {
  if (!(out instanceof Float32Array && x instanceof Float32Array && y instanceof Float32Array)) return false;
  return getBackend()?.axpby?.(out, a, x, b, y) ?? false;
}

let inPlace = false;

/**
 * @internal Run `fn` letting transformations overwrite their state buffers instead of copying them.
 * The optimizer classes own their state and use this to avoid allocating on every step; the pure
 * API (`tx.update` called directly) never mutates the state it is given.
 */
export function _withInPlaceState<T>(fn: () => T): T {
  const prev = inPlace;
  inPlace = true;
  try {
    return fn();
  } finally {
    inPlace = prev;
  }
}

/** A copy of a state buffer to update (the buffer itself in in-place mode). */
function fresh(t: Tensor): Tensor {
  if (inPlace) return t;
  const c = zerosLikeFloat(t);
  buf(c).set(buf(t));
  return c;
}

/** A buffer to write the next value of state buffer `t` into (elementwise reads of `t` come first). */
function nextBuf(t: Tensor): Tensor {
  return inPlace ? t : zerosLikeFloat(t);
}

function checkLengths(op: string, grads: readonly unknown[], n: number): void {
  if (grads.length !== n) throw new RangeError(`${op}: got ${grads.length} gradients for ${n} parameters`);
}

// ------------------------------------------------------------------------------------------ combinators

/** What {@link chain} returns: a transformation that also exposes its parts. */
export interface Chain<S, Ts> extends GradientTransformation<S> {
  /** The composed parts, in order. */
  readonly parts: Ts;
}

/**
 * Compose transformations left to right: the updates of one are the gradients of the next.
 * The state is the tuple of the parts' states.
 * @param parts - the transformations, applied in order.
 * @returns a transformation whose state is `[s1, s2, ...]`.
 * @example
 * ```ts
 * const adamw = chain(scaleByAdam(), addDecayedWeights(0.01), scaleByLearningRate(1e-3));
 * ```
 */
export function chain<Ts extends readonly GradientTransformation<any>[]>(...parts: Ts): Chain<{ [K in keyof Ts]: StateOf<Ts[K]> }, Ts> {
  return {
    parts,
    init: (params) => parts.map((p) => p.init(params)) as any,
    update(grads, state, params) {
      const states = state as unknown as unknown[];
      if (!Array.isArray(states) || states.length !== parts.length) {
        throw new RangeError(`chain: state has ${Array.isArray(states) ? states.length : 'no'} parts, expected ${parts.length}`);
      }
      let g = grads as (Tensor | null)[];
      const next: unknown[] = [];
      for (let k = 0; k < parts.length; k++) {
        const [u, s] = parts[k]!.update(g, states[k], params);
        g = u;
        next.push(s);
      }
      return [g, next as any];
    },
  };
}

/**
 * Add `updates[i]` to `params[i]` in place (skipping `null` updates), with gradient recording off.
 * @param params - the parameters to change.
 * @param updates - the updates from a transformation.
 * @returns nothing; the parameters are modified.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const p = [tensor([1, 2])];
 * applyUpdates(p, [tensor([0.5, 0.5])]); // p[0] is now [1.5, 2.5]
 * ```
 */
export function applyUpdates(params: readonly Tensor[], updates: readonly (Tensor | null)[]): void {
  checkLengths('applyUpdates', updates, params.length);
  const prev = setGradEnabled(false);
  try {
    for (let i = 0; i < params.length; i++) {
      const u = updates[i];
      if (u != null) params[i]!.addInPlace(u);
    }
  } finally {
    setGradEnabled(prev);
  }
}

/** State of a transformation that keeps only a per-parameter step counter. */
export interface CountState {
  /** Per-parameter number of updates taken. */
  count: number[];
}

function counts(params: readonly Tensor[]): CountState {
  return { count: params.map(() => 0) };
}

/**
 * Multiply the updates by `-lr` (gradient *descent*): `u = −η·g`. `lr` may be a schedule of the step.
 * @param lr - the learning rate η (or a schedule).
 * @returns the transformation.
 * @example
 * ```ts
 * const gd = scaleByLearningRate(0.1); // plain gradient descent
 * ```
 */
export function scaleByLearningRate(lr: Hyper): GradientTransformation<CountState> {
  const tx = scale(typeof lr === 'number' ? -lr : (t) => -lr(t));
  return Object.assign(tx, { learningRate: lr });
}

/**
 * Multiply the updates by a factor (a number or a schedule): `u = k·g`.
 * @param factor - the factor k.
 * @returns the transformation.
 * @example
 * ```ts
 * const ascent = chain(scale(-1), scaleByLearningRate(0.1)); // gradient ascent
 * ```
 */
export function scale(factor: Hyper): GradientTransformation<CountState> {
  return {
    init: counts,
    update(grads, state, params) {
      checkLengths('scale', grads, params.length);
      const count = state.count.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const k = resolveHyper(factor, count[i]!);
        for (let j = 0; j < u.length; j++) u[j] = k * g[j]!;
        count[i]!++;
      });
      return [out, { count }];
    },
  };
}

/** A stateless transformation has this (empty) state. */
export type EmptyState = Record<string, never>;

/**
 * Negate the gradients (to *maximize* the objective): `u = −g`.
 * @returns the transformation.
 * @example
 * ```ts
 * const sgdAscent = chain(negate(), scaleByLearningRate(0.1));
 * ```
 */
export function negate(): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update(grads, state) {
      return [mapGrads(grads, (_i, g, u) => { for (let j = 0; j < u.length; j++) u[j] = -g[j]!; }), state];
    },
  };
}

/**
 * Add `λ·p` to the updates: `u = g + λ·p`. Placed before the adaptive scaling this is L2
 * regularisation (PyTorch's `weight_decay`); placed after it (AdamW, Lion) it is decoupled weight decay.
 * @param weightDecay - λ (or a schedule).
 * @returns the transformation.
 * @example
 * ```ts
 * const l2sgd = chain(addDecayedWeights(1e-4), scaleByLearningRate(0.1));
 * ```
 */
export function addDecayedWeights(weightDecay: Hyper): GradientTransformation<CountState> {
  return {
    init: counts,
    update(grads, state, params) {
      checkLengths('addDecayedWeights', grads, params.length);
      const count = state.count.slice();
      const out: (Tensor | null)[] = grads.map((gt, i) => {
        if (gt == null) return null;
        const wd = resolveHyper(weightDecay, count[i]!);
        count[i]!++;
        if (wd === 0) return gt; // updates are never mutated, so the gradient can pass through
        const u = zerosLikeFloat(gt), uu = buf(u), g = readFlat(gt), p = readFlat(params[i]!);
        if (uu instanceof Float64Array) for (let j = 0; j < uu.length; j++) uu[j] = fma(wd, p[j]!, g[j]!);
        else if (!axpby32(uu, wd, p, 1, g)) for (let j = 0; j < uu.length; j++) uu[j] = wd * p[j]! + g[j]!;
        return u;
      });
      return [out, { count }];
    },
  };
}

/** State of {@link traceMomentum}: the momentum buffers (`null` until the first gradient). */
export interface TraceState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter momentum buffer (`null` before its first gradient). */
  buffers: (Tensor | null)[];
}

/**
 * Heavy-ball momentum as PyTorch's SGD writes it: `b ← μ·b + (1−τ)·g` (with `b ← g` on the first
 * step), output `b`, or `g + μ·b` with Nesterov.
 * @param opts - `momentum` μ, `dampening` τ, `nesterov`.
 * @returns the transformation.
 * @example
 * ```ts
 * const sgdm = chain(traceMomentum({ momentum: 0.9 }), scaleByLearningRate(0.01));
 * ```
 */
export function traceMomentum(opts: { momentum?: Hyper; dampening?: Hyper; nesterov?: boolean } = {}): GradientTransformation<TraceState> {
  const { momentum = 0.9, dampening = 0, nesterov = false } = opts;
  return {
    init: (params) => ({ count: params.map(() => 0), buffers: params.map(() => null) }),
    update(grads, state, params) {
      checkLengths('traceMomentum', grads, params.length);
      const count = state.count.slice();
      const buffers = state.buffers.slice();
      const out: (Tensor | null)[] = grads.map((gt, i) => {
        if (gt == null) return null;
        const t = count[i]!;
        const mu = resolveHyper(momentum, t);
        count[i] = t + 1;
        if (mu === 0 && buffers[i] == null) return gt;
        const g = readFlat(gt);
        const b = buffers[i] == null ? zerosLikeFloat(gt) : nextBuf(buffers[i]!);
        const bb = buf(b);
        const exact = bb instanceof Float64Array;
        if (buffers[i] == null) {
          for (let j = 0; j < bb.length; j++) bb[j] = g[j]!;
        } else {
          const old = buf(buffers[i]!);
          const damp = 1 - resolveHyper(dampening, t);
          if (exact) for (let j = 0; j < bb.length; j++) bb[j] = fma(damp, g[j]!, old[j]! * mu);
          else if (!axpby32(bb, damp, g, mu, old)) for (let j = 0; j < bb.length; j++) bb[j] = damp * g[j]! + old[j]! * mu;
        }
        buffers[i] = b;
        if (!nesterov) return b; // the buffer is the update (neither is mutated later)
        const u = zerosLikeFloat(gt), uu = buf(u);
        if (exact) for (let j = 0; j < uu.length; j++) uu[j] = fma(mu, bb[j]!, g[j]!);
        else if (!axpby32(uu, mu, bb, 1, g)) for (let j = 0; j < uu.length; j++) uu[j] = mu * bb[j]! + g[j]!;
        return u;
      });
      return [out, { count, buffers }];
    },
  };
}

/** State of {@link scaleByAdam}: step counts, first and second moments, running max of the second. */
export interface AdamState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter first-moment (momentum) estimate. */
  mu: Tensor[];
  /** Per-parameter second-moment estimate. */
  nu: Tensor[];
  /** Running maximum of the second moment (AMSGrad), or `null`. */
  nuMax: Tensor[] | null;
}

/**
 * Adam's scaling: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, output
 * `(m/(1−β₁ᵗ)) / (√v/√(1−β₂ᵗ) + ε)`; with `amsgrad`, `v` in the denominator is the running max.
 * With `lr` the output is the final update `(−η/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)`, rounded as PyTorch's
 * `addcdiv_` (this is how the `Adam`/`AdamW` classes use it).
 * @param opts - `betas` [β₁, β₂] (default [0.9, 0.999]), `eps` (1e-8), `amsgrad` (false), `lr` (optional, fused).
 * @returns the transformation.
 * @example
 * ```ts
 * const adam = chain(scaleByAdam({ betas: [0.9, 0.999] }), scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByAdam(opts: { betas?: readonly [Hyper, Hyper]; eps?: Hyper; amsgrad?: boolean; lr?: Hyper } = {}): GradientTransformation<AdamState> {
  const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
  const lr = opts.lr;
  const eps = opts.eps ?? 1e-8;
  const amsgrad = opts.amsgrad ?? false;
  return {
    init: (params) => ({
      count: params.map(() => 0),
      mu: params.map(zerosLikeFloat),
      nu: params.map(zerosLikeFloat),
      nuMax: amsgrad ? params.map(zerosLikeFloat) : null,
    }),
    update(grads, state, params) {
      checkLengths('scaleByAdam', grads, params.length);
      const count = state.count.slice();
      const mu = state.mu.slice();
      const nu = state.nu.slice();
      const nuMax = state.nuMax ? state.nuMax.slice() : null;
      const out = mapGrads(grads, (i, g, u) => {
        const t = count[i]!;
        const b1 = resolveHyper(beta1, t), b2 = resolveHyper(beta2, t), e = resolveHyper(eps, t);
        const step = t + 1;
        count[i] = step;
        const m = nextBuf(mu[i]!), v = nextBuf(nu[i]!);
        const m0 = buf(mu[i]!), v0 = buf(nu[i]!);
        mu[i] = m; nu[i] = v;
        const mm = buf(m), vv = buf(v);
        const bc1 = 1 - powExact(b1, step);
        const bc2s = Math.sqrt(1 - powExact(b2, step));
        let vh: FloatArray = vv;
        const c1 = 1 - b1, c2 = 1 - b2;
        if (!nuMax && lr !== undefined && !(mm instanceof Float64Array)) {
          // float32 class path: one pass (same per-element arithmetic as the general path below)
          const k = -(resolveHyper(lr, t) / bc1);
          // A backend's Adam step (the WebAssembly SIMD one) computes the same bits.
          const be = getBackend();
          if (be?.adam && g instanceof Float32Array && be.adam({ m: mm, v: vv, u, g, m0, v0, c1, b1, c2, b2, k, bc2s, eps: e })) return;
          for (let j = 0; j < mm.length; j++) {
            const gj = g[j]!;
            mm[j] = c1 * gj + m0[j]! * b1;
            vv[j] = c2 * gj * gj + v0[j]! * b2;
            u[j] = (k * mm[j]!) / (Math.sqrt(vv[j]!) / bc2s + e);
          }
          return;
        }
        if (mm instanceof Float64Array) {
          for (let j = 0; j < mm.length; j++) {
            mm[j] = fma(c1, g[j]!, m0[j]! * b1);
            vv[j] = fma(c2 * g[j]!, g[j]!, v0[j]! * b2);
          }
        } else {
          for (let j = 0; j < mm.length; j++) {
            const gj = g[j]!;
            mm[j] = c1 * gj + m0[j]! * b1;
            vv[j] = c2 * gj * gj + v0[j]! * b2;
          }
        }
        if (nuMax) {
          const vm = nextBuf(nuMax[i]!);
          const old = buf(nuMax[i]!);
          nuMax[i] = vm;
          vh = buf(vm);
          for (let j = 0; j < vh.length; j++) vh[j] = old[j]! >= vv[j]! ? old[j]! : vv[j]!;
        }
        if (lr === undefined) for (let j = 0; j < u.length; j++) u[j] = (mm[j]! / bc1) / (Math.sqrt(vh[j]!) / bc2s + e);
        else {
          const k = -(resolveHyper(lr, t) / bc1);
          for (let j = 0; j < u.length; j++) u[j] = (k * mm[j]!) / (Math.sqrt(vh[j]!) / bc2s + e);
        }
      });
      return [out, { count, mu, nu, nuMax }];
    },
  };
}

/** State of {@link scaleByAdamax}. */
export interface AdamaxState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter first-moment (momentum) estimate. */
  mu: Tensor[];
  /** Per-parameter exponentially weighted infinity norm. */
  infNorm: Tensor[];
}

/**
 * Adamax's scaling: `m ← β₁m + (1−β₁)g`, `u ← max(β₂u, |g| + ε)`, output `(m/(1−β₁ᵗ)) / u`.
 * @param opts - `betas` (default [0.9, 0.999]), `eps` (1e-8), `lr` (optional: output the final
 *   update `(−η/(1−β₁ᵗ))·m/u`, rounded as PyTorch).
 * @returns the transformation.
 * @example
 * ```ts
 * const adamax = chain(scaleByAdamax(), scaleByLearningRate(2e-3));
 * ```
 */
export function scaleByAdamax(opts: { betas?: readonly [Hyper, Hyper]; eps?: Hyper; lr?: Hyper } = {}): GradientTransformation<AdamaxState> {
  const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
  const lr = opts.lr;
  const eps = opts.eps ?? 1e-8;
  return {
    init: (params) => ({ count: params.map(() => 0), mu: params.map(zerosLikeFloat), infNorm: params.map(zerosLikeFloat) }),
    update(grads, state, params) {
      checkLengths('scaleByAdamax', grads, params.length);
      const count = state.count.slice(), mu = state.mu.slice(), infNorm = state.infNorm.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const t = count[i]!;
        const b1 = resolveHyper(beta1, t), b2 = resolveHyper(beta2, t), e = resolveHyper(eps, t);
        const step = t + 1;
        count[i] = step;
        const m = fresh(mu[i]!), n = fresh(infNorm[i]!);
        mu[i] = m; infNorm[i] = n;
        const mm = buf(m), nn = buf(n);
        const bc = 1 - powExact(b1, step);
        const k = lr === undefined ? NaN : -(resolveHyper(lr, t) / bc);
        for (let j = 0; j < mm.length; j++) {
          mm[j] = fma(1 - b1, g[j]!, mm[j]! * b1);
          const a = nn[j]! * b2, b = Math.abs(g[j]!) + e;
          nn[j] = a >= b || Number.isNaN(a) ? a : b;
          u[j] = lr === undefined ? (mm[j]! / bc) / nn[j]! : (k * mm[j]!) / nn[j]!;
        }
      });
      return [out, { count, mu, infNorm }];
    },
  };
}

/** State of {@link scaleByNadam}: moments plus the running product of the momentum coefficients. */
export interface NadamState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter first-moment (momentum) estimate. */
  mu: Tensor[];
  /** Per-parameter second-moment estimate. */
  nu: Tensor[];
  /** Per-parameter running product of the momentum coefficients μ₁⋯μₜ. */
  muProduct: number[];
}

/**
 * NAdam's scaling (Dozat 2016, PyTorch's schedule): `μₜ = β₁(1 − ½·0.96^{tψ})`, moments as Adam,
 * output `((1−μₜ)/(1−Πμ)·g + μₜ₊₁/(1−Πμ·μₜ₊₁)·m) / (√(v/(1−β₂ᵗ)) + ε)`.
 * @param opts - `betas` (default [0.9, 0.999]), `eps` (1e-8), `momentumDecay` ψ (4e-3),
 *   `legacyMuProductNext` (PyTorch ≤ 1.13's Πₜμₜμₜ₊₁), `lr` (optional: output the final update).
 * @returns the transformation.
 * @example
 * ```ts
 * const nadam = chain(scaleByNadam(), scaleByLearningRate(2e-3));
 * ```
 */
export function scaleByNadam(opts: { betas?: readonly [Hyper, Hyper]; eps?: Hyper; momentumDecay?: Hyper; legacyMuProductNext?: boolean; lr?: Hyper } = {}): GradientTransformation<NadamState> {
  const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
  const lr = opts.lr;
  const legacy = opts.legacyMuProductNext ?? false;
  const eps = opts.eps ?? 1e-8;
  const momentumDecay = opts.momentumDecay ?? 4e-3;
  return {
    init: (params) => ({ count: params.map(() => 0), mu: params.map(zerosLikeFloat), nu: params.map(zerosLikeFloat), muProduct: params.map(() => 1) }),
    update(grads, state, params) {
      checkLengths('scaleByNadam', grads, params.length);
      const count = state.count.slice(), mu = state.mu.slice(), nu = state.nu.slice(), muProduct = state.muProduct.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const t = count[i]!;
        const b1 = resolveHyper(beta1, t), b2 = resolveHyper(beta2, t), e = resolveHyper(eps, t), psi = resolveHyper(momentumDecay, t);
        const step = t + 1;
        count[i] = step;
        const bc2 = 1 - powExact(b2, step);
        const muT = b1 * (1 - 0.5 * 0.96 ** (step * psi));
        const muNext = b1 * (1 - 0.5 * 0.96 ** ((step + 1) * psi));
        const prod = muProduct[i]! * muT;
        muProduct[i] = prod;
        const prodNext = legacy ? prod * muT * muNext : prod * muNext;
        const m = fresh(mu[i]!), v = fresh(nu[i]!);
        mu[i] = m; nu[i] = v;
        const mm = buf(m), vv = buf(v);
        if (lr === undefined) {
          const cg = (1 - muT) / (1 - prod), cm = muNext / (1 - prodNext);
          for (let j = 0; j < mm.length; j++) {
            mm[j] = fma(1 - b1, g[j]!, mm[j]! * b1);
            vv[j] = fma((1 - b2) * g[j]!, g[j]!, vv[j]! * b2);
            const denom = Math.sqrt(vv[j]! / bc2) + e;
            u[j] = (cg * g[j]!) / denom + (cm * mm[j]!) / denom;
          }
          return;
        }
        // With lr: PyTorch adds the two terms to θ one after the other (two `addcdiv_`). Emit
        // u = (θ + a + b) − θ, which reproduces that exactly whenever the step is small next to θ.
        const l = resolveHyper(lr, t);
        const ca = (-l * (1 - muT)) / (1 - prod), cb = (-l * muNext) / (1 - prodNext);
        const p = readFlat(params[i]!);
        const exact = u instanceof Float64Array;
        for (let j = 0; j < mm.length; j++) {
          mm[j] = fma(1 - b1, g[j]!, mm[j]! * b1);
          vv[j] = fma((1 - b2) * g[j]!, g[j]!, vv[j]! * b2);
          const denom = Math.sqrt(vv[j]! / bc2) + e;
          const a = (ca * g[j]!) / denom, b = (cb * mm[j]!) / denom;
          u[j] = exact ? p[j]! + a + b - p[j]! : a + b;
        }
      });
      return [out, { count, mu, nu, muProduct }];
    },
  };
}

/** State of {@link scaleByRadam}. */
export interface RadamState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter first-moment (momentum) estimate. */
  mu: Tensor[];
  /** Per-parameter second-moment estimate. */
  nu: Tensor[];
}

/**
 * RAdam's scaling (Liu et al. 2019): Adam's moments; while the variance estimate is unreliable
 * (`ρₜ ≤ 5`) the output is the bias-corrected momentum `m̂`; afterwards
 * `m̂ · √(1−β₂ᵗ)/(√v + ε) · r` with the rectification term `r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))`.
 * @param opts - `betas` (default [0.9, 0.999]), `eps` (1e-8), `lr` (optional: output the final update,
 *   rounded as PyTorch).
 * @returns the transformation.
 * @example
 * ```ts
 * const radam = chain(scaleByRadam(), scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByRadam(opts: { betas?: readonly [Hyper, Hyper]; eps?: Hyper; lr?: Hyper } = {}): GradientTransformation<RadamState> {
  const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
  const lr = opts.lr;
  const eps = opts.eps ?? 1e-8;
  return {
    init: (params) => ({ count: params.map(() => 0), mu: params.map(zerosLikeFloat), nu: params.map(zerosLikeFloat) }),
    update(grads, state, params) {
      checkLengths('scaleByRadam', grads, params.length);
      const count = state.count.slice(), mu = state.mu.slice(), nu = state.nu.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const t = count[i]!;
        const b1 = resolveHyper(beta1, t), b2 = resolveHyper(beta2, t), e = resolveHyper(eps, t);
        const step = t + 1;
        count[i] = step;
        const bc1 = 1 - powExact(b1, step), bc2 = 1 - powExact(b2, step);
        const m = fresh(mu[i]!), v = fresh(nu[i]!);
        mu[i] = m; nu[i] = v;
        const mm = buf(m), vv = buf(v);
        const rhoInf = 2 / (1 - b2) - 1;
        const rhoT = rhoInf - (2 * step * powExact(b2, step)) / bc2;
        const rect = rhoT > 5 ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
        const sbc2 = Math.sqrt(bc2);
        const l = lr === undefined ? NaN : resolveHyper(lr, t);
        for (let j = 0; j < mm.length; j++) {
          mm[j] = fma(1 - b1, g[j]!, mm[j]! * b1);
          vv[j] = fma((1 - b2) * g[j]!, g[j]!, vv[j]! * b2);
          const mh = mm[j]! / bc1;
          if (lr === undefined) u[j] = rhoT > 5 ? mh * (sbc2 / (Math.sqrt(vv[j]!) + e)) * rect : mh;
          else u[j] = rhoT > 5 ? -(((mh * l) * (sbc2 / (Math.sqrt(vv[j]!) + e))) * rect) : -(mh * l);
        }
      });
      return [out, { count, mu, nu }];
    },
  };
}

/** State of {@link scaleByAdagrad}: the running sums of squared gradients. */
export interface AdagradState {
  /** Per-parameter running sum of squared gradients. */
  sum: Tensor[];
}

/**
 * Adagrad's scaling: `s ← s + g²`, output `g / (√s + ε)`.
 * @param opts - `initialAccumulatorValue` (0), `eps` (1e-10), `lr` (optional: output the final update
 *   `(−η·g)/(√s + ε)`, rounded as PyTorch).
 * @returns the transformation.
 * @example
 * ```ts
 * const adagrad = chain(scaleByAdagrad(), scaleByLearningRate(0.01));
 * ```
 */
export function scaleByAdagrad(opts: { initialAccumulatorValue?: number; eps?: Hyper; lr?: Hyper } = {}): GradientTransformation<AdagradState & CountState> {
  const lr = opts.lr;
  const init0 = opts.initialAccumulatorValue ?? 0;
  const eps = opts.eps ?? 1e-10;
  return {
    init: (params) => ({
      count: params.map(() => 0),
      sum: params.map((p) => { const s = zerosLikeFloat(p); buf(s).fill(init0); return s; }),
    }),
    update(grads, state, params) {
      checkLengths('scaleByAdagrad', grads, params.length);
      const count = state.count.slice(), sum = state.sum.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const e = resolveHyper(eps, count[i]!);
        const k = lr === undefined ? 1 : -resolveHyper(lr, count[i]!);
        count[i]!++;
        const s = fresh(sum[i]!);
        sum[i] = s;
        const ss = buf(s);
        for (let j = 0; j < ss.length; j++) {
          ss[j] = fma(g[j]!, g[j]!, ss[j]!);
          u[j] = (k * g[j]!) / (Math.sqrt(ss[j]!) + e);
        }
      });
      return [out, { count, sum }];
    },
  };
}

/** State of {@link scaleByRms}. */
export interface RmsState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter running average of squared gradients. */
  squareAvg: Tensor[];
  /** Per-parameter running average of gradients (centered only), or `null`. */
  gradAvg: Tensor[] | null;
}

/**
 * RMSprop's scaling: `s ← αs + (1−α)g²`, output `g / (√s + ε)`; `centered` subtracts the squared
 * running mean of g: `g / (√(s − ḡ²) + ε)`.
 * @param opts - `alpha` (0.99), `eps` (1e-8), `centered` (false), `lr` (optional: output the final
 *   update `(−η·g)/(√s̃ + ε)`, rounded as PyTorch).
 * @returns the transformation.
 * @example
 * ```ts
 * const rmsprop = chain(scaleByRms({ alpha: 0.9 }), scaleByLearningRate(0.01));
 * ```
 */
export function scaleByRms(opts: { alpha?: Hyper; eps?: Hyper; centered?: boolean; lr?: Hyper } = {}): GradientTransformation<RmsState> {
  const lr = opts.lr;
  const alpha = opts.alpha ?? 0.99;
  const eps = opts.eps ?? 1e-8;
  const centered = opts.centered ?? false;
  return {
    init: (params) => ({ count: params.map(() => 0), squareAvg: params.map(zerosLikeFloat), gradAvg: centered ? params.map(zerosLikeFloat) : null }),
    update(grads, state, params) {
      checkLengths('scaleByRms', grads, params.length);
      const count = state.count.slice(), squareAvg = state.squareAvg.slice(), gradAvg = state.gradAvg ? state.gradAvg.slice() : null;
      const out = mapGrads(grads, (i, g, u) => {
        const t = count[i]!;
        const a = resolveHyper(alpha, t), e = resolveHyper(eps, t);
        const k = lr === undefined ? 1 : -resolveHyper(lr, t);
        count[i] = t + 1;
        const s = fresh(squareAvg[i]!);
        squareAvg[i] = s;
        const ss = buf(s);
        for (let j = 0; j < ss.length; j++) ss[j] = fma((1 - a) * g[j]!, g[j]!, ss[j]! * a);
        if (gradAvg) {
          const m = fresh(gradAvg[i]!);
          gradAvg[i] = m;
          const mm = buf(m);
          for (let j = 0; j < mm.length; j++) {
            mm[j] = fma(1 - a, g[j]!, mm[j]! * a);
            u[j] = (k * g[j]!) / (Math.sqrt(fma(-mm[j]!, mm[j]!, ss[j]!)) + e);
          }
        } else {
          for (let j = 0; j < ss.length; j++) u[j] = (k * g[j]!) / (Math.sqrt(ss[j]!) + e);
        }
      });
      return [out, { count, squareAvg, gradAvg }];
    },
  };
}

/** State of {@link scaleByAdadelta}. */
export interface AdadeltaState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter running average of squared gradients. */
  squareAvg: Tensor[];
  /** Per-parameter running average of squared updates. */
  accDelta: Tensor[];
}

/**
 * Adadelta's scaling (Zeiler 2012): `s ← ρs + (1−ρ)g²`, `δ = √(a+ε)/√(s+ε) · g`,
 * `a ← ρa + (1−ρ)δ²`, output δ.
 * @param opts - `rho` (0.9), `eps` (1e-6).
 * @returns the transformation.
 * @example
 * ```ts
 * const adadelta = chain(scaleByAdadelta(), scaleByLearningRate(1.0));
 * ```
 */
export function scaleByAdadelta(opts: { rho?: Hyper; eps?: Hyper } = {}): GradientTransformation<AdadeltaState> {
  const rho = opts.rho ?? 0.9;
  const eps = opts.eps ?? 1e-6;
  return {
    init: (params) => ({ count: params.map(() => 0), squareAvg: params.map(zerosLikeFloat), accDelta: params.map(zerosLikeFloat) }),
    update(grads, state, params) {
      checkLengths('scaleByAdadelta', grads, params.length);
      const count = state.count.slice(), squareAvg = state.squareAvg.slice(), accDelta = state.accDelta.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const t = count[i]!;
        const r = resolveHyper(rho, t), e = resolveHyper(eps, t);
        count[i] = t + 1;
        const s = fresh(squareAvg[i]!), a = fresh(accDelta[i]!);
        squareAvg[i] = s; accDelta[i] = a;
        const ss = buf(s), aa = buf(a);
        for (let j = 0; j < ss.length; j++) {
          ss[j] = fma((1 - r) * g[j]!, g[j]!, ss[j]! * r);
          const std = Math.sqrt(ss[j]! + e);
          const d = (Math.sqrt(aa[j]! + e) / std) * g[j]!;
          aa[j] = fma((1 - r) * d, d, aa[j]! * r);
          u[j] = d;
        }
      });
      return [out, { count, squareAvg, accDelta }];
    },
  };
}

/** State of {@link scaleByRprop}: previous gradients and per-element step sizes. */
export interface RpropState {
  /** Per-parameter previous gradient (zeroed where the sign flipped). */
  prev: Tensor[];
  /** Per-parameter, per-element step sizes. */
  stepSize: Tensor[];
}

/**
 * Rprop (Riedmiller & Braun 1993, PyTorch's variant): per element, the step size grows by η₊
 * when the gradient keeps its sign and shrinks by η₋ when it flips (clamped to `stepSizes`); after a
 * flip the gradient is treated as 0 for that step. Output `−sign(g)·step` — this *is* the final update
 * (no learning-rate scaling follows; `lr` is the initial step size).
 * @param opts - `lr` (initial step, 0.01), `etas` [η₋, η₊] ([0.5, 1.2]), `stepSizes` [min, max] ([1e-6, 50]).
 * @returns the transformation.
 * @example
 * ```ts
 * const rprop = scaleByRprop({ lr: 0.01 });
 * ```
 */
export function scaleByRprop(opts: { lr?: number; etas?: readonly [number, number]; stepSizes?: readonly [number, number] } = {}): GradientTransformation<RpropState> {
  const lr = opts.lr ?? 0.01;
  const [etaMinus, etaPlus] = opts.etas ?? [0.5, 1.2];
  const [minStep, maxStep] = opts.stepSizes ?? [1e-6, 50];
  return {
    init: (params) => ({ prev: params.map(zerosLikeFloat), stepSize: params.map((p) => { const s = zerosLikeFloat(p); buf(s).fill(lr); return s; }) }),
    update(grads, state, params) {
      checkLengths('scaleByRprop', grads, params.length);
      const prev = state.prev.slice(), stepSize = state.stepSize.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const p = fresh(prev[i]!), s = fresh(stepSize[i]!);
        prev[i] = p; stepSize[i] = s;
        const pp = buf(p), ss = buf(s);
        for (let j = 0; j < pp.length; j++) {
          const prod = g[j]! * pp[j]!;
          const f = prod > 0 ? etaPlus : prod < 0 ? etaMinus : 1;
          ss[j] = Math.min(Math.max(ss[j]! * f, minStep), maxStep);
          const gj = prod < 0 ? 0 : g[j]!;
          u[j] = -Math.sign(gj) * ss[j]!;
          pp[j] = gj;
        }
      });
      return [out, { prev, stepSize }];
    },
  };
}

/** State of {@link scaleByLion}. */
export interface LionState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter first-moment (momentum) estimate. */
  mu: Tensor[];
}

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): output
 * `sign(β₁m + (1−β₁)g)`, then `m ← β₂m + (1−β₂)g`.
 * @param opts - `betas` (default [0.9, 0.99]).
 * @returns the transformation.
 * @example
 * ```ts
 * const lion = chain(scaleByLion(), addDecayedWeights(0.01), scaleByLearningRate(1e-4));
 * ```
 */
export function scaleByLion(opts: { betas?: readonly [Hyper, Hyper] } = {}): GradientTransformation<LionState> {
  const [beta1, beta2] = opts.betas ?? [0.9, 0.99];
  return {
    init: (params) => ({ count: params.map(() => 0), mu: params.map(zerosLikeFloat) }),
    update(grads, state, params) {
      checkLengths('scaleByLion', grads, params.length);
      const count = state.count.slice(), mu = state.mu.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const t = count[i]!;
        const b1 = resolveHyper(beta1, t), b2 = resolveHyper(beta2, t);
        count[i] = t + 1;
        const m = fresh(mu[i]!);
        mu[i] = m;
        const mm = buf(m);
        for (let j = 0; j < mm.length; j++) {
          u[j] = Math.sign(mm[j]! * b1 + (1 - b1) * g[j]!);
          mm[j] = mm[j]! * b2 + (1 - b2) * g[j]!;
        }
      });
      return [out, { count, mu }];
    },
  };
}

/** State of {@link asgdUpdate}: step counts, current η and μ, and the averaged parameters. */
export interface AsgdState {
  /** Per-parameter number of updates taken. */
  count: number[];
  /** Per-parameter current step size η. */
  eta: number[];
  /** Per-parameter current averaging weight μ. */
  mu: number[];
  /** Per-parameter averaged parameters. */
  ax: Tensor[];
}

/**
 * Averaged SGD (Polyak & Juditsky 1992) as PyTorch implements it: `p ← p(1−λη) − η·g`, the
 * average `ax` follows `p` with weight μ, then `η = lr/(1+λ·lr·t)^α`, `μ = 1/max(1, t − t₀)`.
 * Produces the final update (no learning-rate scaling follows). Read the average from `state.ax`.
 * @param opts - `lr` (0.01), `lambd` (1e-4), `alpha` (0.75), `t0` (1e6).
 * @returns the transformation.
 * @example
 * ```ts
 * const asgd = asgdUpdate({ lr: 0.01 });
 * ```
 */
export function asgdUpdate(opts: { lr?: number; lambd?: number; alpha?: number; t0?: number } = {}): GradientTransformation<AsgdState> {
  const lr = opts.lr ?? 0.01, lambd = opts.lambd ?? 1e-4, alpha = opts.alpha ?? 0.75, t0 = opts.t0 ?? 1e6;
  return {
    init: (params) => ({ count: params.map(() => 0), eta: params.map(() => lr), mu: params.map(() => 1), ax: params.map(zerosLikeFloat) }),
    update(grads, state, params) {
      checkLengths('asgdUpdate', grads, params.length);
      const count = state.count.slice(), eta = state.eta.slice(), mu = state.mu.slice(), ax = state.ax.slice();
      const out = mapGrads(grads, (i, g, u) => {
        const step = count[i]! + 1;
        count[i] = step;
        const e = eta[i]!, m = mu[i]!;
        const p = readFlat(params[i]!);
        const a = fresh(ax[i]!);
        ax[i] = a;
        const aa = buf(a);
        for (let j = 0; j < u.length; j++) {
          const np = fma(-e, g[j]!, p[j]! * (1 - lambd * e));
          u[j] = np - p[j]!;
          aa[j] = m !== 1 ? aa[j]! + (np - aa[j]!) * m : np;
        }
        eta[i] = lr / (1 + lambd * lr * step) ** alpha;
        mu[i] = 1 / Math.max(1, step - t0);
      });
      return [out, { count, eta, mu, ax }];
    },
  };
}

// ------------------------------------------------------------------------------------------ recipes

/**
 * SGD as a transformation: `chain(negate?, addDecayedWeights(λ), traceMomentum, scaleByLearningRate(η))`.
 * @param opts - `lr` (required), `momentum` (0), `dampening` (0), `nesterov`, `weightDecay` (0), `maximize`.
 * @returns the transformation.
 * @example
 * ```ts
 * const tx = sgd({ lr: 0.1, momentum: 0.9 });
 * ```
 */
export function sgd(opts: { lr: Hyper; momentum?: Hyper; dampening?: Hyper; nesterov?: boolean; weightDecay?: Hyper; maximize?: boolean }): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<any>[] = [];
  if (opts.maximize) parts.push(negate());
  parts.push(addDecayedWeights(opts.weightDecay ?? 0));
  parts.push(traceMomentum({ momentum: opts.momentum ?? 0, dampening: opts.dampening ?? 0, nesterov: opts.nesterov ?? false }));
  parts.push(scaleByLearningRate(opts.lr));
  return chain(...parts) as GradientTransformation<unknown[]>;
}

/**
 * Adam as a transformation: `chain(negate?, addDecayedWeights(λ) (L2), scaleByAdam, scaleByLearningRate(η))`.
 * @param opts - `lr` (1e-3), `betas`, `eps`, `weightDecay` (0, coupled L2), `amsgrad`, `maximize`.
 * @returns the transformation.
 * @example
 * ```ts
 * const tx = adam({ lr: 1e-3 });
 * ```
 */
export function adam(opts: { lr?: Hyper; betas?: readonly [Hyper, Hyper]; eps?: Hyper; weightDecay?: Hyper; amsgrad?: boolean; maximize?: boolean } = {}): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<any>[] = [];
  if (opts.maximize) parts.push(negate());
  parts.push(addDecayedWeights(opts.weightDecay ?? 0));
  parts.push(scaleByAdam({ betas: opts.betas, eps: opts.eps, amsgrad: opts.amsgrad }));
  parts.push(scaleByLearningRate(opts.lr ?? 1e-3));
  return chain(...parts) as GradientTransformation<unknown[]>;
}

/**
 * AdamW as a transformation: `chain(negate?, scaleByAdam, addDecayedWeights(λ), scaleByLearningRate(η))`
 * — the decay is decoupled from the adaptive scaling (Loshchilov & Hutter 2019).
 * @param opts - `lr` (1e-3), `betas`, `eps`, `weightDecay` (1e-2), `amsgrad`, `maximize`.
 * @returns the transformation.
 * @example
 * ```ts
 * const tx = adamw({ lr: 1e-3, weightDecay: 0.01 });
 * ```
 */
export function adamw(opts: { lr?: Hyper; betas?: readonly [Hyper, Hyper]; eps?: Hyper; weightDecay?: Hyper; amsgrad?: boolean; maximize?: boolean } = {}): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<any>[] = [];
  if (opts.maximize) parts.push(negate());
  parts.push(scaleByAdam({ betas: opts.betas, eps: opts.eps, amsgrad: opts.amsgrad }));
  parts.push(addDecayedWeights(opts.weightDecay ?? 1e-2));
  parts.push(scaleByLearningRate(opts.lr ?? 1e-3));
  return chain(...parts) as GradientTransformation<unknown[]>;
}

/**
 * Lion as a transformation: `chain(negate?, scaleByLion, addDecayedWeights(λ), scaleByLearningRate(η))`.
 * @param opts - `lr` (1e-4), `betas` ([0.9, 0.99]), `weightDecay` (0), `maximize`.
 * @returns the transformation.
 * @example
 * ```ts
 * const tx = lion({ lr: 1e-4, weightDecay: 0.1 });
 * ```
 */
export function lion(opts: { lr?: Hyper; betas?: readonly [Hyper, Hyper]; weightDecay?: Hyper; maximize?: boolean } = {}): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<any>[] = [];
  if (opts.maximize) parts.push(negate());
  parts.push(scaleByLion(opts));
  parts.push(addDecayedWeights(opts.weightDecay ?? 0));
  parts.push(scaleByLearningRate(opts.lr ?? 1e-4));
  return chain(...parts) as GradientTransformation<unknown[]>;
}
