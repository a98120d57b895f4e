/**
 * Gradient rule for `maximum` (and, through {@link pairwiseExtremumRule}, `minimum`). The gradient
 * goes to the winning operand; at ties it is split evenly (1/2 each, as PyTorch).
 * @module
 */
import type { Tensor } from '@gd/tensor';
import { isGradEnabled } from '@gd/tensor';
import { type VjpRule, fused } from '../rule.js';

/**
 * The rule of `maximum` (`wins = '>'`) or `minimum` (`wins = '<'`): each operand gets the gradient
 * where it wins, half of it where the operands tie. Plain backward runs one fused loop per operand;
 * under `createGraph` the same maths is built from recorded ops.
 */
export function pairwiseExtremumRule<K extends 'maximum' | 'minimum'>(op: K, wins: '>' | '<'): VjpRule<K> {
  return {
    saveInputs: true,
    saveOutput: false,
    vjp(g, ctx) {
      const [a, b] = ctx.inputs as [Tensor, Tensor];
      if (!isGradEnabled()) {
        return [
          ctx.needs[0] ? fused(`${op}_a`, `x * (y ${wins} z ? 1 : y === z ? 0.5 : 0)`, g, [a, b]) : null,
          ctx.needs[1] ? fused(`${op}_b`, `x * (z ${wins} y ? 1 : y === z ? 0.5 : 0)`, g, [a, b]) : null,
        ];
      }
      const beats = (x: Tensor, y: Tensor): Tensor => (wins === '>' ? x.gt(y) : x.lt(y)).to(g.dtype);
      const half = a.eq(b).to(g.dtype).mul(0.5);
      return [
        ctx.needs[0] ? g.mul(beats(a, b).add(half)) : null,
        ctx.needs[1] ? g.mul(beats(b, a).add(half)) : null,
      ];
    },
  };
}

/** Gradient rule for `maximum`: the larger operand gets the gradient; ties split it 1/2 each. */
export const maximumRule: VjpRule<'maximum'> = pairwiseExtremumRule('maximum', '>');
