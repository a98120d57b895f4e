// Run N small training steps and report the heap after warm-up and at the end (needs --expose-gc).
// Usage: node --expose-gc --conditions=source --import tsx heap-loop.ts <steps> [leak]
import { Generator, randn } from '@gd/tensor';
import { noGrad } from '../index.js';

const steps = Number(process.argv[2] ?? 100000);
const leak = process.argv[3] === 'leak';
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('heap-loop: run node with --expose-gc');

const gen = new Generator(7);
const x = randn([4, 3], { generator: gen });
const y = randn([4, 2], { generator: gen });
const w = randn([3, 2], { generator: gen }).mul(0.1).requiresGrad_();
const b = randn([2], { generator: gen }).mul(0.1).requiresGrad_();
const kept: unknown[] = [];

function step(): number {
  const loss = x.matmul(w).add(b).tanh().sub(y).square().mean();
  if (leak) {
    kept.push(loss); // keep the whole graph alive, never backward: the heap must grow
    return loss.item();
  }
  loss.backward();
  noGrad(() => {
    w.subInPlace(w.grad!, 0.01);
    b.subInPlace(b.grad!, 0.01);
  });
  w.grad = null;
  b.grad = null;
  return loss.item();
}

const warm = Math.min(2000, Math.floor(steps / 10));
let first = 0;
for (let i = 0; i < warm; i++) first = step();
gc();
gc();
const h0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
let last = 0;
for (let i = warm; i < steps; i++) last = step();
const ms = performance.now() - t0;
gc();
gc();
const h1 = process.memoryUsage().heapUsed;
process.stdout.write(JSON.stringify({ steps, warm, h0, h1, growth: h1 - h0, first, last, usPerStep: (ms * 1000) / (steps - warm) }) + '\n');
