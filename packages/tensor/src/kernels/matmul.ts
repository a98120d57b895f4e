/**
 * Plain-TypeScript matrix-product kernels: a packed, register-blocked float kernel and a simple
 * wrapping int32 kernel. Both read A and B through arbitrary strides, so a transposed operand needs
 * no copy before the call.
 *
 * The float kernel follows the usual GotoBLAS/BLIS structure:
 *
 * - the product is cut into blocks of `KC` steps of the shared dimension and `MC` rows of A;
 * - each block of B (`KC x n`) is packed into panels of `NR` columns, each block of A (`MC x KC`)
 *   into panels of `MR` rows, both as float64 in one reusable scratch array (packing reads through
 *   the strides, which is why transposed operands cost the same as plain ones);
 * - a micro-kernel keeps an `MR x NR` tile of C in local variables while it walks `KC` steps of the
 *   two panels, then adds the tile into C.
 *
 * The scratch (and the tile) are plain JS arrays of doubles, not `Float64Array`s: once any
 * ArrayBuffer in the process has been detached (a transfer to a worker, `structuredClone` with
 * `transfer`, a WebAssembly memory growing, as jax-js does), V8 stops trusting typed-array lengths
 * in optimised loops and the micro-kernel over a `Float64Array` ran ~30% slower for the rest of the
 * process (2.2 instead of 3.1 GFLOP/s at n=512). A packed double array does not depend on that and
 * was measured no slower (3.2-3.6 GFLOP/s, detached buffer or not).
 *
 * V8 keeps at most 16 doubles in registers, so the tile is 3x3 (9 accumulators, 3 + 3 operands):
 * bigger tiles spill to the stack and run slower. Accumulation is in float64 even for float32 data.
 * @module
 */
import type { FloatArray, MatmulArgs } from './backend.js';

/** Rows of the micro-tile. */
const MR = 3;
/** Columns of the micro-tile. */
const NR = 3;
/** Steps of the shared dimension per packed block (a B panel of KC x NR doubles stays in L1). */
const KC = 256;
/** Rows of A per packed block (MC x KC doubles stay in L2). */
const MC = 96;
/** Columns of B per packed block (bounds the scratch size). */
const NC = 1020;
/** Below this many multiply-adds the unpacked loop is faster than packing. */
const SMALL = 16 * 16 * 16;

/** Scratch for packed panels (A block first, then the B block), a packed double array; grows on demand and is reused. */
let work: number[] = [];
/** The micro-kernel's MR x NR output tile. */
const tile: number[] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
/** One output row of the unpacked axpy loop. */
let rowAcc = new Float64Array(0);

function scratch(n: number): number[] {
  if (work.length < n) {
    // Built by pushing doubles so V8 keeps it PACKED_DOUBLE_ELEMENTS (no holes, no Smi tagging).
    const w: number[] = [];
    for (let i = 0; i < n; i++) w.push(0.5);
    work = w;
  }
  return work;
}

/**
 * Float matrix product `C = A B` for one (non-batched) product, written row-major into `c` at
 * `cOff` with row stride `n`. Accumulates in float64.
 *
 * @param args - sizes, operands with their offsets and strides, and the output (see {@link MatmulArgs}).
 * @returns nothing; `args.c` is overwritten.
 * @example
 * ```ts
 * const c = new Float32Array(4);
 * matmulFloat({ m: 2, n: 2, k: 2, a: new Float32Array([1, 2, 3, 4]), aOff: 0, aRowStride: 2, aColStride: 1,
 *   b: new Float32Array([1, 0, 0, 1]), bOff: 0, bRowStride: 2, bColStride: 1, c, cOff: 0 });
 * c; // Float32Array [1, 2, 3, 4]
 * ```
 */
export function matmulFloat(args: MatmulArgs): void {
  const { m, n, k } = args;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    args.c.fill(0, args.cOff, args.cOff + m * n);
    return;
  }
  // Matrix-vector products: one dot product per output (for a row times a matrix only when B's
  // columns are contiguous or B is small, else the row-accumulating loop below streams B better).
  if (n === 1 || (m === 1 && (Math.abs(args.bRowStride) <= Math.abs(args.bColStride) || k * n <= 65536))) {
    dots(args);
    return;
  }
  if (m < MR || n < NR || m * n * k <= SMALL) {
    unpacked(args);
    return;
  }
  packed(args);
}

/**
 * A product with one output column or row (`n === 1` or `m === 1`): each output is a dot product of
 * a row of A and a column of B, summed in four interleaved partial sums (shorter add chains; the
 * order differs from a left-to-right sum by rounding only).
 */
