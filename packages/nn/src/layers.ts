/**
 * Layers: modules holding parameters (and buffers) around the functions of `functional.ts`.
 * Default initialisations follow PyTorch.
 * @module
 */
import { Tensor, Generator, defaultGenerator, zeros, ones, fmt, softmax, logSoftmax, type DType } from '@gd/tensor';
import { Module, parameter, type Parameter } from './module.js';
import * as init from './init.js';
import * as F from './functional.js';

/** Options shared by layers that create parameters. */
export interface LayerOptions {
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Seeded generator for the initial weights (default: the global generator). */
  generator?: Generator;
}

function checkPositiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${op}: ${name} must be a positive integer, got ${v}`);
}

function fresh(shape: number[], dtype: DType | undefined): Tensor {
  return zeros(shape, { dtype: dtype ?? 'float32' });
}

/**
 * Fully connected layer `y = x Wᵀ + b` with `W: [out, in]`. PyTorch's initialisation:
 * `W ~ kaimingUniform(a = √5)` (i.e. U(±1/√in)) and `b ~ U(±1/√in)`.
 * @example
 * ```ts
 * const fc = new Linear(4, 2, { generator: new Generator(0) });
 * fc.forward(randn([8, 4])).shape; // [8, 2]
 * ```
 */
export class Linear extends Module {
  /** `[outFeatures, inFeatures]`. */
  readonly weight: Parameter;
  /** `[outFeatures]`, or null without bias. */
  readonly bias: Parameter | null;

  /**
   * @param inFeatures - size of each input sample.
   * @param outFeatures - size of each output sample.
   * @param opts - `bias` (default true), `dtype`, `generator`.
   */
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LayerOptions & { bias?: boolean } = {}) {
    super();
    checkPositiveInt('Linear', 'inFeatures', inFeatures);
    checkPositiveInt('Linear', 'outFeatures', outFeatures);
    const g = opts.generator ?? defaultGenerator;
    this.weight = parameter(init.kaimingUniform(fresh([outFeatures, inFeatures], opts.dtype), { a: Math.sqrt(5), generator: g }));
    const bound = 1 / Math.sqrt(inFeatures);
    this.bias = opts.bias === false ? null : parameter(init.uniform(fresh([outFeatures], opts.dtype), -bound, bound, { generator: g }));
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }

  /**
   * @param x - `[..., inFeatures]`.
   * @returns `[..., outFeatures]`.
   */
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }

  /**
   * @internal `Linear` then `ReLU` as the fused {@link F.linearRelu} — only when neither module's
   * `forward` was replaced (by a subclass or on the instance), so a customised stage always runs.
   * @param x - `[..., inFeatures]`.
   * @param next - the following stage.
   * @returns `relu(linear(x))`, or `null` when `next` is not a plain `ReLU` or the fused kernels are off.
   */
  override _forwardFused(x: Tensor, next: Module): Tensor | null {
    if (!F.fusedKernelsEnabled() || this.forward !== Linear.prototype.forward || !(next instanceof ReLU) || next.forward !== ReLU.prototype.forward) return null;
    // Bad input goes the unfused way, so its error names `linear` exactly as it would there.
    if (!(x instanceof Tensor) || x.ndim < 1 || x.shape[x.ndim - 1] !== this.weight.shape[1]) return null;
    return F.linearRelu(x, this.weight, this.bias);
  }
}

/**
 * Passes its input through unchanged (a placeholder in `Sequential`s).
 * @example
 * ```ts
 * new Identity().forward(tensor([1])).toArray(); // [1]
 * ```
 */
export class Identity extends Module {
  /** @param x - input. @returns `x`. */
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * `max(x, 0)`.
 * @example
 * ```ts
 * new ReLU().forward(tensor([-1, 2])).toArray(); // [0, 2]
 * ```
 */
export class ReLU extends Module {
  /** @param x - input. @returns `relu(x)`. */
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/**
 * Leaky ReLU with a fixed negative slope.
 * @example
 * ```ts
 * new LeakyReLU(0.1).forward(tensor([-1])).toArray(); // [-0.1]
 * ```
 */
export class LeakyReLU extends Module {
  /** @param negativeSlope - slope for negative inputs (default 0.01). */
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }

  /** @param x - input. @returns `leakyRelu(x)`. */
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
}

/**
 * ELU: `x` for positive inputs, `α(eˣ − 1)` otherwise.
 * @example
 * ```ts
 * new ELU().forward(tensor([-100])).toArray(); // [-1]
 * ```
 */
export class ELU extends Module {
  /** @param alpha - saturation value (default 1). */
  constructor(readonly alpha = 1) {
    super();
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }

  /** @param x - input. @returns `elu(x)`. */
  forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
}

/**
 * GELU `x·Φ(x)` (exact by default, or the tanh approximation).
 * @example
 * ```ts
 * new GELU().forward(tensor([0])).toArray(); // [0]
 * ```
 */
export class GELU extends Module {
  /** @param approximate - `'none'` (default) or `'tanh'`. */
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }

  /** @param x - input. @returns `gelu(x)`. */
  forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }
}

/**
 * SiLU (swish) `x·σ(x)`.
 * @example
 * ```ts
 * new SiLU().forward(tensor([0])).toArray(); // [0]
 * ```
 */
export class SiLU extends Module {
  /** @param x - input. @returns `silu(x)`. */
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/**
 * Logistic sigmoid `1/(1 + e⁻ˣ)`.
 * @example
 * ```ts
 * new Sigmoid().forward(tensor([0])).toArray(); // [0.5]
 * ```
 */
export class Sigmoid extends Module {
  /** @param x - input. @returns `σ(x)`. */
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/**
 * Hyperbolic tangent.
 * @example
 * ```ts
 * new Tanh().forward(tensor([0])).toArray(); // [0]
 * ```
 */
export class Tanh extends Module {
  /** @param x - input. @returns `tanh(x)`. */
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/**
 * Softplus `log(1 + e^{βx})/β`, linear above `threshold`.
 * @example
 * ```ts
 * new Softplus().forward(tensor([0])).toArray(); // [0.6931472]
 * ```
 */
export class Softplus extends Module {
  /** @param beta - sharpness (default 1). @param threshold - switch to the identity above `βx > threshold` (default 20). */
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }

  /** @param x - input. @returns `softplus(x)`. */
  forward(x: Tensor): Tensor {
    return x.softplus(this.beta, this.threshold);
  }
}

/**
 * Softmax along an axis.
 * @example
 * ```ts
 * new Softmax(-1).forward(tensor([0, 0])).toArray(); // [0.5, 0.5]
 * ```
 */
export class Softmax extends Module {
  /** @param axis - the axis whose entries sum to 1 (default -1). */
  constructor(readonly axis = -1) {
    super();
  }

  override extraRepr(): string {
    return `axis=${this.axis}`;
  }

  /** @param x - input. @returns probabilities. */
  forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
}

/**
 * Log-softmax along an axis.
 * @example
 * ```ts
 * new LogSoftmax(-1).forward(tensor([0, 0])).toArray(); // [-0.6931472, -0.6931472]
 * ```
 */
export class LogSoftmax extends Module {
  /** @param axis - the normalised axis (default -1). */
  constructor(readonly axis = -1) {
    super();
  }

  override extraRepr(): string {
    return `axis=${this.axis}`;
  }

  /** @param x - input. @returns log-probabilities. */
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.axis);
  }
}

/**
 * Dropout with a seeded mask; active only in training mode (`model.eval()` turns it off).
 * @example
 * ```ts
 * const drop = new Dropout(0.5, { generator: new Generator(1) });
 * drop.eval().forward(ones([3])).toArray(); // [1, 1, 1]
 * ```
 */
export class Dropout extends Module {
  /** The mask source. */
  readonly generator: Generator;

  /** @param p - drop probability (default 0.5). @param opts - `generator` (default: the global generator). */
  constructor(readonly p = 0.5, opts: { generator?: Generator } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
    this.generator = opts.generator ?? defaultGenerator;
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }

  /** @param x - input. @returns `x` with dropout applied in training. */
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training, this.generator);
  }
}

/**
 * Flattens axes `startDim..endDim` (default: all but the batch axis).
 * @example
 * ```ts
 * new Flatten().forward(zeros([2, 3, 4])).shape; // [2, 12]
 * ```
 */
export class Flatten extends Module {
  /** @param startDim - first axis to flatten (default 1). @param endDim - last axis (default -1). */
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  /** @param x - input. @returns the flattened tensor. */
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}

function paddingRow(paddingIdx: number, num: number): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) {
    throw new RangeError(`Embedding: paddingIdx ${paddingIdx} must be an integer in [${-num}, ${num}) for ${num} embeddings`);
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1) as in PyTorch.
 * The gradient of a lookup is scattered (added) back into the rows that were used. With
 * `paddingIdx`, that row starts at zeros and lookups of it send it no gradient (PyTorch's `padding_idx`).
 * @example
 * ```ts
 * const emb = new Embedding(10, 4, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2, 0]], { dtype: 'int32' })).shape; // [1, 3, 4]; the last vector is zeros
 * ```
 */
export class Embedding extends Module {
  /** `[numEmbeddings, embeddingDim]`. */
  readonly weight: Parameter;
  /** The padding row (normalised to `[0, numEmbeddings)`), or null. */
  readonly paddingIdx: number | null;

  /**
   * @param numEmbeddings - table size.
   * @param embeddingDim - vector size.
   * @param opts - `paddingIdx` (a row in `[-numEmbeddings, numEmbeddings)`, zero-initialised and never given gradient), `dtype`, `generator`.
   */
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: LayerOptions & { paddingIdx?: number | null } = {}) {
    super();
    checkPositiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    checkPositiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.paddingIdx = opts.paddingIdx === undefined || opts.paddingIdx === null ? null : paddingRow(opts.paddingIdx, numEmbeddings);
    const w = init.normal(fresh([numEmbeddings, embeddingDim], opts.dtype), 0, 1, { generator: opts.generator ?? defaultGenerator });
    if (this.paddingIdx !== null) w.narrow(0, this.paddingIdx, 1).copyFrom(0);
    this.weight = parameter(w);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }

  /** @param indices - int32 indices. @returns `[...indices.shape, embeddingDim]`. */
  forward(indices: Tensor): Tensor {
    return F.embedding(indices, this.weight, this.paddingIdx);
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn γ and β (default true). */
  elementwiseAffine?: boolean;
  /** Learn β (default true; needs `elementwiseAffine`). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/**
 * Layer normalisation over trailing axes, with learnable γ (ones) and β (zeros).
 * @example
 * ```ts
 * new LayerNorm([4]).forward(randn([2, 4])).shape; // [2, 4]
 * ```
 */
export class LayerNorm extends Module {
  /** The normalised trailing shape. */
  readonly normalizedShape: number[];
  /** γ, or null without `elementwiseAffine`. */
  readonly weight: Parameter | null;
  /** β, or null. */
  readonly bias: Parameter | null;

  /**
   * @param normalizedShape - trailing shape to normalise over (a number for one axis).
   * @param opts - `eps` (1e-5), `elementwiseAffine` (true), `bias` (true), `dtype`.
   */
  constructor(normalizedShape: number | readonly number[], readonly opts: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    for (const d of this.normalizedShape) checkPositiveInt('LayerNorm', 'normalizedShape entry', d);
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? parameter(ones(this.normalizedShape, { dtype: opts.dtype ?? 'float32' })) : null;
    this.bias = affine && (opts.bias ?? true) ? parameter(zeros(this.normalizedShape, { dtype: opts.dtype ?? 'float32' })) : null;
  }

  override extraRepr(): string {
    return `${fmt(this.normalizedShape)}, eps=${this.opts.eps ?? 1e-5}`;
  }

  /** @param x - input ending in `normalizedShape`. @returns normalised `x`. */
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.opts.eps ?? 1e-5);
  }
}

/** Options of {@link BatchNorm1d}. */
export interface BatchNorm1dOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of a new batch in the running averages (default 0.1); `null` for a cumulative average. */
  momentum?: number | null;
  /** Learn γ and β (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true). */
  trackRunningStats?: boolean;
  /** Parameter and buffer dtype (default float32). */
  dtype?: DType;
}

/**
 * Batch normalisation for `[N, C]` or `[N, C, L]` input, with running statistics (buffers
 * `running_mean`, `running_var`, `num_batches_tracked`, named as in PyTorch so state dicts line up).
 * Training mode normalises with batch statistics and updates the running ones; eval mode uses the
 * running ones.
 * @example
 * ```ts
 * const bn = new BatchNorm1d(3);
 * bn.forward(randn([8, 3]));      // training: batch statistics
 * bn.eval().forward(randn([2, 3])); // evaluation: running statistics
 * ```
 */
export class BatchNorm1d extends Module {
  /** γ `[C]` (ones), or null without `affine`. */
  readonly weight: Parameter | null;
  /** β `[C]` (zeros), or null. */
  readonly bias: Parameter | null;
  /** Weight of a new batch in the running averages; `null` for a cumulative average. */
  readonly momentum: number | null;
  /** Added to the variance. */
  readonly eps: number;

  /**
   * @param numFeatures - C.
   * @param opts - `eps` (1e-5), `momentum` (0.1, or null for a cumulative average), `affine` (true),
   *   `trackRunningStats` (true), `dtype`.
   */
  constructor(readonly numFeatures: number, opts: BatchNorm1dOptions = {}) {
    super();
    checkPositiveInt('BatchNorm1d', 'numFeatures', numFeatures);
    const dtype = opts.dtype ?? 'float32';
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`BatchNorm1d: momentum must be in [0, 1] or null, got ${this.momentum}`);
    const affine = opts.affine ?? true;
    this.weight = affine ? parameter(ones([numFeatures], { dtype })) : null;
    this.bias = affine ? parameter(zeros([numFeatures], { dtype })) : null;
    if (opts.trackRunningStats ?? true) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }));
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`;
  }

  /** The input ranks this layer accepts. @internal */
  protected get ranks(): readonly number[] {
    return [2, 3];
  }

  /** @param x - `[N, C]` or `[N, C, L]`. @returns normalised `x`. */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || !this.ranks.includes(x.ndim)) {
      throw new RangeError(`${this.typeName}: expected input of rank ${this.ranks.join(' or ')} ([N, C${this.ranks.includes(4) ? ', H, W' : '] or [N, C, L'}]), got ${x instanceof Tensor ? fmt(x.shape) : typeof x}`);
    }
    const tracking = this._buffers.has('running_mean');
    const useBatch = this.training || !tracking;
    let momentum = this.momentum ?? 0;
    if (this.training && tracking) {
      const nbt = this.buffer('num_batches_tracked');
      nbt.addInPlace(1);
      if (this.momentum === null) momentum = 1 / nbt.item();
    }
    return F.batchNorm(x, {
      runningMean: tracking ? this.buffer('running_mean') : null,
      runningVar: tracking ? this.buffer('running_var') : null,
      weight: this.weight,
      bias: this.bias,
      training: useBatch,
      momentum,
      eps: this.eps,
    });
  }
}

