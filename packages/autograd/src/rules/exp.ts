/**
 * Gradient rule for `exp`. d e^x = e^x (reuses the output).
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `exp`: d e^x = e^x (reuses the output). */
export const expRule: VjpRule<'exp'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('exp', 'x * y', g, [ctx.output])];
    return [g.mul(ctx.output)];
  },
};
