/**
 * Gradient rule for `relu`. d relu(x) = 1 where x > 0, else 0 (0 at the kink, as PyTorch).
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `relu`: d relu(x) = 1 where x > 0, else 0 (0 at the kink, as PyTorch). */
export const reluRule: VjpRule<'relu'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('relu', 'x * (y > 0 ? 1 : 0)', g, [ctx.output])];
    return [g.mul(ctx.output.gt(0).to(g.dtype))];
  },
};
