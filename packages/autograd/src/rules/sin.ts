/**
 * Gradient rule for `sin`. d sin x = cos x.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `sin`: d sin x = cos x. */
export const sinRule: VjpRule<'sin'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.mul(ctx.inputs[0]!.cos())];
  },
};
