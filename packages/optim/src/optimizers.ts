/**
 * The named optimizers, PyTorch-style classes over the transformations of `transforms.ts`.
 * Options follow PyTorch's names in camelCase and PyTorch's defaults. Every numeric option may be
 * a schedule `(step) => value` (see {@link Hyper}).
 * @module
 */
import type { Tensor } from '@gd/tensor';
import { type Hyper, checkNumber, checkPair, formatValue } from './hyper.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';
import {
  type AdamState, type GradientTransformation, addDecayedWeights, asgdUpdate, chain, negate, scaleByAdadelta, scaleByAdagrad,
  scaleByAdam, scaleByAdamax, scaleByLearningRate, scaleByLion, scaleByNadam, scaleByRadam, scaleByRms,
  scaleByRprop, traceMomentum,
} from './transforms.js';

const nonNeg = (x: number) => x >= 0;
const positive = (x: number) => x > 0;
const unit = (x: number) => x >= 0 && x < 1;

function checkLr(op: string, o: { lr: Hyper }): void {
  checkNumber(op, 'lr', o.lr, nonNeg, 'lr >= 0');
}
function checkBetas(op: string, betas: unknown): void {
  checkPair(op, 'betas', betas, unit, 'two numbers in [0, 1)');
}
function checkEps(op: string, eps: unknown): void {
  checkNumber(op, 'eps', eps, positive, 'eps > 0');
}
function checkWd(op: string, wd: unknown): void {
  checkNumber(op, 'weightDecay', wd, nonNeg, 'weightDecay >= 0');
}
function chainOf(parts: (GradientTransformation<any> | false)[]): GradientTransformation<unknown> {
  return chain(...parts.filter((p): p is GradientTransformation<any> => p !== false)) as GradientTransformation<unknown>;
}

// ------------------------------------------------------------------------------------------ SGD

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate η (default 1e-3). */
  lr: Hyper;
  /** Momentum factor μ (default 0). */
  momentum: Hyper;
  /** Dampening τ of the momentum (default 0). */
  dampening: Hyper;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: Hyper;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead (default false). */
  maximize: boolean;
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum — also plain batch gradient
 * descent when the gradient is of the full loss.
 *
 * Update (PyTorch's form), with `g = ∇J(θ) + λθ`:
 * ```text
 * b₁ = g₁;  bₜ = μ·bₜ₋₁ + (1−τ)·gₜ
 * θ ← θ − η·bₜ                (or θ − η·(gₜ + μ·bₜ) with nesterov)
 * ```
 * **Momentum written differently.** Many texts write `v ← γv + η∇J, θ ← θ − v`. With a constant
 * learning rate this is the same trajectory: `v = η·b` (multiply PyTorch's recurrence by η). With an
 * EMA `m ← βm + (1−β)g, θ ← θ − α·m` it is the same trajectory as PyTorch with `μ = β`,
 * `dampening = β` (except PyTorch's first buffer is `g` instead of `(1−β)g`) and `η = α`; or, with
 * `dampening = 0`, `η = α(1−β)`. See the optimizers guide; the equivalences are tested.
 * Nesterov: Sutskever et al. 2013, http://www.cs.toronto.edu/~hinton/absps/momentum.pdf.
 *
 * **Differences from PyTorch.** None in the update (bit-identical on the conformance fixture); `lr` defaults to 1e-3 as in PyTorch ≥ 2.2. Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const w = tensor([1, -1], { requiresGrad: true });
 * const opt = new SGD([w], { lr: 0.1, momentum: 0.9, nesterov: true });
 * w.grad = tensor([2, -2]);
 * opt.step();
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link SGDOptions}.
   */
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options);
  }
  protected validate(o: SGDOptions): void {
    checkLr('SGD', o);
    checkNumber('SGD', 'momentum', o.momentum, nonNeg, 'momentum >= 0');
    checkNumber('SGD', 'dampening', o.dampening, (x) => x >= 0 && x <= 1, 'dampening in [0, 1]');
    checkWd('SGD', o.weightDecay);
    if (o.nesterov && (o.momentum === 0 || (typeof o.dampening === 'number' && o.dampening !== 0))) {
      throw new RangeError(`SGD: nesterov momentum requires momentum > 0 and dampening = 0 (got momentum ${String(o.momentum)}, dampening ${String(o.dampening)})`);
    }
  }
  protected buildTransform(g: ParamGroup<SGDOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      addDecayedWeights(this.live(g, 'weightDecay')),
      traceMomentum({ momentum: this.live(g, 'momentum'), dampening: this.live(g, 'dampening'), nesterov: g.nesterov }),
      scaleByLearningRate(this.live(g, 'lr')),
    ]);
  }
}