/**
 * 2-d convolution over `[N, C, H, W]` input (see {@link conv2d} for the maths). PyTorch's
 * initialisation: `W ~ kaimingUniform(a = √5)`, `b ~ U(±1/√(C·kh·kw))`.
 * @example
 * ```ts
 * const conv = new Conv2d(1, 4, 3, { padding: 1 });
 * conv.forward(randn([2, 1, 8, 8])).shape; // [2, 4, 8, 8]
 * ```
 */
export class Conv2d extends Module {
  /** `[outChannels, inChannels / groups, kh, kw]`. */
  readonly weight: Parameter;
  /** `[outChannels]`, or null. */
  readonly bias: Parameter | null;
  /** Stride, padding, dilation and groups. */
  readonly options: F.Conv2dOptions;

  /**
   * @param inChannels - C.
   * @param outChannels - O.
   * @param kernelSize - `k` or `[kh, kw]`.
   * @param opts - `stride`, `padding`, `dilation`, `groups` (1; must divide both channel counts), `bias` (true), `dtype`, `generator`.
   */
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: F.Size2, opts: F.Conv2dOptions & LayerOptions & { bias?: boolean } = {}) {
    super();
    checkPositiveInt('Conv2d', 'inChannels', inChannels);
    checkPositiveInt('Conv2d', 'outChannels', outChannels);
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    checkPositiveInt('Conv2d', 'kernel height', kh);
    checkPositiveInt('Conv2d', 'kernel width', kw);
    const groups = opts.groups ?? 1;
    checkPositiveInt('Conv2d', 'groups', groups);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv2d: groups ${groups} must divide both inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    const g = opts.generator ?? defaultGenerator;
    this.weight = parameter(init.kaimingUniform(fresh([outChannels, inChannels / groups, kh, kw], opts.dtype), { a: Math.sqrt(5), generator: g }));
    const bound = 1 / Math.sqrt((inChannels / groups) * kh * kw);
    this.bias = opts.bias === false ? null : parameter(init.uniform(fresh([outChannels], opts.dtype), -bound, bound, { generator: g }));
    this.options = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1, groups };
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.options.stride)}, padding=${JSON.stringify(this.options.padding)}${groups1(this.options.groups)}`;
  }

  /** @param x - `[N, C, H, W]`. @returns `[N, O, Ho, Wo]`. */
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.options);
  }
}

function groups1(groups: number | undefined): string {
  return groups === undefined || groups === 1 ? '' : `, groups=${groups}`;
}

/**
 * 2-d max pooling.
 * @example
 * ```ts
 * new MaxPool2d(2).forward(randn([1, 1, 4, 4])).shape; // [1, 1, 2, 2]
 * ```
 */
export class MaxPool2d extends Module {
  /** @param kernelSize - window size. @param opts - stride (default kernel), padding, dilation. */
  constructor(readonly kernelSize: F.Size2, readonly opts: F.Pool2dOptions = {}) {
    super();
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}`;
  }

  /** @param x - `[N, C, H, W]`. @returns pooled tensor. */
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, this.opts);
  }
}

