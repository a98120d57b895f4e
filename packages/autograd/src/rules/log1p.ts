/**
 * Gradient rule for `log1p`. d log(1+x) = 1/(1+x).
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `log1p`: d log(1+x) = 1/(1+x). */
export const log1pRule: VjpRule<'log1p'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('log1p', 'x / (1 + y)', g, [ctx.inputs[0]!])];
    return [g.div(ctx.inputs[0]!.add(1))];
  },
};
