/**
 * Gradient rule for `relu`. d relu(x) = 1 where x > 0, else 0 (0 at the kink, as PyTorch).
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `relu`: d relu(x) = 1 where x > 0, else 0 (0 at the kink, as PyTorch). */
export const reluRule: VjpRule<'relu'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    return [g.mul(ctx.output.gt(0).to(g.dtype))];
  },
};
