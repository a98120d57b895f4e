/**
 * Gradient rule for `expand`. The gradient is summed over the expanded axes.
 * @module
 */
import { sumToShape } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `expand`: the gradient is summed over the expanded axes. */
export const expandRule: VjpRule<'expand'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [sumToShape('expand', g, ctx.inShapes[0]!, 0)];
  },
};
