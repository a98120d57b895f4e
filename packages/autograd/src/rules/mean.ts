/**
 * Gradient rule for `mean`. Every element gets the gradient of its mean divided by the number of elements averaged.
 * @module
 */
import { reducedCount, unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `mean`: every element gets the gradient of its mean divided by the number of elements averaged. */
export const meanRule: VjpRule<'mean'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    const { axes, keepdims } = ctx.attrs;
    const shape = ctx.inShapes[0]!;
    return [unreduce(g, shape, axes, keepdims).div(reducedCount(shape, axes)).expand(shape as number[])];
  },
};
