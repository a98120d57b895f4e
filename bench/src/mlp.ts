/**
 * The MLP 784-256-10 training step (ReLU, softmax cross-entropy, batch 64, plain SGD, lr 0.01),
 * with each library's own idiomatic stack:
 * - @gd: `Sequential(Linear, ReLU, Linear)` from @gd/nn, `crossEntropy`, tape autograd, `SGD` from @gd/optim;
 * - TensorFlow.js: variables, `tf.losses.softmaxCrossEntropy`, `tf.train.sgd(...).minimize`;
 * - jax-js: the whole step (loss, `valueAndGrad`, parameter update) under `jit`.
 * Every step reads the loss back, so no library can defer its work past the timer.
 * @module
 */
import * as gd from '@gd/tensor';
import { type Row, type TimingOptions, collectGarbage, median, timeAll } from './harness.js';
import { type Jax, tf, useTf } from './peers.js';
import { gdStep } from './mlp_setup.js';
import { jaxStep as jaxStepOf, tfStep as tfStepOf } from './mlp_peer_steps.js';

export { gdStep };

const tfStep = (): (() => number) => tfStepOf(tf);
const jaxStep = (jax: Jax): (() => number) => jaxStepOf(jax);

/**
 * Measure one training step per library (steps per second, medians over interleaved rounds), and
 * check that each library's loss goes down over the timed steps.
 * @param timing - Timing options.
 * @param jax - jax-js, or `null` when it is unavailable.
 * @param gdNames - Column names for @gd with its default backend and with the TypeScript kernels.
 * @returns One result row.
 * @example
 * ```ts
 * const rows = await mlpCases({ reps: 3, minMs: 50, warmup: 1 }, null, ['@gd', '@gd ts']);
 * ```
 */
export async function mlpCases(timing: TimingOptions, jax: Jax | null, gdNames: [string, string | null], rounds = 3): Promise<Row[]> {
  const makers: [string, () => Promise<() => number>][] = [];
  const dflt = gd.getBackend();
  makers.push([gdNames[0], async () => { gd.setBackend(dflt); return gdStep(); }]);
  const unfused = `${gdNames[0]} unfused`;
  makers.push([unfused, async () => { gd.setBackend(dflt); return gdStep(false); }]);
  if (gdNames[1]) makers.push([gdNames[1], async () => { gd.setBackend(null); return gdStep(); }]);
  makers.push(['tfjs-cpu', async () => { await useTf('cpu'); return tfStep(); }]);
  makers.push(['tfjs-wasm', async () => { await useTf('wasm'); return tfStep(); }]);
  if (jax) makers.push(['jax-js', async () => jaxStep(jax)]);
  const samples: Record<string, number[]> = {};
  const cells: Row['cells'] = {};
  const per = { ...timing, reps: Math.max(1, Math.ceil(timing.reps / rounds)) };
  for (let r = 0; r < rounds; r++) {
    for (const [name, make] of makers.map((_, i) => makers[(i + r) % makers.length]!)) {
      if (typeof cells[name] === 'string') continue;
      try {
        const step = await make();
        const first = step();
        await collectGarbage();
        (samples[name] ??= []).push(...timeAll(step, per));
        const last = step();
        if (!(last < first)) console.error(`  mlp / ${name}: loss did not decrease (${first} -> ${last})`);
      } catch (e) {
        cells[name] = 'n/a';
        console.error(`  mlp / ${name}: ${(e as Error).message.split('\n')[0]}`);
      } finally {
        gd.setBackend(dflt);
      }
    }
  }
  for (const [name, xs] of Object.entries(samples)) cells[name] = 1 / median(xs);
  // The unfused @gd step (same rounds, interleaved with the others) gets a row of its own.
  const unfusedCell = cells[unfused];
  delete cells[unfused];
  return [
    { group: 'mlp', name: 'MLP 784-256-10 SGD step, batch 64', unit: 'steps/s', higherIsBetter: true, cells },
    ...(unfusedCell !== undefined ? [{ group: 'mlp', name: 'MLP step, nn fused kernels off', unit: 'steps/s', higherIsBetter: true, cells: { [gdNames[0]]: unfusedCell } }] : []),
  ];
}
