/**
 * Gradient rule for `scatterAdd`. `scatterAdd(base, axis, index, src)`: the base gets the gradient unchanged; each source element gets the gradient at the position it was added to (a `gather`).
 * @module
 */
import { gatherInto } from '../ops.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `scatterAdd`: `scatterAdd(base, axis, index, src)`: the base gets the gradient unchanged; each source element gets the gradient at the position it was added to (a `gather`). */
export const scatterAddRule: VjpRule<'scatterAdd'> = {
  saveInputs: false,
  saveOutput: false,
  attrTensors: ['index'],
  vjp(g, ctx) {
    const { axis, index } = ctx.attrs;
    return [g, ctx.needs[1] ? gatherInto(g, axis, index, ctx.inShapes[1]!) : null];
  },
};
