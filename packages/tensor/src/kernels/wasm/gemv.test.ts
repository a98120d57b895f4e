// The WebAssembly matrix-vector kernels (gemv.as) behind the backend's `matmul` for products with one
// output column (n = 1) or one output row (m = 1), on the plain-SIMD and relaxed-SIMD (FMA) builds,
// against a float64 nested-loop reference: ragged sizes (k and m not multiples of the vector width or
// of the four-row / four-column blocks), strided, transposed, offset and negative-stride operands,
// strided vectors, k = 0, operands in ordinary JS memory and in the kernels' memory, NaN / Inf.
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, FloatArray, MatmulArgs } from '../backend.js';
import { getBackend, setBackend } from '../backend.js';
import { matmulFloat } from '../matmul.js';
import { createWasmBackend, wasmRelaxedSimdSupported } from './backend.js';
import { arenaAllocate } from './arena.js';
import * as T from '../../index.js';
import { xorshift32 } from './__fixtures__/xorshift.js';
import { LAYOUTS as ALL_LAYOUTS, type Layout, type Operand, stridedOperand } from './__fixtures__/operand.js';

const VARIANTS: [string, Backend][] = [['simd', createWasmBackend({ fma: false, threads: 1, matmulMinWork: 0 })]];
if (wasmRelaxedSimdSupported()) VARIANTS.push(['fma', createWasmBackend({ fma: true, threads: 1, matmulMinWork: 0 })]);
VARIANTS.push(['simd, shared memory', createWasmBackend({ fma: false, threads: 2, matmulMinWork: 0 })]);

const initial = getBackend();
afterEach(() => { setBackend(initial); });

/** xorshift32 in [-1, 1). */
function rng(seed: number): () => number {
  const u = xorshift32(seed);
  return () => u() * 2 - 1;
}

/** A float array of `len` elements, in the kernels' memory when `resident` (and an arena exists). */
function array(len: number, f64: boolean, resident: boolean): FloatArray {
  const a = resident ? arenaAllocate(f64 ? 'float64' : 'float32', Math.max(len, 1)) : null;
  return a ?? (f64 ? new Float64Array(len) : new Float32Array(len));
}

/** The matrix layouts of the shared fixture (a matrix with stride-0 rows is not a gemv case here). */
const LAYOUTS = ALL_LAYOUTS.filter((l) => l !== 'expandedRows');

/** A random r x c matrix in the given layout (values in [-1, 1)), in the kernels' memory when `resident`. */
function matrix(layout: Layout, r: number, c: number, f64: boolean, seed: number, resident: boolean): Operand {
  return stridedOperand(layout, r, c, f64, seed, (len) => array(len, f64, resident));
}

/** How a vector is laid out: unit stride, stride 3, stride -1 (reversed), at an offset, or broadcast (stride 0). */
type VLayout = 'unit' | 'step3' | 'reversed' | 'offset' | 'broadcast';
const VLAYOUTS: VLayout[] = ['unit', 'step3', 'reversed', 'offset', 'broadcast'];

function vector(layout: VLayout, k: number, f64: boolean, seed: number, resident: boolean): { data: FloatArray; off: number; s: number } {
  let off = 0, s = 1, len = k;
  switch (layout) {
    case 'unit': break;
    case 'step3': s = 3; len = 3 * k; break;
    case 'reversed': off = Math.max(k - 1, 0); s = -1; break;
    case 'offset': off = 11; len = k + 11; break;
    case 'broadcast': s = 0; len = 1; break;
  }
  const data = array(len, f64, resident);
  const g = rng(seed);
  for (let i = 0; i < len; i++) data[i] = g();
  return { data, off, s };
}

/**
 * Check y = A x (y at `c[cOff..]`, stride 1) against a float64 nested loop: |err| <= (k + 2) eps
 * sum_p |a_ip x_p| per entry, eps the unit roundoff of the dtype.
 */
function check(c: FloatArray, cOff: number, rows: number, k: number, a: (i: number, p: number) => number, x: (p: number) => number, f64: boolean, what: string): void {
  const eps = f64 ? 2 ** -53 : 2 ** -24;
  for (let i = 0; i < rows; i++) {
    let s = 0, mag = 0;
    for (let p = 0; p < k; p++) {
      const t = a(i, p) * x(p);
      s += t; mag += Math.abs(t);
    }
    const got = c[cOff + i]!;
    const tol = (k + 2) * eps * mag + 1e-300;
    if (!(Math.abs(got - s) <= tol)) throw new Error(`${what}: y[${i}] = ${got}, expected ${s} (|err| ${Math.abs(got - s)} > ${tol})`);
  }
}

/** Run the backend's matmul (which must accept) into a NaN-filled C at offset `cOff`. */
function run(be: Backend, args: Omit<MatmulArgs, 'c' | 'cOff'>, f64: boolean, resident: boolean, cOff: number): FloatArray {
  const c = array(cOff + args.m * args.n, f64, resident);
  c.fill(Number.NaN); // every entry must be written
  expect(be.matmul!({ ...args, c, cOff })).toBe(true);
  return c;
}

