/**
 * The functional (JAX-like) API: `grad`, `valueAndGrad`, `vjp`, `jacobian`, `hessian`, `hvp`. They run on
 * the same engine as `tensor.backward()` and compose: `grad(grad(f))` is the second derivative.
 * @module
 */
import { Tensor, fmt, isFloat, isGradEnabled } from '@gd/tensor';
import { GradNode, enableGrad, gradients } from './engine.js';

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions {
  /**
   * Which positional arguments to differentiate with respect to: a number (the default, 0, as in
   * JAX) gives one gradient; a list gives a list of gradients in that order.
   */
  argnums?: number | readonly number[];
}

/** What {@link valueAndGrad}'s function returns. */
export interface ValueAndGrad<G> {
  /** `f`'s value (detached unless an enclosing differentiation needs its graph). */
  value: Tensor;
  /** The gradient(s), shaped like the arguments. */
  grads: G;
}

/** The gradient type for the options: a list when `argnums` is a list, one tensor otherwise. */
export type Grads<O extends GradOptions | undefined> = O extends {
  /** A list of argument positions. */
  argnums: readonly number[];
} ? Tensor[] : Tensor;

/** True when the graph of `t` reaches a leaf that requires grad other than those in `own`. */
function reachesOtherLeaves(t: Tensor, own: ReadonlySet<Tensor>): boolean {
  if (t.gradFn === null) return t.requiresGrad && !own.has(t);
  const seen = new Set<GradNode>();
  const stack: GradNode[] = [t.gradFn as GradNode];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const e of n.next) {
      if (e === null) continue;
      if (e instanceof GradNode) {
        if (!seen.has(e)) { seen.add(e); stack.push(e); }
      } else if (!own.has(e)) return true;
    }
  }
  return false;
}

function normArgnums(op: string, argnums: number | readonly number[] | undefined, nargs: number): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === 'number' ? [argnums] : argnums.slice();
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= nargs) throw new RangeError(`${op}: argnums ${JSON.stringify(argnums)} out of range for ${nargs} argument(s)`);
  }
  if (new Set(list).size !== list.length) throw new RangeError(`${op}: argnums ${JSON.stringify(argnums)} has repeats`);
  return list;
}

/**
 * Differentiate `f` at `args` with respect to `argnums`; the shared core of `grad`/`valueAndGrad`.
 * An argument that already carries a gradient graph (from an enclosing `grad`) is passed in as a
 * recorded alias, so the result stays differentiable with respect to it (higher order).
 */
function evaluate(op: string, f: (...args: any[]) => Tensor, argnums: number[], args: unknown[]): { value: Tensor; grads: Tensor[] } {
  const outer = isGradEnabled();
  const wrapped = args.slice();
  const own = new Set<Tensor>();
  const vars: Tensor[] = [];
  for (const i of argnums) {
    const a = args[i];
    if (!(a instanceof Tensor) || !isFloat(a.dtype)) {
      throw new TypeError(`${op}: argument ${i} must be a floating-point Tensor to differentiate with respect to it, got ${a instanceof Tensor ? a.dtype : typeof a}`);
    }
    let v: Tensor;
    if (outer && a.requiresGrad) v = a.reshape(a.shape as number[]);
    else {
      v = a.detach().requiresGrad_();
      own.add(v);
    }
    wrapped[i] = v;
    vars.push(v);
  }
  const value = enableGrad(() => f(...wrapped));
  if (!(value instanceof Tensor)) throw new TypeError(`${op}: the function must return a Tensor, got ${typeof value}`);
  if (value.size !== 1) throw new RangeError(`${op}: the function must return a tensor with one element, got shape ${fmt(value.shape)}`);
  if (!value.requiresGrad) {
    return { value, grads: vars.map((v) => Tensor._empty(v.shape, v.dtype)) };
  }
  const createGraph = outer && reachesOtherLeaves(value, own);
  const grads = gradients(value, vars, { createGraph, retainGraph: createGraph });
  return { value: createGraph ? value : value.detach(), grads };
}

/**
 * The gradient function of a scalar-valued `f` (JAX's `grad`): `grad(f)(x)` is `df/dx` at `x`,
 * shaped like `x`. Nest it for higher derivatives: `grad(grad(f))`. `f` may close over tensors that
 * require grad; the gradient stays differentiable with respect to them.
 * @param f - a function of tensors returning a one-element tensor.
 * @param opts - `argnums`: which argument(s) to differentiate (default 0).
 * @returns a function with `f`'s arguments returning the gradient (a list when `argnums` is a list).
 * @example
 * ```ts
 * grad((x: Tensor) => x.mul(x).sum())(tensor([3])).toArray();           // [6]
 * grad(grad((x: Tensor) => x.pow(3).sum()))(tensor([2])).toArray();     // [12]
 * const [dw, db] = grad((w: Tensor, b: Tensor) => w.mul(b).sum(), { argnums: [0, 1] })(tensor([2]), tensor([5]));
 * ```
 */