function dots(args: MatmulArgs): void {
  const { m, n, k, a, aOff, aRowStride: ars, aColStride: acs, b, bOff, bRowStride: brs, bColStride: bcs, c, cOff } = args;
  const outs = n === 1 ? m : n;
  const k4 = k - (k & 3);
  const a2 = 2 * acs, a3 = 3 * acs, b2 = 2 * brs, b3 = 3 * brs;
  for (let t = 0; t < outs; t++) {
    let pa = n === 1 ? aOff + t * ars : aOff;
    let pb = n === 1 ? bOff : bOff + t * bcs;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let p = 0;
    for (; p < k4; p += 4) {
      s0 += a[pa]! * b[pb]!;
      s1 += a[pa + acs]! * b[pb + brs]!;
      s2 += a[pa + a2]! * b[pb + b2]!;
      s3 += a[pa + a3]! * b[pb + b3]!;
      pa += 4 * acs;
      pb += 4 * brs;
    }
    for (; p < k; p++) {
      s0 += a[pa]! * b[pb]!;
      pa += acs;
      pb += brs;
    }
    c[cOff + t] = (s0 + s1) + (s2 + s3);
  }
}

/**
 * Unpacked loops for small or skinny products: no packing cost and no padding waste. Small products
 * fit in L1, so each row of C is computed four columns at a time with the accumulators in locals.
 * Large skinny products stream B in memory order instead (one row of C accumulated at a time).
 */
function unpacked(args: MatmulArgs): void {
  const { m, n, k, a, aOff, aRowStride: ars, aColStride: acs, b, bOff, bRowStride: brs, bColStride: bcs, c, cOff } = args;
  if (m * n * k > SMALL && n > 1 && Math.abs(bcs) <= Math.abs(brs)) {
    if (rowAcc.length < n) rowAcc = new Float64Array(n);
    const acc = rowAcc;
    for (let i = 0; i < m; i++) {
      acc.fill(0, 0, n);
      const ai = aOff + i * ars;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p * acs]!;
        const bp = bOff + p * brs;
        for (let j = 0; j < n; j++) acc[j] += av * b[bp + j * bcs]!;
      }
      const ci = cOff + i * n;
      for (let j = 0; j < n; j++) c[ci + j] = acc[j]!;
    }
    return;
  }
  const b2 = 2 * bcs, b3 = 3 * bcs;
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * ars;
    const ci = cOff + i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let pa = ai;
      let pb = bOff + j * bcs;
      for (let p = 0; p < k; p++) {
        const av = a[pa]!;
        s0 += av * b[pb]!;
        s1 += av * b[pb + bcs]!;
        s2 += av * b[pb + b2]!;
        s3 += av * b[pb + b3]!;
        pa += acs;
        pb += brs;
      }
      c[ci + j] = s0; c[ci + j + 1] = s1; c[ci + j + 2] = s2; c[ci + j + 3] = s3;
    }
    for (; j < n; j++) {
      let s = 0;
      let pa = ai;
      let pb = bOff + j * bcs;
      for (let p = 0; p < k; p++) {
        s += a[pa]! * b[pb]!;
        pa += acs;
        pb += brs;
      }
      c[ci + j] = s;
    }
  }
}

/** The blocked, packed product. */
function packed(args: MatmulArgs): void {
  const { m, n, k, a, aOff, aRowStride: ars, aColStride: acs, b, bOff, bRowStride: brs, bColStride: bcs, c, cOff } = args;
  const mcMax = Math.min(MC, roundUp(m, MR));
  const ncMax = Math.min(NC, roundUp(n, NR));
  const kcMax = Math.min(KC, k);
  const bBase = mcMax * kcMax;
  const w = scratch(bBase + ncMax * kcMax);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      const first = p0 === 0;
      packB(b, bOff + p0 * brs + j0 * bcs, brs, bcs, kc, nc, w, bBase);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(a, aOff + i0 * ars + p0 * acs, ars, acs, mc, kc, w);
        for (let j = 0; j < nc; j += NR) {
          const nr = Math.min(NR, nc - j);
          const bi = bBase + j * kc;
          for (let i = 0; i < mc; i += MR) {
            micro(kc, w, i * kc, bi, tile);
            store(tile, c, cOff + (i0 + i) * n + j0 + j, n, Math.min(MR, mc - i), nr, first);
          }
        }
      }
    }
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/**
 * Pack `mc x kc` of A (starting at `off`) into row panels: panel `r` holds, for each step p, the MR
 * values `A[r*MR .. r*MR+MR-1, p]` next to each other. Rows past `mc` are zero.
 */
function packA(a: FloatArray, off: number, rs: number, cs: number, mc: number, kc: number, w: number[]): void {
  let q = 0;
  for (let i = 0; i < mc; i += MR) {
    const rows = Math.min(MR, mc - i);
    const base = off + i * rs;
    if (rows === MR) {
      for (let p = 0; p < kc; p++) {
        const s = base + p * cs;
        w[q] = a[s]!;
        w[q + 1] = a[s + rs]!;
        w[q + 2] = a[s + 2 * rs]!;
        q += MR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const s = base + p * cs;
        for (let r = 0; r < MR; r++) w[q + r] = r < rows ? a[s + r * rs]! : 0;
        q += MR;
      }
    }
  }
}

