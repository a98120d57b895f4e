/**
 * Stateless layer functions (activations, dropout, normalisation, convolution, pooling, embedding
 * lookup). Each is composed of differentiable `@gd/tensor` ops, so autograd differentiates it with no
 * extra rule; the one exception (the normal CDF inside exact GELU, which needs `erf`) is a small
 * custom op documented where it is defined.
 * The layer classes in `layers.ts` hold parameters and call these.
 * @module
 */
import { Tensor, Generator, defaultGenerator, bernoulli, fmt, where, tensor, isFloat, isGradEnabled } from '@gd/tensor';
import * as T from '@gd/tensor';
import { customFunction } from '@gd/autograd';

function checkTensor(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected a float32 or float64 tensor, got ${x.dtype} of shape ${fmt(x.shape)}`);
}

// ------------------------------------------------------------------ activations

/**
 * Leaky ReLU: `x` for `x > 0`, else `slope · x`.
 * @param x - input.
 * @param negativeSlope - slope for negative inputs (default 0.01).
 * @returns same shape as `x`.
 * @example
 * ```ts
 * leakyRelu(tensor([-2, 3]), 0.1).toArray(); // [-0.2, 3]
 * ```
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor('leakyRelu', x);
  return where(x.gt(0), x, x.mul(negativeSlope));
}

/**
 * ELU: `x` for `x > 0`, else `α (eˣ − 1)`.
 * @param x - input.
 * @param alpha - saturation value for large negative inputs (default 1).
 * @returns same shape as `x`.
 * @example
 * ```ts
 * elu(tensor([0, -100])).toArray(); // [0, -1]
 * ```
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkTensor('elu', x);
  // expm1 of min(x, 0): the unselected branch must stay finite, or its 0 · ∞ gradient would be NaN.
  return where(x.gt(0), x, x.clamp(undefined, 0).expm1().mul(alpha));
}

/**
 * SiLU (swish): `x · σ(x)`.
 * @param x - input.
 * @returns same shape as `x`.
 * @example
 * ```ts
 * silu(tensor([0])).item(); // 0
 * ```
 */
export function silu(x: Tensor): Tensor {
  checkTensor('silu', x);
  return x.mul(x.sigmoid());
}

/** erf(x) to about 1e-15 relative: Taylor series for |x| < 2.5, continued fraction for erfc beyond. */
function erfcScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfcScalar(-x);
  if (x < 2.5) {
    // erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** The standard normal CDF Φ(x) = erfc(−x/√2)/2, accurate in both tails. @internal */
export function normalCdf(x: number): number {
  return 0.5 * erfcScalar(-x / Math.SQRT2);
}

/**
 * The standard normal CDF Φ as a differentiable op: the forward is evaluated elementwise in float64
 * (there is no `erf` op in `@gd/tensor`), the backward is `g · φ(x)` with `φ(x) = e^{−x²/2}/√(2π)`
 * written in tensor ops, so it can be differentiated again (`createGraph`).
 */
const normalCdfOp = customFunction({
  name: 'normalCdf',
  forward(ctx, x: Tensor) {
    ctx.save(x);
    const v = x.data();
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = normalCdf(v[i]!);
    return tensor(x.dtype === 'float64' ? out : Float32Array.from(out), { shape: x.shape });
  },
  backward(ctx, g) {
    const [x] = ctx.saved;
    return [g.mul(x!.square().mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI)))];
  },
});

/**
 * GELU: `x · Φ(x)` with Φ the standard normal CDF (`approximate: 'none'`, the default), or the tanh
 * approximation `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
 *
 * There is no `erf` op in `@gd/tensor`, so the exact form uses a small custom op for Φ (values
 * computed in float64 to ~1e-15; its backward `φ(x)` is written in tensor ops). First and second
 * derivatives are exact; the tanh form is composed of ordinary ops.
 * @param x - input.
 * @param opts - `approximate: 'none' | 'tanh'`.
 * @returns same shape as `x`.
 * @example
 * ```ts
 * gelu(tensor([1])).item(); // 0.8413447
 * ```
 */
export function gelu(x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  checkTensor('gelu', x);
  checkFloat('gelu', x);
  const approx = opts.approximate ?? 'none';
  if (approx === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    return x.mul(0.5).mul(x.add(x.mul(x).mul(x).mul(0.044715)).mul(k).tanh().add(1));
  }
  if (approx !== 'none') throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approx)}`);
  return x.mul(normalCdfOp(x));
}

// ------------------------------------------------------------------ dropout

/**
 * Dropout: in training, zero each element with probability `p` and scale the survivors by `1/(1−p)`
 * (so the expected value is unchanged); outside training, the identity.
 * @param x - input.
 * @param p - drop probability in [0, 1] (default 0.5).
 * @param training - apply dropout (default true).
 * @param generator - seeded source of the mask (default: the global generator).
 * @returns same shape as `x`.
 * @example
 * ```ts
 * dropout(ones([4]), 0.5, true, new Generator(0)).toArray(); // each entry 0 or 2
 * ```
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkTensor('dropout', x);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  checkFloat('dropout', x);
  if (p === 1) return x.mul(0);
  const mask = bernoulli(1 - p, { shape: x.shape, dtype: x.dtype, generator });
  return x.mul(mask.mul(1 / (1 - p)));
}

// ------------------------------------------------------------------ linear and embedding

/**
 * Affine map `y = x Wᵀ + b` over the last axis.
 * @param x - `[..., in]`.
 * @param weight - `[out, in]`.
 * @param bias - `[out]` or null.
 * @returns `[..., out]`.
 * @example
 * ```ts
 * linear(ones([2, 3]), ones([4, 3]), zeros([4])).shape; // [2, 4]
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return linearImpl('linear', x, weight, bias, false);
}

