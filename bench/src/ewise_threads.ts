// One thread vs two for the elementwise kernels on arena-resident float32 arrays (wall time, since
// two threads share the work): the same backend options except `threads`, interleaved round by round
// in one process, medians. Kernel calls on preallocated tensor storages, and whole ops (`T.add` etc.,
// a fresh output each call) through setBackend.
// On Linux each round first waits (up to 15 s) for a quiet moment: other processes using under 15 %
// of the machine over 200 ms (read from /proc/stat), since the two threads need both cores; rounds
// that never got one are left out of the medians (unless all were).
//   npx tsx --conditions=source src/ewise_threads.ts [rounds] [sizes, comma-separated]
// With `mlp` first: the MLP training step of mlp_setup.ts (SGD) on two threads, with the default
// parallelElementwiseMin and with Infinity (only products split), blocks of 100 steps alternated.
//   npx tsx --conditions=source src/ewise_threads.ts mlp [blocks]
import { existsSync, readFileSync } from 'node:fs';
import * as T from '@gd/tensor';
import { createWasmBackend } from '@gd/tensor';

/** Busy and total jiffies of all CPUs. */
function cpuTimes(): [number, number] {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return [total - f[3]! - (f[4] ?? 0), total];
}
let waits = 0, noisy = 0;
/** Wait until the machine is quiet (see above); false if it never got quiet. */
function waitQuiet(): boolean {
  if (!existsSync('/proc/stat')) return true;
  const until = performance.now() + 15000;
  let first = true;
  while (performance.now() < until) {
    const [b0, t0] = cpuTimes();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    const [b1, t1] = cpuTimes();
    if ((b1 - b0) / Math.max(1, t1 - t0) < 0.15) return true;
    if (first) { waits++; first = false; }
  }
  noisy++;
  return false;
}
/** Pairs of timings from the quiet rounds (all rounds if none was quiet). */
function quietOnly(q: boolean[], a: number[], b: number[]): [number[], number[]] {
  if (!q.some(Boolean)) return [a, b];
  return [a.filter((_, i) => q[i]), b.filter((_, i) => q[i])];
}

const mlp = process.argv[2] === 'mlp';
const rounds = Number(process.argv[mlp ? 3 : 2] ?? 9);
const sizes = mlp ? [] : (process.argv[3] ?? '100000,300000,1000000,3000000').split(',').map(Number);
const one = createWasmBackend({ threads: 1 });
const two = createWasmBackend({ threads: 2, parallelElementwiseMin: 0 });

/** Wall time per call (µs): repeat until at least `minMs` has passed. */
function perCall(f: () => unknown, minMs = 10): number {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    const ms = performance.now() - t0;
    if (ms >= minMs) return (ms * 1000) / reps;
    reps *= 2;
  }
}
const must = (ok: boolean): void => { if (!ok) throw new Error('the backend declined the call'); };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const gen = new T.Generator(3);
const rows: string[] = [];
for (const n of sizes) {
  const x = T.randn([n], { generator: gen }), y = T.randn([n], { generator: gen }), o = T.zeros([n]);
  const xs = x.storage as Float32Array, ys = y.storage as Float32Array, os = o.storage as Float32Array;
  const cases: [string, (be: typeof one) => () => unknown][] = [
    ['add kernel', (be) => () => must(be.elementwise!('add', os, xs, ys))],
    ['mul kernel', (be) => () => must(be.elementwise!('mul', os, xs, ys))],
    ['exp kernel', (be) => () => must(be.elementwise!('exp', os, xs, null))],
    ['add op (fresh output)', (be) => () => { T.setBackend(be); return T.add(x, y); }],
    ['exp op (fresh output)', (be) => () => { T.setBackend(be); return T.exp(x); }],
  ];
  for (const [name, mk] of cases) {
    const f1 = mk(one), f2 = mk(two);
    f1(); f2();
    const a: number[] = [], b: number[] = [], q: boolean[] = [];
    for (let r = 0; r < rounds; r++) { q.push(waitQuiet()); a.push(perCall(f1)); b.push(perCall(f2)); }
    const [qa, qb] = quietOnly(q, a, b);
    const m1 = median(qa), m2 = median(qb);
    rows.push(`${name.padEnd(24)} n=${String(n).padEnd(8)} 1 thread ${m1.toFixed(1).padStart(8)} µs ${(n / m1 / 1000).toFixed(2)} Gelem/s | 2 threads ${m2.toFixed(1).padStart(8)} µs ${(n / m2 / 1000).toFixed(2)} Gelem/s | ${(m1 / m2).toFixed(2)}×`);
    console.log(rows[rows.length - 1]);
  }
}
if (!mlp) console.log(`rounds that waited for a quiet machine: ${waits}; never quiet within 5 s: ${noisy}`);
if (mlp) {
  const { gdStep } = await import('./mlp_setup.js');
  const split = createWasmBackend({ threads: 2 });
  const whole = createWasmBackend({ threads: 2, parallelElementwiseMin: Infinity });
  const step = gdStep();
  const rate = (be: typeof split): number => {
    T.setBackend(be);
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) step();
    return 100 / ((performance.now() - t0) / 1000);
  };
  for (let i = 0; i < 3; i++) { rate(split); rate(whole); }
  const a0: number[] = [], b0: number[] = [], q: boolean[] = [];
  for (let r = 0; r < rounds; r++) { q.push(waitQuiet()); a0.push(rate(whole)); b0.push(rate(split)); }
  const [a, b] = quietOnly(q, a0, b0);
  console.log(`MLP step, 2 threads: products only ${median(a).toFixed(1)} steps/s, elementwise split too ${median(b).toFixed(1)} steps/s (${(median(b) / median(a)).toFixed(3)}×; ${rounds} blocks of 100 each)`);
  console.log(`rounds that waited for a quiet machine: ${waits}; never quiet within 5 s: ${noisy}`);
}
