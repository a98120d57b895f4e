/**
 * Gradient rule for `cast`. A float-to-float cast passes the gradient through; the engine casts it back to the input dtype.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `cast`: a float-to-float cast passes the gradient through; the engine casts it back to the input dtype. */
export const castRule: VjpRule<'cast'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.to(ctx.inDtypes[0]!)];
  },
};
