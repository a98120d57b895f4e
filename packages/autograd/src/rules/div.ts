/**
 * Gradient rule for `div`. d(a/b) = (1/b, -a/b^2).
 * @module
 */
import type { Tensor } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `div`: d(a/b) = (1/b, -a/b^2). */
export const divRule: VjpRule<'div'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    const ga = g.div(b);
    return [ctx.needs[0] ? ga : null, ctx.needs[1] ? ga.mul(a).div(b).neg() : null];
  },
};
