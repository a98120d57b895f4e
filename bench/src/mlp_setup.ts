/**
 * The MLP training step shared by the benchmark (`mlp.ts`) and the profiling scripts: the fixed batch
 * and the @gd step, without loading any peer library (so a profile of @gd alone stays clean).
 * @module
 */
import * as gd from '@gd/tensor';
import '@gd/autograd';
import { Linear, ReLU, Sequential, crossEntropy, setFusedKernels } from '@gd/nn';
import { SGD } from '@gd/optim';

/** Batch, input, hidden and class sizes, and the learning rate. */
export const B = 64, D = 784, H = 256, C = 10, LR = 0.01;

/**
 * A fixed batch: inputs uniform in [0, 1), labels 0..9 (also one-hot), from one LCG stream.
 * @returns the inputs, labels and one-hot labels.
 * @example
 * ```ts
 * const { x, y } = mlpBatch(); // x.length === 64 * 784
 * ```
 */
export function mlpBatch(): { x: Float32Array; y: Int32Array; onehot: Float32Array } {
  const x = new Float32Array(B * D), y = new Int32Array(B), onehot = new Float32Array(B * C);
  let s = 12345;
  const next = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  for (let i = 0; i < x.length; i++) x[i] = next();
  for (let i = 0; i < B; i++) { y[i] = Math.floor(next() * C); onehot[i * C + y[i]!] = 1; }
  return { x, y, onehot };
}

/**
 * A @gd training step (Sequential(Linear, ReLU, Linear), crossEntropy, tape autograd, SGD); returns the loss.
 * @param fused - use nn's fused kernels (linear, softmax cross-entropy); `false` runs the unfused compositions.
 * @returns the step function.
 * @example
 * ```ts
 * const step = gdStep();
 * const loss = step();
 * ```
 */
export function gdStep(fused = true): () => number {
  const { x, y } = mlpBatch();
  gd.manualSeed(0);
  const model = new Sequential(new Linear(D, H), new ReLU(), new Linear(H, C));
  const opt = new SGD(model.parameters(), { lr: LR });
  const xt = gd.tensor(x, { shape: [B, D] });
  const yt = gd.tensor(y, { shape: [B], dtype: 'int32' });
  return () => {
    const prev = setFusedKernels(fused);
    try {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(xt), yt);
      loss.backward();
      opt.step();
      return loss.item();
    } finally {
      setFusedKernels(prev);
    }
  };
}
