/**
 * The shape of a gradient rule, and the helpers rules share.
 * @module
 */
import { type DType, type OpAttrs, type OpName, Tensor, fmt, runKernel } from '@gd/tensor';

/**
 * What a gradient rule sees when it runs: the op's attributes, the tensors it asked to save, and the
 * shapes and dtypes of the op's inputs and output.
 * @typeParam A - the op's attribute type (`OpAttrs[K]`).
 */
export interface RuleCtx<A> {
  /** The op's name, for error messages. */
  readonly op: string;
  /** The attributes the op recorded. */
  readonly attrs: A;
  /** The op's inputs, when the rule saves them (`saveInputs`); otherwise empty. */
  readonly inputs: readonly Tensor[];
  /** The op's output, when the rule saves it (`saveOutput`). */
  readonly output: Tensor;
  /** Shape of each input. */
  readonly inShapes: readonly (readonly number[])[];
  /** dtype of each input. */
  readonly inDtypes: readonly DType[];
  /** Shape of the output. */
  readonly outShape: readonly number[];
  /** `needs[i]` is true when input `i`'s gradient is wanted; a rule may return `null` for the others. */
  readonly needs: readonly boolean[];
}

/**
 * A vector-Jacobian product rule: given the gradient `g` of the loss with respect to the op's output,
 * return the gradient with respect to each input (or `null` where it is not needed or is zero).
 *
 * Rules are written with the same recorded tensor ops as the forward pass, so running them with
 * gradient recording on (`createGraph: true`) records the backward pass and gives higher-order
 * gradients with no extra code. A rule may return a gradient of a shape that broadcasts to the
 * input's shape; the engine sums it back (see {@link sumToShape}).
 *
 * @typeParam K - the op's name.
 */
export interface VjpRule<K extends OpName> {
  /** Keep the op's inputs alive until backward (and check their versions then). */
  readonly saveInputs: boolean;
  /** Keep the op's output alive until backward (and check its version then). */
  readonly saveOutput: boolean;
  /** Attributes holding tensors the rule reads (an index, a mask); their versions are checked too. */
  readonly attrTensors?: readonly (keyof OpAttrs[K])[];
  /** Compute the input gradients. */
  vjp(g: Tensor, ctx: RuleCtx<OpAttrs[K]>): readonly (Tensor | null | undefined)[];
}

/** A rule whose attribute type is not tracked (custom functions, the engine's table lookups). */
export interface AnyRule {
  /** Keep the op's inputs alive until backward. */
  readonly saveInputs: boolean;
  /** Keep the op's output alive until backward. */
  readonly saveOutput: boolean;
  /** Attributes holding tensors the rule reads; their versions are checked at backward. */
  readonly attrTensors?: readonly PropertyKey[];
  /**
   * The gradients `vjp` returns are new tensors that nothing else holds (so `backward` may store one
   * in a leaf's `.grad` without copying it). Built-in rules are trusted without it.
   */
  readonly freshGrads?: boolean;
  /** Compute the input gradients from the output gradient `g`. */
  vjp(g: Tensor, ctx: RuleCtx<any>): readonly (Tensor | null | undefined)[];
}

/**
 * Sum `g` down to `shape`, undoing broadcasting: leading axes `g` has in excess are summed away and
 * axes where `shape` has size 1 are summed with `keepdims`. Every gradient the engine passes on goes
 * through here, so this is also where gradient shapes are checked.
 *
 * @param op - the op whose rule produced `g` (named in errors).
 * @param g - the gradient.
 * @param shape - the shape of the input it belongs to.
 * @param index - which input (for the error message).
 * @returns `g` itself when the shapes already agree, else the reduced gradient (of exactly `shape`).
 * @throws Error naming the op and both shapes when `g` does not broadcast from `shape`.
 * @example
 * ```ts
 * sumToShape('add', ones([4, 3]), [3]).toArray(); // [4, 4, 4]
 * ```
 */
