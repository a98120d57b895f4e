/**
 * Gradient rule for `tanh`. d tanh x = 1 - tanh(x)^2 (reuses the output).
 * @module
 */
import { sub } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `tanh`: d tanh x = 1 - tanh(x)^2 (reuses the output). */
export const tanhRule: VjpRule<'tanh'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    return [g.mul(sub(1, ctx.output.square()))];
  },
};
