/**
 * Gradient rule for `maskedFill`. Filled positions get no gradient; the rest pass it through.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `maskedFill`: filled positions get no gradient; the rest pass it through. */
export const maskedFillRule: VjpRule<'maskedFill'> = {
  saveInputs: false,
  saveOutput: false,
  attrTensors: ['mask'],
  vjp(g, ctx) {
    return [g.maskedFill(ctx.attrs.mask, 0)];
  },
};
