/**
 * Lesson 2 — the learning rate: too small, just right, too large.
 *
 * Gradient descent on f(w) = w² from w = 3 with η ∈ {0.001, 0.1, 0.95, 1.05}. Each step multiplies w
 * by (1 − 2η): η = 0.001 barely moves (0.998 per step), η = 0.1 shrinks steadily (0.8), η = 0.95
 * overshoots and oscillates around the minimum (−0.9 per step) and converges slowly, η = 1.05 overshoots by
 * more than it gains (−1.1) and diverges. The loss curves share one figure (log scale).
 *
 * Run: npx tsx --conditions=source examples/02-learning-rates.ts [--quick]
 */
import type { Tensor } from '@gd/tensor';
import { SGD } from '@gd/optim';
import { descend } from './lib/descend.js';
import { lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** One learning rate's outcome. */
export interface LrRun { lr: number; label: string; w: number[]; losses: number[]; finalLoss: number }

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<{ runs: LrRun[]; picture: string }> {
  const steps = quick ? 30 : 60;
  const f = (w: Tensor) => w.square().sum();
  const settings: [number, string][] = [[0.001, 'too small'], [0.1, 'just right'], [0.95, 'too large: oscillates'], [1.05, 'too large: diverges']];
  const runs: LrRun[] = settings.map(([lr, label]) => {
    const { path, losses } = descend(f, [3], (ps) => new SGD(ps, { lr }), steps);
    return { lr, label, w: path.map((p) => p[0]!), losses, finalLoss: losses[losses.length - 1]! };
  });
  log(`Lesson 2: gradient descent on f(w) = w² from w = 3, ${steps} steps`);
  for (const r of runs) log(`  η = ${String(r.lr).padEnd(5)} ${r.label.padEnd(22)} loss ${fmt(r.losses[0]!)} → ${fmt(r.finalLoss)}`);
  const svg = await lineChart(runs.map((r) => ({ name: `η = ${r.lr} (${r.label})`, x: r.losses.map((_, k) => k), y: r.losses })), {
    title: 'Learning rate too small, just right, too large', xLabel: 'step', yLabel: 'loss f(w) = w² (log scale)', logY: true,
  });
  const picture = saveSvg('02-learning-rates', svg);
  // The loss hides the sign of w: plot w itself to see η = 0.95 jump from side to side.
  const svgW = await lineChart(runs.map((r) => ({ name: `η = ${r.lr}`, x: r.losses.map((_, k) => k), y: r.w })).slice(0, 3), {
    title: 'The parameter w: η = 0.95 overshoots to the other side at every step', xLabel: 'step', yLabel: 'w', yDomain: [-3.2, 3.2], points: true,
  });
  const pictureW = saveSvg('02-learning-rates-w', svgW);
  log(`pictures: ${picture}, ${pictureW}`);
  return { runs, picture };
}

runIfMain(import.meta.url, main);
