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
import { B, C, D, H, LR, gdStep, mlpBatch as batch } from './mlp_setup.js';

export { gdStep };

function tfStep(): () => number {
  const { x, onehot } = batch();
  const xt = tf.tensor2d(x, [B, D]);
  const yt = tf.tensor2d(onehot, [B, C]);
  const w1 = tf.variable(tf.randomNormal([D, H], 0, Math.sqrt(2 / D)));
  const b1 = tf.variable(tf.zeros([H]));
  const w2 = tf.variable(tf.randomNormal([H, C], 0, Math.sqrt(2 / H)));
  const b2 = tf.variable(tf.zeros([C]));
  const opt = tf.train.sgd(LR);
  return () => {
    const loss = opt.minimize(() => {
      const h = tf.relu(tf.add(tf.matMul(xt, w1), b1));
      return tf.losses.softmaxCrossEntropy(yt, tf.add(tf.matMul(h, w2), b2)) as tf.Scalar;
    }, true)!;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  };
}

function jaxStep(jax: Jax): () => number {
  const np = jax.numpy;
  const { x, onehot } = batch();
  const xs = np.array(x).reshape([B, D]);
  const ys = np.array(onehot).reshape([B, C]);
  const init = (n: number, m: number, seed: number) => {
    const a = new Float32Array(n * m);
    let s = seed;
    for (let i = 0; i < a.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = (s / 4294967296 - 0.5) * 2 * Math.sqrt(1 / n); }
    return np.array(a).reshape([n, m]);
  };
  type P = { w1: InstanceType<typeof np.Array>; b1: InstanceType<typeof np.Array>; w2: InstanceType<typeof np.Array>; b2: InstanceType<typeof np.Array> };
  let params: P = { w1: init(D, H, 1), b1: np.zeros([H]), w2: init(H, C, 2), b2: np.zeros([C]) };
  const lossFn = (p: P, xb: InstanceType<typeof np.Array>, yb: InstanceType<typeof np.Array>) => {
    const h = jax.nn.relu(np.matmul(xb, p.w1).add(p.b1));
    const logits = np.matmul(h, p.w2).add(p.b2);
    return np.sum(jax.nn.logSoftmax(logits, -1).mul(yb)).mul(-1 / B);
  };
  const step = jax.jit((p: P, xb: InstanceType<typeof np.Array>, yb: InstanceType<typeof np.Array>) => {
    const [loss, g] = jax.valueAndGrad(lossFn)(jax.tree.ref(p), xb, yb);
    const next = jax.tree.map((w: InstanceType<typeof np.Array>, gw: InstanceType<typeof np.Array>) => w.sub(gw.mul(LR)), p, g) as P;
    return [loss, next] as [InstanceType<typeof np.Array>, P];
  });
  return () => {
    const [loss, next] = step(params, xs.ref, ys.ref) as unknown as [InstanceType<typeof np.Array>, P];
    params = next;
    return loss.dataSync()[0]!;
  };
}

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
