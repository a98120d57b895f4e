/**
 * The TensorFlow.js and jax-js MLP training steps of the benchmark (see `mlp.ts`), written against
 * the library objects passed in, so the same code runs in Node (`mlp.ts`) and in the browser page
 * (`browser.ts`): no Node import here.
 * @module
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import { B, C, D, H, LR, mlpBatch as batch } from './mlp_setup.js';

/** The TensorFlow.js core API (the union package or tfjs-core with a backend registered). */
export type TF = typeof tfCore;
/** The jax-js module type. */
export type Jax = typeof import('@jax-js/jax');

/**
 * The TensorFlow.js step: variables, `tf.losses.softmaxCrossEntropy`, `tf.train.sgd(...).minimize`,
 * on the current backend.
 * @param tf - TensorFlow.js.
 * @returns the step function (returns the loss).
 * @example
 * ```ts
 * await tf.setBackend('wasm'); const step = tfStep(tf); step();
 * ```
 */
export function tfStep(tf: TF): () => number {
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
      return tf.losses.softmaxCrossEntropy(yt, tf.add(tf.matMul(h, w2), b2)) as tfCore.Scalar;
    }, true)!;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  };
}

/**
 * The jax-js step: loss, `valueAndGrad` and the parameter update under one `jit`, on the default device.
 * @param jax - jax-js, initialised.
 * @returns the step function (returns the loss).
 * @example
 * ```ts
 * const step = jaxStep(jax); step();
 * ```
 */
export function jaxStep(jax: Jax): () => number {
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
