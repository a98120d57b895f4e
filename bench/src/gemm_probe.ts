/**
 * Matmul probe (not part of `pnpm bench`): the wasm backend's products on one thread and on two,
 * measured in interleaved rounds in one process, medians of wall time. Shapes: n=512 in the three
 * forms, float64 n=512, and the MLP layer products (forward `x @ W.T`, `g.T @ x`, `g @ W`).
 * Run: `node --import tsx/esm --conditions=source bench/src/gemm_probe.ts [rounds] [shape,...]`
 * (`GEMM_PAR_MIN=0` in the environment makes the two-thread backend split every product).
 * @module
 */
import { createWasmBackend } from '@gd/tensor';
import type { MatmulArgs } from '../../packages/tensor/src/kernels/backend.js';

const SHAPES: Record<string, [m: number, n: number, k: number, aT: boolean, bT: boolean, f64: boolean]> = {
  'n=512': [512, 512, 512, false, false, false],
  'n=512 a@b.T': [512, 512, 512, false, true, false],
  'n=512 a.T@b': [512, 512, 512, true, false, false],
  'f64 n=512': [512, 512, 512, false, false, true],
  'x@W.T 64x784x256': [64, 256, 784, false, true, false],
  'g.T@x 256x64x784': [256, 784, 64, true, false, false],
  'g@W 64x256x784': [64, 784, 256, false, false, false],
  'n=48': [48, 48, 48, false, false, false],
  'n=64': [64, 64, 64, false, false, false],
  'n=80': [80, 80, 80, false, false, false],
  'n=96': [96, 96, 96, false, false, false],
  'n=128': [128, 128, 128, false, false, false],
  'n=1024': [1024, 1024, 1024, false, false, false],
};
const rounds = Number(process.argv[2] ?? 7);
const only = process.argv[3]?.split(',');
// GEMM_PAR_MIN sets the two-thread backend's parallelMinWork (to find where two threads start to pay).
const parMin = process.env.GEMM_PAR_MIN === undefined ? undefined : Number(process.env.GEMM_PAR_MIN);
const backends = { '1 thread': createWasmBackend({ threads: 1 }), '2 threads': createWasmBackend({ threads: 2, parallelMinWork: parMin }) };

function args(m: number, n: number, k: number, aT: boolean, bT: boolean, f64: boolean): MatmulArgs {
  const V = f64 ? Float64Array : Float32Array;
  const a = new V(m * k), b = new V(k * n), c = new V(m * n);
  let s = 7;
  const r = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2147483648 - 1; };
  for (let i = 0; i < a.length; i++) a[i] = r();
  for (let i = 0; i < b.length; i++) b[i] = r();
  return {
    m, n, k, a, aOff: 0, aRowStride: aT ? 1 : k, aColStride: aT ? m : 1,
    b, bOff: 0, bRowStride: bT ? 1 : n, bColStride: bT ? k : 1, c, cOff: 0,
  } as MatmulArgs;
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const rows: string[] = [];
for (const [name, [m, n, k, aT, bT, f64]] of Object.entries(SHAPES)) {
  if (only && !only.some((o) => name.startsWith(o))) continue;
  const a = args(m, n, k, aT, bT, f64);
  const res: Record<string, number[]> = {};
  for (const key of Object.keys(backends)) res[key] = [];
  for (const be of Object.values(backends)) for (let i = 0; i < 5; i++) be.matmul!(a);
  for (let r = 0; r < rounds; r++) {
    for (const [key, be] of Object.entries(backends)) {
      let calls = 0;
      const t0 = performance.now();
      let t = 0;
      do { if (!be.matmul!(a)) throw new Error('declined'); calls++; t = performance.now() - t0; } while (t < 60);
      res[key]!.push((2 * m * n * k * calls) / t / 1e6);
    }
  }
  const [g1, g2] = Object.values(res).map(median);
  rows.push(`${name.padEnd(20)} 1t ${g1!.toFixed(1).padStart(5)}  2t ${g2!.toFixed(1).padStart(5)}  (${(g2! / g1!).toFixed(2)}x) GFLOP/s`);
}
console.log(rows.join('\n'));
