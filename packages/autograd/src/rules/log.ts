/**
 * Gradient rule for `log`. d log x = 1/x.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `log`: d log x = 1/x. */
export const logRule: VjpRule<'log'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.div(ctx.inputs[0]!)];
  },
};
