/**
 * Gradient rule for `pow`. d a^b = (b a^(b-1), a^b log a). Where b = 0 the base gradient is 0; where a = 0 and b >= 0 the exponent gradient is 0 (PyTorch's conventions); a negative base gives NaN for the exponent gradient.
 * @module
 */
import type { Tensor } from '@gd/tensor';
import { isGradEnabled, where } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/** Gradient rule for `pow`: d a^b = (b a^(b-1), a^b log a). Where b = 0 the base gradient is 0; where a = 0 and b >= 0 the exponent gradient is 0 (PyTorch's conventions); a negative base gives NaN for the exponent gradient. */
export const powRule: VjpRule<'pow'> = {
  saveInputs: true,
  saveOutput: true,
  vjp(g, ctx) {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    if (!isGradEnabled()) {
      return [
        ctx.needs[0] ? fused('pow_a', '(z === 0 ? 0 : x * z * Math.pow(y, z - 1))', g, [a, b]) : null,
        ctx.needs[1] ? fused('pow_b', '((y === 0 && z >= 0) ? 0 : x * Math.pow(y, z) * Math.log(y))', g, [a, b]) : null,
      ];
    }
    const ga = ctx.needs[0] ? where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null;
    const gb = ctx.needs[1] ? where(a.eq(0).and(b.ge(0)), 0, g.mul(ctx.output).mul(a.log())) : null;
    return [ga, gb];
  },
};
