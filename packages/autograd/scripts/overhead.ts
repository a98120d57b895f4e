// Quick measurement of the tape's cost on [8,8] float32 tensors: microseconds per op without recording,
// with recording, and with recording plus backward. CPU time (process.cpuUsage), medians of interleaved
// rounds, so a busy machine disturbs the figures less than wall time would.
// Two workloads: a 3-op chain (mul, add, tanh: tanh's 64 Math.tanh calls are real arithmetic) and a
// 3-op chain of cheap ops (mul, add, sub), which shows the per-op overhead itself.
// Run: npx tsx --conditions=source packages/autograd/scripts/overhead.ts
import { randn } from '@gd/tensor';
import { noGrad } from '../src/index.js';

const a = randn([8, 8]);
const b = randn([8, 8]);
const w = randn([8, 8]).requiresGrad_();

const cases: [string, () => void][] = [
  ['mul·add·tanh, no grad', () => { noGrad(() => w.mul(a).add(b).tanh()); }],
  ['mul·add·tanh, recorded', () => { w.mul(a).add(b).tanh(); }],
  ['mul·add·tanh, recorded + backward', () => { w.mul(a).add(b).tanh().backward(a); w.grad = null; }],
  ['mul·add·sub, no grad', () => { noGrad(() => w.mul(a).add(b).sub(a)); }],
  ['mul·add·sub, recorded', () => { w.mul(a).add(b).sub(a); }],
  ['mul·add·sub, recorded + backward', () => { w.mul(a).add(b).sub(a).backward(a); w.grad = null; }],
];
const REPS = 5000;
const results = cases.map(() => [] as number[]);
for (const [, fn] of cases) for (let i = 0; i < 3000; i++) fn();
for (let round = 0; round < 9; round++) {
  cases.forEach(([, fn], k) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < REPS; i++) fn();
    const c = process.cpuUsage(c0);
    results[k]!.push((c.user + c.system) / (REPS * 3));
  });
}
const med = (xs: number[]) => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
cases.forEach(([label], k) => console.log(`${label.padEnd(36)} ${med(results[k]!).toFixed(3)} µs per op (CPU)`));
for (const base of [0, 3]) {
  console.log(`${cases[base]![0].split(',')[0]}: recording adds ${(med(results[base + 1]!) - med(results[base]!)).toFixed(3)} µs per op; backward adds ${(med(results[base + 2]!) - med(results[base + 1]!)).toFixed(3)} µs per op`);
}
