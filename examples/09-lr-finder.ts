/**
 * Lesson 9 — the learning-rate finder.
 *
 * Instead of guessing η by grid search, sweep it: take one optimizer step per mini-batch while the
 * learning rate grows exponentially from 10⁻⁵ to 10, and record the loss. Too small and the loss
 * does not move; too large and it explodes; the suggestion is where the (smoothed) loss falls
 * fastest per unit of log η. We then train with the suggested rate and with rates 10× smaller and
 * 10× larger: the suggestion is far better than the timid rate, and on this convex, well-scaled
 * problem the bolder one still works too — the finder gives a safe starting point, not the optimum.
 *
 * Run: npx tsx --conditions=source examples/09-lr-finder.ts [--quick]
 */
import { zeros, type Tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { SGD, lrFinder } from '@gd/optim';
import { DataLoader, TensorDataset, bceWithLogitsLoss, loadBreastCancer, standardize } from '@gd/nn';
import { lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** The sweep and the check of its suggestion. */
export interface LrFinderExample {
  lrs: number[];
  losses: number[];
  suggestedLr: number;
  /** Full-data loss after training with [suggested/10, suggested, suggested×10]. */
  trained: { lr: number; loss: number }[];
  picture: string;
}

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<LrFinderExample> {
  const data = loadBreastCancer({ dtype: 'float64' });
  const x = standardize(data.x).x;
  const y = data.y.to('float64');
  const d = x.shape[1]!;
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 16, shuffle: true, seed: 9 });
  const batches: Tensor[][] = [];
  while (batches.length < 200) for (const b of loader) batches.push(b);
  const model = () => {
    const w = zeros([d], { dtype: 'float64' }).requiresGrad_();
    const b = zeros([1], { dtype: 'float64' }).requiresGrad_();
    return { w, b, loss: (xb: Tensor, yb: Tensor) => bceWithLogitsLoss(xb.matmul(w).add(b), yb) };
  };

  const m = model();
  const opt = new SGD([m.w, m.b], { lr: 1e-5 });
  const sweep = lrFinder(opt, (i) => {
    const [xb, yb] = batches[i % batches.length]!;
    const l = m.loss(xb!, yb!);
    l.backward();
    return l;
  }, { startLr: 1e-5, endLr: 10, numSteps: quick ? 80 : 150, smoothing: 0.9 });
  const { suggestedLr } = sweep;
  log(`Lesson 9: learning-rate range test on logistic regression (breast cancer, batches of 16), ${sweep.lrs.length} steps`);
  log(`  suggested learning rate ${fmt(suggestedLr)}${sweep.stoppedEarly ? ' (sweep stopped when the loss exploded)' : ''}`);

  const epochs = quick ? 2 : 5;
  const trained = [suggestedLr / 10, suggestedLr, suggestedLr * 10].map((lr) => {
    const t = model();
    const o = new SGD([t.w, t.b], { lr });
    for (let e = 0; e < epochs; e++) {
      for (const [xb, yb] of loader) {
        o.zeroGrad();
        t.loss(xb!, yb!).backward();
        o.step();
      }
    }
    const loss = noGrad(() => t.loss(x, y).item());
    log(`  ${epochs} epochs at lr ${fmt(lr).padEnd(9)} → full-data loss ${fmt(loss)}`);
    return { lr, loss };
  });

  const svg = await lineChart([
    { name: 'loss', x: sweep.lrs, y: sweep.losses },
    { name: 'smoothed loss', x: sweep.lrs, y: sweep.smoothedLosses },
  ], {
    title: 'Learning-rate finder: loss while η grows exponentially', xLabel: 'learning rate (log)', yLabel: 'loss', logX: true,
    yDomain: [0, Math.max(1, Math.min(3, Math.max(...sweep.smoothedLosses)))],
    rules: [{ x: suggestedLr, label: `suggested ${fmt(suggestedLr, 2)}` }],
  });
  const picture = saveSvg('09-lr-finder', svg);
  log(`picture: ${picture}`);
  return { lrs: sweep.lrs, losses: sweep.losses, suggestedLr, trained, picture };
}

runIfMain(import.meta.url, main);
