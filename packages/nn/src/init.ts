/**
 * Weight initialisers. Each fills a tensor **in place** (without recording a gradient) and returns it;
 * each random one takes an optional seeded `generator` (default: the global generator reset by
 * `manualSeed`). Semantics and defaults follow `torch.nn.init`.
 *
 * Exported from `@gd/nn` as the namespace `init`: `init.kaimingUniform(w, { a: Math.sqrt(5) })`.
 * @module
 */
import { Tensor, Generator, defaultGenerator, fmt } from '@gd/tensor';
import { withoutGrad } from './module.js';

/** Options of the random initialisers. */
export interface InitOptions {
  /** Source of random numbers (default: the global generator). */
  generator?: Generator;
}

/** A non-linearity name understood by {@link calculateGain}. */
export type Nonlinearity =
  | 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'leaky_relu' | 'selu';

/** Which fan Kaiming initialisation preserves: `fanIn` keeps forward activations' variance, `fanOut` the gradients'. */
export type FanMode = 'fanIn' | 'fanOut';

function fill(op: string, t: Tensor, draw: () => number): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${typeof t}`);
  const n = t.size;
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = draw();
  withoutGrad(() => t.copyFrom(Tensor._fromData(t.dtype === 'float64' ? vals : Float32Array.from(vals), t.shape, t.dtype === 'float64' ? 'float64' : 'float32')));
  return t;
}

/**
 * The recommended gain for a non-linearity (the factor that keeps activations' variance stable):
 * linear/conv/sigmoid 1, tanh 5/3, relu √2, leaky relu √(2/(1+slope²)), selu 3/4.
 * @param nonlinearity - the activation that follows the layer.
 * @param param - the negative slope of leaky relu (default 0.01).
 * @returns the gain.
 * @example
 * ```ts
 * calculateGain('relu');               // 1.4142...
 * calculateGain('leaky_relu', Math.sqrt(5)); // √(1/3)
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new RangeError(`calculateGain: negative slope must be a finite number, got ${slope}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
  }
  throw new RangeError(`calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)} (expected linear, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leakyRelu, selu)`);
}

/** Fan-in and fan-out of a weight (see {@link calculateFans}). */
export interface Fans {
  /** Inputs feeding each output unit (`in · ∏k`). */
  fanIn: number;
  /** Outputs each input unit feeds (`out · ∏k`). */
  fanOut: number;
}

/**
 * Fan-in and fan-out of a weight tensor: for `[out, in]` they are `in` and `out`; for a convolution
 * weight `[out, in, k…]` both are multiplied by the receptive-field size `∏k`.
 * @param t - a tensor with at least 2 dimensions.
 * @returns `{ fanIn, fanOut }`.
 * @example
 * ```ts
 * calculateFans(zeros([8, 3, 5, 5])); // { fanIn: 75, fanOut: 200 }
 * ```
 */
export function calculateFans(t: Tensor): Fans {
  if (t.ndim < 2) throw new RangeError(`calculateFans: fan in and fan out need a tensor with at least 2 dimensions, got shape ${fmt(t.shape)}`);
  let receptive = 1;
  for (let d = 2; d < t.ndim; d++) receptive *= t.shape[d]!;
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

/**
 * Fill with samples of U(low, high).
 * @param t - the tensor to fill.
 * @param low - lower bound (default 0).
 * @param high - upper bound (default 1).
 * @param opts - `generator`.
 * @returns `t`.
 * @example
 * ```ts
 * init.uniform(zeros([3]), -1, 1, { generator: new Generator(0) });
 * ```
 */
export function uniform(t: Tensor, low = 0, high = 1, opts: InitOptions = {}): Tensor {
  if (!(low <= high) || !Number.isFinite(low) || !Number.isFinite(high)) throw new RangeError(`uniform: need finite low <= high, got low ${low}, high ${high}`);
  const g = opts.generator ?? defaultGenerator;
  return fill('uniform', t, () => low + (high - low) * g.uniform());
}

/**
 * Fill with samples of N(mean, std²).
 * @param t - the tensor to fill.
 * @param mean - the mean (default 0).
 * @param std - the standard deviation (default 1).
 * @param opts - `generator`.
 * @returns `t`.
 * @example
 * ```ts
 * init.normal(zeros([3]), 0, 0.02);
 * ```
 */
export function normal(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  if (!(std >= 0) || !Number.isFinite(std) || !Number.isFinite(mean)) throw new RangeError(`normal: need a finite mean and std >= 0, got mean ${mean}, std ${std}`);
  const g = opts.generator ?? defaultGenerator;
  return fill('normal', t, () => mean + std * g.normal());
}

/**
 * Fill with a constant.
 * @param t - the tensor to fill.
 * @param value - the value.
 * @returns `t`.
 * @example
 * ```ts
 * init.constant(zeros([2]), 0.5).toArray(); // [0.5, 0.5]
 * ```
 */
export function constant(t: Tensor, value: number): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`constant: expected a Tensor, got ${typeof t}`);
  withoutGrad(() => t.fillInPlace(value));
  return t;
}

/**
 * Fill with zeros.
 * @param t - the tensor to fill.
 * @returns `t`.
 * @example
 * ```ts
 * init.zeros(ones([2])).toArray(); // [0, 0]
 * ```
 */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

/**
 * Fill with ones.
 * @param t - the tensor to fill.
 * @returns `t`.
 * @example
 * ```ts
 * init.ones(zeros([2])).toArray(); // [1, 1]
 * ```
 */
export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/**
 * Glorot/Xavier uniform: U(−a, a) with `a = gain·√(6 / (fanIn + fanOut))`.
 * @param t - a tensor with ≥ 2 dims.
 * @param opts - `gain` (default 1) and `generator`.
 * @returns `t`.
 * @example
 * ```ts
 * init.xavierUniform(zeros([4, 3]), { gain: calculateGain('tanh') });
 * ```
 */
export function xavierUniform(t: Tensor, opts: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  const a = (opts.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -a, a, opts);
}

/**
 * Glorot/Xavier normal: N(0, σ²) with `σ = gain·√(2 / (fanIn + fanOut))`.
 * @param t - a tensor with ≥ 2 dims.
 * @param opts - `gain` (default 1) and `generator`.
 * @returns `t`.
 * @example
 * ```ts
 * init.xavierNormal(zeros([4, 3]));
 * ```
 */
export function xavierNormal(t: Tensor, opts: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  return normal(t, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

/** Options of the Kaiming (He) initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky relu that follows (default 0; used when `nonlinearity` is leaky relu). */
  a?: number;
  /** `fanIn` (default) or `fanOut`. */
  mode?: FanMode;
  /** The non-linearity that follows (default `leaky_relu`, as in PyTorch). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  const mode = opts.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new RangeError(`${op}: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  const fans = calculateFans(t);
  const fan = fans[mode];
  if (fan === 0) throw new RangeError(`${op}: ${mode} is 0 for shape ${fmt(t.shape)}`);
  return calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0) / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(−b, b) with `b = gain·√(3 / fan)`.
 * @param t - a tensor with ≥ 2 dims.
 * @param opts - `a`, `mode`, `nonlinearity`, `generator`.
 * @returns `t`.
 * @example
 * ```ts
 * init.kaimingUniform(zeros([16, 8]), { nonlinearity: 'relu' });
 * ```
 */