// ------------------------------------------------------------------------------------------ Adam family

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: Hyper;
  /** [β₁, β₂] decay rates of the moment estimates (default [0.9, 0.999]). */
  betas: readonly [Hyper, Hyper];
  /** Added to the denominator (default 1e-8). */
  eps: Hyper;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: Hyper;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximize the objective instead (default false). */
  maximize: boolean;
}

/**
 * Adam (Kingma & Ba 2015, https://arxiv.org/abs/1412.6980), with optional AMSGrad
 * (Reddi et al. 2018, https://openreview.net/forum?id=ryQu7f-RZ).
 * ```text
 * g = ∇J(θ) + λθ
 * m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²;   (amsgrad: v̂max ← max(v̂max, v))
 * θ ← θ − η · (m/(1−β₁ᵗ)) / (√v/√(1−β₂ᵗ) + ε)
 * ```
 * **Differences from PyTorch.** None in the update, AMSGrad included (bit-identical on the conformance fixture). Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const opt = new Adam([w], { lr: 1e-2, betas: [0.9, 0.99] });
 * ```
 */
export class Adam extends Optimizer<AdamOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link AdamOptions}.
   */
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, options);
  }
  protected validate(o: AdamOptions): void {
    checkLr('Adam', o);
    checkBetas('Adam', o.betas);
    checkEps('Adam', o.eps);
    checkWd('Adam', o.weightDecay);
  }
  protected buildTransform(g: ParamGroup<AdamOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      addDecayedWeights(this.live(g, 'weightDecay')),
      scaleByAdam({ betas: [(t) => betaAt(this.name, g, 0, t), (t) => betaAt(this.name, g, 1, t)], eps: this.live(g, 'eps'), amsgrad: g.amsgrad, lr: this.live(g, 'lr') }),
    ]);
  }
}

/**
 * Decoupled weight decay θ ← θ·(1 − η(t)λ(t)) for the parameters that have a gradient, `t` being the
 * step count kept by the last transformation of the group's chain (its state has `count`).
 */
function decoupledDecay(params: readonly Tensor[], grads: readonly (unknown | null)[], state: unknown, lr: (t: number) => number, wd: (t: number) => number): void {
  const parts = state as unknown[];
  const last = parts[parts.length - 1] as { count: number[] };
  params.forEach((p, i) => {
    if (grads[i] == null) return;
    const t = last.count[i]!;
    const k = 1 - lr(t) * wd(t);
    if (k !== 1) p.mulInPlace(k);
  });
}

/** βₖ of a group at step t; a scheduled (or later rewritten) value must stay in [0, 1). */
function betaAt(name: string, g: { betas: readonly [Hyper, Hyper] }, k: 0 | 1, t: number): number {
  const b = g.betas[k];
  const v = typeof b === 'number' ? b : b(t);
  if (!(v >= 0 && v < 1)) throw new RangeError(`${name}: option betas[${k}] evaluated to ${formatValue(v)} at step ${t} (expected betas in [0, 1))`);
  return v;
}

/**
 * AdamW (Loshchilov & Hutter 2019, https://arxiv.org/abs/1711.05101): Adam with *decoupled*
 * weight decay — the decay bypasses the adaptive scaling:
 * ```text
 * θ ← θ − η·( (m/(1−β₁ᵗ)) / (√v/√(1−β₂ᵗ) + ε) + λθ )
 * ```
 * Like PyTorch, the class first multiplies θ by (1−ηλ) and then takes the Adam step; the pure
 * {@link adamw} recipe adds λθ to the Adam direction instead (the same up to rounding).
 * **Differences from PyTorch.** None for the class. Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new AdamW([tensor([1], { requiresGrad: true })], { lr: 1e-3, weightDecay: 0.01 });
 * ```
 */
