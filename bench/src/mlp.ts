/**
 * The MLP 784-256-10 training step (ReLU, softmax cross-entropy, batch 64, SGD) — filled in once
 * @gd/nn and @gd/optim exist.
 * @module
 */
import type { Row, TimingOptions } from './harness.js';

/**
 * Measure one training step per library.
 * @param _timing - Timing options.
 * @returns Result rows.
 * @example
 * ```ts
 * const rows = await mlpCases({ reps: 3, minMs: 50, warmup: 1 });
 * ```
 */
export async function mlpCases(_timing: TimingOptions): Promise<Row[]> {
  return [];
}
