// Train a 16-64-64-1 MLP with Adam (batch 128) for N steps in one synchronous loop, with no
// dispose() anywhere, and print the loss, the time, the peak resident memory and the arena's
// counters as JSON. Usage:
//   node --conditions=source --import tsx arena-adam.ts <steps> [max=<MiB>] [every=<MiB>|every=Infinity] [off]
// `max` sets the arena's budget, `every` its bytes between forced collections (Infinity: none),
// `off` keeps every tensor in ordinary JS memory. All through configureArena, before the first tensor.
import { arenaStats, configureArena } from '@gd/tensor';
import { adamMlpStep } from './adam-mlp.js';

const steps = Number(process.argv[2] ?? 20000);
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
const max = arg('max'), every = arg('every');
configureArena({
  ...(max !== undefined ? { maxBytes: Number(max) * 2 ** 20 } : {}),
  ...(every !== undefined ? { collectEveryBytes: every === 'Infinity' ? Infinity : Number(every) * 2 ** 20 } : {}),
  ...(process.argv.includes('off') ? { enabled: false } : {}),
});

const step = adamMlpStep(128);

const first = step();
const t0 = performance.now();
let last = first;
for (let i = 1; i < steps; i++) last = step();
const ms = performance.now() - t0;
const s = arenaStats();
// maxRSS is in KiB.
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ steps, first, last, stepsPerSec: ((steps - 1) * 1000) / ms, peakRssMiB, stats: s }) + '\n');
