/**
 * Gradient rule for `sliceBackward`. The adjoint of the adjoint: the gradient is sliced like the original slice.
 * @module
 */
import { sliceView } from '../ops.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `sliceBackward`: the adjoint of the adjoint: the gradient is sliced like the original slice. */
export const sliceBackwardRule: VjpRule<'sliceBackward'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    const { starts, stops, steps } = ctx.attrs;
    return [sliceView(g, starts, stops, steps)];
  },
};
