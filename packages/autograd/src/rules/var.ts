/**
 * Gradient rule for `var`. d var / d x_i = 2 (x_i - mean) / (n - correction).
 * @module
 */
import { reducedCount, unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `var`: d var / d x_i = 2 (x_i - mean) / (n - correction). */
export const varRule: VjpRule<'var'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    const { axes, keepdims, correction } = ctx.attrs;
    const x = ctx.inputs[0]!;
    const shape = ctx.inShapes[0]!;
    const dof = Math.max(0, reducedCount(shape, axes) - correction);
    const centred = x.sub(x.mean(axes, true));
    return [unreduce(g, shape, axes, keepdims).mul(centred).mul(2 / dof)];
  },
};
