/**
 * Gradient rule for `indexSelect`. Each selected slice sends its gradient back to the slice it came from: `scatterAdd` into zeros along the axis (repeated indices accumulate).
 * @module
 */
import { scatterAdd, zeros } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `indexSelect`: each selected slice sends its gradient back to the slice it came from: `scatterAdd` into zeros along the axis (repeated indices accumulate). */
export const indexSelectRule: VjpRule<'indexSelect'> = {
  saveInputs: false,
  saveOutput: false,
  attrTensors: ['index'],
  vjp(g, ctx) {
    const { axis, index } = ctx.attrs;
    const shape = ctx.inShapes[0]!;
    const idxShape = g.shape.map((_, d) => (d === axis ? index.size : 1));
    const full = index.reshape(idxShape).expand(g.shape as number[]).contiguous();
    return [scatterAdd(zeros(shape, { dtype: g.dtype }), axis, full, g)];
  },
};
