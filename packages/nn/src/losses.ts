/**
 * Loss functions. Each takes `reduction: 'mean' | 'sum' | 'none'` (default `'mean'`): `'none'`
 * returns the per-element (or per-sample) losses, `'sum'` their sum, `'mean'` their mean (weighted
 * where the loss has class weights, as in PyTorch). Input and target must have the same shape for the
 * elementwise losses (no silent broadcasting).
 * @module
 */
import { Tensor, fmt, where, logSoftmax, isFloat, tensor, zeros, isGradEnabled } from '@gd/tensor';
import { customFunction } from '@gd/autograd';
import { fusedKernelsEnabled } from './functional.js';

/** How per-element losses are combined. */
export type Reduction = 'mean' | 'sum' | 'none';

/** The `reduction` option shared by the losses. */
export interface ReductionOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

function reduction(op: string, r: unknown, extra: string[] = []): string {
  const v = r ?? 'mean';
  if (v !== 'mean' && v !== 'sum' && v !== 'none' && !extra.includes(v as string)) {
    throw new RangeError(`${op}: reduction must be one of 'mean', 'sum', 'none'${extra.map((e) => `, '${e}'`).join('')}; got ${JSON.stringify(r)}`);
  }
  return v as string;
}

function reduce(l: Tensor, r: string): Tensor {
  return r === 'none' ? l : r === 'sum' ? l.sum() : l.mean();
}

function checkPair(op: string, input: unknown, target: unknown): asserts input is Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: target must be a Tensor`);
  if (!isFloat(input.dtype)) throw new TypeError(`${op}: input must be float32 or float64, got ${input.dtype}`);
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new RangeError(`${op}: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`);
  }
}

/**
 * Mean squared error: `ℓ = (x − y)²`.
 * @param input - predictions.
 * @param target - targets of the same shape.
 * @param opts - `reduction`.
 * @returns the reduced loss (or per-element losses).
 * @example
 * ```ts
 * mseLoss(tensor([1, 2]), tensor([0, 0])).item(); // 2.5
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkPair('mseLoss', input, target);
  return reduce(input.sub(target).square(), reduction('mseLoss', opts.reduction));
}

/**
 * Mean absolute error: `ℓ = |x − y|` (subgradient 0 at equality).
 * @param input - predictions.
 * @param target - targets of the same shape.
 * @param opts - `reduction`.
 * @returns the reduced loss.
 * @example
 * ```ts
 * l1Loss(tensor([1, -3]), tensor([0, 0])).item(); // 2
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkPair('l1Loss', input, target);
  return reduce(input.sub(target).abs(), reduction('l1Loss', opts.reduction));
}

/**
 * Huber loss: `½d²` for `|d| < δ`, else `δ(|d| − ½δ)`, with `d = x − y`.
 * @param input - predictions.
 * @param target - targets of the same shape.
 * @param opts - `delta` (default 1, > 0) and `reduction`.
 * @returns the reduced loss.
 * @example
 * ```ts
 * huberLoss(tensor([0.5, 3]), tensor([0, 0])).toArray(); // mean of 0.125 and 2.5
 * ```
 */
export function huberLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { delta?: number } = {}): Tensor {
  checkPair('huberLoss', input, target);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be positive, got ${delta}`);
  const d = input.sub(target);
  const ad = d.abs();
  return reduce(where(ad.lt(delta), d.square().mul(0.5), ad.sub(0.5 * delta).mul(delta)), reduction('huberLoss', opts.reduction));
}

/**
 * Smooth L1 loss: `½d²/β` for `|d| < β`, else `|d| − ½β`; β = 0 gives the L1 loss. (Equal to
 * `huberLoss / β` for β > 0.)
 * @param input - predictions.
 * @param target - targets of the same shape.
 * @param opts - `beta` (default 1, ≥ 0) and `reduction`.
 * @returns the reduced loss.
 * @example
 * ```ts
 * smoothL1Loss(tensor([0.5]), tensor([0])).item(); // 0.125
 * ```
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: ReductionOptions & { beta?: number } = {}): Tensor {
  checkPair('smoothL1Loss', input, target);
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new RangeError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const r = reduction('smoothL1Loss', opts.reduction);
  const ad = input.sub(target).abs();
  if (beta === 0) return reduce(ad, r);
  return reduce(where(ad.lt(beta), ad.square().mul(0.5 / beta), ad.sub(0.5 * beta)), r);
}

function checkWeight(op: string, w: Tensor | undefined): void {
  if (w !== undefined && !(w instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor`);
}

