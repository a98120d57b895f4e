/**
 * Gradient rule for `log1p`. d log(1+x) = 1/(1+x).
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `log1p`: d log(1+x) = 1/(1+x). */
export const log1pRule: VjpRule<'log1p'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.div(ctx.inputs[0]!.add(1))];
  },
};
