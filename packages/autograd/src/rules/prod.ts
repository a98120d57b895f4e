/**
 * Gradient rule for `prod`. d prod / d x_i = product of the other elements. Computed without dividing by zero: slices with no zero use prod/x_i; in a slice with exactly one zero only that element gets a gradient (the product of the rest); slices with two or more zeros get none. Twice differentiable.
 * @module
 */
import { type Tensor, where } from '@gd/tensor';
import { unreduce } from '../rule.js';

function hasZero(x: Tensor): boolean {
  const d = x.data();
  for (let i = 0; i < d.length; i++) if (d[i] === 0) return true;
  return false;
}
import type { VjpRule } from '../rule.js';

/** Gradient rule for `prod`: d prod / d x_i = product of the other elements. Computed without dividing by zero: slices with no zero use prod/x_i; in a slice with exactly one zero only that element gets a gradient (the product of the rest); slices with two or more zeros get none. Twice differentiable. */
export const prodRule: VjpRule<'prod'> = {
  saveInputs: true,
  saveOutput: true,
  vjp(g, ctx) {
    const { axes, keepdims } = ctx.attrs;
    const x = ctx.inputs[0]!;
    const shape = ctx.inShapes[0]!;
    const gk = unreduce(g, shape, axes, keepdims);
    if (!hasZero(x)) return [gk.mul(unreduce(ctx.output, shape, axes, keepdims)).div(x)];
    const dt = g.dtype;
    const z = x.eq(0);
    const xs = where(z, 1, x);
    const others = xs.prod(axes, true);
    const zeros = z.to(dt).sum(axes, true);
    const noZero = zeros.eq(0).to(dt);
    const theZero = z.and(zeros.eq(1)).to(dt);
    return [gk.mul(noZero.mul(others).div(xs).add(theZero.mul(others)))];
  },
};