/** Smallest positive value whose log is below −100 in both float32 and float64. */
const TINY = 1e-44;

/**
 * Binary cross-entropy of probabilities: `ℓ = −w [y log x + (1 − y) log(1 − x)]`, with each log
 * clamped to ≥ −100 as PyTorch does (so a confident wrong answer costs 100, not ∞).
 * @param input - probabilities in [0, 1].
 * @param target - targets in [0, 1], same shape.
 * @param opts - `weight` (broadcast to the input) and `reduction`.
 * @returns the reduced loss.
 * @throws RangeError when an input lies outside [0, 1].
 * @example
 * ```ts
 * bceLoss(tensor([0.5]), tensor([1])).item(); // 0.6931472
 * ```
 */
export function bceLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { weight?: Tensor } = {}): Tensor {
  checkPair('bceLoss', input, target);
  checkWeight('bceLoss', opts.weight);
  const v = input.detach().data();
  for (let i = 0; i < v.length; i++) {
    if (!(v[i]! >= 0 && v[i]! <= 1)) throw new RangeError(`bceLoss: input must be probabilities in [0, 1], got ${v[i]} at flat index ${i} (use bceWithLogitsLoss for logits)`);
  }
  const logX = input.clamp(TINY).log().clamp(-100);
  const log1mX = input.neg().add(1).clamp(TINY).log().clamp(-100);
  let l = target.mul(logX).add(target.neg().add(1).mul(log1mX)).neg();
  if (opts.weight) l = l.mul(opts.weight);
  return reduce(l, reduction('bceLoss', opts.reduction));
}

/**
 * Binary cross-entropy on logits, `ℓ = −w [p·y log σ(x) + (1 − y) log(1 − σ(x))]`, computed stably as
 * `w [(1 − y)·x + (1 + (p − 1)y)·softplus(−x)]` — finite and exact for logits of any size (±1000
 * included), where `σ` then `log` would overflow. Without `weight` and `posWeight` (and with input and
 * target of one dtype) it runs as one fused op while the fused kernels are on (see `setFusedKernels`):
 * the same values, a one-pass gradient `(σ(x) − y)` scaled by the reduction.
 * @param input - logits.
 * @param target - targets in [0, 1], same shape.
 * @param opts - `weight` (broadcast), `posWeight` p (broadcast over the last axis) and `reduction`.
 * @returns the reduced loss.
 * @example
 * ```ts
 * bceWithLogitsLoss(tensor([1000, -1000]), tensor([0, 1]), { reduction: 'none' }).toArray(); // [1000, 1000]
 * ```
 */
export function bceWithLogitsLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { weight?: Tensor; posWeight?: Tensor } = {}): Tensor {
  checkPair('bceWithLogitsLoss', input, target);
  checkWeight('bceWithLogitsLoss', opts.weight);
  const r = reduction('bceWithLogitsLoss', opts.reduction);
  if (opts.posWeight === undefined && opts.weight === undefined && target.dtype === input.dtype && fusedKernelsEnabled()) {
    bceParams = r as Reduction;
    try {
      return bceWithLogitsOp(input, target);
    } finally {
      bceParams = null;
    }
  }
  const sp = input.neg().softplus();
  let l: Tensor;
  if (opts.posWeight !== undefined) {
    const coef = target.mul(opts.posWeight.sub(1)).add(1);
    l = target.neg().add(1).mul(input).add(coef.mul(sp));
  } else {
    l = target.neg().add(1).mul(input).add(sp);
  }
  if (opts.weight) l = l.mul(opts.weight);
  return reduce(l, r);
}

/** The reduction of the fused op's call in progress (set just before each synchronous call). */
let bceParams: Reduction | null = null;

/** The elements of `t` in row-major order as `[array, offset]`: its own storage when contiguous (no copy), else a copy. */
function flatView(t: Tensor): [ArrayLike<number>, number] {
  return t.isContiguous() ? [t.storage as ArrayLike<number>, t.offset] : [t.data() as ArrayLike<number>, 0];
}

