/**
 * Gradient rule for `tanh`. d tanh x = 1 - tanh(x)^2 (reuses the output).
 * @module
 */
import { isGradEnabled, sub } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `tanh`: d tanh x = 1 - tanh(x)^2 (reuses the output). */
export const tanhRule: VjpRule<'tanh'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('tanh', 'x * (1 - y * y)', g, [ctx.output])];
    return [g.mul(sub(1, ctx.output.square()))];
  },
};
