/**
 * Gradient rule for `where`. `where(cond, a, b)`: the gradient goes to `a` where the condition holds and to `b` elsewhere.
 * @module
 */
import { where } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `where`: `where(cond, a, b)`: the gradient goes to `a` where the condition holds and to `b` elsewhere. */
export const whereRule: VjpRule<'where'> = {
  saveInputs: false,
  saveOutput: false,
  attrTensors: ['cond'],
  vjp(g, ctx) {
    const { cond } = ctx.attrs;
    return [ctx.needs[0] ? where(cond, g, 0) : null, ctx.needs[1] ? where(cond, 0, g) : null];
  },
};
