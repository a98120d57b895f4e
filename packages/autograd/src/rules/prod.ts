/**
 * Gradient rule for `prod`: d prod / d x_i = the product of the other elements.
 *
 * Without zeros in the input this is `prod / x_i`. With zeros, dividing would give 0/0, so the
 * leave-one-out products are formed directly: the reduced elements of each slice are laid out as a
 * row of n, expanded to an n x n matrix whose diagonal is replaced by 1, and multiplied along the
 * rows. That costs n^2 per slice but is exact, and, built from recorded ops, differentiable again
 * (the second derivative of `x0 * x1` at `x0 = 0` is 1, which a "zero gradient" shortcut would miss).
 * @module
 */
import { type Tensor, eye, where } from '@gd/tensor';
import { keptShape, unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

function hasZero(x: Tensor): boolean {
  const d = x.data();
  for (let i = 0; i < d.length; i++) if (d[i] === 0) return true;
  return false;
}

/** Leave-one-out products of `x` over `axes`, times the (kept-dims) gradient `gk`. */
function leaveOneOut(x: Tensor, axes: readonly number[], gk: Tensor): Tensor {
  const nd = x.ndim;
  const kept = Array.from({ length: nd }, (_, d) => d).filter((d) => !axes.includes(d));
  const perm = [...kept, ...axes];
  const inv = new Array<number>(nd);
  perm.forEach((p, i) => { inv[p] = i; });
  let b = 1;
  for (const d of kept) b *= x.shape[d]!;
  let n = 1;
  for (const d of axes) n *= x.shape[d]!;
  const rows = x.permute(perm).reshape([b, 1, n]).expand([b, n, n]);
  const loo = where(eye(n).gt(0), 1, rows).prod(2); // [b, n]: product of all but one
  const g = gk.permute(perm).reshape([b, 1]);
  return loo.mul(g).reshape(perm.map((d) => x.shape[d]!)).permute(inv);
}

/** Gradient rule for `prod`: the product of the other elements (exact with zeros, twice differentiable). */
export const prodRule: VjpRule<'prod'> = {
  saveInputs: true,
  saveOutput: true,
  vjp(g, ctx) {
    const { axes, keepdims } = ctx.attrs;
    const x = ctx.inputs[0]!;
    const shape = ctx.inShapes[0]!;
    const gk = unreduce(g, shape, axes, keepdims);
    if (!hasZero(x)) return [gk.mul(unreduce(ctx.output, shape, axes, keepdims)).div(x)];
    return [leaveOneOut(x, axes, gk.expand(keptShape(shape, axes)))];
  },
};