export class AdamW extends Optimizer<AdamOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link AdamOptions} (weightDecay defaults to 1e-2).
   */
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, options);
  }
  /** PyTorch's decoupled decay: θ ← θ·(1 − ηλ) before the Adam step, for parameters with a gradient. */
  protected override beforeUpdate(g: ParamGroup<AdamOptions>, grads: readonly (unknown | null)[], state: unknown): void {
    const parts = state as unknown[];
    const adam = parts[parts.length - 1] as AdamState;
    g.params.forEach((p, i) => {
      if (grads[i] == null) return;
      const t = adam.count[i]!;
      const k = 1 - this.live(g, 'lr')(t) * this.live(g, 'weightDecay')(t);
      if (k !== 1) p.mulInPlace(k);
    });
  }
  protected validate(o: AdamOptions): void {
    checkLr('AdamW', o);
    checkBetas('AdamW', o.betas);
    checkEps('AdamW', o.eps);
    checkWd('AdamW', o.weightDecay);
  }
  protected buildTransform(g: ParamGroup<AdamOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      scaleByAdam({ betas: [(t) => betaAt(this.name, g, 0, t), (t) => betaAt(this.name, g, 1, t)], eps: this.live(g, 'eps'), amsgrad: g.amsgrad, lr: this.live(g, 'lr') }),
    ]);
  }
}

/** Options of {@link Adamax}. */
export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr: Hyper;
  /** [β₁, β₂] (default [0.9, 0.999]). */
  betas: readonly [Hyper, Hyper];
  /** Added to |g| before the max (default 1e-8). */
  eps: Hyper;
  /** L2 penalty (default 0). */
  weightDecay: Hyper;
  /** Maximize instead (default false). */
  maximize: boolean;
}

/**
 * Adamax, the infinity-norm variant of Adam (Kingma & Ba 2015, §7.1):
 * ```text
 * m ← β₁m + (1−β₁)g;   u ← max(β₂u, |g| + ε);   θ ← θ − η·(m/(1−β₁ᵗ))/u
 * ```
 * Paper: https://arxiv.org/abs/1412.6980.
 *
 * **Differences from PyTorch.** None in the update (`u` takes `|g| + ε` inside the max, as PyTorch). Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new Adamax([tensor([1], { requiresGrad: true })], { lr: 2e-3 });
 * ```
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link AdamaxOptions}.
   */
  constructor(params: ParamsInput<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super('Adamax', params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false }, options);
  }
  protected validate(o: AdamaxOptions): void {
    checkLr('Adamax', o); checkBetas('Adamax', o.betas); checkEps('Adamax', o.eps); checkWd('Adamax', o.weightDecay);
  }
  protected buildTransform(g: ParamGroup<AdamaxOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      addDecayedWeights(this.live(g, 'weightDecay')),
      scaleByAdamax({ betas: [(t) => betaAt(this.name, g, 0, t), (t) => betaAt(this.name, g, 1, t)], eps: this.live(g, 'eps'), lr: this.live(g, 'lr') }),
    ]);
  }
}

/** Options of {@link NAdam}. */
export interface NAdamOptions {
  /** Learning rate (default 2e-3). */
  lr: Hyper;
  /** [β₁, β₂] (default [0.9, 0.999]). */
  betas: readonly [Hyper, Hyper];
  /** Denominator term (default 1e-8). */
  eps: Hyper;
  /** L2 penalty (default 0). */
  weightDecay: Hyper;
  /** ψ in the momentum schedule μₜ = β₁(1 − ½·0.96^{tψ}) (default 4e-3). */
  momentumDecay: Hyper;
  /** Decay θ ← θ(1 − ηλ) before the step (AdamW style) instead of adding λθ to g (default false). */
  decoupledWeightDecay: boolean;
  /** Maximize instead (default false). */
  maximize: boolean;
  /**
   * Reproduce PyTorch ≤ 1.13, which used Πₜ·μₜ·μₜ₊₁ (μₜ counted twice) for the look-ahead product;
   * default false: the published formula Πₜ·μₜ₊₁, as PyTorch ≥ 2.0.
   */
  legacyMuProductNext: boolean;
}

/**
 * NAdam: Adam with Nesterov momentum (Dozat 2016, https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ),
 * with PyTorch's momentum schedule:
 * ```text
 * μₜ = β₁(1 − ½·0.96^{tψ});  Πₜ = μ₁⋯μₜ
 * m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²;   d = √(v/(1−β₂ᵗ)) + ε
 * θ ← θ − η·(1−μₜ)/(1−Πₜ)·g/d − η·μₜ₊₁/(1−Πₜμₜ₊₁)·m/d
 * ```
 * **Differences from PyTorch.** None against PyTorch ≥ 2.0 (`decoupledWeightDecay` is PyTorch ≥ 2.1's `decoupled_weight_decay`). PyTorch 1.13 used `Πₜμₜμₜ₊₁` in the last
 * denominator; set `legacyMuProductNext: true` to reproduce it (the conformance fixture was made with 1.13).
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new NAdam([tensor([1], { requiresGrad: true })]);
 * ```
 */
