/**
 * Gradient rule for `max` (and, through {@link extremumRule}, for `min`). The gradient goes to the
 * extreme element of each slice; tied elements share it evenly (each of k tied elements gets g/k, for
 * any set of axes — like PyTorch's `amax`/`amin`, and like its full `max()`/`min()`).
 * @module
 */
import { unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

/**
 * The rule shared by the `max` and `min` reductions: the output marks the extreme elements, so one
 * rule serves both: the gradient is spread evenly over the elements equal to the output.
 */
export function extremumRule<K extends 'max' | 'min'>(): VjpRule<K> {
  return {
    saveInputs: true,
    saveOutput: true,
    vjp(g, ctx) {
      const { axes, keepdims } = ctx.attrs;
      const shape = ctx.inShapes[0]!;
      const mask = ctx.inputs[0]!.eq(unreduce(ctx.output, shape, axes, keepdims)).to(g.dtype);
      const count = mask.sum(axes, true);
      return [unreduce(g, shape, axes, keepdims).mul(mask).div(count)];
    },
  };
}

/** Gradient rule for `max`: the largest element of each slice gets the gradient; ties share it evenly. */
export const maxRule: VjpRule<'max'> = extremumRule<'max'>();
