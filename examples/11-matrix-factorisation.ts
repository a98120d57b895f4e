/**
 * Lesson 11 — matrix factorisation for recommendations.
 *
 * Eight users rated six films (1–5 stars) but a third of the ratings are missing. We look for user
 * vectors U (8 × 2) and film vectors V (6 × 2) whose products U Vᵀ + the mean rating reproduce the
 * known ratings — minimising the squared error on the observed entries only, plus a small L2
 * penalty — with Adam. The learned vectors then predict the missing ratings. The ratings were made
 * from two hidden tastes (action vs romance), so the hidden entries have a right answer to compare with.
 *
 * Run: npx tsx --conditions=source examples/11-matrix-factorisation.ts [--quick]
 */
import { manualSeed, randn, tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { Adam } from '@gd/optim';
import { heatmapChart, lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

// Hidden tastes: [likes action, likes romance] per user; [is action, is romance] per film.
const USERS = [[1, 0], [0.9, 0.1], [0.8, 0.3], [0, 1], [0.1, 0.9], [0.3, 0.7], [0.5, 0.5], [1, 0.2]];
const FILMS = [[1, 0], [0.9, 0.2], [0.7, 0.1], [0, 1], [0.2, 0.9], [0.1, 0.8]];
// Which ratings the system has seen (1) or not (0).
const SEEN = [
  [1, 1, 0, 1, 0, 1],
  [1, 0, 1, 1, 1, 0],
  [0, 1, 1, 0, 1, 1],
  [1, 1, 0, 1, 1, 0],
  [1, 0, 1, 0, 1, 1],
  [0, 1, 1, 1, 0, 1],
  [1, 1, 0, 1, 1, 0],
  [1, 0, 1, 1, 0, 1],
];

/** Fit quality on seen and hidden ratings. */
export interface MfResult {
  trainRmse: number;
  hiddenRmse: number;
  /** RMSE on the hidden ratings of always predicting the mean seen rating (the baseline to beat). */
  baselineRmse: number;
  predictions: number[][];
  pictures: string[];
}

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<MfResult> {
  const truth = USERS.map((u) => FILMS.map((f) => 1 + 4 * (u[0]! * f[0]! + u[1]! * f[1]!)));
  const ratings = truth.map((row) => row.map((v) => Math.min(5, Math.max(1, Math.round(v)))));
  const seenCount = SEEN.flat().reduce((a, b) => a + b, 0);
  const mean = ratings.flat().reduce((a, v, i) => a + v * SEEN.flat()[i]!, 0) / seenCount;

  manualSeed(11);
  const R = tensor(ratings, { dtype: 'float64' });
  const M = tensor(SEEN, { dtype: 'float64' });
  const U = randn([8, 2], { dtype: 'float64' }).mul(0.1).requiresGrad_();
  const V = randn([6, 2], { dtype: 'float64' }).mul(0.1).requiresGrad_();
  const opt = new Adam([U, V], { lr: 0.05 });
  const lambda = 0.01;
  const steps = quick ? 400 : 1500;
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    const err = U.matmul(V.T).add(mean).sub(R).mul(M);
    const loss = err.square().sum().div(seenCount).add(U.square().sum().add(V.square().sum()).mul(lambda));
    losses.push(loss.item());
    loss.backward();
    opt.step();
  }
  const pred = noGrad(() => U.matmul(V.T).add(mean).toArray() as number[][]);
  let se = 0, hse = 0, bse = 0, hidden = 0;
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 6; j++) {
      if (SEEN[i]![j]) se += (pred[i]![j]! - ratings[i]![j]!) ** 2;
      else { hse += (pred[i]![j]! - ratings[i]![j]!) ** 2; bse += (mean - ratings[i]![j]!) ** 2; hidden++; }
    }
  }
  const trainRmse = Math.sqrt(se / seenCount);
  const hiddenRmse = Math.sqrt(hse / hidden);
  const baselineRmse = Math.sqrt(bse / hidden);
  log(`Lesson 11: matrix factorisation, 8 users × 6 films, ${seenCount} seen / ${hidden} hidden ratings, rank 2, Adam, ${steps} steps`);
  log(`  RMSE on seen ratings ${fmt(trainRmse)}, on hidden ratings ${fmt(hiddenRmse)} (predicting the mean: ${fmt(baselineRmse)})`);
  for (let i = 0; i < 2; i++) {
    const miss = SEEN[i]!.map((s, j) => (s ? '' : `film ${j}: predicted ${pred[i]![j]!.toFixed(1)} (actual ${ratings[i]![j]})`)).filter(Boolean);
    log(`  user ${i}: ${miss.join('; ')}`);
  }
  const observed = ratings.map((row, i) => row.map((v, j) => (SEEN[i]![j] ? v : NaN)));
  const pictures = [
    saveSvg('11-ratings-seen', await heatmapChart(observed, { title: 'Seen ratings (grey: unknown)', rowLabel: 'user', colLabel: 'film', annotate: true })),
    saveSvg('11-ratings-predicted', await heatmapChart(pred, { title: 'U Vᵀ + mean: every rating predicted', rowLabel: 'user', colLabel: 'film', annotate: true })),
    saveSvg('11-mf-loss', await lineChart([{ name: 'loss', x: losses.map((_, k) => k), y: losses }], { title: 'Matrix factorisation: training loss', xLabel: 'step', yLabel: 'masked MSE + L2 (log)', logY: true })),
  ];
  log(`pictures: ${pictures.join(', ')}`);
  return { trainRmse, hiddenRmse, baselineRmse, predictions: pred, pictures };
}

runIfMain(import.meta.url, main);
