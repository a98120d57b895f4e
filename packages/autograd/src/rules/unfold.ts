/**
 * Gradient rule for `unfold` (im2col): its adjoint, `fold`, sums each column entry back into the
 * pixel it was read from.
 * @module
 */
import { foldAttrs } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `unfold`: the gradient is `fold` of the output gradient with the same window (recorded, so it differentiates again). */
export const unfoldRule: VjpRule<'unfold'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [foldAttrs(g, ctx.attrs)];
  },
};
