/**
 * Gradient rule for `softplus`. d softplus(x) = sigma(beta x) where beta x <= threshold, and 1 on the linear part above it.
 * @module
 */
import { isGradEnabled, where } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `softplus`: d softplus(x) = sigma(beta x) where beta x <= threshold, and 1 on the linear part above it. */
export const softplusRule: VjpRule<'softplus'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('softplus', 'x * (y * p0 > p1 ? 1 : sigm(y * p0))', g, [ctx.inputs[0]!], ctx.attrs.beta, ctx.attrs.threshold)];
    const { beta, threshold } = ctx.attrs;
    const z = ctx.inputs[0]!.mul(beta);
    return [where(z.gt(threshold), g, g.mul(z.sigmoid()))];
  },
};
