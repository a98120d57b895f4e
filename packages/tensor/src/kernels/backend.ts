/**
 * The small interface hot kernels sit behind, so a faster implementation (WebAssembly SIMD, a worker
 * pool) can replace the plain-TypeScript one without touching the ops. The TypeScript kernels are
 * always present and serve as the reference and the fallback.
 * @module
 */

import type { ConvGeometry } from './conv.js';

/** A float array a matmul kernel reads or writes. */
export type FloatArray = Float32Array | Float64Array;

/**
 * `C[i, j] = sum_p A[i, p] * B[p, j]` for one (non-batched) product. A and B are read through
 * arbitrary strides (so a transposed operand needs no copy); C is written row-major at `cOff` with
 * row stride `n`. All three arrays have the same element type.
 */
export interface MatmulArgs {
  /** Rows of A and C. */
  m: number;
  /** Columns of B and C. */
  n: number;
  /** Columns of A = rows of B. */
  k: number;
  /** Storage of A. */
  a: FloatArray;
  /** Index of `A[0, 0]` in `a`. */
  aOff: number;
  /** Step in `a` from one row of A to the next (0 for a broadcast row). */
  aRowStride: number;
  /** Step in `a` from one column of A to the next. */
  aColStride: number;
  /** Storage of B. */
  b: FloatArray;
  /** Index of `B[0, 0]` in `b`. */
  bOff: number;
  /** Step in `b` from one row of B to the next. */
  bRowStride: number;
  /** Step in `b` from one column of B to the next (0 for a broadcast column). */
  bColStride: number;
  /** Output storage; C is written row-major with row stride `n`. */
  c: FloatArray;
  /** Index of `C[0, 0]` in `c`. */
  cOff: number;
}

/** A set of kernels. Every method may decline (return `false`) and the TypeScript kernel runs instead. */
export interface Backend {
  /** Shown in benchmarks and errors. */
  readonly name: string;
  /** Compute one matrix product; return `false` to decline (e.g. too small to be worth it). */
  matmul?(args: MatmulArgs): boolean;
  /**
   * Elementwise op over contiguous same-length arrays: `out[i] = f(x[i], y[i])`; `y` may be absent for
   * unary ops. `op` is an op name from `OpAttrs` (`add`, `mul`, `exp`, `relu`...) or the name of one of
   * @gd/autograd's fused gradient kernels (`vjp_relu`: `x * (y > 0 ? 1 : 0)`...). `out` may be `x` or
   * `y`. Return `false` to decline.
   */
  elementwise?(op: string, out: FloatArray, x: FloatArray, y: FloatArray | null): boolean;
  /**
   * Broadcasting binary op into a row-major `m x n` block at the start of `out`:
   * `out[i*n + j] = x[xOff + i*xRowStride + j*xColStride] op y[yOff + i*yRowStride + j*yColStride]`.
   * Column strides are 0 or 1 and row strides non-negative, which covers a scalar operand, a bias row
   * (`[m, n] + [n]`) and a column (`[m, n] - [m, 1]`). `op` is `add`, `sub`, `mul` or `div`.
   * Return `false` to decline.
   */
  broadcast?(op: string, out: FloatArray, x: FloatArray, xOff: number, xRowStride: number, xColStride: number,
    y: FloatArray, yOff: number, yRowStride: number, yColStride: number, m: number, n: number): boolean;
  /**
   * In-place `s[i] = k * d[i] + s[i]` over same-length arrays (an SGD update). For float32 the
   * product and sum are taken in float64 and rounded once, as the TypeScript loop does, so both give
   * the same bits. Return `false` to decline.
   */
  axpy?(s: FloatArray, k: number, d: FloatArray): boolean;
  /**
   * `out[i] = a * x[i] + y[i] * b` over same-length float32 arrays (momentum buffers, weight decay),
   * with both products and the sum in float64 and one rounding, as the TypeScript loops of @gd/optim.
   * `out` may be `x` or `y`. Return `false` to decline.
   */
  axpby?(out: FloatArray, a: number, x: FloatArray, b: number, y: FloatArray): boolean;
  /** One float32 Adam step over same-length arrays; see {@link AdamArgs}. Return `false` to decline. */
  adam?(args: AdamArgs): boolean;
  /**
   * Column sums of the row-major `m x n` matrix `x[xOff + i*ld + j]` into `out[0..n)`, accumulated
   * in float64 row after row (the order of the TypeScript reduction kernels, so the same bits), each
   * divided by `div` (default 1; the count for a mean) before its one rounding. Return `false` to
   * decline.
   */
  colSum?(out: FloatArray, x: FloatArray, xOff: number, m: number, n: number, ld: number, div?: number): boolean;
  /**
   * Row sums of the row-major `m x n` matrix `x[xOff + i*ld + j]` into `out[0..m)`, each row added
   * left to right in float64 (the TypeScript reduction's order, so the same bits) and divided by
   * `div` (default 1; the count for a mean) before its one rounding. Return `false` to decline.
   */
  rowSum?(out: FloatArray, x: FloatArray, xOff: number, m: number, n: number, ld: number, div?: number): boolean;
  /**
   * im2col of a contiguous row-major `[n, c, h, w]` input starting at `x[xOff]` into the
   * `[n, c*kh*kw, ho*wo]` columns at `cols[cOff]` with strides `cs` (every element written), as
   * `unfoldKernel` of `kernels/conv.ts`. Return `false` to decline.
   */
  unfold?(g: ConvGeometry, x: FloatArray, xOff: number, cols: FloatArray, cOff: number, cs: readonly number[]): boolean;
  /**
   * col2im, the adjoint of `unfold`: the `[n, c*kh*kw, ho*wo]` columns at `cols[cOff]` with strides
   * `cs` summed into `out` (row-major `[n, c, h, w]` from index 0, every element written), as
   * `foldKernel` of `kernels/conv.ts`. Return `false` to decline.
   */
  fold?(g: ConvGeometry, cols: FloatArray, cOff: number, cs: readonly number[], out: FloatArray): boolean;
  /**
   * Max pooling with argmax of a contiguous row-major `[n, c, h, w]` input starting at `x[xOff]`
   * into `values` and `index` (row-major `[n*c, ho*wo]` from index 0), as `maxPoolKernel` of
   * `kernels/conv.ts`. Return `false` to decline (also when some window is wholly padding).
   */
  maxPool?(g: ConvGeometry, x: FloatArray, xOff: number, values: FloatArray, index: Int32Array): boolean;
}

