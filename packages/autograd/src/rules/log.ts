/**
 * Gradient rule for `log`. d log x = 1/x.
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `log`: d log x = 1/x. */
export const logRule: VjpRule<'log'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('log', 'x / y', g, [ctx.inputs[0]!])];
    return [g.div(ctx.inputs[0]!)];
  },
};
