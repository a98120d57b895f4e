/**
 * Gradient rule for `softmax`. With y = softmax(x): dx = y (g - sum(g y)) along the axis.
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `softmax`: with y = softmax(x): dx = y (g - sum(g y)) along the axis. */
export const softmaxRule: VjpRule<'softmax'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    const { axis } = ctx.attrs;
    const gy = g.mul(ctx.output);
    if (!isGradEnabled()) return [fused('softmax', 'y * (x - z)', g, [ctx.output, gy.sum(axis, true)])];
    return [gy.sub(ctx.output.mul(gy.sum(axis, true)))];
  },
};
