/**
 * Prints the cost of one optimizer step on the parameters of an MLP 784-256-10 (float32), for the
 * common optimizers. Run: `npx tsx --conditions=source packages/optim/scripts/step-cost.ts`.
 * Figures only (nothing is asserted); the shared development machine makes them noisy.
 */
import { randn } from '@gd/tensor';
import { Adam, AdamW, SGD, RMSprop, type Optimizer } from '../src/index.js';

const shapes = [[784, 256], [256], [256, 10], [10]];
const makers: [string, (ps: ReturnType<typeof randn>[]) => Optimizer<any>][] = [
  ['SGD', (ps) => new SGD(ps, { lr: 0.01 })],
  ['SGD momentum 0.9', (ps) => new SGD(ps, { lr: 0.01, momentum: 0.9 })],
  ['Adam', (ps) => new Adam(ps, { lr: 1e-3 })],
  ['AdamW', (ps) => new AdamW(ps, { lr: 1e-3 })],
  ['RMSprop', (ps) => new RMSprop(ps, { lr: 1e-3 })],
];
const n = shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
for (const [name, make] of makers) {
  const ps = shapes.map((s) => randn(s).requiresGrad_());
  const opt = make(ps);
  for (const p of ps) p.grad = randn(p.shape as number[]);
  for (let i = 0; i < 20; i++) opt.step();
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) opt.step();
    times.push((performance.now() - t0) / 20);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(18)} ${times[2]!.toFixed(3)} ms/step (median of 5), ${((times[2]! * 1e6) / n).toFixed(1)} ns/parameter, ${n} parameters`);
}
