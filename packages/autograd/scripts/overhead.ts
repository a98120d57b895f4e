// Quick measurement of the tape's cost on [8,8] float32 tensors: microseconds per op without recording,
// with recording, and with recording plus backward. CPU time (process.cpuUsage), medians of interleaved
// rounds, so a busy machine disturbs the figures less than wall time would.
// Run: npx tsx --conditions=source packages/autograd/scripts/overhead.ts
import { randn } from '@gd/tensor';
import { noGrad } from '../src/index.js';

const a = randn([8, 8]);
const b = randn([8, 8]);
const w = randn([8, 8]).requiresGrad_();

const cases: [string, () => void][] = [
  ['3-op chain, no grad', () => { noGrad(() => w.mul(a).add(b).tanh()); }],
  ['3-op chain, recorded', () => { w.mul(a).add(b).tanh(); }],
  ['3-op chain, recorded + backward', () => { w.mul(a).add(b).tanh().backward(a); w.grad = null; }],
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
console.log(`recording overhead: ${(med(results[1]!) - med(results[0]!)).toFixed(3)} µs per op; backward adds ${(med(results[2]!) - med(results[1]!)).toFixed(3)} µs per op`);
