/**
 * Creating tensors: from JS data, constant fills, ranges and random draws.
 * @module
 */
import { Tensor, type NestedArray } from '../tensor.js';
import { type DType, type TypedArray, allocate, castScalar, castScalarChecked, checkDType, dtypeOfArray } from '../dtype.js';
import { checkShape, fmt, sizeOf } from '../shape.js';
import { Generator, defaultGenerator } from '../random.js';

/** Options accepted by creation functions. */
export interface CreateOptions {
  /** Element type (default `float32`, or inferred from the data). */
  dtype?: DType;
  /** Mark the new tensor as requiring a gradient. */
  requiresGrad?: boolean;
}

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferNested(op: string, x: NestedArray, shape: number[], depth: number, sawBool: { b: boolean; n: boolean; leaf: boolean }): void {
  if (Array.isArray(x)) {
    if (depth === shape.length) {
      // Once a number has been seen the rank is fixed: a list this deep is ragged.
      if (sawBool.leaf) throw new RangeError(`${op}: ragged nested array: a list at depth ${depth} where numbers were seen`);
      shape.push(x.length);
    }
    else if (shape[depth] !== x.length) throw new RangeError(`${op}: ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${x.length}`);
    for (const e of x) inferNested(op, e, shape, depth + 1, sawBool);
    if (x.length === 0 && depth + 1 < shape.length) throw new RangeError(`${op}: ragged nested array: empty list at depth ${depth}`);
  } else {
    if (depth !== shape.length) throw new RangeError(`${op}: ragged nested array: a number at depth ${depth} where lists of depth ${shape.length} were seen`);
    sawBool.leaf = true;
    if (typeof x === 'boolean') sawBool.b = true;
    else if (typeof x === 'number') sawBool.n = true;
    else throw new TypeError(`${op}: elements must be numbers or booleans, got ${x === null ? 'null' : typeof x}`);
  }
}

/**
 * A tensor from nested arrays, a typed array or a number.
 *
 * @param data - nested JS arrays (ragged arrays are refused), a typed array (its type picks the dtype
 *   unless `dtype` is given; pass `shape` to give it one), or a number (a 0-d tensor).
 * @param opts - `dtype`, `shape` (for flat data) and `requiresGrad`.
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]).shape;                       // [2, 2]
 * tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype; // 'float64'
 * ```
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], opts: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  if (opts.dtype !== undefined) checkDType('tensor', opts.dtype);
  const typedDtype = dtypeOfArray(data);
  if (typedDtype !== undefined) {
    const src = data as TypedArray;
    const dtype = opts.dtype ?? typedDtype;
    const shape = opts.shape === undefined ? [src.length] : checkShape('tensor', opts.shape);
    if (sizeOf(shape) !== src.length) throw new RangeError(`tensor: shape ${fmt(shape)} needs ${sizeOf(shape)} elements, the array has ${src.length}`);
    const out = allocate(dtype, src.length);
    if (dtype === 'bool') for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
    else if (dtype === 'int32' && typedDtype !== 'int32' && typedDtype !== 'bool') for (let i = 0; i < src.length; i++) out[i] = castScalarChecked('tensor', 'int32', src[i]!);
    else out.set(src);
    return finish(Tensor._fromData(out, shape, dtype), opts);
  }
  if (ArrayBuffer.isView(data)) throw new TypeError(`tensor: unsupported typed array ${(data as object).constructor.name} (use Float32Array, Float64Array, Int32Array or Uint8Array)`);
  const shape: number[] = [];
  const seen = { b: false, n: false, leaf: false };
  inferNested('tensor', data as NestedArray, shape, 0, seen);
  const dtype = opts.dtype ?? (seen.b && !seen.n ? 'bool' : 'float32');
  const out = allocate(dtype, sizeOf(shape));
  let k = 0;
  const fill = (x: NestedArray): void => {
    if (Array.isArray(x)) for (const e of x) fill(e);
    else out[k++] = castScalarChecked('tensor', dtype, x);
  };
  fill(data as NestedArray);
  let result = Tensor._fromData(out, shape, dtype);
  if (opts.shape !== undefined) {
    const want = checkShape('tensor', opts.shape);
    if (sizeOf(want) !== result.size) throw new RangeError(`tensor: shape ${fmt(want)} needs ${sizeOf(want)} elements, the data has ${result.size} (shape ${fmt(result.shape)})`);
    result = result.reshape(want);
  }
  return finish(result, opts);
}

/**
 * A tensor of `shape` filled with `value` (a boolean value makes a bool tensor by default).
 * @param shape - the shape (non-negative integers).
 * @param opts - `dtype` (default float32) and `requiresGrad`.
 * @param value - the fill value (refused for int32 when NaN, infinite or out of range; fractions truncate).
 * @returns a new contiguous tensor.
 * @example
 * ```ts
 * full([2], 7, { dtype: 'int32' }).toArray(); // [7, 7]
 * ```
 */
