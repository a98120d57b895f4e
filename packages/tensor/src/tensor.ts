/**
 * The `Tensor` class: a strided view `(data, shape, strides, offset, dtype)` over a typed array.
 * @module
 */
import { type DType, type TypedArray, allocate, checkDType } from './dtype.js';
import { type Shape, contiguousStrides, fmt, sizeOf } from './shape.js';
import { autogradHooks } from './dispatch.js';
import * as ew from './ops/elementwise.js';
import * as views from './ops/views.js';
import * as red from './ops/reduce.js';
import * as smx from './ops/softmax.js';
import * as cmp from './ops/compare.js';
import * as linalg from './ops/matmul.js';
import * as indexing from './ops/indexing.js';
import * as join from './ops/join.js';
import { formatTensor } from './format.js';

/** Counts in-place writes to a storage; shared by every view of it. */
export interface VersionCounter {
  value: number;
}

/** Anything an elementwise op accepts as an operand: a tensor or a JS number. */
export type TensorLike = Tensor | number;

/** A nested JS array of numbers or booleans. */
export type NestedArray = number | boolean | NestedArray[];

/** One axis of a {@link Tensor.slice}: `[start?, stop?, step?]` (Python semantics), a single index, or `null` for all. */
export type SliceSpec = number | null | readonly [start?: number | null, stop?: number | null, step?: number | null];

/**
 * An n-dimensional array. A tensor is a view: it shares its typed array with every tensor it was
 * viewed from or to; `shape`, `strides` and `offset` say which elements it sees.
 *
 * Create tensors with {@link tensor}, {@link zeros}, {@link randn} and friends rather than the
 * constructor.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * x.T.shape;            // [3, 2], no copy
 * x.add(1).sum().item(); // 27
 * ```
 */
export class Tensor {
  /**
   * The backing typed array (shared between views). Read it through `shape`, `strides` and `offset`.
   * Float storages of 1 KiB or more are views of the WebAssembly memory all such tensors share (see
   * `arenaStats`): their `.buffer` is that whole memory, and the block is reused once the storage
   * object itself is unreachable, so keep the storage (or the tensor), not a `subarray` of it, for as
   * long as you read it — or take a copy with `data()`.
   */
  readonly storage: TypedArray;
  /** Size of each dimension. */
  readonly shape: readonly number[];
  /** Elements to skip in `data` to move one step along each dimension (0 for broadcast dimensions; may be negative). */
  readonly strides: readonly number[];
  /** Index in `data` of the first element. */
  readonly offset: number;
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** @internal In-place write counter shared with every view of the same storage. */
  readonly _version: VersionCounter;

  /** Whether operations on this tensor are recorded for differentiation. Set it with {@link Tensor.requiresGrad_}. */
  requiresGrad = false;
  /** Accumulated gradient after `backward()` (leaf tensors, or any tensor after `retainGrad()`). */
  grad: Tensor | null = null;
  /** @internal The autograd node that produced this tensor (`null` for leaves). Owned by `@gd/autograd`. */
  gradFn: unknown = null;
  /** @internal Autograd bookkeeping (hooks, retain-grad flag, creation site). Owned by `@gd/autograd`. */
  _autograd: unknown = null;