/**
 * `relu(x Wᵀ + b)`: a {@link linear} layer followed by ReLU. With fused kernels on (the default,
 * see {@link setFusedKernels}) this is one recorded op whose forward adds the bias and clamps in one
 * pass over the product, and whose backward masks the gradient once and forms `dW = gᵀx` directly in
 * the weight's `[out, in]` layout; with them off it is `linear(x, weight, bias).relu()`.
 * @param x - `[..., in]`.
 * @param weight - `[out, in]`.
 * @param bias - `[out]` or null.
 * @returns `[..., out]`, non-negative.
 * @example
 * ```ts
 * linearRelu(tensor([[1, -1]]), tensor([[1, 0], [0, 1]]), zeros([2])).toArray(); // [[1, 0]]
 * ```
 */
export function linearRelu(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return linearImpl('linearRelu', x, weight, bias, true);
}

let fusedKernels = true;

/**
 * Turn the fused kernels of `@gd/nn` on or off (on by default): {@link linear} / {@link linearRelu}
 * as one recorded op each, and `crossEntropy` of class indices as one op (log-softmax + NLL forward,
 * `softmax − onehot` backward). Off, the same functions run as compositions of `@gd/tensor` ops
 * (matmul, add, relu, logSoftmax, gather...) — same values up to rounding, same gradients. Useful to
 * compare the two or to debug a gradient through the individual ops.
 * @param on - use the fused kernels.
 * @returns the previous setting.
 * @example
 * ```ts
 * const prev = setFusedKernels(false);
 * // ... run the unfused compositions ...
 * setFusedKernels(prev);
 * ```
 */
export function setFusedKernels(on: boolean): boolean {
  const prev = fusedKernels;
  fusedKernels = on === true;
  return prev;
}

/**
 * Whether the fused kernels are on (see {@link setFusedKernels}).
 * @returns the current setting.
 * @example
 * ```ts
 * fusedKernelsEnabled(); // true
 * ```
 */
export function fusedKernelsEnabled(): boolean {
  return fusedKernels;
}

function linearImpl(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, relu: boolean): Tensor {
  checkTensor(op, x);
  checkTensor(op, weight);
  if (weight.ndim !== 2) throw new RangeError(`${op}: weight must be [out, in], got ${fmt(weight.shape)}`);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new RangeError(`${op}: input ${fmt(x.shape)} does not end in in_features ${weight.shape[1]} (weight ${fmt(weight.shape)})`);
  }
  if (bias !== null) {
    checkTensor(op, bias);
    if (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]) {
      throw new RangeError(`${op}: bias must be [${weight.shape[0]}] (out_features), got ${fmt(bias.shape)}`);
    }
  }
  const fusable = fusedKernels && isFloat(x.dtype) && weight.dtype === x.dtype && (bias === null || bias.dtype === x.dtype);
  if (!fusable) {
    const y = x.matmul(weight.T);
    const z = bias === null ? y : y.add(bias);
    return relu ? z.relu() : z;
  }
  const inF = weight.shape[1]!, outF = weight.shape[0]!;
  const x2 = x.ndim === 2 ? x : x.reshape([x.shape.slice(0, -1).reduce((p, d) => p * d, 1), inF]);
  const fn = relu ? (bias === null ? linearReluNoBiasOp : linearReluOp) : bias === null ? linearNoBiasOp : linearOp;
  const y = bias === null ? fn(x2, weight) : fn(x2, weight, bias);
  return x.ndim === 2 ? y : y.reshape([...x.shape.slice(0, -1), outF]);
}

