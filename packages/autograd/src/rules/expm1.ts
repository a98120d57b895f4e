/**
 * Gradient rule for `expm1`. d (e^x - 1) = e^x = output + 1.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `expm1`: d (e^x - 1) = e^x = output + 1. */
export const expm1Rule: VjpRule<'expm1'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    return [g.mul(ctx.output.add(1))];
  },
};
