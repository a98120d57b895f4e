/**
 * Gradient rule for `square`. d x^2 = 2x.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `square`: d x^2 = 2x. */
export const squareRule: VjpRule<'square'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.mul(ctx.inputs[0]!).mul(2)];
  },
};