export function full(shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor {
  return fill('full', shape, value, opts);
}

function fill(op: string, shape: readonly number[], value: number | boolean, opts: CreateOptions): Tensor {
  const s = checkShape(op, shape);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`${op}: fill value must be a number or boolean, got ${value === null ? 'null' : typeof value}`);
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  checkDType(op, dtype);
  const t = Tensor._empty(s, dtype);
  const v = castScalarChecked(op, dtype, value);
  if (v !== 0) t.storage.fill(v);
  return finish(t, opts);
}

/**
 * A tensor of zeros.
 * @param shape - the shape (non-negative integers).
 * @param opts - `dtype` (default float32) and `requiresGrad`.
 * @returns a new contiguous tensor.
 * @example
 * ```ts
 * zeros([2, 3]).shape; // [2, 3]
 * ```
 */
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return fill('zeros', shape, 0, opts);
}

/**
 * A tensor of ones.
 * @param shape - the shape (non-negative integers).
 * @param opts - `dtype` (default float32) and `requiresGrad`.
 * @returns a new contiguous tensor.
 * @example
 * ```ts
 * ones([2], { dtype: 'float64' }).toArray(); // [1, 1]
 * ```
 */
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return fill('ones', shape, 1, opts);
}

/**
 * Zeros with the shape and (unless `opts.dtype` says otherwise) the dtype of `like`.
 * @param like - the tensor to copy the shape of.
 * @param opts - overrides for `dtype` and `requiresGrad`.
 * @returns a new contiguous tensor.
 * @example
 * ```ts
 * zerosLike(ones([2], { dtype: 'int32' })).dtype; // 'int32'
 * ```
 */
export function zerosLike(like: Tensor, opts: CreateOptions = {}): Tensor {
  checkLike('zerosLike', like);
  return fill('zerosLike', like.shape, 0, { dtype: like.dtype, ...opts });
}

/**
 * Ones with the shape and (unless overridden) the dtype of `like`.
 * @param like - the tensor to copy the shape of.
 * @param opts - overrides for `dtype` and `requiresGrad`.
 * @returns a new contiguous tensor.
 * @example
 * ```ts
 * onesLike(zeros([2])).toArray(); // [1, 1]
 * ```
 */
export function onesLike(like: Tensor, opts: CreateOptions = {}): Tensor {
  checkLike('onesLike', like);
  return fill('onesLike', like.shape, 1, { dtype: like.dtype, ...opts });
}

/**
 * `value` everywhere, with the shape and (unless overridden) the dtype of `like`.
 * @param like - the tensor to copy the shape of.
 * @param value - the fill value.
 * @param opts - overrides for `dtype` and `requiresGrad`.
 * @returns a new contiguous tensor.
 * @example
 * ```ts
 * fullLike(zeros([2]), 3).toArray(); // [3, 3]
 * ```
 */
export function fullLike(like: Tensor, value: number, opts: CreateOptions = {}): Tensor {
  checkLike('fullLike', like);
  return fill('fullLike', like.shape, value, { dtype: like.dtype, ...opts });
}

