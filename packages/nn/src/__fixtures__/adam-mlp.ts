// The 16-64-64-1 MLP trained with Adam by the arena memory checks (arena-adam.ts in Node,
// arena-browser.ts in a page): a smooth target (a fixed random projection through tanh) it can fit.
// Nothing here makes a tensor at import, so a caller can configure the arena before calling it.
import { manualSeed, randn } from '@gd/tensor';
import '@gd/autograd';
import { Adam } from '@gd/optim';
import { Linear, ReLU } from '../layers.js';
import { Sequential } from '../module.js';
import { mseLoss } from '../losses.js';

/**
 * Seed the generator, build the data, model and optimizer, and return one training step.
 * @param batch - Rows of the input.
 * @returns A function that runs one step and returns its loss.
 */
export function adamMlpStep(batch: number): () => number {
  manualSeed(1);
  const x = randn([batch, 16]);
  const y = x.matmul(randn([16, 1])).mul(0.5).tanh();
  const model = new Sequential(new Linear(16, 64), new ReLU(), new Linear(64, 64), new ReLU(), new Linear(64, 1));
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  return () => {
    opt.zeroGrad();
    const loss = mseLoss(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
}
