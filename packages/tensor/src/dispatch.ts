/**
 * The single dispatch point through which every differentiable op reports itself.
 *
 * `@gd/tensor` knows nothing about gradients. After an op has computed its output it calls
 * {@link record}; when an observer is installed (by `@gd/autograd`), gradient recording is enabled and
 * some input requires a gradient, the observer is told the op's name, inputs, output and attributes.
 * With no observer, or under `noGrad`, recording costs one branch.
 * @module
 */
import type { Tensor } from './tensor.js';
import type { DType } from './dtype.js';

/**
 * Attributes of every recorded op, keyed by op name. The autograd package declares one gradient rule
 * per key of this interface, so adding an op here without a rule is a compile error there.
 */
export interface OpAttrs {
  // elementwise, unary
  neg: {}; abs: {}; exp: {}; log: {}; log1p: {}; expm1: {}; sqrt: {}; rsqrt: {}; square: {};
  sin: {}; cos: {}; tanh: {}; sigmoid: {}; relu: {};
  softplus: { beta: number; threshold: number };
  clamp: { min: number | undefined; max: number | undefined };
  cast: { dtype: DType };
  // elementwise, binary (broadcasting)
  add: {}; sub: {}; mul: {}; div: {}; pow: {}; maximum: {}; minimum: {};
  /** `where(cond, a, b)`: inputs are `[a, b]`; the condition rides in the attributes. */
  where: { cond: Tensor };
  maskedFill: { mask: Tensor; value: number };
  // reductions
  /** `sum(x, axes, keepdims)`. */
  sum: ReduceAttrs;
  /** `mean(x, axes, keepdims)`. */
  mean: ReduceAttrs;
  /** `prod(x, axes, keepdims)`. */
  prod: ReduceAttrs;
  /** `max(x, axes, keepdims)` (values only). */
  max: ReduceAttrs;
  /** `min(x, axes, keepdims)` (values only). */
  min: ReduceAttrs;
  /** `var(x, axes, { correction, keepdims })`; `std` is recorded as `var` then `sqrt`. */
  var: VarAttrs;
  /** `logsumexp(x, axes, keepdims)`. */
  logsumexp: ReduceAttrs;
  /** `norm(x, p, axes, keepdims)`. */
  norm: NormAttrs;
  /** `cumsum(x, axis)`. */
  cumsum: AxisAttrs;
  /** `softmax(x, axis)`. */
  softmax: AxisAttrs;
  /** `logSoftmax(x, axis)`. */
  logSoftmax: AxisAttrs;
  // linear algebra
  matmul: {};
  // views and copies
  reshape: { shape: number[] };
  permute: { dims: number[] };
  expand: { shape: number[] };
  /** One entry per axis: start (inclusive), stop (exclusive) and a non-zero step. */
  slice: { starts: number[]; stops: number[]; steps: number[] };
  flip: { axes: number[] };
  contiguous: {};
  pad: { pads: number[]; value: number };
  // indexing and joining
  gather: { axis: number; index: Tensor };
  indexSelect: { axis: number; index: Tensor };
  /** `scatterAdd(base, axis, index, src)`: inputs are `[base, src]`. */
  scatterAdd: { axis: number; index: Tensor };
  cat: { axis: number };
  /**
   * The adjoint of `slice` (recorded by `@gd/autograd`'s slice rule): a zero tensor of `shape` with the
   * input written into the positions the slice `starts/stops/steps` picked.
   */
  sliceBackward: { shape: number[]; starts: number[]; stops: number[]; steps: number[] };
  // convolution data movement
  /** `unfold(x, kernel, opts)` (im2col); `size` is the input's `[H, W]`. */
  unfold: WindowAttrs;
  /** `fold(cols, size, kernel, opts)` (col2im), the adjoint of `unfold`. */
  fold: WindowAttrs;
}

/** The window parameters `unfold` and `fold` record (each resolved to a `[height, width]` pair). */
export interface WindowAttrs {
  /** Kernel `[kh, kw]`. */
  kernel: [number, number];
  /** Stride. */
  stride: [number, number];
  /** Zero padding on each side. */
  padding: [number, number];
  /** Dilation. */
  dilation: [number, number];
  /** Spatial size `[H, W]` of the image side (unfold's input, fold's output). */
  size: [number, number];
}

/** Attributes of a reduction over a set of axes. */
export interface ReduceAttrs {
  /** The reduced axes, sorted and non-negative (`[]` reduces nothing; all axes when the caller gave none). */
  axes: number[];
  /** Whether reduced axes were kept as size 1. */
  keepdims: boolean;
}

/** Attributes of `var`. */
export interface VarAttrs extends ReduceAttrs {
  /** Subtracted from the element count in the denominator (1: Bessel's correction). */
  correction: number;
}