  private constructor(storage: TypedArray, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType, version: VersionCounter, size: number) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
    this.size = size;
    this._version = version;
  }

  /** @internal Wrap fresh contiguous storage. */
  static _fromData(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(data, shape.slice(), contiguousStrides(shape), 0, dtype, { value: 0 }, sizeOf(shape));
  }

  /**
   * @internal Wrap fresh storage of `size` elements laid out row-major in `shape`, keeping the given
   * `shape` and `strides` arrays instead of copying them (the small-op fast path passes an operand's
   * arrays, which no tensor ever mutates). `strides` must be the row-major strides of `shape`.
   */
  static _wrap(data: TypedArray, shape: readonly number[], strides: readonly number[], dtype: DType, size: number): Tensor {
    return new Tensor(data, shape, strides, 0, dtype, { value: 0 }, size);
  }

  /** @internal Allocate an uninitialised (zero-filled) contiguous tensor. */
  static _empty(shape: readonly number[], dtype: DType): Tensor {
    return Tensor._fromData(allocate(dtype, sizeOf(shape)), shape, dtype);
  }

  /** @internal Like `_empty`, but the contents are unspecified: the caller must write every element. */
  static _uninit(shape: readonly number[], dtype: DType): Tensor {
    return Tensor._fromData(allocate(dtype, sizeOf(shape), false), shape, dtype);
  }

  /** @internal A new view of `base`'s storage. */
  static _view(base: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    return new Tensor(base.storage, shape.slice(), strides.slice(), offset, base.dtype, base._version, sizeOf(shape));
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Alias of {@link Tensor.ndim}. */
  dim(): number {
    return this.shape.length;
  }

  /** How many in-place writes this tensor's storage has seen. Autograd uses it to detect stale saved tensors. */
  get version(): number {
    return this._version.value;
  }

  /** True for a tensor not produced by a recorded op (what optimizers update). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** True when the elements are laid out row-major with no gaps, so `data` can be read flat from `offset`. */
  isContiguous(): boolean {
    let expected = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      const n = this.shape[d]!;
      if (n !== 1 && this.strides[d] !== expected) return false;
      expected *= n;
    }
    return true;
  }

  // ---------------------------------------------------------------- autograd entry points

  /**
   * Mark this (leaf) tensor as requiring a gradient (or, with `false`, stop requiring one).
   * @param on - whether gradients are wanted (default true).
   * @returns `this`.
   * @throws TypeError for a non-float tensor; Error when turning off a non-leaf.
   * @example
   * ```ts
   * const w = zeros([3]).requiresGrad_();
   * w.requiresGrad; // true
   * ```
   */
  requiresGrad_(on = true): this {
    if (on && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new TypeError(`requiresGrad_: only floating-point tensors can require gradients (dtype is ${this.dtype})`);
    }
    if (!on && !this.isLeaf) throw new Error('requiresGrad_: cannot turn off gradients of a non-leaf tensor; use detach()');
    this.requiresGrad = on;
    return this;
  }

  /**
   * Compute gradients of this tensor with respect to every leaf that requires one, accumulating them
   * into `.grad`. Needs `@gd/autograd` to be imported.
   * @param gradient - the upstream gradient; required unless this tensor has one element.
   * @param opts - `retainGraph` keeps the graph for another backward; `createGraph` records the
   *   backward pass so gradients can be differentiated again.
   */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    autogradHooks('backward').backward(this, gradient, opts);
  }

  /**
   * Keep this tensor's gradient in `.grad` during `backward()` even though it is not a leaf. Needs
   * `@gd/autograd`. Returns `this`.
   */
  retainGrad(): this {
    autogradHooks('retainGrad').retainGrad(this);
    return this;
  }

  /**
   * Register `fn` to be called with this tensor's gradient during `backward()`; if it returns a tensor,
   * that tensor replaces the gradient. Needs `@gd/autograd`.
   * @returns a handle whose `remove()` unregisters the hook.
   */
  registerHook(fn: (grad: Tensor) => Tensor | void): { remove(): void } {
    return autogradHooks('registerHook').registerHook(this, fn);
  }

  /**
   * A tensor sharing storage (and the version counter) with this one but cut off from the graph: it
   * never requires a gradient.
   * @returns a new view.
   * @example
   * ```ts
   * const w = ones([2]).requiresGrad_();
   * w.detach().requiresGrad; // false
   * ```
   */
  detach(): Tensor {
    return Tensor._view(this, this.shape, this.strides, this.offset);
  }

  /**
   * Clear `.grad` (set it to `null`).
   * @returns nothing.
   * @example
   * ```ts
   * const w = zeros([2]).requiresGrad_();
   * w.zeroGrad();
   * w.grad; // null
   * ```
   */
  zeroGrad(): void {
    this.grad = null;
  }

  // ---------------------------------------------------------------- reading elements

  /** The flat `data` index of the element at a full multi-index (no bounds checks beyond the rank). */
  private flatIndex(op: string, idx: readonly number[]): number {
    if (idx.length !== this.shape.length) {
      throw new RangeError(`${op}: expected ${this.shape.length} indices for shape ${fmt(this.shape)}, got ${idx.length}`);
    }
    let p = this.offset;
    for (let d = 0; d < idx.length; d++) {
      let i = idx[d]!;
      const n = this.shape[d]!;
      if (!Number.isInteger(i)) throw new RangeError(`${op}: index ${i} for dim ${d} is not an integer`);
      if (i < -n || i >= n) throw new RangeError(`${op}: index ${i} is out of range for dim ${d} of size ${n}`);
      if (i < 0) i += n;
      p += i * this.strides[d]!;
    }
    return p;
  }

  /**
   * The element at a multi-index (negative indices count from the end). Booleans read as 0/1.
   * @param idx - one integer index per dimension.
   * @returns the element as a JS number.
   * @throws RangeError on a wrong number of indices or an index out of range.
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).get(1, -1); // 4
   * ```
   */
  get(...idx: number[]): number {
    return this.storage[this.flatIndex('get', idx)]!;
  }

  /**
   * The single element of a one-element tensor (any shape) as a JS number.
   * @returns the element (0/1 for bool).
   * @throws RangeError when the tensor has more or fewer than one element.
   * @example
   * ```ts
   * tensor([[2.5]]).item(); // 2.5
   * ```
   */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, expected 1`);
    return this.storage[this.offset]!;
  }

  /**
   * A fresh typed-array copy of the elements in row-major order, whatever the view's layout (bool
   * gives a `Uint8Array` of 0/1). Writing to it does not change the tensor.
   * @returns the copy.
   * @example
   * ```ts
   * Array.from(tensor([[1, 2], [3, 4]]).T.data()); // [1, 3, 2, 4]
   * ```
   */
  data(): TypedArray {
    return views.contiguousData(this);
  }

  /**
   * The elements as nested JS arrays (numbers; bool tensors give booleans). A 0-d tensor gives a
   * plain number.
   * @returns nested arrays matching `shape`.
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).flip(0).toArray(); // [[3, 4], [1, 2]]
   * ```
   */
  toArray(): NestedArray {
    const flat = views.contiguousData(this);
    const asBool = this.dtype === 'bool';
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.shape.length) return asBool ? flat[start] !== 0 : flat[start]!;
      const n = this.shape[dim]!;
      const inner = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, start + i * inner);
      return out;
    };
    return build(0, 0);
  }

  /**
   * NumPy/PyTorch-style text; tensors of more than 1000 elements show the first and last 3 entries of
   * each long dimension around `...`.
   * @returns the text.
   * @example
   * ```ts
   * tensor([1, 2]).toString(); // 'tensor([1., 2.])'
   * ```
   */
  toString(): string {
    return formatTensor(this);
  }

  /** @internal Node's `util.inspect` uses this for `console.log`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---------------------------------------------------------------- dtype

  /**
   * A copy converted to `dtype` (or `this` when it already has it): floats truncate toward zero into
   * int32, non-zero (and NaN) is true in bool. Float-to-float casts are differentiable. See {@link cast}.
   * @param dtype - the target dtype.
   * @returns `this` or a converted copy.
   * @example
   * ```ts
   * tensor([1.7, -1.7]).to('int32').toArray(); // [1, -1]
   * ```
   */
  to(dtype: DType): Tensor {
    checkDType('to', dtype);
    return ew.cast(this, dtype);
  }

  /**
   * Alias of {@link Tensor.to} with NumPy's name.
   * @param dtype - the target dtype.
   * @returns `this` or a converted copy.
   * @example
   * ```ts
   * tensor([0, 2]).astype('bool').toArray(); // [false, true]
   * ```
   */
  astype(dtype: DType): Tensor {
    return this.to(dtype);
  }

  /**
   * A contiguous copy in new storage, with its own version counter (differentiable). See {@link clone}.
   * @returns the copy.
   * @example
   * ```ts
   * const t = tensor([1, 2]);
   * t.clone().storage === t.storage; // false
   * ```
   */
  clone(): Tensor {
    return views.clone(this);
  }

  // ---------------------------------------------------------------- views

  /** This tensor if contiguous, else a contiguous copy. See {@link contiguous}. */
  contiguous(): Tensor {
    return views.contiguous(this);
  }

  /**
   * The same elements in a new shape. Returns a view when the strides allow it (always for contiguous
   * tensors) and a copy otherwise. One entry may be `-1` (inferred).
   */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return views.reshape(this, flatShapeArg(shape));
  }

  /** Like {@link Tensor.reshape} but never copies: throws when the strides do not allow a view. See {@link view}. */
  view(...shape: number[] | [readonly number[]]): Tensor {
    return views.view(this, flatShapeArg(shape));
  }

  /** Flatten dimensions `startDim..endDim` (inclusive) into one. See {@link flatten}. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return views.flatten(this, startDim, endDim);
  }

  /** Reorder dimensions (a view). `dims` must be a permutation of `0..ndim-1`. See {@link permute}. */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return views.permute(this, flatShapeArg(dims));
  }

  /** Swap two dimensions (a view). Defaults swap the last two. See {@link transpose}. */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return views.transpose(this, dim0, dim1);
  }

  /** The tensor with all dimensions reversed (a view); for a matrix, its transpose. */
  get T(): Tensor {
    return views.permute(this, this.shape.map((_, i) => this.shape.length - 1 - i));
  }

  /**
   * A strided view: one spec per leading axis, each `[start, stop, step]` with Python semantics
   * (negative indices count from the end, negative steps walk backwards), a number to pick one index
   * and drop the axis, or `null` for the whole axis.
   */
  slice(...specs: SliceSpec[]): Tensor {
    return views.slice(this, specs);
  }

  /** `length` elements of axis `axis` starting at `start` (a view). See {@link narrow}. */
  narrow(axis: number, start: number, length: number): Tensor {
    return views.narrow(this, axis, start, length);
  }

  /** Index `index` of axis `axis`, removing that axis (a view). See {@link select}. */
  select(axis: number, index: number): Tensor {
    return views.select(this, axis, index);
  }

  /** Remove size-1 dimensions (all of them, or the listed ones). See {@link squeeze}. */
  squeeze(axes?: number | readonly number[]): Tensor {
    return views.squeeze(this, axes);
  }

  /** Insert a size-1 dimension at `axis`. See {@link unsqueeze}. */
  unsqueeze(axis: number): Tensor {
    return views.unsqueeze(this, axis);
  }

  /** Broadcast to `shape` without copying (stride 0 on expanded dims); `-1` keeps a size. See {@link expand}. */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return views.expand(this, flatShapeArg(shape));
  }

  /** Alias of {@link Tensor.expand} with NumPy's name. */
  broadcastTo(shape: readonly number[]): Tensor {
    return views.broadcastTo(this, shape);
  }

  /** Reverse the order of elements along `axes` (a view with negative strides). See {@link flip}. */
  flip(axes: number | readonly number[]): Tensor {
    return views.flip(this, axes);
  }

  // ---------------------------------------------------------------- elementwise (see ops/elementwise.ts)

  /** `this + alpha * other`, broadcasting. See {@link add}. */
  add(other: TensorLike, alpha?: number): Tensor { return ew.add(this, other, alpha); }
  /** `this - alpha * other`, broadcasting. See {@link sub}. */
  sub(other: TensorLike, alpha?: number): Tensor { return ew.sub(this, other, alpha); }
  /** Elementwise product, broadcasting. See {@link mul}. */
  mul(other: TensorLike): Tensor { return ew.mul(this, other); }
  /** True division (integers give float32), broadcasting. See {@link div}. */
  div(other: TensorLike): Tensor { return ew.div(this, other); }
  /** Elementwise power; the exponent may be a tensor. See {@link pow}. */
  pow(exponent: TensorLike): Tensor { return ew.pow(this, exponent); }
  /** Elementwise maximum (NaN propagates). See {@link maximum}. */
  maximum(other: TensorLike): Tensor { return ew.maximum(this, other); }
  /** Elementwise minimum (NaN propagates). See {@link minimum}. */
  minimum(other: TensorLike): Tensor { return ew.minimum(this, other); }
  /** `-x`. See {@link neg}. */
  neg(): Tensor { return ew.neg(this); }
  /** `|x|`. See {@link abs}. */
  abs(): Tensor { return ew.abs(this); }
  /** -1, 0 or 1 (not differentiable). See {@link sign}. */
  sign(): Tensor { return ew.sign(this); }
  /** `e^x`. See {@link exp}. */
  exp(): Tensor { return ew.exp(this); }
  /** Natural logarithm. See {@link log}. */
  log(): Tensor { return ew.log(this); }
  /** `log(1 + x)`, accurate near 0. See {@link log1p}. */
  log1p(): Tensor { return ew.log1p(this); }
  /** `e^x - 1`, accurate near 0. See {@link expm1}. */
  expm1(): Tensor { return ew.expm1(this); }
  /** Square root. See {@link sqrt}. */
  sqrt(): Tensor { return ew.sqrt(this); }
  /** `1 / sqrt(x)`. See {@link rsqrt}. */
  rsqrt(): Tensor { return ew.rsqrt(this); }
  /** `x * x`. See {@link square}. */
  square(): Tensor { return ew.square(this); }
  /** Sine. See {@link sin}. */
  sin(): Tensor { return ew.sin(this); }
  /** Cosine. See {@link cos}. */
  cos(): Tensor { return ew.cos(this); }
  /** Hyperbolic tangent. See {@link tanh}. */
  tanh(): Tensor { return ew.tanh(this); }
  /** Logistic sigmoid `1 / (1 + e^-x)`, computed without overflow. See {@link sigmoid}. */
  sigmoid(): Tensor { return ew.sigmoid(this); }
  /** `max(x, 0)`. See {@link relu}. */
  relu(): Tensor { return ew.relu(this); }
  /** `log(1 + e^(beta x)) / beta`, linear above `threshold` (PyTorch's defaults: beta 1, threshold 20). See {@link softplus}. */
  softplus(beta?: number, threshold?: number): Tensor { return ew.softplus(this, beta, threshold); }
  /** Limit to `[min, max]` (either bound may be omitted). See {@link clamp}. */
  clamp(min?: number, max?: number): Tensor { return ew.clamp(this, min, max); }
  /** Round down (not differentiable). See {@link floor}. */
  floor(): Tensor { return ew.floor(this); }
  /** Round up (not differentiable). See {@link ceil}. */
  ceil(): Tensor { return ew.ceil(this); }
  /** Round half to even, as PyTorch and NumPy do (not differentiable). See {@link round}. */
  round(): Tensor { return ew.round(this); }
  /** `this == other` as bool. See {@link eq}. */
  eq(other: TensorLike): Tensor { return ew.eq(this, other); }
  /** `this != other` as bool. See {@link ne}. */
  ne(other: TensorLike): Tensor { return ew.ne(this, other); }
  /** `this < other` as bool. See {@link lt}. */
  lt(other: TensorLike): Tensor { return ew.lt(this, other); }
  /** `this <= other` as bool. See {@link le}. */
  le(other: TensorLike): Tensor { return ew.le(this, other); }
  /** `this > other` as bool. See {@link gt}. */
  gt(other: TensorLike): Tensor { return ew.gt(this, other); }
  /** `this >= other` as bool. See {@link ge}. */
  ge(other: TensorLike): Tensor { return ew.ge(this, other); }
  /** Logical and (non-zero is true). See {@link logicalAnd}. */
  and(other: TensorLike): Tensor { return ew.logicalAnd(this, other); }
  /** Logical or (non-zero is true). See {@link logicalOr}. */
  or(other: TensorLike): Tensor { return ew.logicalOr(this, other); }
  /** Logical not (non-zero is true). See {@link logicalNot}. */
  not(): Tensor { return ew.logicalNot(this); }
  /** Replace elements where `mask` is true with `value`. See {@link maskedFill}. */
  maskedFill(mask: Tensor, value: number): Tensor { return ew.maskedFill(this, mask, value); }
  /** This tensor where `cond` is true, `other` elsewhere (PyTorch's `x.where(cond, y)`). See {@link where}. */
  where(cond: Tensor, other: TensorLike): Tensor { return ew.where(cond, this, other); }

  // ---------------------------------------------------------------- reductions (see ops/reduce.ts, softmax.ts, compare.ts)

  /** Sum over `axes` (all by default); bool/int32 give int32. See {@link sum}. */
  sum(axes?: number | readonly number[], keepdims = false): Tensor { return red.sum(this, axes, keepdims); }
  /** Mean over `axes`; ints give float32, empty gives NaN. See {@link mean}. */
  mean(axes?: number | readonly number[], keepdims = false): Tensor { return red.mean(this, axes, keepdims); }
  /** Product over `axes`. See {@link prod}. */
  prod(axes?: number | readonly number[], keepdims = false): Tensor { return red.prod(this, axes, keepdims); }
  /** Maximum over `axes` (values only). See {@link max}. */
  max(axes?: number | readonly number[], keepdims = false): Tensor { return red.max(this, axes, keepdims); }
  /** Minimum over `axes` (values only). See {@link min}. */
  min(axes?: number | readonly number[], keepdims = false): Tensor { return red.min(this, axes, keepdims); }
  /** int32 index of the maximum along `axis` (flat index when omitted; first on ties). See {@link argmax}. */
  argmax(axis?: number, keepdims = false): Tensor { return red.argmax(this, axis, keepdims); }
  /** int32 index of the minimum along `axis` (flat index when omitted; first on ties). See {@link argmin}. */
  argmin(axis?: number, keepdims = false): Tensor { return red.argmin(this, axis, keepdims); }
  /** Variance over `axes` with `correction` (default 1). See {@link variance}. */
  var(axes?: number | readonly number[], opts: red.VarOptions = {}): Tensor { return red.variance(this, axes, opts); }
  /** Standard deviation (`sqrt` of {@link Tensor.var}). See {@link std}. */
  std(axes?: number | readonly number[], opts: red.VarOptions = {}): Tensor { return red.std(this, axes, opts); }
  /** Stable `log(sum(exp(x)))` over `axes`. See {@link logsumexp}. */
  logsumexp(axes?: number | readonly number[], keepdims = false): Tensor { return red.logsumexp(this, axes, keepdims); }
  /** Vector p-norm over `axes` (p: positive, ±Infinity, 0, or 'fro'). See {@link norm}. */
  norm(p: number | 'fro' = 2, axes?: number | readonly number[], keepdims = false): Tensor { return red.norm(this, p, axes, keepdims); }
  /** Whether all elements over `axes` are non-zero (bool). See {@link all}. */
  all(axes?: number | readonly number[], keepdims = false): Tensor { return red.all(this, axes, keepdims); }
  /** Whether any element over `axes` is non-zero (bool). See {@link any}. */
  any(axes?: number | readonly number[], keepdims = false): Tensor { return red.any(this, axes, keepdims); }
  /** Running sum along `axis`. See {@link cumsum}. */
  cumsum(axis: number): Tensor { return red.cumsum(this, axis); }
  /** Stable softmax along `axis` (default last). See {@link softmax}. */
  softmax(axis = -1): Tensor { return smx.softmax(this, axis); }
  /** Stable log-softmax along `axis` (default last). See {@link logSoftmax}. */
  logSoftmax(axis = -1): Tensor { return smx.logSoftmax(this, axis); }
  /** Elementwise closeness `|this - other| <= atol + rtol * |other|` as bool. See {@link isclose}. */
  isclose(other: TensorLike, opts: cmp.CloseOptions = {}): Tensor { return cmp.isclose(this, other, opts); }
  /** Whether every element is close to `other`'s (broadcasting). See {@link allclose}. */
  allclose(other: TensorLike, opts: cmp.CloseOptions = {}): boolean { return cmp.allclose(this, other, opts); }
  /** Whether `other` has the same shape and values. See {@link equal}. */
  equal(other: Tensor): boolean { return cmp.equal(this, other); }

  // ---------------------------------------------------------------- linalg / indexing / joining (ops/matmul.ts, indexing.ts, join.ts)

  /**
   * Matrix product with `torch.matmul` semantics (1-D dot, 2-D, 1-D promoted, broadcast batches).
   * @param other - the right operand.
   * @returns `this @ other`.
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).matmul(tensor([1, 1])).toArray(); // [3, 7]
   * ```
   */
  matmul(other: Tensor): Tensor { return linalg.matmul(this, other); }
  /**
   * Dot product of two 1-D tensors (a 0-d tensor).
   * @param other - a 1-D tensor of the same length.
   * @returns the 0-d sum of products.
   * @example
   * ```ts
   * tensor([1, 2]).dot(tensor([3, 4])).item(); // 11
   * ```
   */
  dot(other: Tensor): Tensor { return linalg.dot(this, other); }
  /**
   * Outer product of two 1-D tensors.
   * @param other - a 1-D tensor.
   * @returns `[this.length, other.length]` products.
   * @example
   * ```ts
   * tensor([1, 2]).outer(tensor([1, 10])).toArray(); // [[1, 10], [2, 20]]
   * ```
   */
  outer(other: Tensor): Tensor { return linalg.outer(this, other); }
  /**
   * Pick values along `axis` at the positions in `index` (as `torch.gather`).
   * @param axis - the axis to index.
   * @param index - int32 positions, same rank as this tensor.
   * @returns a tensor of `index.shape`.
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).gather(1, tensor([[1], [0]], { dtype: 'int32' })).toArray(); // [[2], [3]]
   * ```
   */
  gather(axis: number, index: Tensor): Tensor { return indexing.gather(this, axis, index); }
  /**
   * Select slices along `axis` (as `torch.index_select`).
   * @param axis - the axis to select along.
   * @param index - a 1-D int32 tensor of positions.
   * @returns the selected slices, stacked along `axis`.
   * @example
   * ```ts
   * tensor([10, 20, 30]).indexSelect(0, tensor([2, 2], { dtype: 'int32' })).toArray(); // [30, 30]
   * ```
   */
  indexSelect(axis: number, index: Tensor): Tensor { return indexing.indexSelect(this, axis, index); }
  /**
   * A copy of this tensor with `src` added at the positions `index` names along `axis` (as `torch.scatter_add`).
   * @param axis - the axis the index addresses.
   * @param index - int32 positions, same rank as this tensor.
   * @param src - values to add, same dtype as this tensor.
   * @returns a new tensor of this shape.
   * @example
   * ```ts
   * zeros([2]).scatterAdd(0, tensor([1, 1], { dtype: 'int32' }), tensor([1, 2])).toArray(); // [0, 3]
   * ```
   */
  scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor { return indexing.scatterAdd(this, axis, index, src); }
  /**
   * In-place {@link Tensor.scatterAdd} (never recorded).
   * @param axis - the axis the index addresses.
   * @param index - int32 positions, same rank as this tensor.
   * @param src - values to add, same dtype as this tensor.
   * @returns `this`.
   * @example
   * ```ts
   * zeros([2]).scatterAddInPlace(0, tensor([0], { dtype: 'int32' }), tensor([5])).toArray(); // [5, 0]
   * ```
   */
  scatterAddInPlace(axis: number, index: Tensor, src: Tensor): this { indexing.scatterAddInPlace(this, axis, index, src); return this; }
  /**
   * Split into views of `sizeOrSections` elements along `axis` (as `torch.split`).
   * @param sizeOrSections - a piece size, or the list of piece sizes.
   * @param axis - the axis to split (default 0).
   * @returns the views.
   * @example
   * ```ts
   * arange(4).split(3).map((t) => t.shape[0]); // [3, 1]
   * ```
   */
  split(sizeOrSections: number | readonly number[], axis = 0): Tensor[] { return join.split(this, sizeOrSections, axis); }
  /**
   * Split into `chunks` nearly equal views along `axis` (as `torch.chunk`).
   * @param chunks - how many pieces (at most).
   * @param axis - the axis to split (default 0).
   * @returns the views.
   * @example
   * ```ts
   * arange(4).chunk(2).map((t) => t.toArray()); // [[0, 1], [2, 3]]
   * ```
   */
  chunk(chunks: number, axis = 0): Tensor[] { return join.chunk(this, chunks, axis); }
  /**
   * Constant padding; `pads` lists (before, after) pairs from the last dimension; negative pads crop.
   * @param pads - the pads.
   * @param value - the fill value (default 0).
   * @returns the padded tensor.
   * @example
   * ```ts
   * tensor([1, 2]).pad([1, 1]).toArray(); // [0, 1, 2, 0]
   * ```
   */
  pad(pads: readonly number[], value = 0): Tensor { return join.pad(this, pads, value); }

  // ---------------------------------------------------------------- in place (never recorded)

  /**
   * `this += α·other` in place, writing through this view only (other elements of the storage are
   * untouched). `other` broadcasts to this shape and is read in full before anything is written, even
   * when it overlaps this tensor. Refuses expanded targets, float results into int32 (including
   * fractional numbers or `alpha`), arithmetic into bool, and tensors that require grad while recording.
   * Bumps the version counter. Never recorded.
   * @param other - a tensor broadcastable to this shape, or a number.
   * @param alpha - scale of `other` (default 1).
   * @returns `this`.
   * @example
   * ```ts
   * const p = tensor([1, 2, 3]);
   * p.addInPlace(tensor([1, 1, 1]), -0.5).toArray(); // [0.5, 1.5, 2.5]
   * ```
   */
  addInPlace(other: TensorLike, alpha = 1): this { ew.addInPlace(this, other, alpha); return this; }
  /**
   * `this -= α·other` in place (see {@link Tensor.addInPlace} for the rules).
   * @param other - a tensor broadcastable to this shape, or a number.
   * @param alpha - scale of `other` (default 1).
   * @returns `this`.
   * @example
   * ```ts
   * tensor([5, 5]).subInPlace(tensor([1, 2])).toArray(); // [4, 3]
   * ```
   */
  subInPlace(other: TensorLike, alpha = 1): this { ew.addInPlace(this, other, -alpha, 'subInPlace'); return this; }
  /**
   * `this *= other` in place (see {@link Tensor.addInPlace} for the rules).
   * @param other - a tensor broadcastable to this shape, or a number.
   * @returns `this`.
   * @example
   * ```ts
   * tensor([1, 2]).mulInPlace(3).toArray(); // [3, 6]
   * ```
   */
  mulInPlace(other: TensorLike): this { ew.binaryInPlace('mul', this, other); return this; }
  /**
   * `this /= other` in place (true division, so float tensors only; see {@link Tensor.addInPlace}).
   * @param other - a tensor broadcastable to this shape, or a number.
   * @returns `this`.
   * @example
   * ```ts
   * tensor([1, 2]).divInPlace(4).toArray(); // [0.25, 0.5]
   * ```
   */
  divInPlace(other: TensorLike): this { ew.binaryInPlace('div', this, other); return this; }
  /**
   * `this = max(this, other)` in place, NaN propagating (see {@link Tensor.addInPlace} for the rules).
   * @param other - a tensor broadcastable to this shape, or a number.
   * @returns `this`.
   * @example
   * ```ts
   * tensor([1, 5]).maximumInPlace(3).toArray(); // [3, 5]
   * ```
   */
  maximumInPlace(other: TensorLike): this { ew.binaryInPlace('maximum', this, other); return this; }
  /**
   * `this += value·a·b` in place (Adam's second-moment update; see {@link Tensor.addInPlace} for the rules).
   * @param a - a tensor broadcastable to this shape, or a number.
   * @param b - a tensor broadcastable to this shape, or a number.
   * @param value - the scale (default 1).
   * @returns `this`.
   * @example
   * ```ts
   * tensor([1, 1]).addcmulInPlace(tensor([2, 3]), tensor([2, 3]), 0.5).toArray(); // [3, 5.5]
   * ```
   */
  addcmulInPlace(a: TensorLike, b: TensorLike, value = 1): this { ew.ternaryInPlace('addcmul', this, a, b, value); return this; }
  /**
   * `this += value·a / b` in place (float tensors only; see {@link Tensor.addInPlace} for the rules).
   * @param a - a tensor broadcastable to this shape, or a number.
   * @param b - a tensor broadcastable to this shape, or a number.
   * @param value - the scale (default 1).
   * @returns `this`.
   * @example
   * ```ts
   * tensor([0, 0]).addcdivInPlace(tensor([1, 1]), tensor([2, 4]), -1).toArray(); // [-0.5, -0.25]
   * ```
   */
  addcdivInPlace(a: TensorLike, b: TensorLike, value = 1): this { ew.ternaryInPlace('addcdiv', this, a, b, value); return this; }
  /**
   * `this += weight·(end - this)` in place: linear interpolation towards `end` (exponential moving
   * averages; see {@link Tensor.addInPlace} for the rules).
   * @param end - a tensor broadcastable to this shape, or a number.
   * @param weight - the interpolation weight.
   * @returns `this`.
   * @example
   * ```ts
   * tensor([0, 10]).lerpInPlace(tensor([10, 10]), 0.1).toArray(); // [1, 10]
   * ```
   */
  lerpInPlace(end: TensorLike, weight: number): this { ew.lerpInPlace(this, end, weight); return this; }
  /**
   * Copy `src` into this tensor's elements in place: a tensor is broadcast to this shape and converted
   * like {@link cast} (floats truncate into int32); a number must fit this dtype. Writes through the
   * view; an overlapping `src` is read in full first. Bumps the version counter.
   * @param src - a tensor broadcastable to this shape, or a number.
   * @returns `this`.
   * @example
   * ```ts
   * const t = zeros([2, 3]);
   * t.select(0, 1).copyFrom(tensor([1, 2, 3]));
   * t.toArray(); // [[0, 0, 0], [1, 2, 3]]
   * ```
   */
  copyFrom(src: TensorLike): this { ew.copyInPlace(this, src); return this; }
  /**
   * Set every element of this view to `value` in place (it must fit the dtype).
   * @param value - the value.
   * @returns `this`.
   * @example
   * ```ts
   * arange(4).to('float32').narrow(0, 1, 2).fillInPlace(9).toArray(); // [9, 9]
   * ```
   */
  fillInPlace(value: number): this { ew.copyInPlace(this, value, 'fillInPlace'); return this; }
  /**
   * Set every element of this view to 0 in place.
   * @returns `this`.
   * @example
   * ```ts
   * tensor([1, 2]).zeroInPlace().toArray(); // [0, 0]
   * ```
   */
  zeroInPlace(): this { ew.copyInPlace(this, 0, 'zeroInPlace'); return this; }
  /**
   * Limit every element to `[min, max]` in place (either bound may be omitted; int tensors need
   * integer bounds). See {@link Tensor.addInPlace} for the in-place rules.
   * @param min - lower bound.
   * @param max - upper bound.
   * @returns `this`.
   * @example
   * ```ts
   * tensor([-2, 0.5, 3]).clampInPlace(0, 1).toArray(); // [0, 0.5, 1]
   * ```
   */
  clampInPlace(min?: number, max?: number): this { ew.unaryInPlace('clamp', this, min ?? -Infinity, max ?? Infinity); return this; }
  /**
   * Square root in place (float tensors only).
   * @returns `this`.
   * @example
   * ```ts
   * tensor([4, 9]).sqrtInPlace().toArray(); // [2, 3]
   * ```
   */
  sqrtInPlace(): this { ew.unaryInPlace('sqrt', this); return this; }
  /**
   * Replace each element by its sign (-1, 0 or 1; NaN stays NaN) in place.
   * @returns `this`.
   * @example
   * ```ts
   * tensor([-2, 0, 3]).signInPlace().toArray(); // [-1, 0, 1]
   * ```
   */
  signInPlace(): this { ew.unaryInPlace('sign', this); return this; }
}

/** Accept both `f(2, 3)` and `f([2, 3])`. */
function flatShapeArg(args: number[] | [readonly number[]]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as readonly number[]).slice();
  return args as number[];
}


export type { Shape };