type FloatArray = Float32Array | Float64Array;

/** Whether `t` owns its whole storage in row-major order (offset 0, contiguous, nothing else in it). */
function ownsStorage(t: Tensor): boolean {
  return t.offset === 0 && t.storage.length === t.size && t.isContiguous();
}

/**
 * `out[i, j] += b[j]` over the row-major `[n, m]` block `out` (in place): the backend's broadcasting
 * add when it takes it, else a loop (the same float32/float64 roundings either way).
 */
function addBiasRows(out: FloatArray, b: Tensor, n: number, m: number): void {
  const bs = b.storage as FloatArray, bo = b.offset, st = b.strides[0]!;
  if ((st === 1 || m === 1) && T.getBackend()?.broadcast?.('add', out, out, 0, m, 1, bs, bo, 0, 1, n, m)) return;
  for (let i = 0, o = 0; i < n; i++, o += m) for (let j = 0; j < m; j++) out[o + j] = out[o + j]! + bs[bo + j * st]!;
}

/** `a[i] = relu(a[i])` in place (NaN passes): the backend's kernel when it takes it, else a loop. */
function reluInPlace(a: FloatArray): void {
  if (T.getBackend()?.elementwise?.('relu', a, a, null)) return;
  for (let i = 0; i < a.length; i++) { const v = a[i]!; a[i] = v > 0 || v !== v ? v : 0; }
}

/**
 * Column sums of the `[n, m]` gradient `g` (any 2-d layout) into a new `[m]` tensor, accumulated in
 * float64 row after row (the order of `sum(0)`) and rounded once: the backend's kernel when `g`'s rows
 * are contiguous and it takes them, else a loop.
 */
function columnSums(g: Tensor, n: number, m: number): Tensor {
  const db = T.zeros([m], { dtype: g.dtype });
  const out = db.storage as FloatArray, gs = g.storage as FloatArray;
  const rs = g.strides[0]!, cs = g.strides[1]!;
  if ((cs === 1 || m === 1) && rs >= m && T.getBackend()?.colSum?.(out, gs, g.offset, n, m, rs)) return db;
  const acc = new Float64Array(m);
  for (let i = 0; i < n; i++) { const o = g.offset + i * rs; for (let j = 0; j < m; j++) acc[j] += gs[o + j * cs]!; }
  out.set(acc);
  return db;
}

/**
 * The fused linear op (x [n, in], W [out, in], optional b [out]; optional ReLU). Forward: one matmul
 * into fresh storage, then the bias and the clamp in place over it. Backward, written in tensor ops
 * under `createGraph` (so it can be differentiated again): `gm = relu ? g·[y > 0] : g`, `dx = gm W`,
 * `dW = gmᵀ x` (already `[out, in]`: no transposed copy), `db = Σₙ gm`. Every gradient is a new
 * tensor, so the engine may adopt it as `.grad` without copying. The elementwise passes (bias, ReLU,
 * mask, column sums) use the backend's kernels where it takes them (they give the bits of the loops
 * here), so nothing runs as a slow JS loop over large operands.
 */
function makeLinearOp(relu: boolean, withBias: boolean): (...inputs: Tensor[]) => Tensor {
  return customFunction({
    name: relu ? 'linearRelu' : 'linear',
    freshGradients: true,
    forward(ctx, ...inputs: Tensor[]) {
      const [x, w] = inputs as [Tensor, Tensor];
      const b = withBias ? inputs[2]! : null;
      ctx.save(x, w);
      let y = x.matmul(w.T);
      if (!ownsStorage(y)) y = y.clone();
      const out = y.storage as FloatArray;
      if (b !== null) addBiasRows(out, b, y.shape[0]!, y.shape[1]!);
      if (relu) {
        reluInPlace(out);
        ctx.save(y);
      }
      return y;
    },
    backward(ctx, g) {
      const saved = ctx.saved;
      const x = saved[0]!, w = saved[1]!;
      const need = ctx.needsInputGrad;
      const n = g.shape[0]!, m = g.shape[1]!;
      let gm: Tensor, db: Tensor | null = null;
      if (isGradEnabled()) {
        // createGraph: recorded ops, differentiable again (the same mask as the relu rule: 1 where y > 0).
        gm = relu ? g.mul(saved[2]!.gt(0).to(g.dtype)) : g;
        if (withBias && need[2]) db = gm.sum(0);
      } else {
        if (relu) {
          // gm = g · [y > 0] into fresh storage (y owns its storage: the forward made sure of it)
          const y = saved[2]!;
          gm = T.zeros([n, m], { dtype: g.dtype });
          const gmd = gm.storage as FloatArray, yd = y.storage as FloatArray;
          const gc = ownsStorage(g) ? g : g.contiguous();
          const gd = gc.storage as FloatArray;
          if (!T.getBackend()?.elementwise?.('vjp_relu', gmd, gd, yd)) {
            for (let i = 0; i < gmd.length; i++) gmd[i] = gd[i]! * (yd[i]! > 0 ? 1 : 0);
          }
        } else {
          gm = g;
        }
        if (withBias && need[2]) db = columnSums(gm, n, m);
      }
      const dx = need[0] ? gm.matmul(w) : null, dw = need[1] ? gm.T.matmul(x) : null;
      return withBias ? [dx, dw, db] : [dx, dw];
    },
  });
}