/**
 * Binary cross-entropy on logits without weights, as one op. Forward, per element:
 * `ℓ = (1 − y)·x + softplus(−x)` with the roundings of the unfused ops (float32 results are rounded
 * after each step as the separate float32 ops would round them, so the per-element losses are the
 * unfused ones bit for bit), summed in float64 in row-major order like `sum`/`mean`; σ(−x) is kept
 * from the same `e^{−|x|}` when x needs a gradient. Backward, one pass: `dx = s·((1 − y) − σ(−x))`
 * (σ(−x) replaced by 1 on softplus's linear part, −x > 20, as the `softplus` rule does) and
 * `dy = −s·x`, with `s` the reduction's scale of the upstream gradient. Under `createGraph` the
 * backward is the same formula in recorded ops.
 */
const bceWithLogitsOp = customFunction({
  name: 'bceWithLogitsLoss',
  freshGradients: true,
  forward(ctx, x: Tensor, y: Tensor) {
    const r = bceParams!;
    bceParams = null;
    const [xd, xo] = flatView(x), [yd, yo] = flatView(y);
    const n = x.size;
    const f64 = x.dtype === 'float64';
    ctx.save(x, y);
    ctx.data.reduction = r;
    // σ(−x) for the backward, from the same e^{−|x|} the softplus needs (1 on softplus's linear part)
    const sig = ctx.needsInputGrad[0] ? new Float64Array(n) : null;
    const res = r === 'none' ? zeros(x.shape, { dtype: x.dtype }) : null;
    const out = res === null ? null : (res.storage as Float32Array | Float64Array);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = xd[xo + i]!, b = -v;
      const e = Math.exp(-Math.abs(v));
      // softplus(−x) exactly as the softplus kernel: b > 0 uses log1p(e^{−b}), b ≤ 0 log1p(e^{b}); both are log1p(e)
      const sp = b > 20 ? b : b > 0 ? b + Math.log1p(e) : Math.log1p(e);
      // (1 − y)·x + softplus(−x) with the roundings of the separate ops (each float32 op rounds its result)
      const l = f64 ? (-yd[yo + i]! + 1) * v + sp : Math.fround(Math.fround(Math.fround(-yd[yo + i]! + 1) * v) + Math.fround(sp));
      if (out !== null) out[i] = l;
      else sum += l;
      if (sig !== null) sig[i] = v < -20 ? 1 : v <= 0 ? 1 / (1 + e) : e / (1 + e);
    }
    ctx.data.sig = sig;
    if (res !== null) return res;
    const val = r === 'mean' ? sum / n : sum;
    return tensor(f64 ? Float64Array.of(val) : Float32Array.of(val), { shape: [] });
  },
  backward(ctx, g) {
    const [x, y] = ctx.saved as [Tensor, Tensor];
    const r = ctx.data.reduction as Reduction;
    const need = ctx.needsInputGrad;
    const n = x.size;
    if (isGradEnabled()) {
      // createGraph: the same formula in recorded ops, differentiable in x, y and g.
      const gs = r === 'mean' ? g.div(n) : g;
      const sig = where(x.lt(-20), 1, x.neg().sigmoid());
      return [need[0] ? gs.mul(y.neg().add(1).sub(sig)) : null, need[1] ? gs.mul(x).neg() : null];
    }
    const [xd, xo] = flatView(x), [yd, yo] = flatView(y), [gd, go] = flatView(g);
    const gx = need[0] ? zeros(x.shape, { dtype: x.dtype }) : null, gy = need[1] ? zeros(y.shape, { dtype: y.dtype }) : null;
    const dx = gx === null ? null : (gx.storage as Float32Array | Float64Array), dy = gy === null ? null : (gy.storage as Float32Array | Float64Array);
    const k = r === 'none' ? 0 : r === 'mean' ? gd[go]! / n : gd[go]!;
    const sig = ctx.data.sig as Float64Array | null;
    for (let i = 0; i < n; i++) {
      const s = r === 'none' ? gd[go + i]! : k;
      if (dx !== null) dx[i] = s * (-yd[yo + i]! + 1 - sig![i]!);
      if (dy !== null) dy[i] = -(s * xd[xo + i]!);
    }
    return [gx, gy];
  },
});

