/**
 * Gradient rule for `expm1`. d (e^x - 1) = e^x = output + 1.
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `expm1`: d (e^x - 1) = e^x = output + 1. */
export const expm1Rule: VjpRule<'expm1'> = {
  saveInputs: false,
  saveOutput: true,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('expm1', 'x * (y + 1)', g, [ctx.output])];
    return [g.mul(ctx.output.add(1))];
  },
};
