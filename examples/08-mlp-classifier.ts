/**
 * Lesson 8 — a small neural network on a non-linear problem: two interleaved spirals.
 *
 * No straight line separates the spirals, so logistic regression fails; an MLP with two hidden
 * layers of tanh units bends the boundary around them. Training uses the recipe the curriculum
 * recommends for deep learning: mini-batches, Adam, a learning rate that warms up linearly and
 * then follows a cosine down to zero, and early stopping on a validation split (keeping the best
 * weights). The decision boundary is drawn over the data.
 *
 * Run: npx tsx --conditions=source examples/08-mlp-classifier.ts [--quick]
 */
import { Generator, softmax, tensor, type Tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { Adam, ScheduleLR, warmupCosine } from '@gd/optim';
import {
  DataLoader, EarlyStopping, Linear, Sequential, Tanh, TensorDataset, accuracy, crossEntropy, evaluate, fit,
  randomSplit, twoSpirals,
} from '@gd/nn';
import { decisionBoundaryChart, lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** Training outcome. */
export interface MlpResult {
  trainAccuracy: number;
  valAccuracy: number;
  epochsRun: number;
  stopReason: string;
  lrs: number[];
  /** Smallest validation loss over the epochs run, and its (0-based) epoch. */
  bestValLoss: number;
  bestEpoch: number;
  /** Validation loss of the last epoch run (before the best weights were restored). */
  lastValLoss: number;
  /** Validation loss of the model after training: the restored best weights. */
  restoredValLoss: number;
  pictures: string[];
}

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<MlpResult> {
  const { x, y } = twoSpirals({ n: 150, noise: 0.02, seed: 8, dtype: 'float64' });
  const all = new TensorDataset(x, y);
  const [train, val] = randomSplit(all, [240, 60], new Generator(8));
  const model = new Sequential(
    new Linear(2, 32, { dtype: 'float64', generator: new Generator(1) }), new Tanh(),
    new Linear(32, 32, { dtype: 'float64', generator: new Generator(2) }), new Tanh(),
    new Linear(32, 2, { dtype: 'float64', generator: new Generator(3) }),
  );
  // one schedule for both settings: early stopping, not the epoch budget, ends the run (quick: less patience)
  const epochs = 400;
  const loader = new DataLoader(train!, { batchSize: 32, shuffle: true, seed: 8 });
  const stepsPerEpoch = Math.ceil(240 / 32);
  const optimizer = new Adam(model.parameters(), { lr: 0.02 });
  const scheduler = new ScheduleLR(optimizer, (base) => warmupCosine(base, 10 * stepsPerEpoch, epochs * stepsPerEpoch));
  const history = fit(model, {
    loss: (p, t) => crossEntropy(p, t), optimizer, data: loader, epochs, scheduler, schedulerInterval: 'step',
    validation: val!, metrics: { accuracy },
    callbacks: [new EarlyStopping({ monitor: 'valLoss', patience: quick ? 10 : 40, restoreBestWeights: true })],
    progress: false,
  });
  const trainAccuracy = evaluate(model, train!, { metrics: { accuracy } })['accuracy']!;
  const valAccuracy = evaluate(model, val!, { metrics: { accuracy } })['accuracy']!;
  // restoreBestWeights: the model now in hand is the best epoch's, not the last one's
  const restoredValLoss = evaluate(model, val!, { loss: (p, t) => crossEntropy(p, t) })['loss']!;
  const valLosses = history.epochs.map((e) => e.valLoss ?? Infinity);
  const bestValLoss = Math.min(...valLosses);
  const bestEpoch = valLosses.indexOf(bestValLoss);
  log(`Lesson 8: MLP 2-32-32-2 (tanh) on two spirals (240 train / 60 validation), Adam + warm-up/cosine, early stopping`);
  log(`  ran ${history.epochs.length} of ${epochs} epochs (${history.stopReason}); train accuracy ${(100 * trainAccuracy).toFixed(1)}%, validation accuracy ${(100 * valAccuracy).toFixed(1)}%`);

  const xs = x.toArray() as number[][];
  const labels = Array.from(y.data());
  const boundary = await decisionBoundaryChart(
    xs.map(([a, b], i) => ({ x: a!, y: b!, label: labels[i]! })),
    (gx, gy) => noGrad(() => {
      model.eval();
      const grid = tensor(Array.from(gx, (v, k) => [v, gy[k]!]), { dtype: 'float64' });
      return softmax(model.forward(grid), -1).select(1, 1).data();
    }),
    { xRange: [-1.2, 1.2], yRange: [-1.2, 1.2], title: `Two spirals: MLP decision boundary (validation accuracy ${(100 * valAccuracy).toFixed(0)}%)` },
  );
  const lrs = history.steps.map((s) => s.lr);
  const curves = await lineChart([
    { name: 'training loss', x: history.epochs.map((e) => e.epoch), y: history.epochs.map((e) => e.loss) },
    { name: 'validation loss', x: history.epochs.map((e) => e.epoch), y: history.epochs.map((e) => e.valLoss ?? NaN) },
  ], { title: 'MLP training (early stopping keeps the best validation epoch)', xLabel: 'epoch', yLabel: 'cross-entropy (log)', logY: true,
    rules: [{ x: history.epochs[bestEpoch]!.epoch, label: 'best' }] });
  const lrCurve = await lineChart([{ name: 'learning rate', x: lrs.map((_, k) => k), y: lrs }], {
    title: 'Warm-up then cosine decay', xLabel: 'step', yLabel: 'learning rate',
  });
  const pictures = [saveSvg('08-mlp-boundary', boundary), saveSvg('08-mlp-loss', curves), saveSvg('08-mlp-lr', lrCurve)];
  log(`  best validation loss ${fmt(bestValLoss)} at epoch ${bestEpoch}, last ${fmt(valLosses.at(-1)!)}; restored weights give ${fmt(restoredValLoss)}`);
  log(`  peak learning rate ${fmt(Math.max(...lrs))} at step ${lrs.indexOf(Math.max(...lrs))}`);
  log(`pictures: ${pictures.join(', ')}`);
  return { trainAccuracy, valAccuracy, epochsRun: history.epochs.length, stopReason: history.stopReason, lrs, bestValLoss, bestEpoch, lastValLoss: valLosses.at(-1)!, restoredValLoss, pictures };
}

runIfMain(import.meta.url, main);