/**
 * The arrays and coefficients of one Adam step (the fused-learning-rate path of @gd/optim), per
 * element in float64 with each stored value rounded once: `m = c1*g + m0*b1`, `v = (c2*g)*g + v0*b2`,
 * `u = (k*m) / (sqrt(v)/bc2s + eps)` from the stored `m` and `v`.
 * @example
 * ```ts
 * const n = 4096, t = 1, lr = 1e-3, [b1, b2] = [0.9, 0.999];
 * const [m, v, u, g] = [0, 0, 0, 0].map(() => new Float32Array(n));
 * const done = getBackend()?.adam?.({
 *   m, v, u, g, m0: m, v0: v, c1: 1 - b1, b1, c2: 1 - b2, b2,
 *   k: -lr / (1 - b1 ** t), bc2s: Math.sqrt(1 - b2 ** t), eps: 1e-8,
 * }) ?? false; // when no backend takes it, the TypeScript loop runs
 * ```
 */
export interface AdamArgs {
  /** New first moments (may be `m0`). */
  m: FloatArray;
  /** New second moments (may be `v0`). */
  v: FloatArray;
  /** The update. */
  u: FloatArray;
  /** The gradient. */
  g: FloatArray;
  /** Previous first moments. */
  m0: FloatArray;
  /** Previous second moments. */
  v0: FloatArray;
  /** `1 - beta1`. */
  c1: number;
  /** `beta1`. */
  b1: number;
  /** `1 - beta2`. */
  c2: number;
  /** `beta2`. */
  b2: number;
  /** `-lr / (1 - beta1^t)`. */
  k: number;
  /** `sqrt(1 - beta2^t)`. */
  bc2s: number;
  /** `eps`. */
  eps: number;
}

