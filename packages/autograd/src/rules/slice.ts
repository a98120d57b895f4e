/**
 * Gradient rule for `slice`. The gradient is written into zeros of the input shape at the sliced positions (`sliceBackward`, itself differentiable).
 * @module
 */
import { sliceBackward } from '../ops.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `slice`: the gradient is written into zeros of the input shape at the sliced positions (`sliceBackward`, itself differentiable). */
export const sliceRule: VjpRule<'slice'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    const { starts, stops, steps } = ctx.attrs;
    return [sliceBackward(g, ctx.inShapes[0]!, starts, stops, steps)];
  },
};
