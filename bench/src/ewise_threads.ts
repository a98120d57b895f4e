// One thread vs two for the elementwise kernels on arena-resident float32 arrays (wall time, since
// two threads share the work): the same backend options except `threads`, interleaved round by round
// in one process, medians. Kernel calls on preallocated tensor storages, and whole ops (`T.add` etc.,
// a fresh output each call) through setBackend.
// On Linux each round first waits (up to 6 s) for a quiet moment: other processes using under 15 %
// of the machine over 200 ms (read from /proc/stat), since the two threads need both cores; rounds
// that never got one are left out of the medians (unless all were).
//   npx tsx --conditions=source src/ewise_threads.ts [rounds] [sizes, comma-separated]
// With `mlp` first: the MLP training step of mlp_setup.ts (SGD) on two threads, with the default
// parallelElementwiseMin and with Infinity (only products split), blocks of 100 steps alternated.
//   npx tsx --conditions=source src/ewise_threads.ts mlp [blocks]
// With `ops` first: T.add, T.mul, T.exp of n float32 (default 1e6) with a fresh output per call, after
// a warm-up long enough for the arena to reach its working size (until then every new block costs
// page faults on first touch), in blocks of 100 calls alternated between one and two threads.
//   npx tsx --conditions=source src/ewise_threads.ts ops [blocks] [n]
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
  const until = performance.now() + 6000;
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

const mlp = process.argv[2] === 'mlp', ops = process.argv[2] === 'ops';
const rounds = Number(process.argv[mlp || ops ? 3 : 2] ?? 9);
const sizes = mlp || ops ? [] : (process.argv[3] ?? '100000,300000,1000000,3000000').split(',').map(Number);
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
  const vs = T.rand([n], { generator: gen }).storage as Float32Array, us = T.zeros([n]).storage as Float32Array;
  const cases: [string, (be: typeof one) => () => unknown][] = [
    ['add kernel', (be) => () => must(be.elementwise!('add', os, xs, ys))],
    ['mul kernel', (be) => () => must(be.elementwise!('mul', os, xs, ys))],
    ['exp kernel', (be) => () => must(be.elementwise!('exp', os, xs, null))],
    ['axpy kernel (SGD)', (be) => () => must(be.axpy!(os, -1e-9, xs))],
    ['adam kernel', (be) => () => must(be.adam!({ m: os, v: vs, u: us, g: xs, m0: os, v0: vs, c1: 0.1, b1: 0.9, c2: 0.001, b2: 0.999, k: -1e-3, bc2s: 0.03, eps: 1e-8 }))],
    ['bias add [n/256,256]', (be) => () => must(be.broadcast!('add', os, xs, 0, 256, 1, ys, 0, 0, 1, Math.floor(n / 256), 256))],
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
if (!mlp && !ops) console.log(`rounds that waited for a quiet machine: ${waits}; never quiet within 6 s: ${noisy}`);
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
  console.log(`rounds that waited for a quiet machine: ${waits}; never quiet within 6 s: ${noisy}`);
}
if (ops) {
  const n = Number(process.argv[4] ?? 1e6);
  const x = T.randn([n], { generator: gen }), y = T.randn([n], { generator: gen });
  const block = (be: typeof one, f: () => unknown): number => {
    T.setBackend(be);
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) f();
    return ((performance.now() - t0) * 1000) / 100;
  };
  for (const [name, f] of [['add', () => T.add(x, y)], ['mul', () => T.mul(x, y)], ['exp', () => T.exp(x)]] as const) {
    for (let i = 0; i < 4; i++) { block(one, f); block(two, f); }
    const a0: number[] = [], b0: number[] = [], q: boolean[] = [];
    for (let r = 0; r < rounds; r++) { q.push(waitQuiet()); a0.push(block(one, f)); b0.push(block(two, f)); }
    const [a, b] = quietOnly(q, a0, b0);
    const m1 = median(a), m2 = median(b);
    console.log(`T.${name} n=${n} (fresh output) 1 thread ${m1.toFixed(1)} µs ${(n / m1 / 1000).toFixed(2)} Gelem/s | 2 threads ${m2.toFixed(1)} µs ${(n / m2 / 1000).toFixed(2)} Gelem/s | ${(m1 / m2).toFixed(2)}×`);
  }
  console.log(`rounds that waited for a quiet machine: ${waits}; never quiet within 6 s: ${noisy}`);
}