import { createWasmBackend, resetWasmCounters, wasmBackendState, wasmCounters, wasmRelaxedSimdSupported, wasmSimdSupported,
  type KernelMethod } from './wasm/backend.js';
import { poolCounters, threadSupport } from './wasm/pool.js';
import { arenaStats, type ArenaStats } from './wasm/arena.js';

export { createWasmBackend, wasmSimdSupported, wasmRelaxedSimdSupported } from './wasm/backend.js';
export type { WasmBackendOptions, KernelMethod } from './wasm/backend.js';

/**
 * The backend installed when the package loads: the WebAssembly SIMD one where the runtime supports
 * SIMD (its module compiles on first use), unless the environment variable `GD_BACKEND=ts` asks for
 * the TypeScript kernels only. Anything unexpected leaves the TypeScript kernels in charge.
 */
function defaultBackend(): Backend | null {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    if (env?.GD_BACKEND === 'ts') return null;
    return createWasmBackend();
  } catch {
    return null;
  }
}

let active: Backend | null = defaultBackend();

/**
 * Install a backend (or `null` for the pure-TypeScript kernels only). Returns the previous one.
 * By default the WebAssembly SIMD backend is installed where the runtime supports it.
 * @param b - The backend, or `null`.
 * @returns The previously installed backend.
 * @example
 * ```ts
 * const prev = setBackend(null); // TypeScript kernels only
 * setBackend(prev);              // back to the default
 * ```
 */
export function setBackend(b: Backend | null): Backend | null {
  const prev = active;
  active = b;
  return prev;
}

/**
 * The installed backend, or `null` when only the TypeScript kernels run. Kernels ask it first and
 * fall back to their TypeScript loop when it declines.
 * @returns The active backend or `null`.
 * @example
 * ```ts
 * const name = getBackend()?.name ?? 'typescript'; // e.g. 'wasm-simd-fma' in Node 20 on x86-64
 * ```
 */
export function getBackend(): Backend | null {
  return active;
}

/** Threads of the installed backend, see {@link BackendInfo}. */
export interface BackendThreads {
  /** Where helper threads can come from here: `'node'` (worker_threads), `'browser'` (Web Workers), or `null`. */
  environment: 'node' | 'browser' | null;
  /** Why helper threads cannot run here (what is missing), or `null` when they can. */
  unavailable: string | null;
  /** Threads the installed backend was created with (1 for the TypeScript kernels). */
  configured: number;
  /** Threads it uses now: `configured`, or 1 for good after a helper thread failed or missed its deadline. */
  active: number;
  /** Helper threads started (they start on the first call large enough to split). */
  started: number;
  /** Helper threads that have come up and are running (in a browser they start asynchronously). */
  running: number;
}

/** Counters since the last {@link resetBackendCounters}, see {@link BackendInfo}. */
export interface BackendCounters {
  /**
   * Kernel calls the ops made to the backend, by who ran them: `'wasm-simd-fma'` and `'wasm-simd'`
   * (the WebAssembly kernels, with and without fused multiply-add) and `'typescript'` (calls the
   * backend declined: too small, an unsupported layout or dtype, the module still compiling).
   * Only backends made by `createWasmBackend` are counted, and only ops that ask a backend; an op
   * may ask more than one kernel method (a flat one, then a broadcasting one) before its own loop.
   */
  kernelCalls: { 'wasm-simd-fma': number; 'wasm-simd': number; typescript: number };
  /** Calls that fell back to the TypeScript kernels (the same as `kernelCalls.typescript`). */
  fallbacks: number;
  /** The same calls per backend method. */
  byKernel: Record<KernelMethod, { ran: number; declined: number }>;
  /** Who ran the latest counted call, or `null` when none was made since the reset. */
  lastCall: 'wasm-simd-fma' | 'wasm-simd' | 'typescript' | null;
  /** Kernel calls split between threads. */
  parallelJobs: number;
  /** Chunks of those computed by helper threads. */
  helperChunks: number;
  /** Chunks of those computed by the calling thread. */
  callerChunks: number;
  /** Split calls in which a helper could not be woken or missed its deadline (threads drop to 1 after one). */
  helperFailures: number;
}

