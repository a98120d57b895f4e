/**
 * Gradient rule for `exp`. d e^x = e^x (reuses the output).
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `exp`: d e^x = e^x (reuses the output). */
export const expRule: VjpRule<'exp'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    return [g.mul(ctx.output)];
  },
};
