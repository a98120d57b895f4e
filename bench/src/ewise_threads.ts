// One thread vs two for the elementwise kernels on arena-resident float32 arrays (wall time, since
// two threads share the work): the same backend options except `threads`, interleaved round by round
// in one process, medians. Kernel calls on preallocated tensor storages, and whole ops (`T.add` etc.,
// a fresh output each call) through setBackend.
//   npx tsx --conditions=source src/ewise_threads.ts [rounds] [sizes, comma-separated]
import * as T from '@gd/tensor';
import { createWasmBackend } from '@gd/tensor';

const rounds = Number(process.argv[2] ?? 9);
const sizes = (process.argv[3] ?? '100000,300000,1000000,3000000').split(',').map(Number);
const one = createWasmBackend({ threads: 1 });
const two = createWasmBackend({ threads: 2, parallelElementwiseMin: 0 });

/** Wall time per call (µs): repeat until at least `minMs` has passed. */
function perCall(f: () => unknown, minMs = 25): number {
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
    const a: number[] = [], b: number[] = [];
    for (let r = 0; r < rounds; r++) { a.push(perCall(f1)); b.push(perCall(f2)); }
    const m1 = median(a), m2 = median(b);
    rows.push(`${name.padEnd(24)} n=${String(n).padEnd(8)} 1 thread ${m1.toFixed(1).padStart(8)} µs ${(n / m1 / 1000).toFixed(2)} Gelem/s | 2 threads ${m2.toFixed(1).padStart(8)} µs ${(n / m2 / 1000).toFixed(2)} Gelem/s | ${(m1 / m2).toFixed(2)}×`);
    console.log(rows[rows.length - 1]);
  }
}