function checkLike(op: string, like: unknown): void {
  if (!(like instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor to copy the shape of, got ${like === null ? 'null' : typeof like}`);
}

/**
 * The `n × m` identity matrix: ones on the diagonal `i = j`, zeros elsewhere.
 * @param n - rows.
 * @param m - columns (default `n`).
 * @param opts - `dtype` and `requiresGrad`.
 * @returns a new `[n, m]` tensor.
 * @example
 * ```ts
 * eye(2).toArray(); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, m: number = n, opts: CreateOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  const t = fill('eye', [n, m], 0, opts);
  for (let i = 0; i < Math.min(n, m); i++) t.storage[i * m + i] = 1;
  return t;
}

/**
 * `start, start + step, ...` up to but excluding `end`, i.e. `⌈(end - start) / step⌉` values
 * `start + i·step`; with one argument, `0..end-1`. The dtype is int32 when all arguments are
 * integers, else float32.
 * @param start - first value (or `end` when it is the only argument).
 * @param end - exclusive bound.
 * @param step - non-zero increment (its sign must point from start to end).
 * @param opts - `dtype` and `requiresGrad`.
 * @returns a new 1-d tensor.
 * @example
 * ```ts
 * arange(4).toArray();          // [0, 1, 2, 3]
 * arange(1, 2, 0.25).toArray(); // [1, 1.25, 1.5, 1.75]
 * ```
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  for (const [k, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (!Number.isFinite(v)) throw new RangeError(`arange: ${k} must be finite, got ${v}`);
  }
  if (step === 0) throw new RangeError('arange: step must be non-zero');
  if ((end - start) / step < 0) throw new RangeError(`arange: step ${step} goes away from end (start ${start}, end ${end})`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts.dtype ?? (Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) ? 'int32' : 'float32');
  if (n > 0) { castScalarChecked('arange', dtype, start); castScalarChecked('arange', dtype, start + (n - 1) * step); }
  const t = Tensor._empty([n], dtype);
  for (let i = 0; i < n; i++) t.storage[i] = castScalar(dtype, start + i * step);
  return finish(t, opts);
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included: `start + i·(end - start)/(steps - 1)`
 * (the second half is computed from `end`, so both ends are exact, as in PyTorch).
 * @param start - first value.
 * @param end - last value.
 * @param steps - how many values (a non-negative integer).
 * @param opts - `dtype` (default float32) and `requiresGrad`.
 * @returns a new 1-d tensor.
 * @example
 * ```ts
 * linspace(0, 1, 5).toArray(); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError(`linspace: start and end must be finite, got ${start} and ${end}`);
  const dtype = opts.dtype ?? 'float32';
  const t = Tensor._empty([steps], dtype);
  const h = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) t.storage[i] = castScalar(dtype, i < steps / 2 ? start + i * h : end - (steps - 1 - i) * h);
  return finish(t, opts);
}

/** Options for random creation functions. */
export interface RandomOptions extends CreateOptions {
  /** Where the numbers come from (default: the global generator, see `manualSeed`). */
  generator?: Generator;
}

function randomFill(op: string, shape: readonly number[], opts: RandomOptions, draw: (g: Generator) => number, defaultDtype: DType = 'float32', floatOnly = false): Tensor {
  const s = checkShape(op, shape);
  const dtype = opts.dtype ?? defaultDtype;
  checkDType(op, dtype);
  if (floatOnly && dtype !== 'float32' && dtype !== 'float64') {
    // Truncating continuous draws into int32 or bool would give (nearly) constant tensors.
    throw new TypeError(`${op}: dtype ${dtype} is not a floating-point dtype (continuous samples would be truncated); use randint or bernoulli for integers`);
  }
  const g = opts.generator ?? defaultGenerator;
  const t = Tensor._empty(s, dtype);
  for (let i = 0; i < t.size; i++) t.storage[i] = castScalar(dtype, draw(g));
  return finish(t, opts);
}

/**
 * Uniform samples in [0, 1).
 * @param shape - the shape (non-negative integers).
 * @param opts - `dtype` (default float32), `generator` (default: the global one, see `manualSeed`) and `requiresGrad`.
 * @returns a new tensor.
 * @example
 * ```ts
 * rand([2, 2], { generator: new Generator(0) }).shape; // [2, 2]
 * ```
 */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFill('rand', shape, opts, (g) => g.uniform(), 'float32', true);
}

/**
 * Standard normal samples N(0, 1).
 * @param shape - the shape (non-negative integers).
 * @param opts - `dtype` (default float32), `generator` (default: the global one, see `manualSeed`) and `requiresGrad`.
 * @returns a new tensor.
 * @example
 * ```ts
 * randn([3], { generator: new Generator(0), dtype: 'float64' }).dtype; // 'float64'
 * ```
 */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFill('randn', shape, opts, (g) => g.normal(), 'float32', true);
}

/**
 * Uniform integers in [low, high) (int32 by default).
 * @param low - smallest value (an integer).
 * @param high - exclusive bound (an integer greater than `low`).
 * @param shape - the shape.
 * @param opts - `dtype`, `generator` and `requiresGrad`.
 * @returns a new tensor.
 * @example
 * ```ts
 * randint(0, 2, [4], { generator: new Generator(0) }).dtype; // 'int32'
 * ```
 */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new RangeError(`randint: need integers low < high, got low ${low}, high ${high}`);
  if ((opts.dtype ?? 'int32') === 'int32' && (low < -2147483648 || high - 1 > 2147483647)) throw new RangeError(`randint: [${low}, ${high}) does not fit in int32`);
  return randomFill('randint', shape, opts, (g) => g.integer(low, high - 1), 'int32');
}

