/**
 * Gradient rule for `matmul`. For C = A B: dA = dC B^T and dB = A^T dC, with 1-D operands treated as a row (A) or column (B) and broadcast batch dims summed back.
 * @module
 */
import type { Tensor } from '@gd/tensor';
import { sumToShape } from '../rule.js';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `matmul`: for C = A B: dA = dC B^T and dB = A^T dC, with 1-D operands treated as a row (A) or column (B) and broadcast batch dims summed back. */
export const matmulRule: VjpRule<'matmul'> = {
  saveInputs: true,
  saveOutput: false,
  vjp(g, ctx) {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    if (a.ndim === 1 && b.ndim === 1) {
      return [ctx.needs[0] ? g.mul(b) : null, ctx.needs[1] ? g.mul(a) : null];
    }
    const a2 = a.ndim === 1 ? a.reshape([1, a.shape[0]!]) : a;
    const b2 = b.ndim === 1 ? b.reshape([b.shape[0]!, 1]) : b;
    const gShape = g.shape.slice();
    if (a.ndim === 1) gShape.splice(gShape.length - (b.ndim === 1 ? 0 : 1), 0, 1);
    if (b.ndim === 1) gShape.push(1);
    const g2 = g.reshape(gShape);
    const ga = ctx.needs[0] ? sumToShape('matmul', g2.matmul(b2.transpose(-1, -2)), a2.shape, 0).reshape(a.shape as number[]) : null;
    const gb = ctx.needs[1] ? sumToShape('matmul', a2.transpose(-1, -2).matmul(g2), b2.shape, 1).reshape(b.shape as number[]) : null;
    return [ga, gb];
  },
};
