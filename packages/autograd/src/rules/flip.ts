/**
 * Gradient rule for `flip`. The gradient is flipped back along the same axes.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `flip`: the gradient is flipped back along the same axes. */
export const flipRule: VjpRule<'flip'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.flip(ctx.attrs.axes)];
  },
};
