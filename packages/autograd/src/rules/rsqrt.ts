/**
 * Gradient rule for `rsqrt`. d x^(-1/2) = -x^(-3/2) / 2 = -out^3 / 2.
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `rsqrt`: d x^(-1/2) = -x^(-3/2) / 2 = -out^3 / 2. */
export const rsqrtRule: VjpRule<'rsqrt'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('rsqrt', '-0.5 * x * (y * y * y)', g, [ctx.output])];
    return [g.mul(ctx.output.pow(3)).mul(-0.5)];
  },
};
