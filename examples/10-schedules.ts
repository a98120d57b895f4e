/**
 * Lesson 10 — a gallery of learning-rate schedules over 100 steps.
 *
 * A constant learning rate is rarely best: large steps early cover ground, small steps late settle
 * into the minimum. Every schedule of @gd/optim is a plain function step → value; this lesson
 * evaluates each one for 100 steps and draws them side by side. Among them: the harmonic decay
 * η₀/t (Σηₜ diverges, so the iterates can still travel any distance, while Σηₜ² converges),
 * inverse-time η₀/(1 + kt), step and exponential decay, cosine annealing, warm-up + cosine (the
 * usual deep-learning recipe), one-cycle and cyclic policies.
 *
 * Run: npx tsx --conditions=source examples/10-schedules.ts
 */
import {
  chainedSchedule, constantSchedule, constantWarmup, cosineAnnealing, cosineWarmRestarts, cyclic, exponentialDecay,
  harmonicDecay, inverseTimeDecay, lambdaSchedule, linearSchedule, multiStepDecay, multiplicativeSchedule, oneCycle,
  polynomialDecay, sequentialSchedule, stepDecay, warmupCosine, type Schedule,
} from '@gd/optim';
import { lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** Name and values of every schedule drawn. */
export interface GalleryResult { schedules: { name: string; values: number[] }[]; picture: string }

/** The schedules of the gallery, all starting from (or peaking at) η₀ = 1 over 100 steps. */
export function gallery(): [string, Schedule][] {
  const T = 100;
  return [
    ['constant', constantSchedule(1)],
    ['harmonic η₀/t', harmonicDecay(1)],
    ['inverse time η₀/(1+0.1t)', inverseTimeDecay(1, 0.1)],
    ['step (×0.5 every 25)', stepDecay(1, 25, 0.5)],
    ['multistep (30, 60, 90)', multiStepDecay(1, [30, 60, 90], 0.5)],
    ['exponential (γ = 0.97)', exponentialDecay(1, 0.97)],
    ['linear 1 → 0.1', linearSchedule(1, 0.1, T)],
    ['constant warm-up (×⅓ for 10)', constantWarmup(1, 1 / 3, 10)],
    ['polynomial (power 2)', polynomialDecay(1, T, 2)],
    ['cosine annealing', cosineAnnealing(1, T)],
    ['cosine warm restarts (T₀ = 20, ×2)', cosineWarmRestarts(1, 20, 2)],
    ['warm-up 10 + cosine', warmupCosine(1, 10, T)],
    ['one-cycle (cos)', oneCycle(1, T)],
    ['one-cycle (linear, 3 phases)', oneCycle(1, T, { annealStrategy: 'linear', threePhase: true })],
    ['cyclic triangular', cyclic(0.1, 1, { stepSizeUp: 10 })],
    ['cyclic triangular2', cyclic(0.1, 1, { stepSizeUp: 10, mode: 'triangular2' })],
    ['cyclic exp_range', cyclic(0.1, 1, { stepSizeUp: 10, mode: 'exp_range', gamma: 0.98 })],
    ['sequential: warm-up → exponential', sequentialSchedule([linearSchedule(0.1, 1, 10), exponentialDecay(1, 0.95)], [10])],
    ['chained: exponential × step', chainedSchedule(1, [exponentialDecay(1, 0.99), stepDecay(1, 30, 0.5)])],
    ['lambda: 1/(1 + t/20)²', lambdaSchedule(1, (t) => 1 / (1 + t / 20) ** 2)],
    ['multiplicative (×0.98 per step)', multiplicativeSchedule(1, () => 0.98)],
  ];
}

export async function main({ log = console.log }: ExampleOptions = {}): Promise<GalleryResult> {
  const steps = Array.from({ length: 100 }, (_, t) => t);
  const schedules = gallery().map(([name, s]) => ({ name, values: steps.map((t) => s(t)) }));
  log(`Lesson 10: ${schedules.length} learning-rate schedules over 100 steps (η₀ = 1)`);
  for (const s of schedules) log(`  ${s.name.padEnd(42)} t=0: ${fmt(s.values[0]!).padEnd(7)} t=50: ${fmt(s.values[50]!).padEnd(7)} t=99: ${fmt(s.values[99]!)}`);
  const svg = await lineChart(schedules.map((s) => ({ name: s.name, x: steps, y: s.values })), {
    title: 'Learning-rate schedules over 100 steps', xLabel: 'step', yLabel: 'learning rate', facetColumns: 4,
  });
  const picture = saveSvg('10-schedules', svg);
  log(`picture: ${picture}`);
  return { schedules, picture };
}

runIfMain(import.meta.url, main);
