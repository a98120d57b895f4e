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