export function sumToShape(op: string, g: Tensor, shape: readonly number[], index = 0): Tensor {
  const gs = g.shape;
  if (gs.length === shape.length) {
    let same = true;
    for (let d = 0; d < gs.length; d++) if (gs[d] !== shape[d]) { same = false; break; }
    if (same) return g;
  }
  const bad = (): Error =>
    new Error(`${op}: backward produced a gradient of shape ${fmt(gs)} for input ${index} of shape ${fmt(shape)}`);
  if (gs.length < shape.length) throw bad();
  const lead = gs.length - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < gs.length; d++) {
    if (d < lead) { axes.push(d); continue; }
    const want = shape[d - lead]!;
    if (gs[d] === want) continue;
    if (want === 1) axes.push(d);
    else throw bad();
  }
  const summed = axes.length > 0 ? g.sum(axes, true) : g;
  return summed.reshape(shape as number[]);
}

/**
 * The shape of a reduction's output with `keepdims`: `shape` with the reduced `axes` set to 1.
 * @param shape - the reduction's input shape.
 * @param axes - the reduced axes (normalised, non-negative).
 * @returns the kept-dims shape.
 * @example
 * ```ts
 * keptShape([2, 3, 4], [1]); // [2, 1, 4]
 * ```
 */
export function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  const out = shape.slice();
  for (const a of axes) out[a] = 1;
  return out;
}

/**
 * Bring a reduction's output-shaped tensor back to kept-dims shape so it broadcasts against the input.
 * @param t - a tensor shaped like the reduction's output.
 * @param inShape - the reduction's input shape.
 * @param axes - the reduced axes.
 * @param keepdims - whether the reduction kept its axes (then `t` is already broadcastable).
 * @returns `t` reshaped to {@link keptShape}.
 * @example
 * ```ts
 * unreduce(ones([2]), [2, 3], [1], false).shape; // [2, 1]
 * ```
 */
export function unreduce(t: Tensor, inShape: readonly number[], axes: readonly number[], keepdims: boolean): Tensor {
  if (keepdims) return t;
  return t.reshape(keptShape(inShape, axes));
}

/**
 * The number of elements a reduction over `axes` combines.
 * @param shape - the reduction's input shape.
 * @param axes - the reduced axes.
 * @returns the product of the reduced sizes (1 for no axes).
 * @example
 * ```ts
 * reducedCount([2, 3, 4], [0, 2]); // 8
 * ```
 */
export function reducedCount(shape: readonly number[], axes: readonly number[]): number {
  let n = 1;
  for (const a of axes) n *= shape[a]!;
  return n;
}

/**
 * A fused elementwise gradient kernel: one generated loop computing `expr` over `g` (named `x`) and
 * up to two more tensors (`y`, `z`, broadcast to `g`'s shape), into a fresh tensor of `g`'s shape and
 * dtype. Rules use it for plain backward (recording off), where nothing has to be differentiated
 * again; with `createGraph` they use the composed, recorded ops instead.
 * @param key - a name for the kernel cache (one loop per key and dtypes).
 * @param expr - a JS expression over `x`, `y`, `z`, the parameters `p0`, `p1` and the kernel helpers.
 * @param g - the output gradient.
 * @param others - the other operands.
 * @param p0 - first scalar parameter.
 * @param p1 - second scalar parameter.
 * @returns the new tensor.
 * @example
 * ```ts
 * fused('demo', 'x * y', tensor([1, 2]), [tensor([3, 4])]).toArray(); // [3, 8]
 * ```
 */
export function fused(key: string, expr: string, g: Tensor, others: readonly Tensor[], p0 = 0, p1 = 0): Tensor {
  const out = Tensor._empty(g.shape, g.dtype);
  let k = vjpKeys.get(key);
  if (k === undefined) {
    k = `vjp_${key}`;
    vjpKeys.set(key, k);
  }
  const n = others.length;
  runKernel(k, expr, out, n === 0 ? [g] : n === 1 ? [g, others[0]!] : n === 2 ? [g, others[0]!, others[1]!] : [g, ...others], p0, p1);
  return out;
}

// Kernel names of `fused` by rule key, so a backward builds no strings.
const vjpKeys = new Map<string, string>();
