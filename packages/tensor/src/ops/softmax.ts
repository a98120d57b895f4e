/**
 * `softmax` and `logSoftmax` along one axis, computed stably by subtracting each row's maximum.
 * @module
 */
import type { Tensor } from '../tensor.js';
import { floatType } from '../dtype.js';
import { normAxis } from '../shape.js';
import { record } from '../dispatch.js';
import { checkTensorArg, rowKernel } from './reduce.js';

function softmaxAxis(op: string, x: Tensor, axis: unknown): number {
  checkTensorArg(op, x);
  if (typeof axis !== 'number') throw new TypeError(`${op}: axis must be a number, got ${JSON.stringify(axis)}`);
  if (x.ndim === 0 && (axis === 0 || axis === -1)) return 0;
  return normAxis(op, axis, x.ndim);
}

/**
 * Softmax along `axis`: `exp(x_i - m) / sum_k exp(x_k - m)` with `m` the row maximum, so logits of
 * ±1000 give finite probabilities. Each row sums to 1. Integer inputs give float32; the arithmetic is
 * done in float64. A row containing NaN gives NaN; a row of only `-Infinity` gives NaN, as in PyTorch.
 * @param x - the logits.
 * @param axis - the axis to normalise over (default -1, the last).
 * @returns probabilities of `x`'s shape.
 * @example
 * ```ts
 * softmax(tensor([1000, 1000])).toArray(); // [0.5, 0.5]
 * softmax(tensor([[0, Math.log(3)]]), 1).toArray(); // [[0.25, 0.75]]
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = softmaxAxis('softmax', x, axis);
  const out = rowKernel('softmax', x, a, floatType(x.dtype));
  return record('softmax', [x], out, { axis: a });
}

/**
 * Log-softmax along `axis`: `x_i - m - log(sum_k exp(x_k - m))` with `m` the row maximum. More accurate
 * than `log(softmax(x))` for very negative log-probabilities (it never takes the log of an underflowed
 * 0). `exp(logSoftmax(x))` equals `softmax(x)`. Integer inputs give float32.
 * @param x - the logits.
 * @param axis - the axis to normalise over (default -1).
 * @returns log-probabilities of `x`'s shape.
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0])).toArray(); // [-0.6931472, -0.6931472]
 * logSoftmax(tensor([-1000, 1000])).toArray(); // [-2000, 0]
 * ```
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = softmaxAxis('logSoftmax', x, axis);
  const out = rowKernel('logSoftmax', x, a, floatType(x.dtype));
  return record('logSoftmax', [x], out, { axis: a });
}