/**
 * Sliding-window extraction (im2col) as a module: `[N, C, H, W]` → `[N, C·kh·kw, L]`
 * (see {@link F.unfold}; PyTorch's `nn.Unfold`).
 * @example
 * ```ts
 * new Unfold(2).forward(ones([1, 3, 4, 4])).shape; // [1, 12, 9]
 * ```
 */
export class Unfold extends Module {
  /** @param kernelSize - window size. @param opts - stride, padding, dilation. */
  constructor(readonly kernelSize: F.Size2, readonly opts: F.UnfoldOptions = {}) {
    super();
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}`;
  }

  /** @param x - `[N, C, H, W]`. @returns `[N, C·kh·kw, L]`. */
  forward(x: Tensor): Tensor {
    return F.unfold(x, this.kernelSize, this.opts);
  }
}

/**
 * Sum of sliding-window columns back into an image (col2im), the adjoint of {@link Unfold}:
 * `[N, C·kh·kw, L]` → `[N, C, H, W]` (see {@link F.fold}; PyTorch's `nn.Fold`).
 * @example
 * ```ts
 * new Fold([3, 3], 2).forward(ones([1, 4, 4])).toArray(); // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
 * ```
 */
export class Fold extends Module {
  /** @param outputSize - image size `[H, W]`. @param kernelSize - window size. @param opts - stride, padding, dilation. */
  constructor(readonly outputSize: F.Size2, readonly kernelSize: F.Size2, readonly opts: F.UnfoldOptions = {}) {
    super();
  }

  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}, kernelSize=${JSON.stringify(this.kernelSize)}`;
  }

  /** @param x - `[N, C·kh·kw, L]`. @returns `[N, C, H, W]`. */
  forward(x: Tensor): Tensor {
    return F.fold(x, this.outputSize, this.kernelSize, this.opts);
  }
}

/**
 * 2-d average pooling (padding counted as zeros).
 * @example
 * ```ts
 * new AvgPool2d(2).forward(ones([1, 1, 4, 4])).toArray(); // all ones, [1, 1, 2, 2]
 * ```
 */
export class AvgPool2d extends Module {
  /** @param kernelSize - window size. @param opts - stride (default kernel), padding. */
  constructor(readonly kernelSize: F.Size2, readonly opts: Omit<F.Pool2dOptions, 'dilation'> = {}) {
    super();
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}`;
  }

  /** @param x - `[N, C, H, W]`. @returns pooled tensor. */
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, this.opts);
  }
}

/**
 * Batch normalisation for `[N, C, H, W]` input (statistics over N, H and W for each channel), with
 * the same running statistics, options and PyTorch buffer names as {@link BatchNorm1d}.
 * @example
 * ```ts
 * const bn = new BatchNorm2d(4);
 * bn.forward(randn([2, 4, 5, 5])).shape; // [2, 4, 5, 5]
 * ```
 */
export class BatchNorm2d extends BatchNorm1d {
  /** @internal */
  protected override get ranks(): readonly number[] {
    return [4];
  }
}
