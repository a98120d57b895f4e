/**
 * Gradient rule for `cos`. d cos x = -sin x.
 * @module
 */
import type { VjpRule } from '../rule.js';

/** Gradient rule for `cos`: d cos x = -sin x. */
export const cosRule: VjpRule<'cos'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    return [g.mul(ctx.inputs[0]!.sin()).neg()];
  },
};
