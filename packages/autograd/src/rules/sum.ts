/**
 * Gradient rule for `sum`. Every summed element gets the gradient of its sum (broadcast back).
 * @module
 */
import { unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `sum`: every summed element gets the gradient of its sum (broadcast back). */
export const sumRule: VjpRule<'sum'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    const { axes, keepdims } = ctx.attrs;
    return [unreduce(g, ctx.inShapes[0]!, axes, keepdims).expand(ctx.inShapes[0]! as number[])];
  },
};
