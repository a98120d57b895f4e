/**
 * Gradient rule for `fold` (col2im): its adjoint, `unfold`, reads each column entry's pixel.
 * @module
 */
import { unfoldAttrs } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `fold`: the gradient is `unfold` of the output gradient with the same window (recorded, so it differentiates again). */
export const foldRule: VjpRule<'fold'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [unfoldAttrs(g, ctx.attrs)];
  },
};
