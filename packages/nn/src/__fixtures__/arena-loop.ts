// Train a small MLP for N steps with no dispose() anywhere and report the WebAssembly arena's
// counters after warm-up and at the end. Usage: node --conditions=source --import tsx arena-loop.ts <steps> [leak]
// `leak` keeps every step's hidden activation alive (what a program that leaks tensors does);
// `limit=<MiB>` fixes the bytes handed out between forced collections (configureArena).
import { Generator, arenaStats, configureArena, randn, randint } from '@gd/tensor';
import { Linear, ReLU, Sequential, crossEntropy } from '../index.js';
import { SGD } from '@gd/optim';

const steps = Number(process.argv[2] ?? 100000);
const leak = process.argv.includes('leak');
const limit = process.argv.find((a) => a.startsWith('limit='));
if (limit) configureArena({ collectEveryBytes: Number(limit.slice(6)) * 2 ** 20 });
const gen = new Generator(3);
// Batch 16, 64 -> 64 -> 16: activations (4 KiB), weight gradients (16 and 4 KiB) and the other
// temporaries of 1 KiB or more live in the arena; about 40 KB is handed out per step, so 100 000
// steps hand out several times the arena's budget.
const x = randn([16, 64], { generator: gen });
const y = randint(0, 16, [16], { generator: gen });
const model = new Sequential(new Linear(64, 64), new ReLU(), new Linear(64, 16));
const opt = new SGD(model.parameters(), { lr: 0.05 });
const kept: unknown[] = [];

function step(): number {
  opt.zeroGrad();
  const h = model.forward(x);
  if (leak) kept.push(h);
  const loss = crossEntropy(h, y);
  loss.backward();
  opt.step();
  return loss.item();
}

const warm = Math.min(10000, Math.floor(steps / 10));
let first = 0;
for (let i = 0; i < warm; i++) first = step();
const s0 = arenaStats();
const t0 = performance.now();
let last = 0;
for (let i = warm; i < steps; i++) last = step();
const ms = performance.now() - t0;
const s1 = arenaStats();
process.stdout.write(JSON.stringify({ steps, warm, first, last, s0, s1, usPerStep: (ms * 1000) / (steps - warm) }) + '\n');
