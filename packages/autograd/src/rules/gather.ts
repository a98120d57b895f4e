/**
 * Gradient rule for `gather`. Each gathered element sends its gradient back to where it was read from: `scatterAdd` into zeros (repeated indices accumulate).
 * @module
 */
import { scatterAdd, zeros } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `gather`: each gathered element sends its gradient back to where it was read from: `scatterAdd` into zeros (repeated indices accumulate). */
export const gatherRule: VjpRule<'gather'> = {
  saveInputs: false,
  saveOutput: false,
  attrTensors: ['index'],
  vjp(g, ctx) {
    const { axis, index } = ctx.attrs;
    return [scatterAdd(zeros(ctx.inShapes[0]!, { dtype: g.dtype }), axis, index, g)];
  },
};
