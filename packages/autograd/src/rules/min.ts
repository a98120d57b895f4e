/**
 * Gradient rule for `min`. The gradient goes to the smallest element of each slice; tied elements share it evenly (each of k tied elements gets g/k, for any set of axes — like PyTorch's `amax`/`amin`, and like its full `min()`).
 * @module
 */
import { unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `min`: the gradient goes to the smallest element of each slice; tied elements share it evenly (each of k tied elements gets g/k, for any set of axes — like PyTorch's `amax`/`amin`, and like its full `min()`). */
export const minRule: VjpRule<'min'> = {
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
