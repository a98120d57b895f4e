/**
 * Gradient rule for `div`. d(a/b) = (1/b, -a/b^2).
 * @module
 */
import type { Tensor } from '@gd/tensor';
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `div`: d(a/b) = (1/b, -a/b^2). */
export const divRule: VjpRule<'div'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    if (!isGradEnabled()) {
      return [ctx.needs[0] ? fused('div_a', 'x / y', g, [b]) : null, ctx.needs[1] ? fused('div_b', '-(x / z) * (y / z)', g, [a, b]) : null];
    }
    const ga = g.div(b);
    return [ctx.needs[0] ? ga : null, ctx.needs[1] ? ga.mul(a).div(b).neg() : null];
  },
};
