/**
 * Gradient rule for `square`. d x^2 = 2x.
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `square`: d x^2 = 2x. */
export const squareRule: VjpRule<'square'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('square', '2 * x * y', g, [ctx.inputs[0]!])];
    return [g.mul(ctx.inputs[0]!).mul(2)];
  },
};