const linearOp = makeLinearOp(false, true);
const linearNoBiasOp = makeLinearOp(false, false);
const linearReluOp = makeLinearOp(true, true);
const linearReluNoBiasOp = makeLinearOp(true, false);

/**
 * Look up rows of an embedding table.
 * @param indices - integer tensor of any shape, values in `[0, num)`.
 * @param weight - `[num, dim]`.
 * @param paddingIdx - optional row (in `[-num, num)`, negative counts from the end) whose lookups
 *   return the row's current value but send no gradient to it, as PyTorch's `padding_idx`.
 * @returns `[...indices.shape, dim]`; the gradient of `weight` accumulates (scatter-adds) one row per
 *   lookup, except lookups of `paddingIdx`.
 * @example
 * ```ts
 * embedding(tensor([[0, 2]], { dtype: 'int32' }), randn([3, 4])).shape; // [1, 2, 4]
 * ```
 */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  checkTensor('embedding', indices);
  if (indices.dtype !== 'int32') throw new TypeError(`embedding: indices must be int32, got ${indices.dtype}`);
  if (weight.ndim !== 2) throw new RangeError(`embedding: weight must be [num, dim], got ${fmt(weight.shape)}`);
  const num = weight.shape[0]!;
  const pad = paddingIdx === null ? null : resolvePaddingIdx('embedding', paddingIdx, num);
  const flat = indices.reshape([-1]);
  const v = flat.data();
  for (let i = 0; i < v.length; i++) {
    if (v[i]! < 0 || v[i]! >= num) throw new RangeError(`embedding: index ${v[i]} at flat position ${i} is out of range for ${num} embeddings`);
  }
  let rows = T.indexSelect(weight, 0, flat);
  if (pad !== null && weight.requiresGrad) {
    // same values, but the padded lookups read a detached copy, so no gradient reaches row `pad`
    const isPad = flat.eq(pad).reshape([-1, 1]);
    rows = where(isPad, T.indexSelect(weight.detach(), 0, flat), rows);
  }
  return rows.reshape([...indices.shape, weight.shape[1]!]);
}

