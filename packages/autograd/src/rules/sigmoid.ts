/**
 * Gradient rule for `sigmoid`. d sigma(x) = sigma(x) (1 - sigma(x)) (reuses the output).
 * @module
 */
import { isGradEnabled, sub } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `sigmoid`: d sigma(x) = sigma(x) (1 - sigma(x)) (reuses the output). */
export const sigmoidRule: VjpRule<'sigmoid'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('sigmoid', 'x * (y * (1 - y))', g, [ctx.output])];
    const y = ctx.output;
    return [g.mul(y).mul(sub(1, y))];
  },
};
