/**
 * Gradient rule for `sigmoid`. d sigma(x) = sigma(x) (1 - sigma(x)) (reuses the output).
 * @module
 */
import { sub } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `sigmoid`: d sigma(x) = sigma(x) (1 - sigma(x)) (reuses the output). */
export const sigmoidRule: VjpRule<'sigmoid'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    const y = ctx.output;
    return [g.mul(y).mul(sub(1, y))];
  },
};
