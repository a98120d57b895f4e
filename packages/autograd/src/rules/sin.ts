/**
 * Gradient rule for `sin`. d sin x = cos x.
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `sin`: d sin x = cos x. */
export const sinRule: VjpRule<'sin'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('sin', 'x * Math.cos(y)', g, [ctx.inputs[0]!])];
    return [g.mul(ctx.inputs[0]!.cos())];
  },
};
