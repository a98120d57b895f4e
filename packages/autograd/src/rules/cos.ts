/**
 * Gradient rule for `cos`. d cos x = -sin x.
 * @module
 */
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `cos`: d cos x = -sin x. */
export const cosRule: VjpRule<'cos'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('cos', '-x * Math.sin(y)', g, [ctx.inputs[0]!])];
    return [g.mul(ctx.inputs[0]!.sin()).neg()];
  },
};