/** Check and normalise an embedding padding index (negative counts from the end). */
function resolvePaddingIdx(op: string, paddingIdx: number, num: number): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) {
    throw new RangeError(`${op}: paddingIdx ${paddingIdx} must be an integer in [${-num}, ${num}) for ${num} embeddings`);
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

// ------------------------------------------------------------------ normalisation

/**
 * Layer normalisation over the last `normalizedShape.length` axes:
 * `y = (x − μ) / √(σ² + ε) · γ + β` with μ, σ² the mean and population variance of each slice.
 * @param x - input whose trailing axes equal `normalizedShape`.
 * @param normalizedShape - the trailing shape to normalise over.
 * @param weight - γ of shape `normalizedShape`, or null.
 * @param bias - β of shape `normalizedShape`, or null.
 * @param eps - added to the variance (default 1e-5).
 * @returns same shape as `x`.
 * @example
 * ```ts
 * layerNorm(tensor([[1, 2, 3]]), [3]).toArray(); // [[-1.2247, 0, 1.2247]]
 * ```
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  checkTensor('layerNorm', x);
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new RangeError(`layerNorm: input ${fmt(x.shape)} does not end in normalizedShape ${fmt(normalizedShape)}`);
  }
  const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const mu = x.mean(axes, true);
  const centred = x.sub(mu);
  const varr = centred.square().mean(axes, true);
  let y = centred.mul(varr.add(eps).rsqrt());
  if (weight !== null) y = y.mul(weight);
  if (bias !== null) y = y.add(bias);
  return y;
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Running mean, updated in place in training (or null to not track). */
  runningMean?: Tensor | null;
  /** Running (unbiased) variance, updated in place in training (or null). */
  runningVar?: Tensor | null;
  /** γ `[C]` or null. */
  weight?: Tensor | null;
  /** β `[C]` or null. */
  bias?: Tensor | null;
  /** Use batch statistics (and update the running ones) — true in training. */
  training?: boolean;
  /** Weight of the new batch in the running averages (default 0.1); `null` for a cumulative average via `averageFactor`. */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Batch normalisation over every axis but the channel axis 1 of `[N, C, ...]` input:
 * `y = (x − μ) / √(σ² + ε) · γ + β`. In training μ, σ² are the batch mean and population variance,
 * and the running statistics become `(1 − m)·running + m·batch` (the running variance uses the
 * unbiased batch variance, as PyTorch does); in evaluation the running statistics are used.
 * @param x - `[N, C]`, `[N, C, L]`, `[N, C, H, W]`, ...
 * @param opts - statistics, affine parameters, mode, momentum, eps.
 * @returns same shape as `x`.
 * @example
 * ```ts
 * batchNorm(tensor([[1], [3]]), { training: true }).toArray(); // [[-1], [1]] (approximately)
 * ```
 */
export function batchNorm(x: Tensor, opts: BatchNormOptions = {}): Tensor {
  checkTensor('batchNorm', x);
  checkFloat('batchNorm', x);
  if (x.ndim < 2) throw new RangeError(`batchNorm: expected [N, C, ...] input, got ${fmt(x.shape)}`);
  const c = x.shape[1]!;
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  const training = opts.training ?? true;
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  for (const [name, t] of [['runningMean', opts.runningMean], ['runningVar', opts.runningVar], ['weight', opts.weight], ['bias', opts.bias]] as const) {
    if (t != null && (t.ndim !== 1 || t.shape[0] !== c)) throw new RangeError(`batchNorm: ${name} has shape ${fmt(t.shape)}, expected [${c}] for input ${fmt(x.shape)}`);
  }
  let y: Tensor;
  if (training) {
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    if (count <= 1) throw new RangeError(`batchNorm: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
    const mu = x.mean(axes, true);
    const centred = x.sub(mu);
    const varr = centred.square().mean(axes, true);
    y = centred.mul(varr.add(eps).rsqrt());
    if (opts.runningMean != null && opts.runningVar != null) {
      const prev = T.setGradEnabled(false);
      try {
        const bm = mu.detach().reshape([c]);
        const bv = varr.detach().reshape([c]).mul(count / (count - 1));
        opts.runningMean.mulInPlace(1 - momentum).addInPlace(bm, momentum);
        opts.runningVar.mulInPlace(1 - momentum).addInPlace(bv, momentum);
      } finally {
        T.setGradEnabled(prev);
      }
    }
  } else {
    if (opts.runningMean == null || opts.runningVar == null) throw new Error('batchNorm: evaluation mode needs runningMean and runningVar');
    y = x.sub(opts.runningMean.reshape(bshape)).mul(opts.runningVar.reshape(bshape).add(eps).rsqrt());
  }
  if (opts.weight != null) y = y.mul(opts.weight.reshape(bshape));
  if (opts.bias != null) y = y.add(opts.bias.reshape(bshape));
  return y;
}

// ------------------------------------------------------------------ convolution and pooling

/** A size for both spatial axes, or `[height, width]`. */
export type Size2 = number | readonly [number, number];

function pair(op: string, name: string, v: Size2, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || p.some((n) => !Number.isInteger(n) || n < min)) throw new RangeError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  return p;
}

/** Zero- (or `value`-) pad the last two axes of `x` by `[ph, pw]` on each side (differentiable). */
function pad2d(x: Tensor, ph: number, pw: number, value: number): Tensor {
  if (ph === 0 && pw === 0) return x;
  return T.pad(x, [pw, pw, ph, ph], value);
}

interface Windows {
  /** Padded input. */
  xp: Tensor;
  ho: number;
  wo: number;
  /** The strided view of the padded input that kernel offset (i, j) sees: `[N, C, Ho, Wo]`. */
  at(i: number, j: number): Tensor;
}

function windows(op: string, x: Tensor, k: [number, number], stride: [number, number], padding: [number, number], dilation: [number, number], padValue: number,
  sizeOnlyPadding: [number, number] = [0, 0]): Windows {
  if (x.ndim !== 4) throw new RangeError(`${op}: expected [N, C, H, W] input, got ${fmt(x.shape)}`);
  const [, , h, w] = x.shape as [number, number, number, number];
  // sizeOnlyPadding counts in the sizes and checks but is not materialised (`at` then ignores it)
  const hp = h + 2 * (padding[0] + sizeOnlyPadding[0]);
  const wp = w + 2 * (padding[1] + sizeOnlyPadding[1]);
  const ekh = dilation[0] * (k[0] - 1) + 1;
  const ekw = dilation[1] * (k[1] - 1) + 1;
  if (ekh > hp || ekw > wp) {
    throw new RangeError(`${op}: kernel ${fmt(k)} (dilation ${fmt(dilation)}) is larger than the padded input ${hp}x${wp} (input ${fmt(x.shape)}, padding ${fmt([padding[0] + sizeOnlyPadding[0], padding[1] + sizeOnlyPadding[1]])})`);
  }
  const ho = Math.floor((hp - ekh) / stride[0]) + 1;
  const wo = Math.floor((wp - ekw) / stride[1]) + 1;
  const xp = pad2d(x, padding[0], padding[1], padValue);
  return {
    xp, ho, wo,
    at: (i, j) => {
      const r0 = i * dilation[0];
      const c0 = j * dilation[1];
      return xp.slice(null, null, [r0, r0 + stride[0] * (ho - 1) + 1, stride[0]], [c0, c0 + stride[1] * (wo - 1) + 1, stride[1]]);
    },
  };
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zero padding on each side (default 0), or `'valid'` (0) / `'same'` (output size = input size; stride 1 only). */
  padding?: Size2 | 'valid' | 'same';
  /** Spacing between kernel elements (default 1). */
  dilation?: Size2;
  /**
   * Number of channel groups (default 1). Input channels and output channels are split into `groups`
   * equal blocks and block `g` of the output sees only block `g` of the input, so the weight is
   * `[O, C / groups, kh, kw]`; `groups = C` gives a depthwise convolution.
   */
  groups?: number;
}

function resolvePadding(op: string, padding: Size2 | 'valid' | 'same' | undefined, k: [number, number], stride: [number, number], dilation: [number, number]): [number, number] {
  if (padding === undefined || padding === 'valid') return [0, 0];
  if (padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new RangeError(`${op}: padding 'same' needs stride 1, got ${fmt(stride)}`);
    const tot = [dilation[0] * (k[0] - 1), dilation[1] * (k[1] - 1)];
    if (tot[0]! % 2 !== 0 || tot[1]! % 2 !== 0) throw new RangeError(`${op}: padding 'same' needs an odd effective kernel size, got kernel ${fmt(k)} with dilation ${fmt(dilation)}`);
    return [tot[0]! / 2, tot[1]! / 2];
  }
  return pair(op, 'padding', padding, 0);
}

/**
 * 2-d convolution (cross-correlation, as in PyTorch) of `[N, C, H, W]` input with `[O, C, kh, kw]`
 * weights: `y[n,o,p,q] = b[o] + Σ_{c,i,j} w[o,c,i,j] · xpad[n, c, p·s₀ + i·d₀, q·s₁ + j·d₁]`.
 * Output size per axis: `⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1`.
 *
 * Built as im2col + matmul: {@link unfold} copies every window into the columns of an
 * `[N, C·kh·kw, Ho·Wo]` tensor and the weights, viewed as an `[O, C·kh·kw]` matrix, multiply it (one
 * large product for the whole batch, with the columns as one `[C·kh·kw, N·Ho·Wo]` matrix, instead of
 * `kh·kw` thin ones). The gradient flows through matmul and
 * unfold's rule ({@link fold}), so conv2d differentiates to any order.
 * With `groups = G` the channels are cut into G blocks and each block is convolved separately
 * (`y[n, o] = b[o] + Σ_{c ∈ block(o)} …`): a batched product of `[G, O/G, C/G·kh·kw]` weights with
 * the columns viewed as `[G, C/G·kh·kw, N·Ho·Wo]`.
 * @param x - `[N, C, H, W]`.
 * @param weight - `[O, C / groups, kh, kw]`.
 * @param bias - `[O]` or null.
 * @param opts - stride, padding, dilation, groups.
 * @returns `[N, O, Ho, Wo]`.
 * @example
 * ```ts
 * conv2d(ones([1, 1, 3, 3]), ones([1, 1, 2, 2]), null).toArray(); // [[[[4, 4], [4, 4]]]]
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', x);
  checkFloat('conv2d', x);
  if (weight.ndim !== 4) throw new RangeError(`conv2d: weight must be [O, C/groups, kh, kw], got ${fmt(weight.shape)}`);
  if (x.ndim !== 4) throw new RangeError(`conv2d: expected [N, C, H, W] input, got ${fmt(x.shape)}`);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`conv2d: groups must be a positive integer, got ${groups}`);
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  const c = x.shape[1]!;
  if (c % groups !== 0 || o % groups !== 0) {
    throw new RangeError(`conv2d: groups ${groups} must divide both the input channels ${c} (input ${fmt(x.shape)}) and the output channels ${o} (weight ${fmt(weight.shape)})`);
  }
  if (cg * groups !== c) {
    throw new RangeError(groups === 1
      ? `conv2d: input ${fmt(x.shape)} has ${c} channels, weight ${fmt(weight.shape)} expects ${cg}`
      : `conv2d: input ${fmt(x.shape)} has ${c} channels, weight ${fmt(weight.shape)} with groups ${groups} expects ${cg * groups}`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== o)) throw new RangeError(`conv2d: bias must be [${o}], got ${fmt(bias.shape)}`);
  const stride = pair('conv2d', 'stride', opts.stride ?? 1, 1);
  const dilation = pair('conv2d', 'dilation', opts.dilation ?? 1, 1);
  const padding = resolvePadding('conv2d', opts.padding, [kh, kw], stride, dilation);
  const [n, , h, wd] = x.shape as [number, number, number, number];
  const ekh = dilation[0] * (kh - 1) + 1;
  const ekw = dilation[1] * (kw - 1) + 1;
  if (ekh > h + 2 * padding[0] || ekw > wd + 2 * padding[1]) {
    throw new RangeError(`conv2d: kernel ${fmt([kh, kw])} (dilation ${fmt(dilation)}) is larger than the padded input ${h + 2 * padding[0]}x${wd + 2 * padding[1]} (input ${fmt(x.shape)}, padding ${fmt(padding)})`);
  }
  const ho = Math.floor((h + 2 * padding[0] - ekh) / stride[0]) + 1;
  const wo = Math.floor((wd + 2 * padding[1] - ekw) / stride[1]) + 1;
  // im2col: cols[n, (c·kh + i)·kw + j, p·Wo + q], stored as one [C·kh·kw, N·Ho·Wo] matrix, and one
  // product with the weights as an [O, C·kh·kw] matrix (the wasm gemm at m = O, n = N·Ho·Wo,
  // k = C·kh·kw; its backward is two products of the same size).
  const kk = cg * kh * kw;
  const nl = n * ho * wo;
  const cols = T.unfold(x, [kh, kw], { stride, padding, dilation }).permute([1, 0, 2]).reshape([groups, kk, nl]);
  // cols' rows are ordered by input channel, so group g owns the row block [g·kk, (g+1)·kk):
  // [G, O/G, kk] @ [G, kk, N·L] → [G, O/G, N·L], which is [O, N·L] in memory.
  let y = groups === 1 ? weight.reshape([o, kk]).matmul(cols.reshape([kk, nl])) : weight.reshape([groups, o / groups, kk]).matmul(cols);
  y = y.reshape([o, nl]);
  if (bias !== null) y = y.add(bias.reshape([o, 1]));
  return y.reshape([o, n, ho, wo]).permute([1, 0, 2, 3]).contiguous();
}

/**
 * im2col and its adjoint, re-exported from `@gd/tensor` so the functional API has PyTorch's
 * `F.unfold` / `F.fold`: `unfold(x, kernelSize, { stride, padding, dilation })` → `[N, C·kh·kw, L]`
 * and `fold(cols, outputSize, kernelSize, opts)` → `[N, C, H, W]`.
 */
export { unfold, fold, type UnfoldOptions } from '@gd/tensor';

/** Options of the pooling functions. */
export interface Pool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2;
  /** Implicit padding on each side (default 0; at most half the kernel). */
  padding?: Size2;
  /** Spacing between window elements (max pooling only; default 1). */
  dilation?: Size2;
}

function poolSetup(op: string, x: Tensor, kernelSize: Size2, opts: Pool2dOptions, padValue: number, pad = true):
  { win: Windows; k: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number] } {
  checkTensor(op, x);
  checkFloat(op, x);
  const k = pair(op, 'kernelSize', kernelSize, 1);
  const stride = pair(op, 'stride', opts.stride ?? k, 1);
  const padding = pair(op, 'padding', opts.padding ?? 0, 0);
  const dilation = pair(op, 'dilation', opts.dilation ?? 1, 1);
  if (padding[0] > k[0] / 2 || padding[1] > k[1] / 2) throw new RangeError(`${op}: padding ${fmt(padding)} must be at most half the kernel size ${fmt(k)}`);
  // (pad = false: only the output size and the checks; the padded copy is not made)
  return { win: windows(op, x, k, stride, pad ? padding : [0, 0], dilation, padValue, pad ? [0, 0] : padding), k, stride, padding, dilation };
}