/** Attributes of `norm`. */
export interface NormAttrs extends ReduceAttrs {
  /** The order: a positive number, `Infinity`, `-Infinity`, or 0 (count of non-zeros). */
  p: number;
}

/** Attributes of an op along one axis (`cumsum`, `softmax`, `logSoftmax`). */
export interface AxisAttrs {
  /** The axis, non-negative. */
  axis: number;
}

/** The name of a recorded op. */
export type OpName = keyof OpAttrs;

/** What `@gd/autograd` installs to hear about ops. */
export interface OpObserver {
  /**
   * Called after an op ran with at least one input that requires a gradient. `ownsInputs` is true
   * when `inputs` is a fresh list that nothing else holds (the observer may keep it without copying).
   */
  record<K extends OpName>(op: K, inputs: readonly Tensor[], output: Tensor, attrs: OpAttrs[K], ownsInputs?: boolean): void;
}

let observer: OpObserver | null = null;
let gradEnabled = true;

/** Install (or with `null`, remove) the op observer. Used by `@gd/autograd`. */
export function setOpObserver(o: OpObserver | null): void {
  observer = o;
}

/** Whether ops are currently recorded for differentiation. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Switch recording on or off; returns the previous setting. Prefer `noGrad(fn)` from `@gd/autograd`. */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/** True when an op on these inputs must be recorded. */
export function shouldRecord(inputs: readonly Tensor[]): boolean {
  if (observer === null || !gradEnabled) return false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.requiresGrad) return true;
  return false;
}

/** Report an op to the observer if recording applies; returns `output` for chaining. */
export function record<K extends OpName>(op: K, inputs: readonly Tensor[], output: Tensor, attrs: OpAttrs[K]): Tensor {
  if (observer !== null && gradEnabled) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i]!.requiresGrad) {
        observer.record(op, inputs, output, attrs);
        break;
      }
    }
  }
  return output;
}

/**
 * The attributes of an op that has none (`add`, `exp`, ...): one shared frozen object, so recording
 * such an op allocates no attribute object.
 */
export const NO_ATTRS: {} = Object.freeze({});

/**
 * {@link record} for a one-input op, building the inputs list only when the op is recorded.
 * @param op - the op's name.
 * @param x - the input.
 * @param output - the op's output.
 * @param attrs - the op's attributes.
 * @returns `output`.
 * @example
 * ```ts
 * const x = tensor([0, 1]);
 * const y = record1('exp', x, exp(x), NO_ATTRS); // nothing recorded: x needs no gradient
 * y.requiresGrad; // false
 * ```
 */
export function record1<K extends OpName>(op: K, x: Tensor, output: Tensor, attrs: OpAttrs[K]): Tensor {
  if (observer !== null && gradEnabled && x.requiresGrad) observer.record(op, [x], output, attrs, true);
  return output;
}

/**
 * {@link record} for a two-input op, building the inputs list only when the op is recorded.
 * @param op - the op's name.
 * @param a - the first input.
 * @param b - the second input.
 * @param output - the op's output.
 * @param attrs - the op's attributes.
 * @returns `output`.
 * @example
 * ```ts
 * const a = tensor([1, 2]), b = tensor([3, 4]);
 * record2('add', a, b, add(a, b), NO_ATTRS).toArray(); // [4, 6]
 * ```
 */
export function record2<K extends OpName>(op: K, a: Tensor, b: Tensor, output: Tensor, attrs: OpAttrs[K]): Tensor {
  if (observer !== null && gradEnabled && (a.requiresGrad || b.requiresGrad)) observer.record(op, [a, b], output, attrs, true);
  return output;
}

/** Hooks through which `Tensor.backward()` and friends reach `@gd/autograd` without importing it. */
export interface AutogradHooks {
  backward(t: Tensor, gradient: Tensor | undefined, opts: { retainGraph?: boolean; createGraph?: boolean }): void;
  /** Keep `.grad` of a non-leaf tensor during backward. */
  retainGrad(t: Tensor): void;
  /** Call `fn` with the gradient of `t` during backward; a returned tensor replaces it. */
  registerHook(t: Tensor, fn: (grad: Tensor) => Tensor | void): { remove(): void };
}

let hooks: AutogradHooks | null = null;

/** Installed by `@gd/autograd`. */
export function setAutogradHooks(h: AutogradHooks | null): void {
  hooks = h;
}

/** The installed autograd hooks; throws a helpful error when `@gd/autograd` has not been imported. */
export function autogradHooks(op: string): AutogradHooks {
  if (hooks === null) throw new Error(`${op}: gradients need @gd/autograd; add \`import '@gd/autograd'\` to your program`);
  return hooks;
}