/** Pack `kc x nc` of B (starting at `off`) into column panels of NR, zero-padded, at `w[q...]`. */
function packB(b: FloatArray, off: number, rs: number, cs: number, kc: number, nc: number, w: number[], q: number): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    const base = off + j * cs;
    if (cols === NR) {
      for (let p = 0; p < kc; p++) {
        const s = base + p * rs;
        w[q] = b[s]!;
        w[q + 1] = b[s + cs]!;
        w[q + 2] = b[s + 2 * cs]!;
        q += NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const s = base + p * rs;
        for (let t = 0; t < NR; t++) w[q + t] = t < cols ? b[s + t * cs]! : 0;
        q += NR;
      }
    }
  }
}

/**
 * The 3x3 micro-kernel: `tile = Apanel(ai) * Bpanel(bi)` over `kc` steps. Both panels live in `w`
 * (one array keeps V8 to one map check and one base pointer per iteration) and advance 3 per step,
 * so one induction variable addresses both; `| 0` on the index arithmetic spares overflow checks.
 */
function micro(kc: number, w: number[], ai: number, bi: number, t: number[]): void {
  let c00 = 0, c01 = 0, c02 = 0;
  let c10 = 0, c11 = 0, c12 = 0;
  let c20 = 0, c21 = 0, c22 = 0;
  const d0 = (bi - ai) | 0, d1 = (d0 + 1) | 0, d2 = (d0 + 2) | 0;
  const end = (ai + MR * kc) | 0;
  for (let q = ai; q < end; q = (q + MR) | 0) {
    const a0 = w[q]!, a1 = w[(q + 1) | 0]!, a2 = w[(q + 2) | 0]!;
    const b0 = w[(q + d0) | 0]!;
    c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0;
    const b1 = w[(q + d1) | 0]!;
    c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1;
    const b2 = w[(q + d2) | 0]!;
    c02 += a0 * b2; c12 += a1 * b2; c22 += a2 * b2;
  }
  t[0] = c00; t[1] = c01; t[2] = c02;
  t[3] = c10; t[4] = c11; t[5] = c12;
  t[6] = c20; t[7] = c21; t[8] = c22;
}

/** Write (first K block) or add (later blocks) the valid `rows x cols` part of a tile into C. */
function store(t: number[], c: FloatArray, ci: number, ldc: number, rows: number, cols: number, first: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = ci + r * ldc;
    if (first) for (let s = 0; s < cols; s++) c[o + s] = t[r * NR + s]!;
    else for (let s = 0; s < cols; s++) c[o + s] += t[r * NR + s]!;
  }
}

/** Arguments of {@link matmulInt32}: {@link MatmulArgs} over `Int32Array`s. */
export interface MatmulInt32Args {
  /** Rows of A and C. */
  m: number;
  /** Columns of B and C. */
  n: number;
  /** Columns of A = rows of B. */
  k: number;
  /** Storage of A. */
  a: Int32Array;
  /** Index of `A[0, 0]` in `a`. */
  aOff: number;
  /** Step in `a` from one row of A to the next. */
  aRowStride: number;
  /** Step in `a` from one column of A to the next. */
  aColStride: number;
  /** Storage of B. */
  b: Int32Array;
  /** Index of `B[0, 0]` in `b`. */
  bOff: number;
  /** Step in `b` from one row of B to the next. */
  bRowStride: number;
  /** Step in `b` from one column of B to the next. */
  bColStride: number;
  /** Output storage; C is written row-major with row stride `n`. */
  c: Int32Array;
  /** Index of `C[0, 0]` in `c`. */
  cOff: number;
}

/**
 * Int32 matrix product `C = A B` with two's-complement wrap-around on overflow (as integer matmul
 * does in PyTorch and NumPy), read through strides and written row-major at `cOff`.
 *
 * @param args - sizes, operands, strides and the output.
 * @returns nothing; `args.c` is overwritten.
 * @example
 * ```ts
 * const c = new Int32Array(1);
 * matmulInt32({ m: 1, n: 1, k: 2, a: new Int32Array([2, 3]), aOff: 0, aRowStride: 2, aColStride: 1,
 *   b: new Int32Array([4, 5]), bOff: 0, bRowStride: 1, bColStride: 1, c, cOff: 0 });
 * c[0]; // 23
 * ```
 */
export function matmulInt32(args: MatmulInt32Args): void {
  const { m, n, k, a, aOff, aRowStride: ars, aColStride: acs, b, bOff, bRowStride: brs, bColStride: bcs, c, cOff } = args;
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    for (let j = 0; j < n; j++) c[ci + j] = 0;
    const ai = aOff + i * ars;
    for (let p = 0; p < k; p++) {
      const av = a[ai + p * acs]!;
      if (av === 0) continue;
      const bp = bOff + p * brs;
      for (let j = 0; j < n; j++) c[ci + j] = (c[ci + j]! + Math.imul(av, b[bp + j * bcs]!)) | 0;
    }
  }
}