/**
 * The flat index (`row * W + col` within its `[H, W]` plane) of the first maximum of every window of
 * max pooling, and its value (the backend's kernel, else `maxPoolKernel`); `null` when some window
 * lies entirely in the padding. NaN wins (the first NaN of a window is taken, as in PyTorch).
 */
function maxPoolArgmax(x: Tensor, k: [number, number], stride: [number, number], padding: [number, number], dilation: [number, number],
  ho: number, wo: number): { index: Tensor; values: Tensor } | null {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const g: T.ConvGeometry = { n, c, h, w, kh: k[0], kw: k[1], sh: stride[0], sw: stride[1], ph: padding[0], pw: padding[1], dh: dilation[0], dw: dilation[1], ho, wo };
  const index = T.zeros([n * c, ho * wo], { dtype: 'int32' });
  const values = T.zeros([n * c, ho * wo], { dtype: x.dtype });
  const xs = x.storage as Float32Array | Float64Array, vs = values.storage as Float32Array | Float64Array, is = index.storage as Int32Array;
  const be = T.getBackend();
  const contiguous = x.isContiguous();
  if (contiguous && be?.maxPool !== undefined && be.maxPool(g, xs, x.offset, vs, is)) return { index, values };
  return T.maxPoolKernel(g, xs, x.offset, x.strides, vs, is) ? { index, values } : null;
}

