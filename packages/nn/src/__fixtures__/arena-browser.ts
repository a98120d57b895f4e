// Page script of arena-browser.test.ts (bundled for the browser): trains a 16-64-64-1 MLP with Adam
// (batch 64) in one synchronous loop with no dispose() anywhere and reports the loss, the time and
// the WebAssembly arena's counters. `?arena=off` turns the arena off before the first tensor,
// `?max=<MiB>` sets its budget.
import * as gd from '@gd/tensor';
import { adamMlpStep } from './adam-mlp.js';

const params = new URLSearchParams(location.search);
if (params.get('arena') === 'off') gd.configureArena({ enabled: false });
if (params.has('max')) gd.configureArena({ maxBytes: Number(params.get('max')) * 2 ** 20 });

const step = adamMlpStep(64);

async function run(steps: number): Promise<unknown> {
  // Warm-up between tasks, so the kernels' modules finish compiling (browsers compile large
  // modules asynchronously) and the warm-up's blocks come back to the arena.
  const first = step();
  for (let i = 0; i < 20; i++) { step(); await new Promise((r) => setTimeout(r, 5)); }
  await new Promise((r) => setTimeout(r, 200));
  const s0 = gd.arenaStats();
  const t0 = performance.now();
  let last = 0;
  // Milliseconds per block of 250 steps (to see whether steps slow down once the arena is full).
  const blocks: number[] = [];
  let tb = t0;
  for (let i = 0; i < steps; i++) {
    last = step();
    if ((i + 1) % 250 === 0) { const t = performance.now(); blocks.push(Math.round(t - tb)); tb = t; }
  }
  const ms = performance.now() - t0;
  const s1 = gd.arenaStats();
  return { coi: self.crossOriginIsolated, first, last, ms, stepsPerSec: (steps * 1000) / ms, blocks, s0, s1 };
}

(globalThis as { gdRun?: typeof run }).gdRun = run;
document.title = 'ready';
