/**
 * Lesson 7 — the worked example: one neuron, ReLU, squared error, one gradient step.
 *
 * z = w·x + b, a = ReLU(z), L = (a − y)², with w = 3, b = 1, x = 2, y = 5. Forward: z = 7, a = 7,
 * L = 4. Backward: ∂L/∂w = 2(a − y)·x = 8, ∂L/∂b = 2(a − y) = 4. One step at α = 0.1 gives
 * w = 3 − 0.8 = 2.2 and b = 1 − 0.4 = 0.6, and the loss at the new weights is (2.2·2 + 0.6 − 5)² = 0.
 *
 * Run: npx tsx --conditions=source examples/07-worked-example.ts
 */
import { tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { SGD } from '@gd/optim';
import { contourChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

/** The numbers of the worked example. */
export interface WorkedResult {
  lossBefore: number;
  dLdw: number;
  dLdb: number;
  w: number;
  b: number;
  lossAfter: number;
  picture: string;
}

export async function main({ log = console.log }: ExampleOptions = {}): Promise<WorkedResult> {
  const x = 2;
  const y = 5;
  const lr = 0.1;
  const w = tensor([3], { dtype: 'float64' }).requiresGrad_();
  const b = tensor([1], { dtype: 'float64' }).requiresGrad_();
  const loss = () => w.mul(x).add(b).relu().sub(y).square().sum();

  const before = loss();
  log(`forward:  z = w·x + b = ${3 * x + 1}, a = ReLU(z) = ${Math.max(0, 3 * x + 1)}, L = (a − y)² = ${before.item()}`);
  before.backward();
  const dLdw = w.grad!.item();
  const dLdb = b.grad!.item();
  log(`backward: ∂L/∂w = ${dLdw}, ∂L/∂b = ${dLdb}`);
  const opt = new SGD([w, b], { lr });
  opt.step();
  const lossAfter = noGrad(() => loss().item());
  log(`one step at α = ${lr}: w = ${fmt(w.item())}, b = ${fmt(b.item())}, new loss = ${lossAfter}`);

  const L = (wv: number, bv: number) => (Math.max(0, wv * x + bv) - y) ** 2;
  const svg = await contourChart(L, [{ name: 'one SGD step', points: [[3, 1], [w.item(), b.item()]] }], {
    xRange: [0, 4], yRange: [-1.5, 2.5], title: 'L(w, b) = (ReLU(2w + b) − 5)²: one step lands on L = 0',
    xLabel: 'w', yLabel: 'b', legendTitle: 'path',
    markers: [{ x: 3, y: 1, label: 'L = 4' }, { x: w.item(), y: b.item(), label: 'L = 0' }],
  });
  const picture = saveSvg('07-worked-example', svg);
  log(`picture: ${picture}`);
  return { lossBefore: before.item(), dLdw, dLdb, w: w.item(), b: b.item(), lossAfter, picture };
}

runIfMain(import.meta.url, main);
