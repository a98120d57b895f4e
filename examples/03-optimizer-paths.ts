/**
 * Lesson 3 — six optimizers on two landscapes: the paths of GD, momentum, Nesterov, AdaGrad,
 * RMSProp and Adam over the contours of an ill-conditioned bowl and of the Rosenbrock valley.
 *
 * On the bowl f = ½x² + 10y² the curvature is 20× larger along y than along x: a learning rate safe
 * for y (η < 2/20) crawls along x, so plain GD zig-zags across the valley. Momentum averages the
 * zig-zag away; the adaptive methods rescale each coordinate by its own gradient history.
 * Rosenbrock's curved valley (Hessian condition number above 200 at the start) is the classic
 * stress test.
 *
 * Run: npx tsx --conditions=source examples/03-optimizer-paths.ts [--quick]
 */
import type { Tensor } from '@gd/tensor';
import { SGD, Adagrad, RMSprop, Adam, type Optimizer } from '@gd/optim';
import { descend, xy, type Trajectory } from './lib/descend.js';
import { contourChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

type Make = (ps: Tensor[]) => Optimizer<any>;

/** One optimizer's run on one landscape. */
export interface PathRun { optimizer: string; trajectory: Trajectory; distanceToMin: number }

interface Landscape {
  name: string;
  f: (p: Tensor) => Tensor;
  plain: (x: number, y: number) => number;
  start: [number, number];
  min: [number, number];
  xRange: [number, number];
  yRange: [number, number];
  steps: number;
  optimizers: [string, Make][];
}

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<{ bowl: PathRun[]; rosenbrock: PathRun[]; momentumFormsGap: number; pictures: string[] }> {
  const landscapes: Landscape[] = [
    {
      name: 'ill-conditioned bowl ½x² + 10y²',
      f: (p) => { const [x, y] = xy(p); return x.square().mul(0.5).add(y.square().mul(10)); },
      plain: (x, y) => 0.5 * x * x + 10 * y * y,
      start: [-4, 1.5], min: [0, 0], xRange: [-4.5, 4.5], yRange: [-2, 2], steps: quick ? 40 : 60,
      optimizers: [
        ['GD', (ps) => new SGD(ps, { lr: 0.09 })],
        ['Momentum', (ps) => new SGD(ps, { lr: 0.02, momentum: 0.8 })],
        ['Nesterov', (ps) => new SGD(ps, { lr: 0.02, momentum: 0.8, nesterov: true })],
        ['AdaGrad', (ps) => new Adagrad(ps, { lr: 1 })],
        ['RMSProp', (ps) => new RMSprop(ps, { lr: 0.1 })],
        ['Adam', (ps) => new Adam(ps, { lr: 0.3 })],
      ],
    },
    {
      name: 'Rosenbrock (1 − x)² + 100(y − x²)²',
      f: (p) => { const [x, y] = xy(p); return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)); },
      plain: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
      start: [-1.5, 2], min: [1, 1], xRange: [-2, 2], yRange: [-1, 3], steps: quick ? 800 : 3000,
      optimizers: [
        ['GD', (ps) => new SGD(ps, { lr: 5e-4 })],
        ['Momentum', (ps) => new SGD(ps, { lr: 5e-4, momentum: 0.9 })],
        ['Nesterov', (ps) => new SGD(ps, { lr: 5e-4, momentum: 0.9, nesterov: true })],
        ['AdaGrad', (ps) => new Adagrad(ps, { lr: 0.5 })],
        ['RMSProp', (ps) => new RMSprop(ps, { lr: 0.01 })],
        ['Adam', (ps) => new Adam(ps, { lr: 0.05 })],
      ],
    },
  ];
  const results: PathRun[][] = [];
  const pictures: string[] = [];
  for (const [i, land] of landscapes.entries()) {
    log(`Lesson 3: ${land.name}, start (${land.start.join(', ')}), ${land.steps} steps`);
    const runs = land.optimizers.map(([name, make]) => {
      const trajectory = descend(land.f, land.start, make, land.steps);
      const [x, y] = trajectory.path[trajectory.path.length - 1]!;
      const distanceToMin = Math.hypot(x! - land.min[0], y! - land.min[1]);
      log(`  ${name.padEnd(9)} ends at (${fmt(x!)}, ${fmt(y!)}), f = ${fmt(trajectory.losses.at(-1)!)}, distance to the minimum ${fmt(distanceToMin)}${trajectory.diverged ? ' (diverged)' : ''}`);
      return { optimizer: name, trajectory, distanceToMin };
    });
    results.push(runs);
    const svg = await contourChart(land.plain, runs.map((r) => ({ name: r.optimizer, points: r.trajectory.path as [number, number][] })), {
      xRange: land.xRange, yRange: land.yRange, title: land.name, width: 520, height: i === 0 ? 260 : 420,
      markers: [{ x: land.min[0], y: land.min[1], label: 'minimum' }],
    });
    pictures.push(saveSvg(i === 0 ? '03-paths-bowl' : '03-paths-rosenbrock', svg));
  }
  // The curriculum writes momentum as v ← γv + η∇J, w ← w − v; PyTorch (and @gd) as
  // b ← μb + ∇J, w ← w − ηb. With v = ηb they are the same update: replay the seed's form by hand.
  const momentumRun = results[0]!.find((r) => r.optimizer === 'Momentum')!.trajectory.path;
  const seedForm: number[][] = [[-4, 1.5]];
  let [w0, w1] = [-4, 1.5];
  let [v0, v1] = [0, 0];
  for (let k = 1; k < momentumRun.length; k++) {
    v0 = 0.8 * v0 + 0.02 * w0;         // ∂/∂x (½x² + 10y²) = x
    v1 = 0.8 * v1 + 0.02 * 20 * w1;    // ∂/∂y = 20y
    w0 -= v0;
    w1 -= v1;
    seedForm.push([w0, w1]);
  }
  const momentumFormsGap = Math.max(...seedForm.map(([a, b], k) => Math.max(Math.abs(a! - momentumRun[k]![0]!), Math.abs(b! - momentumRun[k]![1]!))));
  log(`momentum written as v ← γv + η∇J, w ← w − v (by hand) vs SGD({ momentum }) on the bowl: largest difference ${fmt(momentumFormsGap)}`);
  log(`pictures: ${pictures.join(', ')}`);
  return { bowl: results[0]!, rosenbrock: results[1]!, momentumFormsGap, pictures };
}

runIfMain(import.meta.url, main);
