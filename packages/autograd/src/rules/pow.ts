/**
 * Gradient rule for `pow`. d a^b = (b a^(b-1), a^b log a). Where b = 0 the base gradient is 0; where a = 0 and b >= 0 the exponent gradient is 0 (PyTorch's conventions); a negative base gives NaN for the exponent gradient.
 * @module
 */
import type { Tensor } from '@gd/tensor';
import { where } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `pow`: d a^b = (b a^(b-1), a^b log a). Where b = 0 the base gradient is 0; where a = 0 and b >= 0 the exponent gradient is 0 (PyTorch's conventions); a negative base gives NaN for the exponent gradient. */
export const powRule: VjpRule<'pow'> = {
  saveInputs: true,
  saveOutput: true,
  vjp(g, ctx) {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    const ga = ctx.needs[0] ? where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null;
    const gb = ctx.needs[1] ? where(a.eq(0).and(b.ge(0)), 0, g.mul(ctx.output).mul(a.log())) : null;
    return [ga, gb];
  },
};
