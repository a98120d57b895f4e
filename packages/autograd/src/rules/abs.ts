/**
 * Gradient rule for `abs`. d|x| = sign(x); the subgradient at 0 is 0 (as PyTorch).
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `abs`: d|x| = sign(x); the subgradient at 0 is 0 (as PyTorch). */
export const absRule: VjpRule<'abs'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.mul(ctx.inputs[0]!.sign())];
  },
};
