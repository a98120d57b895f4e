/**
 * Gradient rule for `sub`. d(a - b) = (1, -1).
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `sub`: d(a - b) = (1, -1). */
export const subRule: VjpRule<'sub'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [g, ctx.needs[1] ? g.neg() : null];
  },
};