/** Options of {@link nllLoss} and {@link crossEntropy}. */
export interface ClassLossOptions extends ReductionOptions {
  /** Per-class weights `[C]`. */
  weight?: Tensor;
  /** Targets equal to this class index contribute nothing (default −100). */
  ignoreIndex?: number;
}

interface ClassLayout {
  n: number;
  c: number;
  s: number;
  /** Per-sample output shape (`[N, d…]`), `[]` for unbatched input. */
  outShape: number[];
}

function classLayout(op: string, input: Tensor): ClassLayout {
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (!isFloat(input.dtype)) throw new TypeError(`${op}: input must be float32 or float64, got ${input.dtype}`);
  if (input.ndim === 0) throw new RangeError(`${op}: input must be [C], [N, C] or [N, C, d1, ...], got a 0-d tensor`);
  if (input.ndim === 1) return { n: 1, c: input.shape[0]!, s: 1, outShape: [] };
  const s = input.shape.slice(2).reduce((a, b) => a * b, 1);
  return { n: input.shape[0]!, c: input.shape[1]!, s, outShape: [input.shape[0]!, ...input.shape.slice(2)] };
}

/**
 * For class-index targets: a constant tensor shaped like the input holding `w[c]` where `c` is the
 * sample's target class (and 0 elsewhere or for ignored samples), plus the per-sample weights.
 */
function targetWeights(op: string, input: Tensor, target: Tensor, lay: ClassLayout, weight: Tensor | undefined, ignoreIndex: number): { sel: Tensor; perSample: Float64Array; mask: Float64Array } {
  if (target.dtype !== 'int32') throw new TypeError(`${op}: class-index targets must be int32, got ${target.dtype} (pass probabilities as a float tensor shaped like the input)`);
  const expected = lay.outShape;
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(`${op}: target ${fmt(target.shape)} does not match input ${fmt(input.shape)} (expected target shape ${fmt(expected)})`);
  }
  let w: ArrayLike<number> | null = null;
  if (weight !== undefined) {
    if (!(weight instanceof Tensor) || weight.ndim !== 1 || weight.shape[0] !== lay.c) throw new RangeError(`${op}: weight must be a [${lay.c}] tensor (one per class), got ${weight instanceof Tensor ? fmt(weight.shape) : typeof weight}`);
    w = weight.data();
  }
  const t = target.data();
  const { n, c, s } = lay;
  const sel = new Float64Array(n * c * s);
  const perSample = new Float64Array(n * s);
  const mask = new Float64Array(n * s);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < s; k++) {
      const y = t[i * s + k]!;
      if (y === ignoreIndex) continue;
      if (y < 0 || y >= c) throw new RangeError(`${op}: target ${y} at flat index ${i * s + k} is out of range for ${c} classes`);
      const wy = w === null ? 1 : w[y]!;
      sel[i * c * s + y * s + k] = wy;
      perSample[i * s + k] = wy;
      mask[i * s + k] = 1;
    }
  }
  return { sel: tensor(input.dtype === 'float64' ? sel : Float32Array.from(sel), { shape: input.shape }), perSample, mask };
}

