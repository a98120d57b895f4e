/**
 * Gradient rule for `permute`. The gradient is permuted by the inverse permutation.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `permute`: the gradient is permuted by the inverse permutation. */
export const permuteRule: VjpRule<'permute'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    const dims = ctx.attrs.dims;
    const inv = new Array<number>(dims.length);
    for (let i = 0; i < dims.length; i++) inv[dims[i]!] = i;
    return [g.permute(inv)];
  },
};
