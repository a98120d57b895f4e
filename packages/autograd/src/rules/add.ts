/**
 * Gradient rule for `add`. d(a + b) = (1, 1); the engine sums each back over broadcast axes.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `add`: d(a + b) = (1, 1); the engine sums each back over broadcast axes. */
export const addRule: VjpRule<'add'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [g, g];
  },
};
