/**
 * Gradient rule for `minimum`. The gradient goes to the smaller operand; at ties it is split evenly (1/2 each, as PyTorch).
 * @module
 */
import type { Tensor } from '@gd/tensor';
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `minimum`: the gradient goes to the smaller operand; at ties it is split evenly (1/2 each, as PyTorch). */
export const minimumRule: VjpRule<'minimum'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    if (!isGradEnabled()) {
      return [
        ctx.needs[0] ? fused('minimum_a', 'x * (y < z ? 1 : y === z ? 0.5 : 0)', g, [a, b]) : null,
        ctx.needs[1] ? fused('minimum_b', 'x * (z < y ? 1 : y === z ? 0.5 : 0)', g, [a, b]) : null,
      ];
    }
    const half = a.eq(b).to(g.dtype).mul(0.5);
    return [
      ctx.needs[0] ? g.mul(a.lt(b).to(g.dtype).add(half)) : null,
      ctx.needs[1] ? g.mul(b.lt(a).to(g.dtype).add(half)) : null,
    ];
  },
};
