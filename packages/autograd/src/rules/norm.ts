/**
 * Gradient rule for `norm`. d ||x||_p / d x_i = sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1). p = 2: x / ||x||; p = 1: sign(x); p = ±Infinity: sign(x) at the extreme elements, split evenly among ties; p = 0 counts non-zeros and has no gradient. A zero norm gets gradient 0 (PyTorch's choice of subgradient).
 * @module
 */
import { where } from '@gd/tensor';
import { unreduce } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `norm`: d ||x||_p / d x_i = sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1). p = 2: x / ||x||; p = 1: sign(x); p = ±Infinity: sign(x) at the extreme elements, split evenly among ties; p = 0 counts non-zeros and has no gradient. A zero norm gets gradient 0 (PyTorch's choice of subgradient). */
export const normRule: VjpRule<'norm'> = {
  saveInputs: true,
  saveOutput: true,
  vjp(g, ctx) {
    const { p, axes, keepdims } = ctx.attrs;
    const x = ctx.inputs[0]!;
    const shape = ctx.inShapes[0]!;
    const gk = unreduce(g, shape, axes, keepdims);
    const out = unreduce(ctx.output, shape, axes, keepdims);
    if (p === 0) return [null];
    if (p === 1) return [gk.mul(x.sign())];
    if (p === 2) return [gk.mul(where(out.eq(0), 0, x.div(out)))];
    if (p === Infinity || p === -Infinity) {
      const mask = x.abs().eq(out).to(g.dtype);
      return [gk.mul(x.sign()).mul(mask).div(mask.sum(axes, true))];
    }
    const dead = x.eq(0).or(out.eq(0));
    const scaled = x.mul(x.abs().pow(p - 2)).div(out.pow(p - 1));
    return [gk.mul(where(dead, 0, scaled))];
  },
};
