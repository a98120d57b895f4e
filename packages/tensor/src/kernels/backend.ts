/**
 * The small interface hot kernels sit behind, so a faster implementation (WebAssembly SIMD, a worker
 * pool) can replace the plain-TypeScript one without touching the ops. The TypeScript kernels are
 * always present and serve as the reference and the fallback.
 * @module
 */

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
   * unary ops. `op` is an op name from `OpAttrs` (`add`, `mul`, `exp`...). Return `false` to decline.
   */
  elementwise?(op: string, out: FloatArray, x: FloatArray, y: FloatArray | null): boolean;
}

import { createWasmBackend } from './wasm/backend.js';

export { createWasmBackend, wasmSimdSupported, wasmRelaxedSimdSupported } from './wasm/backend.js';
export type { WasmBackendOptions } from './wasm/backend.js';

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