/** What {@link backendInfo} reports. */
export interface BackendInfo {
  /**
   * The kernels that run now: the installed backend's name (`'wasm-simd-fma'`, `'wasm-simd'`, or a
   * custom backend's) once it can run them, else `'typescript'` (no backend installed, or the
   * WebAssembly module unavailable or still compiling).
   */
  backend: string;
  /** The installed backend's name (`getBackend()?.name`), or `null` for the TypeScript kernels only. */
  installed: string | null;
  /** For a WebAssembly backend: whether its kernels run (`'ready'`), its module is still compiling, or it is unavailable; else `null`. */
  wasm: 'ready' | 'compiling' | 'unavailable' | null;
  /** Whether this runtime has WebAssembly 128-bit SIMD. */
  simd: boolean;
  /** Whether this runtime has relaxed SIMD (fused multiply-add). */
  relaxedSimd: boolean;
  /** Whether the installed backend's products use fused multiply-add. */
  fma: boolean;
  /** Threads configured, in use, started and running. */
  threads: BackendThreads;
  /** Calls and chunks since the last {@link resetBackendCounters}. */
  counters: BackendCounters;
  /** The tensor arena's statistics (`arenaStats()`; not reset by {@link resetBackendCounters}). */
  arena: ArenaStats;
}

/**
 * What actually runs the kernels: the installed backend and whether its WebAssembly module is
 * ready, SIMD and FMA, threads configured versus helper threads started and running, counters of
 * kernel calls (by who ran them), of calls split between threads and of the chunks helpers and the
 * calling thread computed, and the arena's statistics. Compiles the installed WebAssembly backend's
 * module if no kernel has yet (so the answer is what the next kernel call uses).
 * @returns A fresh snapshot.
 * @example
 * ```ts
 * import { backendInfo, matmul, randn, resetBackendCounters } from '@gd/tensor';
 * resetBackendCounters();
 * matmul(randn([128, 128]), randn([128, 128]));
 * const info = backendInfo();
 * info.backend; // e.g. 'wasm-simd-fma' (or 'typescript' where WebAssembly SIMD is missing)
 * info.counters.kernelCalls.typescript; // 0
 * info.threads.running <= info.threads.started; // true
 * ```
 */
export function backendInfo(): BackendInfo {
  const b = active;
  const st = wasmBackendState(b);
  const { host, missing } = threadSupport();
  const wc = wasmCounters();
  const threads: BackendThreads = {
    environment: host?.env ?? null,
    unavailable: host === null ? missing : null,
    configured: st?.configured ?? 1,
    active: st?.active ?? 1,
    started: st?.started ?? 0,
    running: st?.running ?? 0,
  };
  const backend = b === null ? 'typescript' : st === null ? b.name : st.status === 'ready' ? b.name : 'typescript';
  return {
    backend,
    installed: b?.name ?? null,
    wasm: st?.status ?? null,
    simd: wasmSimdSupported(),
    relaxedSimd: wasmRelaxedSimdSupported(),
    fma: st?.fma ?? false,
    threads,
    counters: {
      kernelCalls: { 'wasm-simd-fma': wc.fma, 'wasm-simd': wc.simd, typescript: wc.declined },
      fallbacks: wc.declined,
      byKernel: wc.byKernel,
      lastCall: wc.last,
      parallelJobs: poolCounters.parallelJobs,
      helperChunks: poolCounters.helperChunks,
      callerChunks: poolCounters.callerChunks,
      helperFailures: poolCounters.helperFailures,
    },
    arena: arenaStats(),
  };
}

/**
 * Set the counters {@link backendInfo} reports (`counters`) to zero, e.g. before the part of a
 * program to measure. The arena's statistics are left as they are.
 * @example
 * ```ts
 * import { backendInfo, resetBackendCounters } from '@gd/tensor';
 * resetBackendCounters();
 * backendInfo().counters.parallelJobs; // 0
 * ```
 */
export function resetBackendCounters(): void {
  resetWasmCounters();
  poolCounters.parallelJobs = 0;
  poolCounters.helperChunks = 0;
  poolCounters.callerChunks = 0;
  poolCounters.helperFailures = 0;
}
