/**
 * Gradient rule for `logsumexp`. d logsumexp / d x_i = exp(x_i - logsumexp) (the softmax), computed from the saved output.
 * @module
 */
import { unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `logsumexp`: d logsumexp / d x_i = exp(x_i - logsumexp) (the softmax), computed from the saved output. */
export const logsumexpRule: VjpRule<'logsumexp'> = {
  saveInputs: true,
  saveOutput: true,
  vjp(g, ctx) {
    const { axes, keepdims } = ctx.attrs;
    const shape = ctx.inShapes[0]!;
    const out = unreduce(ctx.output, shape, axes, keepdims);
    return [unreduce(g, shape, axes, keepdims).mul(ctx.inputs[0]!.sub(out).exp())];
  },
};