export class NAdam extends Optimizer<NAdamOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link NAdamOptions}.
   */
  constructor(params: ParamsInput<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super('NAdam', params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, decoupledWeightDecay: false, maximize: false, legacyMuProductNext: false }, options);
  }
  /** With `decoupledWeightDecay`: θ ← θ·(1 − ηλ) before the step, for parameters with a gradient. */
  protected override beforeUpdate(g: ParamGroup<NAdamOptions>, grads: readonly (unknown | null)[], state: unknown): void {
    if (g.decoupledWeightDecay) decoupledDecay(g.params, grads, state, this.live(g, 'lr'), this.live(g, 'weightDecay'));
  }
  protected validate(o: NAdamOptions): void {
    checkLr('NAdam', o); checkBetas('NAdam', o.betas); checkEps('NAdam', o.eps); checkWd('NAdam', o.weightDecay);
    checkNumber('NAdam', 'momentumDecay', o.momentumDecay, nonNeg, 'momentumDecay >= 0');
  }
  protected buildTransform(g: ParamGroup<NAdamOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      !g.decoupledWeightDecay && addDecayedWeights(this.live(g, 'weightDecay')),
      scaleByNadam({ betas: [(t) => betaAt(this.name, g, 0, t), (t) => betaAt(this.name, g, 1, t)], eps: this.live(g, 'eps'), momentumDecay: this.live(g, 'momentumDecay'), legacyMuProductNext: g.legacyMuProductNext, lr: this.live(g, 'lr') }),
    ]);
  }
}

/** Options of {@link RAdam}. */
export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr: Hyper;
  /** [β₁, β₂] (default [0.9, 0.999]). */
  betas: readonly [Hyper, Hyper];
  /** Denominator term (default 1e-8). */
  eps: Hyper;
  /** L2 penalty (default 0). */
  weightDecay: Hyper;
  /** Decay θ ← θ(1 − ηλ) before the step (AdamW style) instead of adding λθ to g (default false). */
  decoupledWeightDecay: boolean;
  /** Maximize instead (default false). */
  maximize: boolean;
}

/**
 * RAdam, rectified Adam (Liu et al. 2020, https://arxiv.org/abs/1908.03265):
 * ```text
 * ρ∞ = 2/(1−β₂) − 1;  ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ);  m̂ = m/(1−β₁ᵗ)
 * ρₜ > 5:  θ ← θ − η·m̂·√(1−β₂ᵗ)/(√v + ε)·rₜ,  rₜ = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
 * else:    θ ← θ − η·m̂
 * ```
 * **Differences from PyTorch.** None: L2 decay by default; `decoupledWeightDecay: true` decays θ ← θ(1 − ηλ) before the step, as PyTorch ≥ 2.1's `decoupled_weight_decay`. Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new RAdam([tensor([1], { requiresGrad: true })]);
 * ```
 */
export class RAdam extends Optimizer<RAdamOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link RAdamOptions}.
   */
  constructor(params: ParamsInput<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    super('RAdam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false }, options);
  }
  /** With `decoupledWeightDecay`: θ ← θ·(1 − ηλ) before the step, for parameters with a gradient. */
  protected override beforeUpdate(g: ParamGroup<RAdamOptions>, grads: readonly (unknown | null)[], state: unknown): void {
    if (g.decoupledWeightDecay) decoupledDecay(g.params, grads, state, this.live(g, 'lr'), this.live(g, 'weightDecay'));
  }
  protected validate(o: RAdamOptions): void {
    checkLr('RAdam', o); checkBetas('RAdam', o.betas); checkEps('RAdam', o.eps); checkWd('RAdam', o.weightDecay);
  }
  protected buildTransform(g: ParamGroup<RAdamOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      !g.decoupledWeightDecay && addDecayedWeights(this.live(g, 'weightDecay')),
      scaleByRadam({ betas: [(t) => betaAt(this.name, g, 0, t), (t) => betaAt(this.name, g, 1, t)], eps: this.live(g, 'eps'), lr: this.live(g, 'lr') }),
    ]);
  }
}

