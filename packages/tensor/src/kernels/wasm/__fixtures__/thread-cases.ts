// One call of every job kind the helper threads run (gemm f32/f64, unary, binary, broadcast,
// axpy, axpby, adam, column and row sums, im2col and col2im), on seeded data, sized so each one is
// split between threads. Shared by the Node test and the browser page (browser-threads.test.ts), so
// both environments compute the same calls and their results can be compared bit for bit, between
// thread counts and between Node and the browser (through a hash of the result's bytes).
import * as T from '../../../index.js';
import type { Backend, FloatArray } from '../../backend.js';
import type { KernelMethod } from '../backend.js';
import { xorshift32 } from './xorshift.js';

/**
 * One job kind's call: the backend method that should take it, `make` building its operands (with
 * whatever backend is installed; not counted), and `run` the call itself on `be`.
 */
export interface ThreadCase {
  name: string;
  kernel: KernelMethod;
  make(): T.Tensor[];
  run(be: Backend, operands: T.Tensor[]): FloatArray;
}

type F = 'float32' | 'float64';

/** A tensor of `shape` with seeded values in (-scale, scale). */
function rand(shape: number[], seed: number, dtype: F, scale = 2): T.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = xorshift32(seed);
  const v = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = (r() - 0.5) * 2 * scale;
  return T.tensor(v, { shape, dtype });
}

/** `op()` with `be` installed; the result's elements. */
function using(be: Backend, op: () => T.Tensor): FloatArray {
  const prev = T.setBackend(be);
  try {
    const out = op();
    return (out.storage as FloatArray).slice(out.offset, out.offset + out.size);
  } finally {
    T.setBackend(prev);
  }
}

/** The storage of a contiguous tensor (resident in the arena where there is one; in-place kernels write it). */
const st = (t: T.Tensor): Float32Array => t.storage as Float32Array;

const N = 140_003;
const ADAM = { b1: 0.9, b2: 0.999, t: 3, lr: 1e-3 };

