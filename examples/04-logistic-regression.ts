/**
 * Lesson 4 — logistic regression on real data with batch GD, SGD and mini-batch GD.
 *
 * The Wisconsin breast-cancer data (569 tumours × 30 measurements, shipped in @gd/nn) standardised;
 * the model p = σ(x·w + b) trained on the binary cross-entropy. The three flavours differ only in the
 * batch size given to the DataLoader: all 569 examples per step (batch GD: one accurate step per
 * epoch), 1 example (SGD: 569 noisy steps per epoch) or 32 (mini-batch: 18 steps per epoch). We plot
 * the full-data loss against epochs and against wall-clock time, and report the final accuracy.
 *
 * Run: npx tsx --conditions=source examples/04-logistic-regression.ts [--quick]
 */
import { zeros, type Tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { SGD } from '@gd/optim';
import { DataLoader, TensorDataset, bceWithLogitsLoss, loadBreastCancer, standardize } from '@gd/nn';
import { lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** One training regime's history. */
export interface Regime {
  name: string;
  batchSize: number;
  lr: number;
  /** Full-data loss after each epoch (index 0 = before training). */
  losses: number[];
  /** Cumulative training time in ms at each entry of `losses`. */
  times: number[];
  accuracy: number;
  steps: number;
}

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<{ regimes: Regime[]; pictures: string[] }> {
  const data = loadBreastCancer({ dtype: 'float64' });
  const x = standardize(data.x).x;
  const y = data.y.to('float64');
  const n = x.shape[0]!;
  const d = x.shape[1]!;
  const epochs = quick ? 3 : 20;
  const logits = (xb: Tensor, w: Tensor, b: Tensor) => xb.matmul(w).add(b);
  const settings: [string, number, number][] = [['batch GD', n, 0.5], ['mini-batch (32)', 32, 0.1], ['SGD (1)', 1, 0.01]];

  log(`Lesson 4: logistic regression on breast cancer (${n} × ${d}, standardised), ${epochs} epochs`);
  const regimes: Regime[] = settings.map(([name, batchSize, lr]) => {
    const w = zeros([d], { dtype: 'float64' }).requiresGrad_();
    const b = zeros([1], { dtype: 'float64' }).requiresGrad_();
    const opt = new SGD([w, b], { lr });
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize, shuffle: true, seed: 4 });
    const fullLoss = () => noGrad(() => bceWithLogitsLoss(logits(x, w, b), y).item());
    const losses = [fullLoss()];
    const times = [0];
    let elapsed = 0;
    let steps = 0;
    for (let e = 0; e < epochs; e++) {
      const t0 = performance.now();
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        bceWithLogitsLoss(logits(xb!, w, b), yb!).backward();
        opt.step();
        steps++;
      }
      elapsed += performance.now() - t0;
      losses.push(fullLoss());
      times.push(elapsed);
    }
    const accuracy = noGrad(() => logits(x, w, b).gt(0).eq(y.gt(0.5)).to('float64').mean().item());
    log(`  ${name.padEnd(16)} lr ${String(lr).padEnd(5)} ${String(steps).padStart(6)} steps  loss ${fmt(losses[0]!)} → ${fmt(losses.at(-1)!)}  accuracy ${(100 * accuracy).toFixed(1)}%  ${fmt(elapsed, 3)} ms`);
    return { name, batchSize, lr, losses, times, accuracy, steps };
  });

  const byEpoch = await lineChart(regimes.map((r) => ({ name: r.name, x: r.losses.map((_, k) => k), y: r.losses })), {
    title: 'Logistic regression: loss per epoch', xLabel: 'epoch', yLabel: 'binary cross-entropy (full data, log)', logY: true, points: true,
  });
  const byTime = await lineChart(regimes.map((r) => ({ name: r.name, x: r.times, y: r.losses })), {
    title: 'Logistic regression: loss against training time', xLabel: 'wall-clock time (ms)', yLabel: 'binary cross-entropy (full data, log)', logY: true, points: true,
  });
  const pictures = [saveSvg('04-logistic-epochs', byEpoch), saveSvg('04-logistic-time', byTime)];
  log(`pictures: ${pictures.join(', ')}`);
  return { regimes, pictures };
}

runIfMain(import.meta.url, main);
