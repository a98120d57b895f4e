/**
 * Gradient rule for `clamp`. The gradient passes where min <= x <= max (bounds included, as PyTorch) and is 0 elsewhere.
 * @module
 */
import type { Tensor } from '@gd/tensor';
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `clamp`: the gradient passes where min <= x <= max (bounds included, as PyTorch) and is 0 elsewhere. */
export const clampRule: VjpRule<'clamp'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    if (!isGradEnabled()) return [fused('clamp', 'x * (y >= p0 && y <= p1 ? 1 : 0)', g, [ctx.inputs[0]!], ctx.attrs.min ?? -Infinity, ctx.attrs.max ?? Infinity)];
    const { min, max } = ctx.attrs;
    const x = ctx.inputs[0]!;
    let mask: Tensor | null = null;
    if (min !== undefined) mask = x.ge(min);
    if (max !== undefined) mask = mask === null ? x.le(max) : mask.and(x.le(max));
    return [mask === null ? g : g.mul(mask.to(g.dtype))];
  },
};
