// A backend for tests: it takes only unary `exp`, computes it with Math.exp and records the length of
// every call, so a test can see how (and how often) an op reached the backend.
import type { Backend } from '../../kernels/backend.js';

/** A `Math.exp` backend that pushes each call's element count to `calls`. */
export function mathExpBackend(calls: number[]): Backend {
  return {
    name: 'math-exp',
    elementwise: (op, out, xs, y) => {
      if (op !== 'exp' || y !== null) return false;
      calls.push(out.length);
      for (let i = 0; i < out.length; i++) out[i] = Math.exp(xs[i]!);
      return true;
    },
  };
}
