/**
 * Every lesson runs with short settings, prints its summary, writes a non-trivial picture, and its
 * numbers agree with something computed outside the code under test (closed forms, the seed's
 * worked numbers, the normal equations, hidden ground truth).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { countMarks } from './lib/plot.js';

function capture(): { log: (s: string) => void; text: () => string } {
  const lines: string[] = [];
  return { log: (s) => lines.push(s), text: () => lines.join('\n') };
}

function picture(path: string, minBytes = 3000): string {
  expect(existsSync(path), path).toBe(true);
  expect(statSync(path).size).toBeGreaterThan(minBytes);
  const svg = readFileSync(path, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  return svg;
}

const lineMarks = (svg: string): number => (svg.match(/aria-roledescription="line mark"/g) ?? []).length;

describe('lessons (quick settings)', () => {
  it('01 parabola: iterates follow x₀(1 − 2η)^k; autograd gives 8x³ for 2x⁴', async () => {
    const { main } = await import('./01-parabola.js');
    const out = capture();
    const r = await main({ quick: true, log: out.log });
    expect(r.iterates[1]).toBeCloseTo(4 - 0.1 * 8, 12);             // step = slope × lr = 8 × 0.1
    expect(r.closedFormError).toBeLessThan(1e-12);
    expect(Math.abs(r.finalX)).toBeLessThan(4 * 0.8 ** 30 * 1.0001);
    expect(r.powerRuleError).toBeLessThan(1e-9);
    expect(out.text()).toMatch(/1 \|\s+4 \|\s+8 \| 0\.8/);
    // stopping rules: first k with x_k² < 1e-6, first k with |2x_k| < 1e-6 (x_k = 4·0.8^k)
    const firstK = (ok: (x: number) => boolean) => { let k = 0; while (!ok(4 * 0.8 ** k)) k++; return k; };
    const stops = Object.fromEntries(r.stops.map((s) => [s.reason, s.steps]));
    expect(stops['maxIterations']).toBe(50);
    expect(stops['lossBelow']).toBe(firstK((x) => x * x < 1e-6));
    expect(stops['gradNormBelow']).toBe(firstK((x) => 2 * x < 1e-6));
    expect(stops['noImprovement']).toBeGreaterThan(stops['gradNormBelow']!);
    const svg = picture(r.picture);
    expect(lineMarks(svg)).toBe(1);                                   // the parabola
    expect((svg.match(/aria-roledescription="point"/g) ?? []).length).toBe(r.iterates.length);
  });

  it('02 learning rates: small is slow, right converges, 0.95 oscillates, 1.05 diverges', async () => {
    const { main } = await import('./02-learning-rates.js');
    const r = await main({ quick: true, log: () => {} });
    const [small, right, osc, big] = r.runs;
    expect(small!.finalLoss).toBeCloseTo(9 * 0.998 ** 60, 6);        // 30 steps: (1 − 2η)^(2·30)
    expect(right!.finalLoss).toBeCloseTo(9 * 0.8 ** 60, 12);
    expect(osc!.w.slice(1, 5).map(Math.sign)).toEqual([-1, 1, -1, 1]);
    expect(big!.finalLoss).toBeGreaterThan(9 * 1.1 ** 58);
    const svg = picture(r.picture);
    expect(lineMarks(svg)).toBe(4);
  });

  it('03 optimizer paths: six trajectories on each landscape, momentum and Adam outrun GD on Rosenbrock', async () => {
    const { main } = await import('./03-optimizer-paths.js');
    const r = await main({ quick: true, log: () => {} });
    expect(r.bowl.map((p) => p.optimizer)).toEqual(['GD', 'Momentum', 'Nesterov', 'AdaGrad', 'RMSProp', 'Adam']);
    for (const p of r.bowl) expect(p.distanceToMin).toBeLessThan(0.5);
    // GD on the bowl: x shrinks by (1 − 0.09) per step exactly
    const gd = r.bowl[0]!.trajectory.path;
    expect(gd[10]![0]).toBeCloseTo(-4 * 0.91 ** 10, 10);
    expect(r.momentumFormsGap).toBeLessThan(1e-12);                  // the seed's momentum form ≡ PyTorch's
    // 800 steps from (−1.5, 2): GD crawls in the valley, momentum and Adam get close to (1, 1)
    const dist = (name: string) => r.rosenbrock.find((p) => p.optimizer === name)!.distanceToMin;
    expect(dist('GD')).toBeGreaterThan(1);
    expect(dist('Adam')).toBeLessThan(0.2);
    expect(dist('Momentum')).toBeLessThan(0.3);
    for (const pic of r.pictures) {
      const svg = picture(pic, 20_000);
      expect(countMarks(svg, 'shape')).toBe(1);                      // the contours
      expect(countMarks(svg, 'line')).toBe(6);                      // one trajectory per optimizer
    }
  });

  it('04 logistic regression: three batch sizes, all better than chance, accuracy ≥ 94%', async () => {
    const { main } = await import('./04-logistic-regression.js');
    const r = await main({ quick: true, log: () => {} });
    expect(r.regimes.map((g) => g.batchSize)).toEqual([569, 32, 1]);
    for (const g of r.regimes) {
      expect(g.losses[0]).toBeCloseTo(Math.log(2), 10);              // w = 0, b = 0 → p = ½ everywhere
      expect(g.losses.at(-1)!).toBeLessThan(0.25);
      expect(g.accuracy).toBeGreaterThanOrEqual(0.94);
    }
    expect(r.regimes.map((g) => g.steps)).toEqual([3, 3 * 18, 3 * 569]);
    for (const pic of r.pictures) expect(lineMarks(picture(pic))).toBe(3);
  });

  it('05 linear regression: gradient descent equals the normal-equation solution', async () => {
    const { main } = await import('./05-linear-regression.js');
    const out = capture();
    const r = await main({ quick: true, log: out.log });
    expect(r.maxDifference).toBeLessThan(1e-8);
    expect(r.normal.w).toBeGreaterThan(2.7);                          // the true line is y = 3x + 4
    expect(r.normal.w).toBeLessThan(3.3);
    expect(r.normal.b).toBeGreaterThan(3.6);
    expect(r.normal.b).toBeLessThan(4.4);
    expect(out.text()).toContain(`w = ${r.normal.w.toPrecision(8).replace(/0+$/, '')}`);
    const svg = picture(r.pictures[0]!);
    expect((svg.match(/aria-roledescription="point"/g) ?? []).length).toBe(100);
    expect(lineMarks(svg)).toBe(2);
  });

  it('06 non-convex: starts reach different minima; plain GD stalls at the saddle, noise and momentum escape', async () => {
    const { main } = await import('./06-nonconvex.js');
    const r = await main({ quick: true, log: () => {} });
    expect(r.distinctMinima).toBe(4);
    for (const s of r.starts) {
      const [x, y] = s.end;
      expect((x * x + y - 11) ** 2 + (x + y * y - 7) ** 2).toBeLessThan(1e-8);  // a true minimum
    }
    const [stuck, slow, noisy, momentum] = r.saddle;
    expect(Math.hypot(...stuck!.end)).toBeLessThan(1e-3);
    expect(Math.abs(slow!.end[1])).toBeLessThan(0.1);
    expect(noisy!.f).toBeLessThan(-0.15);
    expect(Math.abs(Math.abs(momentum!.end[1]) - 1)).toBeLessThan(0.1);
    for (const pic of r.pictures.slice(0, 2)) expect(countMarks(picture(pic, 20_000), 'shape')).toBe(1);
    // part 3, convex: GD on x² + x obeys x_k + ½ = (x₀ + ½)(1 − 2η)^k, so every start ends at −½
    for (const c of r.convex) expect(c.end).toBeCloseTo((c.start + 0.5) * 0.8 ** c.steps - 0.5, 12);
    // part 3, double well: the stationary points are the roots of f'(x) = 4x³ − 6x + 1 (bisection here)
    const root = (lo: number, hi: number) => {
      const d = (x: number) => 4 * x ** 3 - 6 * x + 1;
      for (let i = 0; i < 200; i++) { const m = (lo + hi) / 2; if (Math.sign(d(m)) === Math.sign(d(lo))) lo = m; else hi = m; }
      return lo;
    };
    const local = root(0.5, 2), global = root(-2, -0.5);
    expect(r.doubleWell.plain).toBeCloseTo(local, 6);                // plain GD: trapped in the local minimum
    expect(r.doubleWell.momentum).toBeCloseTo(global, 2);           // momentum: over the bump to the global one
    const f = (x: number) => x ** 4 - 3 * x * x + x;
    expect(f(global)).toBeLessThan(f(local) - 2);
    const svg = picture(r.pictures[2]!);
    expect(lineMarks(svg)).toBe(1);                                  // the curve; the iterates are points
  });

  it('07 worked example: L = 4, ∂L/∂w = 8, ∂L/∂b = 4, then w = 2.2, b = 0.6, L = 0', async () => {
    const { main } = await import('./07-worked-example.js');
    const out = capture();
    const r = await main({ log: out.log });
    expect(r.lossBefore).toBe(4);
    expect(r.dLdw).toBe(8);
    expect(r.dLdb).toBe(4);
    expect(r.w).toBeCloseTo(2.2, 14);
    expect(r.b).toBeCloseTo(0.6, 14);
    expect(r.lossAfter).toBeLessThan(1e-28);
    expect(out.text()).toContain('w = 2.2, b = 0.6');
    expect(countMarks(picture(r.picture, 20_000), 'line')).toBe(1);
  });

  it('08 MLP: separates the spirals; the lr warms up linearly then follows the cosine; early stopping', async () => {
    const { main } = await import('./08-mlp-classifier.js');
    const out = capture();
    const r = await main({ quick: true, log: out.log });
    expect(r.valAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.trainAccuracy).toBeGreaterThanOrEqual(0.95);
    // warm-up over 10 epochs × 8 batches, cosine to 0 over 100 epochs: closed form
    const warm = 80, total = 400 * 8, peak = 0.02;
    const expected = (t: number) => (t < warm ? (peak * t) / warm : (peak / 2) * (1 + Math.cos((Math.PI * (t - warm)) / (total - warm))));
    for (const t of [0, 20, 40, 80, 200, r.lrs.length - 1]) expect(r.lrs[t]).toBeCloseTo(expected(t), 12);
    // early stopping (patience 10 when quick) ends the run: 10 epochs after the best one, long before 400
    expect(r.stopReason).toMatch(/early stopping/);
    expect(r.epochsRun).toBe(r.bestEpoch + 1 + 10);
    expect(r.lastValLoss).toBeGreaterThan(r.bestValLoss);
    // and the best weights are restored: evaluating the final model reproduces the best epoch's loss
    expect(r.restoredValLoss).toBeCloseTo(r.bestValLoss, 10);
    const svg = picture(r.pictures[0]!, 50_000);
    expect((svg.match(/aria-roledescription="point"/g) ?? []).length).toBe(300);
    expect((svg.match(/aria-roledescription="rect mark"/g) ?? []).length).toBe(3600);
    expect(out.text()).toMatch(/validation accuracy \d+\.\d%/);
  });

  it('09 lr finder: an exponential sweep, a suggestion on the falling part, better than 10× smaller', async () => {
    const { main } = await import('./09-lr-finder.js');
    const r = await main({ quick: true, log: () => {} });
    const ratio = r.lrs[1]! / r.lrs[0]!;
    for (let i = 1; i < r.lrs.length; i++) expect(r.lrs[i]! / r.lrs[i - 1]!).toBeCloseTo(ratio, 9);
    expect(r.lrs[0]).toBeCloseTo(1e-5, 12);
    expect(r.suggestedLr).toBeGreaterThan(1e-3);
    expect(r.suggestedLr).toBeLessThan(10);
    const [timid, suggested] = r.trained;
    expect(suggested!.loss).toBeLessThan(Math.log(2));
    expect(suggested!.loss).toBeLessThan(timid!.loss);
    const svg = picture(r.picture);
    expect(lineMarks(svg)).toBe(2);
    expect(svg).toContain('suggested');
  });

  it('10 schedules: 21 schedules, values match their closed forms', async () => {
    const { main } = await import('./10-schedules.js');
    const r = await main({ log: () => {} });
    const v = (name: string) => r.schedules.find((s) => s.name.startsWith(name))!.values;
    expect(r.schedules.length).toBe(21);
    expect(v('harmonic')[3]).toBeCloseTo(1 / 4, 12);                       // η₀ / t, t counted from 1
    expect(v('inverse time')[20]).toBeCloseTo(1 / 3, 12);
    expect(v('step')[60]).toBeCloseTo(0.25, 12);
    expect(v('exponential')[10]).toBeCloseTo(0.97 ** 10, 12);
    expect(v('cosine annealing')[50]).toBeCloseTo(0.5, 12);
    expect(v('cosine annealing')[25]).toBeCloseTo((1 + Math.cos(Math.PI / 4)) / 2, 12);
    expect(v('warm-up 10 + cosine')[5]).toBeCloseTo(0.5, 12);
    expect(v('warm-up 10 + cosine')[10]).toBeCloseTo(1, 12);
    expect(v('warm-up 10 + cosine')[55]).toBeCloseTo(0.5, 12);
    expect(v('multiplicative')[50]).toBeCloseTo(0.98 ** 50, 12);
    expect(Math.max(...v('one-cycle (cos)'))).toBeCloseTo(1, 2);
    const svg = picture(r.picture, 20_000);
    expect(lineMarks(svg)).toBe(21);
  });

  it('11 matrix factorisation: fits the seen ratings and beats the mean on the hidden ones', async () => {
    const { main } = await import('./11-matrix-factorisation.js');
    const r = await main({ quick: true, log: () => {} });
    expect(r.trainRmse).toBeLessThan(0.35);
    expect(r.hiddenRmse).toBeLessThan(0.6 * r.baselineRmse);
    expect(r.predictions.length).toBe(8);
    const seen = picture(r.pictures[0]!);
    expect((seen.match(/aria-roledescription="rect mark"/g) ?? []).length).toBe(48);
  });

  it('12 the README demo: a short training run reports its loss and where the picture went', async () => {
    const { main } = await import('./demo.js');
    const out = capture();
    const r = await main({ quick: true, log: out.log });
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.finalLoss).toBeLessThan(0.3);
    expect(out.text()).toMatch(/^fit: 20 epochs, 200 steps, loss \d/m);   // fit's summary line (no TTY here)
    expect(out.text()).toContain(`loss curve written to ${r.picture}`);
    expect(lineMarks(picture(r.picture))).toBe(1);
  });
});
