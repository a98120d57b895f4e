/**
 * Gradient rule for `cumsum`. The adjoint of a running sum is the reversed running sum of the gradient.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `cumsum`: the adjoint of a running sum is the reversed running sum of the gradient. */
export const cumsumRule: VjpRule<'cumsum'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    const { axis } = ctx.attrs;
    return [g.flip(axis).cumsum(axis).flip(axis)];
  },
};
