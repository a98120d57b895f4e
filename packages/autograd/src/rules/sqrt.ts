/**
 * Gradient rule for `sqrt`. d sqrt(x) = 1 / (2 sqrt(x)) (reuses the output).
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `sqrt`: d sqrt(x) = 1 / (2 sqrt(x)) (reuses the output). */
export const sqrtRule: VjpRule<'sqrt'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    return [g.div(ctx.output.mul(2))];
  },
};
