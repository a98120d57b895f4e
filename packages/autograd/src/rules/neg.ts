/**
 * Gradient rule for `neg`. d(-x) = -1.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `neg`: d(-x) = -1. */
export const negRule: VjpRule<'neg'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.neg()];
  },
};
