/**
 * Gradient rule for `max`. The gradient goes to the largest element of each slice; tied elements share it evenly (each of k tied elements gets g/k, for any set of axes — like PyTorch's `amax`/`amax`, and like its full `max()`).
 * @module
 */
import { unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `max`: the gradient goes to the largest element of each slice; tied elements share it evenly (each of k tied elements gets g/k, for any set of axes — like PyTorch's `amax`/`amax`, and like its full `max()`). */
export const maxRule: VjpRule<'max'> = {
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