// ------------------------------------------------------------------------------------------ Adagrad, RMSprop, Adadelta

/** Options of {@link Adagrad}. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: Hyper;
  /** The step-t learning rate is lr/(1 + (t−1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty (default 0). */
  weightDecay: Hyper;
  /** Starting value of the sum of squares (default 0). */
  initialAccumulatorValue: number;
  /** Denominator term (default 1e-10). */
  eps: Hyper;
  /** Maximize instead (default false). */
  maximize: boolean;
}

/**
 * Adagrad (Duchi et al. 2011, https://jmlr.org/papers/v12/duchi11a.html):
 * ```text
 * s ← s + g²;   θ ← θ − η/(1 + (t−1)·lrDecay) · g/(√s + ε)
 * ```
 * **Differences from PyTorch.** None in the update; `lrDecay` and `initialAccumulatorValue` are plain numbers (not schedulable). Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new Adagrad([tensor([1], { requiresGrad: true })], { lr: 0.1 });
 * ```
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link AdagradOptions}.
   */
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, options);
  }
  protected validate(o: AdagradOptions): void {
    checkLr('Adagrad', o);
    checkNumber('Adagrad', 'lrDecay', o.lrDecay, nonNeg, 'lrDecay >= 0');
    checkNumber('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue, nonNeg, 'initialAccumulatorValue >= 0');
    checkEps('Adagrad', o.eps); checkWd('Adagrad', o.weightDecay);
  }
  protected buildTransform(g: ParamGroup<AdagradOptions>): GradientTransformation<unknown> {
    const lr = this.live(g, 'lr');
    return chainOf([
      g.maximize && negate(),
      addDecayedWeights(this.live(g, 'weightDecay')),
      scaleByAdagrad({ initialAccumulatorValue: g.initialAccumulatorValue, eps: this.live(g, 'eps'), lr: (t) => lr(t) / (1 + t * g.lrDecay) }),
    ]);
  }
}

/** Options of {@link RMSprop}. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: Hyper;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: Hyper;
  /** Denominator term (default 1e-8). */
  eps: Hyper;
  /** L2 penalty (default 0). */
  weightDecay: Hyper;
  /** Momentum applied to the scaled gradient (default 0). */
  momentum: Hyper;
  /** Divide by an estimate of the variance instead of the raw second moment (default false). */
  centered: boolean;
  /** Maximize instead (default false). */
  maximize: boolean;
}

/**
 * RMSprop (Hinton, Coursera lecture 6e; centered form: Graves 2013, https://arxiv.org/abs/1308.0850):
 * ```text
 * s ← αs + (1−α)g²;   (centered: ḡ ← αḡ + (1−α)g, s̃ = s − ḡ²)
 * d = g/(√s̃ + ε);     b ← μb + d (if momentum);   θ ← θ − η·b  (or θ − η·d)
 * ```
 * **Differences from PyTorch.** None in the update (centered and momentum forms included). Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new RMSprop([tensor([1], { requiresGrad: true })], { lr: 0.01, centered: true });
 * ```
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link RMSpropOptions}.
   */
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options);
  }
  protected validate(o: RMSpropOptions): void {
    checkLr('RMSprop', o);
    checkNumber('RMSprop', 'alpha', o.alpha, (x) => x >= 0 && x <= 1, 'alpha in [0, 1]');
    checkEps('RMSprop', o.eps); checkWd('RMSprop', o.weightDecay);
    checkNumber('RMSprop', 'momentum', o.momentum, nonNeg, 'momentum >= 0');
  }
  protected buildTransform(g: ParamGroup<RMSpropOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      addDecayedWeights(this.live(g, 'weightDecay')),
      // PyTorch: `addcdiv_(g, avg, value=-lr)` without momentum; `add_(buf, alpha=-lr)` (fused) with it
      ...(g.momentum === 0
        ? [scaleByRms({ alpha: this.live(g, 'alpha'), eps: this.live(g, 'eps'), centered: g.centered, lr: this.live(g, 'lr') })]
        : [
            scaleByRms({ alpha: this.live(g, 'alpha'), eps: this.live(g, 'eps'), centered: g.centered }),
            traceMomentum({ momentum: this.live(g, 'momentum'), dampening: 0 }),
            scaleByLearningRate(this.live(g, 'lr')),
          ]),
    ]);
  }
}

