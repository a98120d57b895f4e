/**
 * Gradient rule for `mul`. d(ab) = (b, a).
 * @module
 */
import type { Tensor } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `mul`: d(ab) = (b, a). */
export const mulRule: VjpRule<'mul'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    return [ctx.needs[0] ? g.mul(b) : null, ctx.needs[1] ? g.mul(a) : null];
  },
};
