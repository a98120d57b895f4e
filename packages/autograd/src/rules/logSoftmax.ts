/**
 * Gradient rule for `logSoftmax`. With y = logSoftmax(x): dx = g - exp(y) sum(g) along the axis.
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `logSoftmax`: with y = logSoftmax(x): dx = g - exp(y) sum(g) along the axis. */
export const logSoftmaxRule: VjpRule<'logSoftmax'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    const { axis } = ctx.attrs;
    if (!isGradEnabled()) return [fused('logSoftmax', 'x - Math.exp(y) * z', g, [ctx.output, g.sum(axis, true)])];
    return [g.sub(ctx.output.exp().mul(g.sum(axis, true)))];
  },
};
