/**
 * The README's main demo: train a small neural network on the Iris flowers with @gd and draw the
 * loss curve. Shows a progress bar on a terminal (a single summary line in CI), the final loss and
 * accuracy, and where the picture was written.
 *
 * Run: npx pnpm@10.34.8 demo   (or: npx tsx --conditions=source examples/demo.ts [--quick])
 */
import { Generator } from '@gd/tensor';
import { Adam, ScheduleLR, warmupCosine } from '@gd/optim';
import {
  DataLoader, Linear, ReLU, Sequential, TensorDataset, accuracy, crossEntropy, evaluate, fit, loadIris, standardize,
} from '@gd/nn';
import { lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** What the demo reports. */
export interface DemoResult { finalLoss: number; accuracy: number; picture: string }

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<DemoResult> {
  const iris = loadIris({ dtype: 'float64' });
  const x = standardize(iris.x).x;
  const model = new Sequential(
    new Linear(4, 16, { dtype: 'float64', generator: new Generator(0) }), new ReLU(),
    new Linear(16, 3, { dtype: 'float64', generator: new Generator(1) }),
  );
  const epochs = quick ? 20 : 60;
  const loader = new DataLoader(new TensorDataset(x, iris.y), { batchSize: 16, shuffle: true, seed: 0 });
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });
  const scheduler = new ScheduleLR(optimizer, (base) => warmupCosine(base, 3, epochs));
  log(`@gd demo: a 4-16-3 MLP learns to tell three Iris species apart (150 flowers, ${epochs} epochs, Adam + warm-up/cosine)`);
  const history = fit(model, {
    loss: (p, t) => crossEntropy(p, t), optimizer, data: loader, epochs, scheduler, metrics: { accuracy }, log,
  });
  const result = evaluate(model, [x, iris.y], { loss: (p, t) => crossEntropy(p, t), metrics: { accuracy } });
  const finalLoss = result['loss']!;
  const acc = result['accuracy']!;
  log(`final loss ${fmt(finalLoss)}, training accuracy ${(100 * acc).toFixed(1)}%`);
  const svg = await lineChart([{ name: 'training loss', x: history.epochs.map((e) => e.epoch + 1), y: history.epochs.map((e) => e.loss) }], {
    title: 'Iris MLP: cross-entropy per epoch', xLabel: 'epoch', yLabel: 'loss (log scale)', logY: true, points: true,
  });
  const picture = saveSvg('demo-loss', svg);
  log(`loss curve written to ${picture}`);
  return { finalLoss, accuracy: acc, picture };
}

runIfMain(import.meta.url, main);
