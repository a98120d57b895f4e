/**
 * Gradient rule for `sqrt`. d sqrt(x) = 1 / (2 sqrt(x)) (reuses the output).
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `sqrt`: d sqrt(x) = 1 / (2 sqrt(x)) (reuses the output). */
export const sqrtRule: VjpRule<'sqrt'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('sqrt', 'x / (2 * y)', g, [ctx.output])];
    return [g.div(ctx.output.mul(2))];
  },
};