export function grad<A extends any[], O extends GradOptions | undefined = undefined>(
  f: (...args: A) => Tensor,
  opts?: O,
): (...args: A) => Grads<O> {
  if (typeof f !== 'function') throw new TypeError('grad: expected a function');
  return (...args: A) => {
    const nums = normArgnums('grad', opts?.argnums, args.length);
    const { grads } = evaluate('grad', f, nums, args);
    return (Array.isArray(opts?.argnums) ? grads : grads[0]) as Grads<O>;
  };
}

/**
 * Like {@link grad}, but also returns `f`'s value, from a single forward pass.
 * @param f - a function of tensors returning a one-element tensor.
 * @param opts - `argnums`: which argument(s) to differentiate (default 0).
 * @returns a function with `f`'s arguments returning `{ value, grads }`.
 * @example
 * ```ts
 * const lossFn = (w: Tensor, b: Tensor) => w.mul(2).add(b).sub(5).square().sum();
 * const { value, grads } = valueAndGrad(lossFn, { argnums: [0, 1] })(tensor([3]), tensor([1]));
 * value.item();         // 4
 * grads[0].toArray();   // [8]
 * grads[1].toArray();   // [4]
 * ```
 */
export function valueAndGrad<A extends any[], O extends GradOptions | undefined = undefined>(
  f: (...args: A) => Tensor,
  opts?: O,
): (...args: A) => ValueAndGrad<Grads<O>> {
  if (typeof f !== 'function') throw new TypeError('valueAndGrad: expected a function');
  return (...args: A) => {
    const nums = normArgnums('valueAndGrad', opts?.argnums, args.length);
    const { value, grads } = evaluate('valueAndGrad', f, nums, args);
    return { value, grads: (Array.isArray(opts?.argnums) ? grads : grads[0]) as Grads<O> };
  };
}

/**
 * Hessian-vector product `H(x) v` of a scalar `f`, by differentiating `<grad f(x), v>` (two reverse
 * passes, no Hessian materialised).
 * @param f - a function of one tensor returning a one-element tensor.
 * @param x - the point.
 * @param v - the vector, shaped like `x`.
 * @returns `H v`, shaped like `x`.
 * @example
 * ```ts
 * hvp((x: Tensor) => x.pow(3).sum(), tensor([1, 2]), tensor([1, 1])).toArray(); // [6, 12]
 * ```
 */
export function hvp(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  if (!(v instanceof Tensor) || !(x instanceof Tensor) || v.shape.length !== x.shape.length || v.shape.some((n, i) => n !== x.shape[i])) {
    throw new RangeError(`hvp: v of shape ${v instanceof Tensor ? fmt(v.shape) : typeof v} must match x of shape ${x instanceof Tensor ? fmt(x.shape) : typeof x}`);
  }
  return grad((y: Tensor) => grad(f)(y).mul(v).sum())(x);
}

/**
 * The Jacobian of `f` at `x`: `J[i..., j...] = d f(x)[i...] / d x[j...]`, one reverse pass per output
 * element. The result is a plain (non-differentiable) tensor of shape `[...f(x).shape, ...x.shape]`.
 * @param f - a function of one tensor.
 * @returns a function of `x` returning the Jacobian.
 * @example
 * ```ts
 * jacobian((x: Tensor) => x.square())(tensor([1, 2])).toArray(); // [[2, 0], [0, 4]]
 * ```
 */
export function jacobian(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x: Tensor) => {
    if (!(x instanceof Tensor) || !isFloat(x.dtype)) throw new TypeError('jacobian: argument must be a floating-point Tensor');
    const v = x.detach().requiresGrad_();
    const y = enableGrad(() => f(v));
    if (!(y instanceof Tensor)) throw new TypeError('jacobian: the function must return a Tensor');
    const out = Tensor._empty([...y.shape, ...x.shape], x.dtype);
    if (!y.requiresGrad) return out;
    const flat = enableGrad(() => y.reshape([-1]));
    for (let i = 0; i < y.size; i++) {
      const seed = Tensor._empty([y.size], y.dtype);
      seed.storage[i] = 1;
      const [gi] = gradients(flat, [v], { gradOutputs: seed, retainGraph: true });
      out.storage.set(gi!.data(), i * x.size);
    }
    return out;
  };
}

/**
 * The Hessian of a scalar `f` at `x` (the Jacobian of its gradient), of shape `[...x.shape, ...x.shape]`.
 * @param f - a function of one tensor returning a one-element tensor.
 * @returns a function of `x` returning the Hessian.
 * @example
 * ```ts
 * const rosen = (p: Tensor) => {
 *   const x = p.select(0, 0), y = p.select(0, 1);
 *   return sub(1, x).square().add(y.sub(x.square()).square().mul(100));
 * };
 * hessian(rosen)(tensor([-1.5, 2], { dtype: 'float64' })).toArray(); // [[1902, 600], [600, 200]]
 * ```
 */
export function hessian(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return jacobian((x: Tensor) => grad(f)(x));
}