/**
 * 2-d max pooling: the maximum of each (optionally strided, padded, dilated) window. Padding counts
 * as −∞; NaN propagates. The gradient goes to the first maximum of each window (row-major), as in
 * PyTorch: the windows' argmax is found by one loop and the output is recorded as a `gather` of the
 * flattened planes at those positions, so its gradient is a `scatterAdd` (differentiable again).
 * @param x - `[N, C, H, W]`.
 * @param kernelSize - window size.
 * @param opts - stride (default kernel), padding, dilation.
 * @returns `[N, C, Ho, Wo]`.
 * @example
 * ```ts
 * maxPool2d(tensor([[[[1, 2], [3, 4]]]]), 2).toArray(); // [[[[4]]]]
 * ```
 */
export function maxPool2d(x: Tensor, kernelSize: Size2, opts: Pool2dOptions = {}): Tensor {
  const { win, k, stride, padding, dilation } = poolSetup('maxPool2d', x, kernelSize, opts, -Infinity, false);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const found = n * c * win.ho * win.wo > 0 ? maxPoolArgmax(x, k, stride, padding, dilation, win.ho, win.wo) : null;
  if (found === null) {
    // empty, or a window wholly in the padding (possible with dilation): the composite of maxima
    const full = windows('maxPool2d', x, k, stride, padding, dilation, -Infinity);
    let acc: Tensor | null = null;
    for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) acc = acc === null ? full.at(i, j) : acc.maximum(full.at(i, j));
    return acc!.contiguous();
  }
  // found.values is exactly gather(x as [N·C, H·W], 1, index): record it as that op
  const flat = x.reshape([n * c, h * w]);
  const y = T.record('gather', [flat], found.values, { axis: 1, index: found.index });
  return y.reshape([n, c, win.ho, win.wo]);
}

/**
 * 2-d average pooling: the mean of each window; zero padding is included in the count (PyTorch's
 * default `count_include_pad=True`). Computed as the mean over the window axis of {@link unfold}
 * applied to every channel plane (`[N·C, 1, H, W]`), so its gradient is one {@link fold}.
 * @param x - `[N, C, H, W]`.
 * @param kernelSize - window size.
 * @param opts - stride (default kernel), padding.
 * @returns `[N, C, Ho, Wo]`.
 * @example
 * ```ts
 * avgPool2d(tensor([[[[1, 2], [3, 4]]]]), 2).toArray(); // [[[[2.5]]]]
 * ```
 */
export function avgPool2d(x: Tensor, kernelSize: Size2, opts: Omit<Pool2dOptions, 'dilation'> = {}): Tensor {
  const { win, k, stride, padding } = poolSetup('avgPool2d', x, kernelSize, { ...opts, dilation: 1 }, 0, false);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return T.unfold(x.reshape([n * c, 1, h, w]), k, { stride, padding }).mean(1).reshape([n, c, win.ho, win.wo]);
}
