/**
 * Custom differentiable functions: a user-written forward and backward (PyTorch's
 * `torch.autograd.Function`).
 * @module
 */
import { Tensor, fmt, isGradEnabled } from '@gd/tensor';
import { attach, noGrad } from './engine.js';
import type { AnyRule, RuleCtx } from './rule.js';

/** The context a custom function's `forward` and `backward` share. */
export class FunctionCtx {
  /** The custom function's name. */
  readonly name: string;
  /** Which inputs need a gradient (set before `forward` runs). */
  readonly needsInputGrad: readonly boolean[];
  private savedTensors: Tensor[] = [];
  private savedVersions: number[] = [];
  private released = false;
  /** Free-form storage for non-tensor values `backward` needs (shapes, constants). */
  readonly data: Record<string, unknown> = {};

  /** @internal */
  constructor(name: string, needs: boolean[]) {
    this.name = name;
    this.needsInputGrad = needs;
  }

  /**
   * Keep tensors for `backward`. Modifying one of them in place before backward makes backward throw.
   * @param tensors - the tensors to keep.
   * @example
   * ```ts
   * const mulOp = customFunction({
   *   name: 'mulOp',
   *   forward(ctx, a: Tensor, b: Tensor) { ctx.save(a, b); return a.mul(b); },
   *   backward(ctx, g) { const [a, b] = ctx.saved; return [g.mul(b!), g.mul(a!)]; },
   * });
   * const a = tensor([2]).requiresGrad_();
   * mulOp(a, tensor([5])).sum().backward();
   * a.grad!.toArray(); // [5]
   * ```
   */
  save(...tensors: Tensor[]): void {
    for (const t of tensors) {
      if (!(t instanceof Tensor)) throw new TypeError(`${this.name}: ctx.save accepts tensors only, got ${typeof t}`);
      this.savedTensors.push(t);
      this.savedVersions.push(t._version.value);
    }
  }

  /** The tensors passed to {@link FunctionCtx.save}, in order. */
  get saved(): readonly Tensor[] {
    if (this.released) throw new Error(`${this.name}: saved tensors were freed by an earlier backward; pass { retainGraph: true } to keep them`);
    for (let i = 0; i < this.savedTensors.length; i++) {
      const now = this.savedTensors[i]!._version.value;
      if (now !== this.savedVersions[i]) {
        throw new Error(
          `${this.name}: saved tensor ${i} (shape ${fmt(this.savedTensors[i]!.shape)}) was modified in place after it was saved ` +
            `(version ${this.savedVersions[i]} at save time, now ${now})`,
        );
      }
    }
    return this.savedTensors;
  }

  /** @internal Drop the saved tensors. */
  _release(): void {
    this.savedTensors = [];
    this.savedVersions = [];
    this.released = true;
  }
}

/** The definition of a custom differentiable function. */
export interface CustomFunction<A extends Tensor[]> {
  /** Name used in graph nodes and error messages. */
  name: string;
  /**
   * Compute the output from the inputs. Runs with gradient recording off; save what `backward`
   * needs with `ctx.save(...)`.
   */
  forward(ctx: FunctionCtx, ...inputs: A): Tensor;
  /**
   * Given the gradient of the output, return one gradient per input (`null` for an input that needs
   * none); each may broadcast to its input's shape. Written with tensor ops, it is differentiable
   * again under `createGraph`.
   */
  backward(ctx: FunctionCtx, grad: Tensor): Tensor | readonly (Tensor | null | undefined)[];
  /**
   * Promise that every gradient `backward` returns is a new tensor nothing else keeps (not a saved
   * tensor, not one held in a closure or in `ctx.data`), so `backward()` may adopt it as a leaf's
   * `.grad` instead of copying it. Default false.
   */
  freshGradients?: boolean;
}

/**
 * Make a differentiable op from a forward and a backward you write. Use it for a fused op, a
 * numerically careful gradient, or a straight-through estimator.
 * @param def - name, `forward(ctx, ...inputs)` and `backward(ctx, grad)`.
 * @returns the op: a function of the input tensors.
 * @example
 * ```ts
 * const cube = customFunction({
 *   name: 'cube',
 *   forward(ctx, x: Tensor) { ctx.save(x); return x.mul(x).mul(x); },
 *   backward(ctx, g) { const [x] = ctx.saved; return [g.mul(x!.square()).mul(3)]; },
 * });
 * const x = tensor([2]).requiresGrad_();
 * cube(x).sum().backward();
 * x.grad!.toArray(); // [12]
 * ```
 */
export function customFunction<A extends Tensor[]>(def: CustomFunction<A>): (...inputs: A) => Tensor {
  if (def === null || typeof def !== 'object' || typeof def.forward !== 'function' || typeof def.backward !== 'function') {
    throw new TypeError('customFunction: expected { name, forward(ctx, ...inputs), backward(ctx, grad) }');
  }
  const name = typeof def.name === 'string' && def.name.length > 0 ? def.name : 'customFunction';
  const rule: AnyRule = {
    saveInputs: false,
    saveOutput: false,
    freshGrads: def.freshGradients === true,
    vjp(g: Tensor, node: RuleCtx<FunctionCtx>) {
      const ctx = node.attrs;
      const r = def.backward(ctx, g);
      const list = r instanceof Tensor ? [r] : r;
      if (!Array.isArray(list) || list.length !== node.inShapes.length) {
        throw new Error(`${name}: backward must return ${node.inShapes.length} gradient(s) (one per input), got ${Array.isArray(list) ? list.length : typeof list}`);
      }
      return list;
    },
  };
  return (...inputs: A): Tensor => {
    inputs.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`${name}: input ${i} must be a Tensor, got ${typeof t}`);
    });
    const recording = isGradEnabled() && inputs.some((t) => t.requiresGrad);
    const ctx = new FunctionCtx(name, inputs.map((t) => recording && t.requiresGrad));
    let out = noGrad(() => def.forward(ctx, ...inputs));
    if (!(out instanceof Tensor)) throw new TypeError(`${name}: forward must return a Tensor, got ${typeof out}`);
    if (!recording) return out;
    if (inputs.includes(out) || out.requiresGrad) out = noGrad(() => out.detach());
    const node = attach(name, rule, inputs, out, ctx);
    const free = node.free.bind(node);
    node.free = () => { ctx._release(); free(); };
    return out;
  };
}
