/**
 * Gradient rule for `pad`. The gradient of the padded region is dropped: the gradient is cut back to the input region.
 * @module
 */
import { unpad } from '../ops.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `pad`: the gradient of the padded region is dropped: the gradient is cut back to the input region. */
export const padRule: VjpRule<'pad'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    return [unpad(g, ctx.inShapes[0]!, ctx.attrs.pads)];
  },
};
