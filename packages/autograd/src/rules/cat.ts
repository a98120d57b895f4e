/**
 * Gradient rule for `cat`. Each input gets its own stretch of the gradient along the axis.
 * @module
 */
import type { Tensor } from '@gd/tensor';
import type { VjpRule } from '../rule.js';

/** Gradient rule for `cat`: each input gets its own stretch of the gradient along the axis. */
export const catRule: VjpRule<'cat'> = {
  saveInputs: false,
  saveOutput: false,
  vjp(g, ctx) {
    const { axis } = ctx.attrs;
    const out: (Tensor | null)[] = [];
    let off = 0;
    ctx.inShapes.forEach((s, i) => {
      const n = s[axis]!;
      out.push(ctx.needs[i] ? g.narrow(axis, off, n) : null);
      off += n;
    });
    return out;
  },
};