/** Every job kind, once (sizes ragged: not multiples of the 16-element unit or the register tiles). */
export const THREAD_CASES: ThreadCase[] = [
  ...(['float32', 'float64'] as const).map((dt): ThreadCase => ({
    name: `gemm ${dt} [203, 301] x [301, 187]`, kernel: 'matmul',
    make: () => [rand([203, 301], 1, dt), rand([301, 187], 2, dt)],
    run: (be, [a, b]) => using(be, () => T.matmul(a!, b!)),
  })),
  { name: 'unary float32 (tanh)', kernel: 'elementwise', make: () => [rand([N], 3, 'float32')], run: (be, [x]) => using(be, () => T.tanh(x!)) },
  { name: 'unary float64 (sqrt)', kernel: 'elementwise', make: () => [T.abs(rand([N], 4, 'float64'))], run: (be, [x]) => using(be, () => T.sqrt(x!)) },
  { name: 'binary float32 (mul)', kernel: 'elementwise', make: () => [rand([N], 5, 'float32'), rand([N], 6, 'float32')],
    run: (be, [x, y]) => using(be, () => T.mul(x!, y!)) },
  { name: 'binary float64 (div)', kernel: 'elementwise', make: () => [rand([N], 7, 'float64'), rand([N], 8, 'float64')],
    run: (be, [x, y]) => using(be, () => T.div(x!, y!)) },
  { name: 'broadcast float32 [331, 421] + [421]', kernel: 'broadcast', make: () => [rand([331, 421], 9, 'float32'), rand([421], 10, 'float32')],
    run: (be, [x, y]) => using(be, () => T.add(x!, y!)) },
  { name: 'broadcast float64 [331, 421] - [331, 1]', kernel: 'broadcast', make: () => [rand([331, 421], 11, 'float64'), rand([331, 1], 12, 'float64')],
    run: (be, [x, y]) => using(be, () => T.sub(x!, y!)) },
  { name: 'axpy float32 (in place)', kernel: 'axpy', make: () => [rand([N], 13, 'float32'), rand([N], 14, 'float32')],
    run: (be, [s, d]) => { be.axpy!(st(s!), -0.37, st(d!)); return st(s!).slice(0, N); } },
  { name: 'axpby float32', kernel: 'axpby', make: () => [rand([N], 15, 'float32'), rand([N], 16, 'float32'), T.zeros([N])],
    run: (be, [x, y, out]) => { be.axpby!(st(out!), 0.9, st(x!), 0.05, st(y!)); return st(out!).slice(0, N); } },
  { name: 'adam float32 (in place)', kernel: 'adam',
    make: () => [rand([N], 17, 'float32'), rand([N], 18, 'float32', 0.1), T.abs(rand([N], 19, 'float32', 0.01)), T.zeros([N])],
    run: (be, [g, m, v, u]) => {
      const { b1, b2, t, lr } = ADAM;
      const [G, M, V, U] = [st(g!), st(m!), st(v!), st(u!)];
      be.adam!({ m: M, v: V, u: U, g: G, m0: M, v0: V, c1: 1 - b1, b1, c2: 1 - b2, b2, k: -lr / (1 - b1 ** t), bc2s: Math.sqrt(1 - b2 ** t), eps: 1e-8 });
      const out = new Float32Array(3 * N);
      out.set(M.subarray(0, N), 0); out.set(V.subarray(0, N), N); out.set(U.subarray(0, N), 2 * N);
      return out;
    } },
  { name: 'column sums float32 [377, 411]', kernel: 'colSum', make: () => [rand([377, 411], 20, 'float32')], run: (be, [x]) => using(be, () => T.sum(x!, 0)) },
  { name: 'row means float64 [377, 411]', kernel: 'rowSum', make: () => [rand([377, 411], 21, 'float64')], run: (be, [x]) => using(be, () => T.mean(x!, 1)) },
  { name: 'im2col float32 [3, 7, 23, 29] 3x3 pad 1', kernel: 'unfold', make: () => [rand([3, 7, 23, 29], 22, 'float32')],
    run: (be, [x]) => using(be, () => T.contiguous(T.unfold(x!, [3, 3], { padding: 1 }))) },
  { name: 'col2im float64 [3, 63, 667] into 23x29', kernel: 'fold', make: () => [rand([3, 63, 23 * 29], 23, 'float64')],
    run: (be, [c]) => using(be, () => T.fold(c!, [23, 29], [3, 3], { padding: 1 })) },
];

/** FNV-1a (32-bit) of the bytes of `a`, as 8 hex digits. */
export function hashBytes(a: FloatArray): string {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** What one case gave on one backend. */
export interface CaseRun {
  name: string;
  /** Hash of the result's bytes. */
  hash: string;
  /** Whether the intended backend method ran the call (not declined). */
  ran: boolean;
  /** Chunks helper threads computed during the call. */
  helperChunks: number;
}

/** Run every case on `be`, with the hashes and counters of each. */
export function runCases(be: Backend): { runs: CaseRun[]; results: FloatArray[] } {
  const runs: CaseRun[] = [];
  const results: FloatArray[] = [];
  for (const c of THREAD_CASES) {
    const operands = c.make();
    const before = T.backendInfo().counters;
    const r = c.run(be, operands);
    const after = T.backendInfo().counters;
    runs.push({
      name: c.name, hash: hashBytes(r),
      ran: after.byKernel[c.kernel].ran > before.byKernel[c.kernel].ran,
      helperChunks: after.helperChunks - before.helperChunks,
    });
    results.push(r);
  }
  return { runs, results };
}

/** `''` when `a` and `b` hold the same bits, else where they first differ. */
export function firstDifference(a: FloatArray, b: FloatArray): string {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) { const e = Math.floor(i / a.BYTES_PER_ELEMENT); return `element ${e}: ${a[e]} vs ${b[e]}`; }
  }
  return '';
}
