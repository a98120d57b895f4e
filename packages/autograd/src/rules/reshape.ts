/**
 * Gradient rule for `reshape`. The gradient is reshaped back to the input shape.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `reshape`: the gradient is reshaped back to the input shape. */
export const reshapeRule: VjpRule<'reshape'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.reshape(ctx.inShapes[0]! as number[])];
  },
};