const ROWS = [1, 2, 3, 4, 5, 7, 33, 569];
const KS = [1, 2, 3, 5, 8, 17, 30, 31, 65, 569];

describe.each(VARIANTS)('gemv (%s)', (_name, be) => {
  for (const f64 of [true, false]) {
    for (const resident of [false, true]) {
      const tag = `${f64 ? 'f64' : 'f32'}${resident ? ', in kernel memory' : ''}`;

      it(`A x (n = 1) over ragged sizes and every matrix / vector layout (${tag})`, () => {
        let seed = 1;
        for (const m of ROWS) {
          for (const k of KS) {
            if (m * k > 20000 && (m !== 569 || (k !== 30 && k !== 31))) continue;
            for (const layout of LAYOUTS) {
              const A = matrix(layout, m, k, f64, seed++, resident);
              for (const vl of VLAYOUTS) {
                const x = vector(vl, k, f64, seed++, resident);
                const cOff = seed % 3;
                const c = run(be, { m, n: 1, k, a: A.data, aOff: A.off, aRowStride: A.rs, aColStride: A.cs,
                  b: x.data, bOff: x.off, bRowStride: x.s, bColStride: 0 }, f64, resident, cOff);
                check(c, cOff, m, k, (i, p) => A.data[A.off + i * A.rs + p * A.cs]!, (p) => x.data[x.off + p * x.s]!, f64, `A x m=${m} k=${k} ${layout} ${vl}`);
              }
            }
          }
        }
      });

      it(`x B (m = 1, a transposed matrix-vector product) over ragged sizes and layouts (${tag})`, () => {
        let seed = 1000;
        for (const n of ROWS) {
          for (const k of KS) {
            if (n * k > 20000 && (n !== 30 || k !== 569)) continue;
            for (const layout of LAYOUTS) {
              const B = matrix(layout, k, n, f64, seed++, resident);
              for (const vl of VLAYOUTS) {
                const x = vector(vl, k, f64, seed++, resident);
                const c = run(be, { m: 1, n, k, a: x.data, aOff: x.off, aRowStride: 0, aColStride: x.s,
                  b: B.data, bOff: B.off, bRowStride: B.rs, bColStride: B.cs }, f64, resident, 1);
                check(c, 1, n, k, (j, p) => B.data[B.off + p * B.rs + j * B.cs]!, (p) => x.data[x.off + p * x.s]!, f64, `x B n=${n} k=${k} ${layout} ${vl}`);
              }
            }
          }
        }
      });

      it(`k = 0 writes zeros; m = n = 1 is a dot product (${tag})`, () => {
        const empty = array(0, f64, resident);
        for (const [m, n] of [[7, 1], [1, 9], [1, 1]] as const) {
          const c = run(be, { m, n, k: 0, a: empty, aOff: 0, aRowStride: 0, aColStride: 1, b: empty, bOff: 0, bRowStride: n, bColStride: 1 }, f64, resident, 2);
          expect(Array.from(c.subarray(2))).toEqual(new Array(m * n).fill(0));
        }
        for (const k of [1, 3, 4, 17, 1000, 4099]) {
          const x = vector('unit', k, f64, k, resident), y = vector('reversed', k, f64, k + 1, resident);
          const c = run(be, { m: 1, n: 1, k, a: x.data, aOff: 0, aRowStride: 0, aColStride: 1, b: y.data, bOff: y.off, bRowStride: -1, bColStride: 0 }, f64, resident, 0);
          check(c, 0, 1, k, (_i, p) => x.data[p]!, (p) => y.data[y.off - p]!, f64, `dot k=${k}`);
        }
      });
    }

    it(`NaN and Inf propagate as in the TypeScript kernel (${f64 ? 'f64' : 'f32'})`, () => {
      const m = 9, k = 13;
      for (const layout of ['contiguous', 'transposed', 'stepped'] as Layout[]) {
        const A = matrix(layout, m, k, f64, 77, false);
        const x = vector('unit', k, f64, 78, false);
        A.data[A.off + 2 * A.rs + 5 * A.cs] = Number.NaN; // row 2: NaN
        A.data[A.off + 4 * A.rs + 12 * A.cs] = Infinity; // row 4: +-Inf
        A.data[A.off + 6 * A.rs + 3 * A.cs] = Infinity; // row 6: Inf * 0 = NaN
        x.data[3] = 0;
        A.data[A.off + 7 * A.rs + 1 * A.cs] = Infinity; // row 7: Inf - Inf = NaN
        A.data[A.off + 7 * A.rs + 8 * A.cs] = Infinity;
        x.data[1] = 1; x.data[8] = -1;
        const args = { m, n: 1, k, a: A.data, aOff: A.off, aRowStride: A.rs, aColStride: A.cs, b: x.data, bOff: 0, bRowStride: 1, bColStride: 0 };
        const got = run(be, args, f64, false, 0);
        const want = f64 ? new Float64Array(m) : new Float32Array(m);
        matmulFloat({ ...args, c: want, cOff: 0 });
        for (let i = 0; i < m; i++) {
          if (Number.isNaN(want[i]!) || !Number.isFinite(want[i]!)) expect(got[i], `${layout} row ${i}`).toBe(want[i]);
        }
        expect([Number.isNaN(got[2]!), Math.abs(got[4]!), Number.isNaN(got[6]!), Number.isNaN(got[7]!)]).toEqual([true, Infinity, true, true]);
        // A NaN in x poisons every row.
        x.data[0] = Number.NaN;
        expect(Array.from(run(be, args, f64, false, 0)).every(Number.isNaN)).toBe(true);
      }
    });
  }

  it('through the tensor API: X @ w, X.T @ g, g @ X and [m,k] @ [k,1] match the TypeScript kernels', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const X = T.randn([569, 30], { dtype, generator: new T.Generator(5) });
      const w = T.randn([30], { dtype, generator: new T.Generator(6) });
      const g = T.randn([569], { dtype, generator: new T.Generator(7) });
      const cases: [string, () => T.Tensor][] = [
        ['X @ w', () => T.matmul(X, w)],
        ['X @ w[:,None]', () => T.matmul(X, w.reshape([30, 1]))],
        ['X.T @ g', () => T.matmul(X.T, g)],
        ['g @ X', () => T.matmul(g, X)],
        ['X[::2, 1:] @ w[1:]', () => T.matmul(X.slice([0, 569, 2], [1, 30]), w.slice([1, 30]))],
        ['X.T[1:] @ g (offset transposed view)', () => T.matmul(X.T.slice([1, 30]), g)],
      ];
      for (const [what, f] of cases) {
        setBackend(null);
        const want = f();
        setBackend(be);
        const got = f();
        expect(got.shape, what).toEqual(want.shape);
        const tol = dtype === 'float64' ? 1e-12 : 2e-5;
        const a = got.data(), b = want.data();
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `${what} ${dtype} [${i}]`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!)));
      }
    }
  });
});

