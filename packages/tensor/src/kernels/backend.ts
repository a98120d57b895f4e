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
  m: number; n: number; k: number;
  a: FloatArray; aOff: number; aRowStride: number; aColStride: number;
  b: FloatArray; bOff: number; bRowStride: number; bColStride: number;
  c: FloatArray; cOff: number;
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

let active: Backend | null = null;

/** Install a backend (or `null` for the pure-TypeScript kernels only). Returns the previous one. */
export function setBackend(b: Backend | null): Backend | null {
  const prev = active;
  active = b;
  return prev;
}

/** The installed backend, or `null`. */
export function getBackend(): Backend | null {
  return active;
}
