/**
 * Gradient rule for `contiguous`. A copy passes the gradient through.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `contiguous`: a copy passes the gradient through. */
export const contiguousRule: VjpRule<'contiguous'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [g];
  },
};
