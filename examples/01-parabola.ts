/**
 * Lesson 1 — gradient descent on the parabola y = x².
 *
 * The slope of x² is 2x. One step: step = slope × learning rate; new x = old x − step. With
 * learning rate η every step multiplies x by (1 − 2η), so after k steps x_k = x₀ (1 − 2η)^k: we check
 * the iterates against that closed form. Then autograd checks the power rule on f(x) = 2x⁴, whose
 * derivative is 8x³. Finally the same descent through `minimize` with each stopping rule of the
 * curriculum: a step budget, a loss threshold, a gradient-norm threshold, and "no improvement".
 *
 * Run: npx tsx --conditions=source examples/01-parabola.ts [--quick]
 */
import { linspace, tensor, type Tensor } from '@gd/tensor';
import { grad } from '@gd/autograd';
import { SGD, gradNormBelow, lossBelow, maxIterations, minimize, noImprovement, type StopCriterion } from '@gd/optim';
import { lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** What the lesson computed. */
export interface ParabolaResult {
  iterates: number[];
  finalX: number;
  /** max_k |x_k − x₀(1 − 2η)^k| */
  closedFormError: number;
  /** max over a grid of |autograd d(2x⁴)/dx − 8x³| */
  powerRuleError: number;
  /** Steps taken and reason under each stopping rule. */
  stops: { rule: string; steps: number; reason: string; x: number }[];
  picture: string;
}

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<ParabolaResult> {
  const x0 = 4;
  const lr = 0.1;
  const steps = quick ? 30 : 60;
  const f = (x: Tensor) => x.square().sum();
  const slopeOf = grad(f);

  log(`Lesson 1: gradient descent on y = x², start x = ${x0}, learning rate ${lr}`);
  log(' step |        x |   slope 2x | step = slope×lr');
  let x = tensor([x0], { dtype: 'float64' });
  const iterates = [x0];
  let closedFormError = 0;
  for (let k = 1; k <= steps; k++) {
    const slope = slopeOf(x);
    const step = slope.mul(lr);
    if (k <= 5) log(`${String(k).padStart(5)} | ${fmt(x.item()).padStart(8)} | ${fmt(slope.item()).padStart(10)} | ${fmt(step.item())}`);
    x = x.sub(step);
    iterates.push(x.item());
    closedFormError = Math.max(closedFormError, Math.abs(x.item() - x0 * (1 - 2 * lr) ** k));
  }
  const finalX = x.item();
  log(`after ${steps} steps x = ${fmt(finalX)} (closed form x₀(1−2η)^k = ${fmt(x0 * (1 - 2 * lr) ** steps)}, max deviation ${fmt(closedFormError)})`);

  // The power rule, checked by autograd: d/dx 2x⁴ = 8x³.
  const xs = linspace(-2, 2, 9, { dtype: 'float64' });
  const g = grad((t: Tensor) => t.pow(4).mul(2).sum())(xs);
  const expected = xs.pow(3).mul(8);
  const powerRuleError = g.sub(expected).abs().max().item();
  log(`f(x) = 2x⁴: autograd's derivative matches 8x³ on [-2, 2] (max error ${fmt(powerRuleError)})`);

  // When to stop: the same run under each stopping rule.
  const rules: [string, StopCriterion | StopCriterion[]][] = [
    ['at most 50 steps', maxIterations(50)],
    ['loss below 1e-6', [lossBelow(1e-6), maxIterations(10_000)]],
    ['gradient norm below 1e-6', [gradNormBelow(1e-6), maxIterations(10_000)]],
    ['no improvement > 1e-12 for 5 steps', [noImprovement({ minDelta: 1e-12, patience: 5 }), maxIterations(10_000)]],
  ];
  const stops = rules.map(([rule, stop]) => {
    const r = minimize(f, [x0], { optimizer: (ps) => new SGD(ps, { lr }), stop });
    log(`stop rule "${rule}": ${r.steps} steps (${r.reason}), x = ${fmt(r.x.item())}`);
    return { rule, steps: r.steps, reason: String(r.reason), x: r.x.item() };
  });

  const curveX = Array.from({ length: 101 }, (_, i) => -4.5 + (9 * i) / 100);
  const svg = await lineChart([
    { name: 'y = x²', x: curveX, y: curveX.map((v) => v * v) },
    { name: 'gradient-descent iterates', x: iterates, y: iterates.map((v) => v * v) },
  ], { title: `Gradient descent on y = x² (η = ${lr}, start ${x0})`, xLabel: 'x', yLabel: 'y', scatter: ['gradient-descent iterates'] });
  const picture = saveSvg('01-parabola', svg);
  log(`picture: ${picture}`);
  return { iterates, finalX, closedFormError, powerRuleError, stops, picture };
}

runIfMain(import.meta.url, main);