/** Options of {@link Adadelta}. */
export interface AdadeltaOptions {
  /** Scale applied to the delta (default 1.0). */
  lr: Hyper;
  /** Decay of the running averages (default 0.9). */
  rho: Hyper;
  /** Term inside both square roots (default 1e-6). */
  eps: Hyper;
  /** L2 penalty (default 0). */
  weightDecay: Hyper;
  /** Maximize instead (default false). */
  maximize: boolean;
}

/**
 * Adadelta (Zeiler 2012, https://arxiv.org/abs/1212.5701):
 * ```text
 * s ← ρs + (1−ρ)g²;   δ = √(a + ε)/√(s + ε)·g;   a ← ρa + (1−ρ)δ²;   θ ← θ − η·δ
 * ```
 * **Differences from PyTorch.** None in the update; `lr` (default 1) scales δ as in PyTorch. Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new Adadelta([tensor([1], { requiresGrad: true })]);
 * ```
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link AdadeltaOptions}.
   */
  constructor(params: ParamsInput<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super('Adadelta', params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }, options);
  }
  protected validate(o: AdadeltaOptions): void {
    checkLr('Adadelta', o);
    checkNumber('Adadelta', 'rho', o.rho, (x) => x >= 0 && x <= 1, 'rho in [0, 1]');
    checkEps('Adadelta', o.eps); checkWd('Adadelta', o.weightDecay);
  }
  protected buildTransform(g: ParamGroup<AdadeltaOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      addDecayedWeights(this.live(g, 'weightDecay')),
      scaleByAdadelta({ rho: this.live(g, 'rho'), eps: this.live(g, 'eps') }),
      scaleByLearningRate(this.live(g, 'lr')),
    ]);
  }
}

// ------------------------------------------------------------------------------------------ Rprop, ASGD, Lion

/** Options of {@link Rprop}. */
export interface RpropOptions {
  /** Initial per-element step size (default 1e-2). */
  lr: number;
  /** [η₋, η₊] multiplicative decrease/increase (default [0.5, 1.2]). */
  etas: readonly [number, number];
  /** [min, max] allowed step sizes (default [1e-6, 50]). */
  stepSizes: readonly [number, number];
  /** Maximize instead (default false). */
  maximize: boolean;
}

/**
 * Rprop, resilient backpropagation (Riedmiller & Braun 1993,
 * https://doi.org/10.1109/ICNN.1993.298623), PyTorch's variant (Rprop⁻ with the gradient zeroed after
 * a sign change):
 * ```text
 * sₜ = clamp(sₜ₋₁·(η₊ if gₜgₜ₋₁ > 0, η₋ if < 0, else 1), min, max)
 * gₜ ← 0 where gₜgₜ₋₁ < 0;   θ ← θ − sign(gₜ)·sₜ
 * ```
 * `lr` is only the initial step size; it is not schedulable.
 * **Differences from PyTorch.** None in the update; `lr`, `etas` and `stepSizes` are plain numbers. Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new Rprop([tensor([1], { requiresGrad: true })], { lr: 0.01, etas: [0.5, 1.2] });
 * ```
 */
export class Rprop extends Optimizer<RpropOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link RpropOptions}.
   */
  constructor(params: ParamsInput<RpropOptions>, options: Partial<RpropOptions> = {}) {
    super('Rprop', params, { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false }, options);
  }
  protected validate(o: RpropOptions): void {
    checkNumber('Rprop', 'lr', o.lr, nonNeg, 'lr >= 0 (a number)');
    if (typeof o.lr !== 'number') throw new TypeError('Rprop: lr is the initial step size and must be a number, not a schedule');
    checkPair('Rprop', 'etas', o.etas, (x, i) => (i === 0 ? x > 0 && x < 1 : x > 1), '0 < etaminus < 1 < etaplus');
    checkPair('Rprop', 'stepSizes', o.stepSizes, (x) => x >= 0, 'two numbers >= 0');
    if (o.stepSizes[0] > o.stepSizes[1]) throw new RangeError(`Rprop: invalid stepSizes [${o.stepSizes.join(', ')}] (min must not exceed max)`);
  }
  protected buildTransform(g: ParamGroup<RpropOptions>): GradientTransformation<unknown> {
    return chainOf([g.maximize && negate(), scaleByRprop({ lr: g.lr, etas: g.etas, stepSizes: g.stepSizes })]);
  }
}

