/**
 * Gradient rule for `rsqrt`. d x^(-1/2) = -x^(-3/2) / 2 = -out^3 / 2.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `rsqrt`: d x^(-1/2) = -x^(-3/2) / 2 = -out^3 / 2. */
export const rsqrtRule: VjpRule<'rsqrt'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    return [g.mul(ctx.output.pow(3)).mul(-0.5)];
  },
};