export function kaimingUniform(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform', t, opts);
  return uniform(t, -bound, bound, opts);
}

/**
 * He/Kaiming normal: N(0, σ²) with `σ = gain / √fan`.
 * @param t - a tensor with ≥ 2 dims.
 * @param opts - `a`, `mode`, `nonlinearity`, `generator`.
 * @returns `t`.
 * @example
 * ```ts
 * init.kaimingNormal(zeros([16, 8]), { mode: 'fanOut', nonlinearity: 'relu' });
 * ```
 */
export function kaimingNormal(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd('kaimingNormal', t, opts), opts);
}

/**
 * A (semi-)orthogonal matrix times `gain`: the tensor, viewed as `[shape[0], rest]`, gets orthonormal
 * rows (if it has no more rows than columns) or orthonormal columns. Drawn as the Q factor of a
 * Gaussian matrix's QR decomposition with R's diagonal made positive, which makes Q uniformly
 * (Haar) distributed.
 * @param t - a tensor with ≥ 2 dims.
 * @param opts - `gain` (default 1) and `generator`.
 * @returns `t`.
 * @example
 * ```ts
 * const w = init.orthogonal(zeros([3, 3]));
 * // w.matmul(w.T) ≈ identity
 * ```
 */
export function orthogonal(t: Tensor, opts: InitOptions & { gain?: number } = {}): Tensor {
  if (t.ndim < 2) throw new RangeError(`orthogonal: needs a tensor with at least 2 dimensions, got shape ${fmt(t.shape)}`);
  const rows = t.shape[0]!;
  const cols = t.size / rows;
  const g = opts.generator ?? defaultGenerator;
  const gain = opts.gain ?? 1;
  // Work on the tall orientation: m >= n, columns orthonormalised.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < a.length; i++) a[i] = g.normal();
  // column j of the tall matrix: element i is a[i*cols + j] (rows >= cols) or a[j*cols + i] (transposed).
  const at = (i: number, j: number): number => (rows >= cols ? i * cols + j : j * cols + i);
  // Modified Gram–Schmidt twice over ("twice is enough") for orthogonality to rounding error.
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[at(i, k)]! * a[at(i, j)]!;
        for (let i = 0; i < m; i++) a[at(i, j)] = a[at(i, j)]! - dot * a[at(i, k)]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[at(i, j)]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) throw new Error('orthogonal: drew a degenerate matrix; try another seed');
    for (let i = 0; i < m; i++) a[at(i, j)] = a[at(i, j)]! / norm;
  }
  let k = 0;
  return fill('orthogonal', t, () => gain * a[k++]!);
}
