/**
 * Runs every lesson in order (`pnpm examples`, add `--quick` for short settings) and lists the
 * pictures written to examples/out/.
 */
import { quickFromArgs } from './lib/cli.js';

const LESSONS = [
  '01-parabola', '02-learning-rates', '03-optimizer-paths', '04-logistic-regression', '05-linear-regression',
  '06-nonconvex', '07-worked-example', '08-mlp-classifier', '09-lr-finder', '10-schedules', '11-matrix-factorisation', 'demo',
] as const;

const quick = quickFromArgs();
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
let failed = 0;
for (const name of LESSONS) {
  if (only.length > 0 && !only.some((o) => name.startsWith(o))) continue;
  console.log(`\n=== ${name}${quick ? ' (quick)' : ''}`);
  const t0 = performance.now();
  try {
    const mod = (await import(`./${name}.js`)) as { main(opts: { quick: boolean }): Promise<unknown> };
    await mod.main({ quick });
    console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.error(`${name} failed:`, e);
  }
}
if (failed > 0) {
  console.error(`${failed} lesson(s) failed`);
  process.exitCode = 1;
}
