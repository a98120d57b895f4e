/**
 * Gradient rule for `abs`. d|x| = sign(x); the subgradient at 0 is 0 (as PyTorch).
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `abs`: d|x| = sign(x); the subgradient at 0 is 0 (as PyTorch). */
export const absRule: VjpRule<'abs'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('abs', 'x * sign(y)', g, [ctx.inputs[0]!])];
    return [g.mul(ctx.inputs[0]!.sign())];
  },
};