describe('gemv dispatch thresholds', () => {
  it('declines matrix-vector products under matvecMinWork (default 512 multiply-adds) and takes those at or over it', () => {
    const be = createWasmBackend({ threads: 1 });
    const args = (m: number, k: number): MatmulArgs => ({ m, n: 1, k, a: new Float64Array(m * k).fill(1), aOff: 0, aRowStride: k, aColStride: 1,
      b: new Float64Array(k).fill(2), bOff: 0, bRowStride: 1, bColStride: 0, c: new Float64Array(m), cOff: 0 });
    expect(be.matmul!(args(8, 8))).toBe(false);
    expect(be.matmul!(args(31, 16))).toBe(false); // 496
    const big = args(32, 16);
    expect(be.matmul!(big)).toBe(true);
    expect(Array.from(big.c)).toEqual(new Array(32).fill(32));
    // The general product keeps its own threshold (4096): an 8 x 8 x 8 product is declined.
    expect(be.matmul!({ ...args(8, 8), n: 8, b: new Float64Array(64), bRowStride: 8, bColStride: 1, c: new Float64Array(64) })).toBe(false);
    expect(createWasmBackend({ threads: 1, matvecMinWork: 0 }).matmul!(args(2, 3))).toBe(true);
  });
});

describe('TypeScript kernel, one output column or row (the fallback of the gemv dispatch)', () => {
  it('matches the float64 nested loop over ragged k, strided / transposed / negative layouts and strided vectors', () => {
    let seed = 5000;
    for (const f64 of [true, false]) {
      for (const [rows, k] of [[1, 1], [3, 3], [5, 4], [7, 9], [33, 30], [30, 569], [2, 1031]] as const) {
        for (const layout of LAYOUTS) {
          for (const vl of VLAYOUTS) {
            const A = matrix(layout, rows, k, f64, seed++, false);
            const x = vector(vl, k, f64, seed++, false);
            const c1 = f64 ? new Float64Array(rows + 1) : new Float32Array(rows + 1);
            matmulFloat({ m: rows, n: 1, k, a: A.data, aOff: A.off, aRowStride: A.rs, aColStride: A.cs, b: x.data, bOff: x.off, bRowStride: x.s, bColStride: 0, c: c1, cOff: 1 });
            check(c1, 1, rows, k, (i, p) => A.data[A.off + i * A.rs + p * A.cs]!, (p) => x.data[x.off + p * x.s]!, f64, `TS A x ${rows}x${k} ${layout} ${vl}`);
            // x B with B = A transposed (B[p, j] = A[j, p]).
            const c2 = f64 ? new Float64Array(rows) : new Float32Array(rows);
            matmulFloat({ m: 1, n: rows, k, a: x.data, aOff: x.off, aRowStride: 0, aColStride: x.s, b: A.data, bOff: A.off, bRowStride: A.cs, bColStride: A.rs, c: c2, cOff: 0 });
            check(c2, 0, rows, k, (i, p) => A.data[A.off + i * A.rs + p * A.cs]!, (p) => x.data[x.off + p * x.s]!, f64, `TS x B ${rows}x${k} ${layout} ${vl}`);
          }
        }
      }
    }
  });
});