function sumOf(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** The `'mean'` divisor Σ w[yₙ]; refuses 0 (PyTorch returns a silent NaN, which would poison training). */
function meanDenom(op: string, perSample: Float64Array, ignoreIndex: number): number {
  const d = sumOf(perSample);
  if (d === 0) {
    throw new RangeError(`${op}: the 'mean' reduction divides by the total weight of the targets, which is 0 here (${perSample.length} targets, each ignored (ignoreIndex ${ignoreIndex}) or of class weight 0); use reduction 'sum' or skip this batch`);
  }
  return d;
}

/** `-(x · sel).sum(classAxis)`, shaped per sample. */
function pickNeg(input: Tensor, sel: Tensor): Tensor {
  return input.mul(sel).sum(input.ndim === 1 ? 0 : 1).neg();
}

/**
 * Negative log-likelihood of class-index targets given log-probabilities:
 * `ℓₙ = −w[yₙ] · x[n, yₙ]`. `'mean'` divides by `Σ w[yₙ]` over the samples that are not ignored, as
 * PyTorch does; where that sum is 0 (every target ignored) it throws instead of returning PyTorch's NaN.
 * @param input - log-probabilities `[C]`, `[N, C]` or `[N, C, d1, …]`.
 * @param target - int32 class indices `[]`, `[N]` or `[N, d1, …]`.
 * @param opts - `weight`, `ignoreIndex`, `reduction`.
 * @returns the reduced loss (or per-sample losses).
 * @example
 * ```ts
 * nllLoss(tensor([[-1, -2]]), tensor([1], { dtype: 'int32' })).item(); // 2
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, opts: ClassLossOptions = {}): Tensor {
  const lay = classLayout('nllLoss', input);
  const r = reduction('nllLoss', opts.reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const { sel, perSample } = targetWeights('nllLoss', input, target, lay, opts.weight, ignoreIndex);
  const l = pickNeg(input, sel);
  if (r === 'none') return l;
  if (r === 'sum') return l.sum();
  return l.sum().div(meanDenom('nllLoss', perSample, ignoreIndex));
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends ClassLossOptions {
  /** ε in [0, 1]: mix the target with the uniform distribution, `(1 − ε)·y + ε/C` (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits and targets, `ℓ = −Σ_c w_c q_c log softmax(x)_c`, where the target
 * distribution `q` is one-hot (int32 class-index targets) or given (float probabilities shaped like
 * the input). Equals `nllLoss(logSoftmax(x, 1), y)` for class indices without smoothing.
 *
 * With label smoothing ε, `q = (1 − ε)·q + ε/C`. Means follow PyTorch: class-index targets divide by
 * the summed weights of the non-ignored targets (an error when that is 0, where PyTorch gives NaN);
 * probability targets divide by the number of samples.
 * @param input - logits `[C]`, `[N, C]` or `[N, C, d1, …]`.
 * @param target - int32 indices `[N, d1, …]`, or probabilities shaped like `input`.
 * @param opts - `weight`, `ignoreIndex` (indices only), `labelSmoothing`, `reduction`.
 * @returns the reduced loss.
 * @example
 * ```ts
 * crossEntropy(tensor([[0, 0]]), tensor([0], { dtype: 'int32' })).item(); // ln 2
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const lay = classLayout('crossEntropy', input);
  if (!(target instanceof Tensor)) throw new TypeError('crossEntropy: target must be a Tensor');
  const r = reduction('crossEntropy', opts.reduction);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  const classAxis = input.ndim === 1 ? 0 : 1;
  const bshape = input.shape.map((d, i) => (i === classAxis ? d : 1));
  if (opts.weight !== undefined && (!(opts.weight instanceof Tensor) || opts.weight.ndim !== 1 || opts.weight.shape[0] !== lay.c)) {
    throw new RangeError(`crossEntropy: weight must be a [${lay.c}] tensor (one per class), got ${opts.weight instanceof Tensor ? fmt(opts.weight.shape) : typeof opts.weight}`);
  }
  if (!isFloat(target.dtype) && eps === 0 && input.ndim <= 2 && fusedKernelsEnabled()) {
    return fusedCrossEntropy(input, target, lay, r as Reduction, opts.weight, opts.ignoreIndex ?? -100);
  }
  const logp = logSoftmax(input, classAxis);
  if (isFloat(target.dtype)) {
    // probability targets
    if (target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])) {
      throw new RangeError(`crossEntropy: probability target ${fmt(target.shape)} must have the input's shape ${fmt(input.shape)}`);
    }
    if (opts.ignoreIndex !== undefined) throw new RangeError('crossEntropy: ignoreIndex applies to class-index targets only');
    let q = eps > 0 ? target.mul(1 - eps).add(eps / lay.c) : target;
    if (opts.weight !== undefined) q = q.mul(opts.weight.reshape(bshape));
    const l = logp.mul(q).sum(classAxis).neg();
    if (r === 'none') return l;
    if (r === 'sum') return l.sum();
    return l.sum().div(lay.n * lay.s);
  }
  const { sel, perSample, mask } = targetWeights('crossEntropy', input, target, lay, opts.weight, opts.ignoreIndex ?? -100);
  const nll = pickNeg(logp, sel);
  if (eps === 0) {
    if (r === 'none') return nll;
    if (r === 'sum') return nll.sum();
    return nll.sum().div(meanDenom('crossEntropy', perSample, opts.ignoreIndex ?? -100));
  }
  // smoothing term: −Σ_c w_c log p_c for every non-ignored sample
  const maskT = tensor(input.dtype === 'float64' ? mask : Float32Array.from(mask), { shape: lay.outShape });
  const wLogp = opts.weight !== undefined ? logp.mul(opts.weight.reshape(bshape)) : logp;
  const smooth = wLogp.sum(classAxis).neg().mul(maskT);
  const k = eps / lay.c;
  if (r === 'none') return nll.mul(1 - eps).add(smooth.mul(k));
  if (r === 'sum') return nll.sum().mul(1 - eps).add(smooth.sum().mul(k));
  const denom = meanDenom('crossEntropy', perSample, opts.ignoreIndex ?? -100);
  return nll.sum().div(denom).mul(1 - eps).add(smooth.sum().div(opts.weight !== undefined ? denom : sumOf(mask)).mul(k));
}

// ------------------------------------------------------------------ fused softmax cross-entropy

/** What the fused op needs besides the logits (set just before each synchronous call). */
interface CeParams { target: ArrayLike<number>; weight: ArrayLike<number> | null; ignoreIndex: number; reduction: Reduction; n: number; c: number; outShape: number[] }
let ceParams: CeParams | null = null;

/**
 * Softmax cross-entropy of class indices as one op. Forward, per row in float64: `m = max x`,
 * `eⱼ = exp(xⱼ − m)`, `lse = m + log Σ e`, `ℓₙ = wₙ (lse − x[yₙ])` (wₙ = w[yₙ], 0 when ignored),
 * reduced; the softmax `e / Σ e` is kept. Backward: `dx = s · wₙ · (softmax(x) − onehot(y))` with
 * `s` the reduction's scale of the upstream gradient — one pass, no log-softmax tensor or one-hot
 * product. Under `createGraph` the backward is the same formula in recorded tensor ops (so it
 * differentiates again).
 */
const crossEntropyOp = customFunction({
  name: 'crossEntropy',
  freshGradients: true,
  forward(ctx, x: Tensor) {
    const P = ceParams!;
    ceParams = null;
    const { n, c, target: t, weight: w, ignoreIndex } = P;
    const xd = x.data();
    const f64 = x.dtype === 'float64';
    const prob = f64 ? new Float64Array(n * c) : new Float32Array(n * c);
    const wn = new Float64Array(n);
    const loss = new Float64Array(n);
    let denom = 0;
    const e = new Float64Array(c); // one row's exp(x − m), so each exp is taken once
    for (let i = 0; i < n; i++) {
      const y = t[i]!;
      const o = i * c;
      if (y !== ignoreIndex && (y < 0 || y >= c)) throw new RangeError(`crossEntropy: target ${y} at flat index ${i} is out of range for ${c} classes`);
      let m = -Infinity;
      for (let j = 0; j < c; j++) { const v = xd[o + j]!; if (v > m || v !== v) m = v; }
      let z = 0;
      for (let j = 0; j < c; j++) { const v = Math.exp(xd[o + j]! - m); e[j] = v; z += v; }
      const lse = m + Math.log(z);
      for (let j = 0; j < c; j++) prob[o + j] = e[j]! / z;
      if (y === ignoreIndex) continue;
      const wy = w === null ? 1 : w[y]!;
      wn[i] = wy;
      denom += wy;
      loss[i] = wy * (lse - xd[o + y]!);
    }
    ctx.save(x);
    ctx.data.prob = prob;
    ctx.data.target = Int32Array.from(t);
    ctx.data.wn = wn;
    const r = P.reduction;
    ctx.data.reduction = r;
    ctx.data.outShape = P.outShape;
    if (r === 'none') return tensor(f64 ? loss : Float32Array.from(loss), { shape: P.outShape });
    let sum = 0;
    for (let i = 0; i < n; i++) sum += loss[i]!;
    if (r === 'mean') {
      if (denom === 0) meanDenom('crossEntropy', wn, ignoreIndex);
      sum /= denom;
    }
    ctx.data.scale = r === 'mean' ? 1 / denom : 1;
    return tensor(f64 ? [sum] : Float32Array.of(sum), { shape: [], dtype: x.dtype });
  },
  backward(ctx, g) {
    const [x] = ctx.saved as [Tensor];
    const prob = ctx.data.prob as Float64Array | Float32Array;
    const wn = ctx.data.wn as Float64Array;
    const r = ctx.data.reduction as Reduction;
    const c = x.shape[x.ndim - 1]!, n = wn.length;
    const t = ctx.data.target as ArrayLike<number>;
    if (isGradEnabled()) {
      // createGraph: the same formula in recorded ops, differentiable in x and g.
      const oh = new Float64Array(n * c);
      for (let i = 0; i < n; i++) if (wn[i] !== 0) oh[i * c + t[i]!] = 1;
      const x2 = x.reshape([n, c]);
      const onehot = tensor(x.dtype === 'float64' ? oh : Float32Array.from(oh), { shape: [n, c] });
      const wcol = tensor(x.dtype === 'float64' ? wn : Float32Array.from(wn), { shape: [n, 1] });
      const gs = r === 'none' ? g.reshape([n, 1]) : g.reshape([1, 1]).mul(ctx.data.scale as number);
      return [x2.softmax(1).sub(onehot).mul(wcol).mul(gs).reshape(x.shape as number[])];
    }
    const gd = g.data();
    const res = zeros(x.shape, { dtype: x.dtype });
    const out = res.storage as Float32Array | Float64Array;
    const scale = r === 'none' ? 0 : (ctx.data.scale as number) * gd[0]!;
    for (let i = 0; i < n; i++) {
      const k = wn[i]! * (r === 'none' ? gd[i]! : scale);
      const o = i * c;
      if (k === 0) continue;
      for (let j = 0; j < c; j++) out[o + j] = k * prob[o + j]!;
      out[o + t[i]!] = out[o + t[i]!]! - k;
    }
    return [res];
  },
});

function fusedCrossEntropy(input: Tensor, target: Tensor, lay: ClassLayout, r: Reduction, weight: Tensor | undefined, ignoreIndex: number): Tensor {
  if (target.dtype !== 'int32') throw new TypeError(`crossEntropy: class-index targets must be int32, got ${target.dtype} (pass probabilities as a float tensor shaped like the input)`);
  const expected = lay.outShape;
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(`crossEntropy: target ${fmt(target.shape)} does not match input ${fmt(input.shape)} (expected target shape ${fmt(expected)})`);
  }
  const t = target.data();
  ceParams = { target: t, weight: weight === undefined ? null : weight.data(), ignoreIndex, reduction: r, n: lay.n, c: lay.c, outShape: expected };
  try {
    return crossEntropyOp(input);
  } finally {
    ceParams = null;
  }
}

