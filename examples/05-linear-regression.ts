/**
 * Lesson 5 — linear regression by gradient descent agrees with the closed-form solution.
 *
 * Data: y = 3x + 4 + noise for 100 seeded points. The mean squared error J(w, b) = mean((wx + b − y)²)
 * is a convex quadratic, so its minimum solves the normal equations
 *   [Σx² Σx; Σx n] [w; b] = [Σxy; Σy]
 * which we solve directly (in plain float64 arithmetic, independent of the libraries). Batch gradient
 * descent on J with @gd/autograd + @gd/optim reaches the same (w, b).
 *
 * Run: npx tsx --conditions=source examples/05-linear-regression.ts [--quick]
 */
import { manualSeed, rand, randn, type Tensor } from '@gd/tensor';
import { SGD } from '@gd/optim';
import { descend } from './lib/descend.js';
import { lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** Fitted coefficients and their agreement. */
export interface LinRegResult {
  gd: { w: number; b: number };
  normal: { w: number; b: number };
  maxDifference: number;
  losses: number[];
  pictures: string[];
}

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<LinRegResult> {
  manualSeed(5);
  const n = 100;
  const x = rand([n], { dtype: 'float64' }).mul(2);                 // x ∈ [0, 2)
  const y = x.mul(3).add(4).add(randn([n], { dtype: 'float64' }).mul(0.5));
  const xs = Array.from(x.data());
  const ys = Array.from(y.data());

  // Closed form: the normal equations, solved by Cramer's rule.
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sx += xs[i]!; sy += ys[i]!; sxx += xs[i]! ** 2; sxy += xs[i]! * ys[i]!; }
  const det = sxx * n - sx * sx;
  const normal = { w: (sxy * n - sx * sy) / det, b: (sxx * sy - sx * sxy) / det };

  // Batch gradient descent on the mean squared error.
  const steps = quick ? 1500 : 3000;
  const mse = (p: Tensor) => x.mul(p.select(0, 0)).add(p.select(0, 1)).sub(y).square().mean();
  const run = descend(mse, [0, 0], (ps) => new SGD(ps, { lr: 0.1 }), steps);
  const [w, b] = run.path[run.path.length - 1]!;
  const gd = { w: w!, b: b! };
  const maxDifference = Math.max(Math.abs(gd.w - normal.w), Math.abs(gd.b - normal.b));

  log(`Lesson 5: linear regression on ${n} points (true line y = 3x + 4, noise σ = 0.5)`);
  log(`  normal equations: w = ${fmt(normal.w, 8)}, b = ${fmt(normal.b, 8)}`);
  log(`  gradient descent: w = ${fmt(gd.w, 8)}, b = ${fmt(gd.b, 8)} after ${steps} steps (lr 0.1), MSE ${fmt(run.losses.at(-1)!)}`);
  log(`  largest difference: ${fmt(maxDifference)}`);

  const line = (c: { w: number; b: number }) => [0, 2].map((v) => c.w * v + c.b);
  const fit = await lineChart([
    { name: 'data', x: xs, y: ys },
    { name: 'gradient descent', x: [0, 2], y: line(gd) },
    { name: 'normal equations', x: [0, 2], y: line(normal) },
  ], { title: 'Linear regression: the two fits coincide', xLabel: 'x', yLabel: 'y', scatter: ['data'], dashed: ['normal equations'] });
  let best = 0;
  for (let i = 0; i < n; i++) best += (normal.w * xs[i]! + normal.b - ys[i]!) ** 2 / n;
  const curve = await lineChart([{ name: 'J − J*', x: run.losses.map((_, k) => k), y: run.losses.map((l) => l - best) }], {
    title: 'Batch gradient descent: excess loss over the closed-form optimum', xLabel: 'step', yLabel: 'J(w, b) − J(w*, b*) (log scale)', logY: true,
  });
  const pictures = [saveSvg('05-linear-regression', fit), saveSvg('05-linear-regression-loss', curve)];
  log(`pictures: ${pictures.join(', ')}`);
  return { gd, normal, maxDifference, losses: run.losses, pictures };
}

runIfMain(import.meta.url, main);