/**
 * 1 with probability `p`, else 0: one draw per element of `p` when it is a tensor of probabilities
 * (result shaped and typed like `p`), else `opts.shape` draws of the number `p`.
 * @param p - a probability in [0, 1], or a tensor of them.
 * @param opts - `shape` (for a number `p`), `dtype`, `generator`, `requiresGrad`.
 * @returns a new tensor of 0s and 1s.
 * @example
 * ```ts
 * bernoulli(tensor([0, 1])).toArray(); // [0, 1]
 * ```
 */
export function bernoulli(p: number | Tensor, opts: RandomOptions & { shape?: readonly number[] } = {}): Tensor {
  if (typeof p === 'number') {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli: probability must be in [0, 1], got ${p}`);
    return randomFill('bernoulli', opts.shape ?? [], opts, (g) => (g.uniform() < p ? 1 : 0));
  }
  if (!(p instanceof Tensor)) throw new TypeError(`bernoulli: p must be a number or a Tensor of probabilities, got ${p === null ? 'null' : typeof p}`);
  const probs = p.data();
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i]! >= 0 && probs[i]! <= 1)) throw new RangeError(`bernoulli: probability at flat index ${i} is ${probs[i]}, outside [0, 1]`);
  }
  let i = 0;
  return randomFill('bernoulli', p.shape, { dtype: p.dtype, ...opts }, (g) => (g.uniform() < probs[i++]! ? 1 : 0));
}

/**
 * Uniform samples in [low, high).
 * @param shape - the shape.
 * @param low - finite lower bound.
 * @param high - finite upper bound (not below `low`).
 * @param opts - `dtype`, `generator` and `requiresGrad`.
 * @returns a new tensor.
 * @example
 * ```ts
 * uniform([3], -1, 1, { generator: new Generator(0) }).shape; // [3]
 * ```
 */
export function uniform(shape: readonly number[], low: number, high: number, opts: RandomOptions = {}): Tensor {
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw new RangeError(`uniform: bounds must be finite, got low ${low}, high ${high}`);
  if (!(low <= high)) throw new RangeError(`uniform: low ${low} must not exceed high ${high}`);
  return randomFill('uniform', shape, opts, (g) => low + (high - low) * g.uniform(), 'float32', true);
}

/**
 * Normal samples `mean + std·N(0, 1)`.
 * @param shape - the shape.
 * @param mean - finite mean.
 * @param std - finite non-negative standard deviation.
 * @param opts - `dtype`, `generator` and `requiresGrad`.
 * @returns a new tensor.
 * @example
 * ```ts
 * normal([2], 5, 0).toArray(); // [5, 5]
 * ```
 */
export function normal(shape: readonly number[], mean: number, std: number, opts: RandomOptions = {}): Tensor {
  if (!(std >= 0) || !Number.isFinite(std)) throw new RangeError(`normal: std must be finite and non-negative, got ${std}`);
  if (!Number.isFinite(mean)) throw new RangeError(`normal: mean must be finite, got ${mean}`);
  return randomFill('normal', shape, opts, (g) => mean + std * g.normal(), 'float32', true);
}

function likeTensor(op: string, like: unknown): Tensor {
  if (!(like instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor to take the shape of, got ${like === null ? 'null' : typeof like}`);
  return like;
}

/**
 * Uniform samples in [0, 1) with the shape and (float) dtype of `like` (PyTorch's `rand_like`).
 * @param like - the tensor whose shape and dtype to copy (its values are not read).
 * @param opts - `dtype` (default `like`'s, must be a float dtype), `generator` and `requiresGrad`.
 * @returns a new tensor.
 * @example
 * ```ts
 * randLike(zeros([2, 3], { dtype: 'float64' }), { generator: new Generator(0) }).dtype; // 'float64'
 * ```
 */
export function randLike(like: Tensor, opts: RandomOptions = {}): Tensor {
  const t = likeTensor('randLike', like);
  return randomFill('randLike', t.shape, opts, (g) => g.uniform(), t.dtype, true);
}

/**
 * Standard normal samples with the shape and (float) dtype of `like` (PyTorch's `randn_like`).
 * @param like - the tensor whose shape and dtype to copy (its values are not read).
 * @param opts - `dtype` (default `like`'s, must be a float dtype), `generator` and `requiresGrad`.
 * @returns a new tensor.
 * @example
 * ```ts
 * randnLike(zeros([4]), { generator: new Generator(0) }).shape; // [4]
 * ```
 */
export function randnLike(like: Tensor, opts: RandomOptions = {}): Tensor {
  const t = likeTensor('randnLike', like);
  return randomFill('randnLike', t.shape, opts, (g) => g.normal(), t.dtype, true);
}