/**
 * Kullback–Leibler divergence `KL(p ‖ q) = Σ p (log p − log q)` with `input = log q` and `target = p`
 * (or `log p` with `logTarget`). Terms with `p = 0` count 0. Reductions: `'mean'` over all elements
 * (as PyTorch), `'batchmean'` (sum / batch size — the true KL per sample), `'sum'`, `'none'`.
 * @param input - log-probabilities.
 * @param target - probabilities (or log-probabilities with `logTarget`), same shape.
 * @param opts - `reduction` and `logTarget`.
 * @returns the reduced divergence.
 * @example
 * ```ts
 * klDiv(tensor([[Math.log(0.5), Math.log(0.5)]]), tensor([[0.5, 0.5]]), { reduction: 'batchmean' }).item(); // 0
 * ```
 */
export function klDiv(input: Tensor, target: Tensor, opts: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  checkPair('klDiv', input, target);
  const r = reduction('klDiv', opts.reduction, ['batchmean']);
  let l: Tensor;
  if (opts.logTarget) {
    l = target.exp().mul(target.sub(input));
  } else {
    // xlogy(p, p) − p·log q, with 0·log 0 = 0
    l = target.mul(where(target.gt(0), target, 1).log()).sub(target.mul(input));
  }
  if (r === 'batchmean') return l.sum().div(input.ndim === 0 ? 1 : input.shape[0]!);
  return reduce(l, r);
}
