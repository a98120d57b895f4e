/**
 * Lesson 6 — non-convex landscapes: the start decides the answer, and saddle points stall plain GD.
 *
 * Part 1: Himmelblau's function (x² + y − 11)² + (x + y² − 7)² has four minima, all with f = 0.
 * Gradient descent from different starting points ends in different minima: with a non-convex loss,
 * initialisation matters.
 *
 * Part 2: f = x² + ¼y⁴ − ½y² has a saddle at the origin (a minimum along x, a maximum along y) and
 * minima at (0, ±1) with f = −¼. Starting on the ridge y = 0, plain GD slides into the saddle and
 * stops there (the gradient vanishes); starting a hair off the ridge it needs hundreds of steps to
 * notice. Gradient noise (as SGD has) or momentum escape quickly.
 *
 * Run: npx tsx --conditions=source examples/06-nonconvex.ts [--quick]
 */
import { manualSeed, type Tensor } from '@gd/tensor';
import { SGD } from '@gd/optim';
import { descend, xy } from './lib/descend.js';
import { contourChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

const HIMMELBLAU_MINIMA: [number, number][] = [[3, 2], [-2.805118, 3.131312], [-3.77931, -3.283186], [3.584428, -1.848126]];

/** Where each start ended, and what happened at the saddle. */
export interface NonConvexResult {
  starts: { start: [number, number]; end: [number, number]; minimum: number }[];
  distinctMinima: number;
  saddle: { name: string; end: [number, number]; f: number }[];
  pictures: string[];
}

export async function main({ quick = false, log = console.log }: ExampleOptions = {}): Promise<NonConvexResult> {
  const himmelblau = (p: Tensor) => { const [x, y] = xy(p); return x.square().add(y).sub(11).square().add(x.add(y.square()).sub(7).square()); };
  const himmelPlain = (x: number, y: number) => (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2;
  const startPoints: [number, number][] = [[0, 0], [-1, 1], [-1, -1], [1, -1], [-4, 0], [0, -4], [4, 4], [-0.5, 4.5]];
  const steps = quick ? 150 : 300;
  log(`Lesson 6, part 1: gradient descent (lr 0.01, ${steps} steps) on Himmelblau from ${startPoints.length} starts`);
  const runs = startPoints.map((start) => descend(himmelblau, start, (ps) => new SGD(ps, { lr: 0.01 }), steps));
  const starts = runs.map((r, i) => {
    const [x, y] = r.path[r.path.length - 1]! as [number, number];
    const dists = HIMMELBLAU_MINIMA.map(([mx, my]) => Math.hypot(x - mx, y - my));
    const minimum = dists.indexOf(Math.min(...dists));
    log(`  start (${startPoints[i]!.join(', ')}) → (${fmt(x)}, ${fmt(y)}), minimum #${minimum + 1}, f = ${fmt(r.losses.at(-1)!)}`);
    return { start: startPoints[i]!, end: [x, y] as [number, number], minimum };
  });
  const distinctMinima = new Set(starts.map((s) => s.minimum)).size;
  log(`  ${distinctMinima} different minima reached`);
  const pic1 = await contourChart(himmelPlain, runs.map((r, i) => ({ name: `start ${i + 1}`, points: r.path as [number, number][] })), {
    xRange: [-5, 5], yRange: [-5, 5], title: 'Himmelblau: the starting point picks the minimum', legendTitle: 'run',
    markers: HIMMELBLAU_MINIMA.map(([x, y], i) => ({ x, y, label: `#${i + 1}` })),
  });

  const saddleF = (p: Tensor) => { const [x, y] = xy(p); return x.square().add(y.pow(4).mul(0.25)).sub(y.square().mul(0.5)); };
  const saddlePlain = (x: number, y: number) => x * x + y ** 4 / 4 - y * y / 2;
  const sSteps = quick ? 120 : 200;
  manualSeed(6);
  const saddleRuns: [string, ReturnType<typeof descend>][] = [
    ['GD from (−1.5, 0)', descend(saddleF, [-1.5, 0], (ps) => new SGD(ps, { lr: 0.05 }), sSteps)],
    ['GD from (−1.5, 1e-6)', descend(saddleF, [-1.5, 1e-6], (ps) => new SGD(ps, { lr: 0.05 }), sSteps)],
    ['noisy GD from (−1.5, 0)', descend(saddleF, [-1.5, 0], (ps) => new SGD(ps, { lr: 0.05 }), sSteps, { noise: 0.1 })],
    ['momentum 0.9 from (−1.5, 1e-6)', descend(saddleF, [-1.5, 1e-6], (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 }), sSteps)],
  ];
  log(`Lesson 6, part 2: the saddle of x² + ¼y⁴ − ½y² at the origin (minima (0, ±1), f = −0.25), ${sSteps} steps, lr 0.05`);
  const saddle = saddleRuns.map(([name, r]) => {
    const end = r.path[r.path.length - 1]! as [number, number];
    const f = r.losses.at(-1)!;
    log(`  ${name.padEnd(31)} ends at (${fmt(end[0])}, ${fmt(end[1])}), f = ${fmt(f)}${f > -0.1 ? '  stuck near the saddle' : '  escaped'}`);
    return { name, end, f };
  });
  const pic2 = await contourChart(saddlePlain, saddleRuns.map(([name, r]) => ({ name, points: r.path as [number, number][] })), {
    xRange: [-2, 2], yRange: [-1.6, 1.6], title: 'A saddle point: plain GD stalls, noise and momentum escape', legendTitle: 'run',
    markers: [{ x: 0, y: 0, label: 'saddle' }, { x: 0, y: 1, label: 'min' }, { x: 0, y: -1, label: 'min' }],
  });
  const pictures = [saveSvg('06-nonconvex-starts', pic1), saveSvg('06-nonconvex-saddle', pic2)];
  log(`pictures: ${pictures.join(', ')}`);
  return { starts, distinctMinima, saddle, pictures };
}

runIfMain(import.meta.url, main);
