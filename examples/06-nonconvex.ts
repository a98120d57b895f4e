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
 * Part 3: convex versus non-convex in one dimension. On the convex g(x) = x² + x every start ends at
 * the one minimiser −½. On the tilted double well f(x) = x⁴ − 3x² + x (a shallow local minimum near
 * 1.13, the global one near −1.30, where 4x³ − 6x + 1 = 0) plain GD started at x = 2 settles in the
 * local minimum; with momentum 0.9 the same start carries enough speed over the bump to reach the
 * global minimum.
 *
 * Run: npx tsx --conditions=source examples/06-nonconvex.ts [--quick]
 */
import { manualSeed, type Tensor } from '@gd/tensor';
import { SGD } from '@gd/optim';
import { descend, xy } from './lib/descend.js';
import { contourChart, lineChart, saveSvg } from './lib/plot.js';
import { fmt, runIfMain, type ExampleOptions } from './lib/cli.js';

const HIMMELBLAU_MINIMA: [number, number][] = [[3, 2], [-2.805118, 3.131312], [-3.77931, -3.283186], [3.584428, -1.848126]];

/** Where each start ended, and what happened at the saddle. */
export interface NonConvexResult {
  starts: { start: [number, number]; end: [number, number]; minimum: number }[];
  distinctMinima: number;
  saddle: { name: string; end: [number, number]; f: number }[];
  /** Part 3: where GD on the convex x² + x ended from each start (lr 0.1). */
  convex: { start: number; end: number; steps: number }[];
  /** Part 3: final x on the double well x⁴ − 3x² + x from x = 2 (lr 0.01), plain and with momentum 0.9. */
  doubleWell: { plain: number; momentum: number; steps: number };
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

  const last = (r: ReturnType<typeof descend>) => r.path[r.path.length - 1]![0]!;
  const cSteps = 100;
  const convexF = (p: Tensor) => p.square().add(p).sum();
  const convex = [-2, 0.5, 2].map((start) => ({
    start, end: last(descend(convexF, [start], (ps) => new SGD(ps, { lr: 0.1 }), cSteps)), steps: cSteps,
  }));
  log(`Lesson 6, part 3: convex x² + x (lr 0.1, ${cSteps} steps): every start ends at the one minimum −0.5`);
  log(`  ${convex.map((c) => `${c.start} → ${fmt(c.end, 6)}`).join(',  ')}`);
  const wellF = (p: Tensor) => p.pow(4).sub(p.square().mul(3)).add(p).sum();
  const wellPlain = (x: number) => x ** 4 - 3 * x * x + x;
  const wSteps = 200;
  const plainRun = descend(wellF, [2], (ps) => new SGD(ps, { lr: 0.01 }), wSteps);
  const momRun = descend(wellF, [2], (ps) => new SGD(ps, { lr: 0.01, momentum: 0.9 }), wSteps);
  const doubleWell = { plain: last(plainRun), momentum: last(momRun), steps: wSteps };
  log(`  non-convex x⁴ − 3x² + x from x = 2 (lr 0.01, ${wSteps} steps): plain GD stops in the local minimum`
    + ` x = ${fmt(doubleWell.plain)} (f = ${fmt(wellPlain(doubleWell.plain))}); momentum 0.9 rolls over the bump`
    + ` to the global minimum x = ${fmt(doubleWell.momentum)} (f = ${fmt(wellPlain(doubleWell.momentum))})`);
  const grid = Array.from({ length: 121 }, (_, i) => -2.2 + (4.4 * i) / 120);
  const pic3 = await lineChart([
    { name: 'f(x) = x⁴ − 3x² + x', x: grid, y: grid.map(wellPlain) },
    { name: 'plain GD iterates', x: plainRun.path.map((p) => p[0]!), y: plainRun.losses },
    { name: 'momentum 0.9 iterates', x: momRun.path.map((p) => p[0]!), y: momRun.losses },
  ], {
    title: 'A local minimum: plain GD stops at x ≈ 1.13, momentum reaches x ≈ −1.30',
    xLabel: 'x', yLabel: 'f(x)', yDomain: [-4, 6],
    scatter: ['plain GD iterates', 'momentum 0.9 iterates'],
  });
  const pictures = [saveSvg('06-nonconvex-starts', pic1), saveSvg('06-nonconvex-saddle', pic2), saveSvg('06-nonconvex-local-minimum', pic3)];
  log(`pictures: ${pictures.join(', ')}`);
  return { starts, distinctMinima, saddle, convex, doubleWell, pictures };
}

runIfMain(import.meta.url, main);