/** Options of {@link ASGD}. */
export interface ASGDOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Decay term λ (default 1e-4). */
  lambd: number;
  /** Power of the η decay (default 0.75). */
  alpha: number;
  /** Step at which averaging starts (default 1e6). */
  t0: number;
  /** L2 penalty (default 0). */
  weightDecay: Hyper;
  /** Maximize instead (default false). */
  maximize: boolean;
}

/**
 * Averaged SGD (Polyak & Juditsky 1992, https://doi.org/10.1137/0330046), PyTorch's form:
 * ```text
 * θ ← θ(1 − λη) − η·g;   ax ← ax + μ(θ − ax)
 * η ← lr/(1 + λ·lr·t)^α;   μ ← 1/max(1, t − t₀)
 * ```
 * The averaged parameters are in `optimizer.state[group]` (`ax`).
 * **Differences from PyTorch.** None in the update (PyTorch's schedule for η and μ); `lr`, `lambd`, `alpha`, `t0` are plain numbers. Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new ASGD([tensor([1], { requiresGrad: true })], { lr: 0.01, t0: 100 });
 * ```
 */
export class ASGD extends Optimizer<ASGDOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link ASGDOptions}.
   */
  constructor(params: ParamsInput<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    super('ASGD', params, { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false }, options);
  }
  protected validate(o: ASGDOptions): void {
    checkNumber('ASGD', 'lr', o.lr, nonNeg, 'lr >= 0 (a number)');
    if (typeof o.lr !== 'number') throw new TypeError('ASGD: lr must be a number (ASGD schedules η itself)');
    checkNumber('ASGD', 'lambd', o.lambd, nonNeg, 'lambd >= 0');
    checkNumber('ASGD', 'alpha', o.alpha, nonNeg, 'alpha >= 0');
    checkNumber('ASGD', 't0', o.t0, nonNeg, 't0 >= 0');
    checkWd('ASGD', o.weightDecay);
  }
  protected buildTransform(g: ParamGroup<ASGDOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      addDecayedWeights(this.live(g, 'weightDecay')),
      asgdUpdate({ lr: g.lr, lambd: g.lambd, alpha: g.alpha, t0: g.t0 }),
    ]);
  }
}

/** Options of {@link Lion}. */
export interface LionOptions {
  /** Learning rate (default 1e-4; Lion wants 3–10× smaller than Adam). */
  lr: Hyper;
  /** [β₁, β₂] (default [0.9, 0.99]). */
  betas: readonly [Hyper, Hyper];
  /** Decoupled weight decay (default 0). */
  weightDecay: Hyper;
  /** Maximize instead (default false). */
  maximize: boolean;
}

/**
 * Lion, EvoLved Sign Momentum (Chen et al. 2023, https://arxiv.org/abs/2302.06675). Not in PyTorch.
 * ```text
 * c = β₁m + (1−β₁)g;   θ ← θ − η·(sign(c) + λθ);   m ← β₂m + (1−β₂)g
 * ```
 * **Differences from PyTorch.** PyTorch has no Lion; this follows the paper's Algorithm 2 (decoupled decay scaled by η) with its defaults lr 1e-4, betas [0.9, 0.99]. Common to every class here: option names are camelCase and numeric hyperparameters may be schedules `(t) => value`; there are no `foreach`/`fused`/`capturable`/`differentiable` flags (one implementation); `stateDict()` is plain JSON.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const opt = new Lion([tensor([1], { requiresGrad: true })], { lr: 1e-4, weightDecay: 0.1 });
 * ```
 */
export class Lion extends Optimizer<LionOptions> {
  /**
   * @param params - parameters or parameter groups.
   * @param options - see {@link LionOptions}.
   */
  constructor(params: ParamsInput<LionOptions>, options: Partial<LionOptions> = {}) {
    super('Lion', params, { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false }, options);
  }
  protected validate(o: LionOptions): void {
    checkLr('Lion', o); checkBetas('Lion', o.betas); checkWd('Lion', o.weightDecay);
  }
  protected buildTransform(g: ParamGroup<LionOptions>): GradientTransformation<unknown> {
    return chainOf([
      g.maximize && negate(),
      scaleByLion({ betas: [(t) => betaAt(this.name, g, 0, t), (t) => betaAt(this.name, g, 1, t)] }),
      addDecayedWeights(this.live(g, 'weightDecay')),
      scaleByLearningRate(this.live(g, 'lr')),
    ]);
  }
}
