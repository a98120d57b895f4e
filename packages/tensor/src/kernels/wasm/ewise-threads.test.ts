// Elementwise, broadcasting, update and axis-sum kernels split between two (and three) threads:
// results must be bit-identical to the one-thread backend and match closed forms computed here in
// float64 JS (exact ops: the same bits; float32 approximations: within a few ulp). Operands are
// tensor storages (resident in the arena, so the split applies); sizes are ragged (not multiples of
// the 16-element chunk unit or the vector width). Every parallel call below is checked to have
// actually given work to a helper (`poolTesting.helperChunks`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, FloatArray } from '../backend.js';
import { createWasmBackend } from './backend.js';
import { poolTesting } from './pool.js';
import { addressOf, arenaMemory, arenaStats, setArenaLimits } from './arena.js';
import * as T from '../../index.js';
import { xorshift32 } from './__fixtures__/xorshift.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const one = createWasmBackend({ threads: 1, elementwiseMinSize: 0 });
// Helpers get a generous deadline: they must do their chunks themselves (see beforeAll).
const two = createWasmBackend({ threads: 2, elementwiseMinSize: 0, parallelElementwiseMin: 0, helperTimeoutMs: 30_000 });
const three = createWasmBackend({ fma: true, threads: 3, elementwiseMinSize: 0, parallelElementwiseMin: 0, helperTimeoutMs: 30_000 });
const PAR: [string, Backend & { threads: number }][] = [['2 threads', two], ['3 threads', three]];
/** Only operands resident in the arena are split; with `GD_ARENA=off` those tests have nothing to test. */
const NO_ARENA = arenaMemory() === null;

/**
 * For the tests of a describe block: the caller computes chunk 0 only and leaves every other chunk
 * to the helpers, so a wrong kernel call in the workers' source shows up as wrong numbers, and a
 * helper that never does its chunk as a backend that dropped to one thread.
 */
function helpersTakeTheirChunks(): void {
  beforeAll(() => { poolTesting.reserveForHelpers = true; });
  afterAll(() => { poolTesting.reserveForHelpers = false; });
}

/** Ragged sizes: above two 16-element units, not multiples of 16 (or of 4). */
const SIZES = [291, 1001, 4099, 40003];
const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-40, 3.4e38, -3.4e38, 1, -1, 88.7, -104, 1e-30];

/** Values of spread `scale` with special values sprinkled in (rounded to the dtype). */
function values(n: number, seed: number, f64: boolean, scale = 10): number[] {
  const r = xorshift32(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    const v = u < 0.03 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : (r() - 0.5) * 2 * scale;
    out.push(f64 ? v : Math.fround(v));
  }
  return out;
}

/**
 * Storages whose front part a test uses (arrays under 1 KiB are not placed in the arena, so short
 * ones are the start of a longer storage): kept reachable here, since the arena may reuse a block
 * whose storage object is unreachable even while a subarray of it is in use.
 */
const keepAlive: unknown[] = [];
/** An arena-resident array holding `vals`. */
function stored(vals: readonly number[], f64: boolean): FloatArray {
  const padded = [...vals, ...new Array<number>(Math.max(0, 512 - vals.length)).fill(0)];
  const s = T.tensor(padded, { dtype: f64 ? 'float64' : 'float32' }).storage as FloatArray;
  expect(addressOf(s)).toBeGreaterThanOrEqual(0);
  keepAlive.push(s);
  return s.length === vals.length ? s : s.subarray(0, vals.length);
}
/** An arena-resident output of n elements, filled with a marker every kernel must overwrite. */
function output(n: number, f64: boolean): FloatArray {
  const s = T.full([Math.max(n, 512)], 12345, { dtype: f64 ? 'float64' : 'float32' }).storage as FloatArray;
  expect(addressOf(s)).toBeGreaterThanOrEqual(0);
  keepAlive.push(s);
  return s.length === n ? s : s.subarray(0, n);
}

/** Same bits (any NaN matches any NaN; +0 and -0 differ). */
function expectSameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)))) throw new Error(`${what}[${i}]: ${g} vs ${w}`);
  }
}

/** Run `fn` and check that helper threads finished at least one chunk during it. */
function helped<R>(fn: () => R, what: string): R {
  const before = poolTesting.helperChunks;
  const r = fn();
  expect(poolTesting.helperChunks, `${what}: no chunk went to a helper`).toBeGreaterThan(before);
  return r;
}

/** The spacing of float32 values at |v| (for subnormal results 2^-149). */
function ulp32(v: number): number {
  const a = Math.abs(v);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

// Closed forms in float64 (rounded to float32 by the caller for float32 results).
const BIN: Record<string, (x: number, y: number) => number> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y,
  vjp_relu: (x, y) => x * (y > 0 ? 1 : 0), vjp_tanh: (x, y) => x * (1 - y * y), vjp_sigmoid: (x, y) => x * (y * (1 - y)),
  vjp_exp: (x, y) => x * y, vjp_log: (x, y) => x / y,
};
const EXACT_UN: Record<string, (x: number) => number> = {
  neg: (x) => -x, abs: Math.abs, relu: (x) => (x > 0 || Number.isNaN(x) ? x : 0), // (relu keeps NaN)
  sqrt: Math.sqrt, square: (x) => x * x,
};
const APPROX_UN: Record<string, [(x: number) => number, number]> = {
  exp: [Math.exp, 2], log: [Math.log, 2], tanh: [Math.tanh, 3],
  sigmoid: [(v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))), 3],
};

describe.skipIf(NO_ARENA).each(PAR)('elementwise kernels on %s', (label, be) => {
  helpersTakeTheirChunks();

  it('binary ops (float32 and float64): one-thread bits, and the closed form exactly', () => {
    for (const f64 of [false, true]) {
      for (const n of SIZES) {
        const xv = values(n, n + 1, f64), yv = values(n, n + 2, f64);
        const x = stored(xv, f64), y = stored(yv, f64);
        // (zeros, infinities and NaN among the values: x/0, 0/0, inf - inf must come through too)
        for (const op of Object.keys(BIN)) {
          const o1 = output(n, f64);
          expect(one.elementwise!(op, o1, x, y)).toBe(true);
          const o2 = output(n, f64);
          expect(helped(() => be.elementwise!(op, o2, x, y), `${op} ${n}`)).toBe(true);
          expectSameBits(o2, o1, `${label} ${op} f64=${f64} n=${n} vs one thread`);
          const ref = xv.map((a, i) => (f64 ? BIN[op]!(a, yv[i]!) : Math.fround(BIN[op]!(a, yv[i]!))));
          expectSameBits(o2, ref, `${label} ${op} f64=${f64} n=${n} vs closed form`);
        }
      }
    }
  });

  it('unary ops: exact ones give the closed form (float32 and float64), approximations stay within a few ulp', () => {
    for (const f64 of [false, true]) {
      for (const n of SIZES) {
        const xv = values(n, 7 * n, f64, 30);
        const x = stored(xv, f64);
        for (const op of Object.keys(EXACT_UN)) {
          const o1 = output(n, f64), o2 = output(n, f64);
          one.elementwise!(op, o1, x, null);
          expect(helped(() => be.elementwise!(op, o2, x, null), op)).toBe(true);
          expectSameBits(o2, o1, `${label} ${op} n=${n} vs one thread`);
          expectSameBits(o2, xv.map((a) => (f64 ? EXACT_UN[op]!(a) : Math.fround(EXACT_UN[op]!(a)))), `${label} ${op} n=${n} vs closed form`);
        }
      }
    }
    for (const n of SIZES) {
      const xv = values(n, 11 * n, false, 40);
      const x = stored(xv, false);
      for (const [op, [f, bound]] of Object.entries(APPROX_UN)) {
        const o1 = output(n, false), o2 = output(n, false);
        one.elementwise!(op, o1, x, null);
        expect(helped(() => be.elementwise!(op, o2, x, null), op)).toBe(true);
        expectSameBits(o2, o1, `${label} ${op} n=${n} vs one thread`);
        for (let i = 0; i < n; i++) {
          const want = f(xv[i]!), g = o2[i]!;
          if (Number.isNaN(want) || !Number.isFinite(Math.fround(want))) {
            if (!(Object.is(g, Math.fround(want)) || (Number.isNaN(g) && Number.isNaN(want)))) throw new Error(`${op}(${xv[i]}) = ${g}, want ${want}`);
          } else if (!(Math.abs(g - want) / ulp32(want) <= bound)) throw new Error(`${op}(${xv[i]}) = ${g}, want ${want}`);
        }
      }
    }
  });

  it('writes in place when the output is an input (out === x, out === y)', () => {
    for (const f64 of [false, true]) {
      const n = 4099;
      const xv = values(n, 5, f64), yv = values(n, 6, f64);
      const x = stored(xv, f64), y = stored(yv, f64);
      helped(() => be.elementwise!('mul', x, x, y), 'mul in place');
      expectSameBits(x, xv.map((a, i) => (f64 ? a * yv[i]! : Math.fround(a * yv[i]!))), 'x *= y');
      helped(() => be.elementwise!('abs', y, y, null), 'abs in place');
      expectSameBits(y, yv.map(Math.abs), 'y = |y|');
    }
  });

  it('broadcasting (bias row, column, scalar, in place): one-thread bits and the closed form', () => {
    for (const f64 of [false, true]) {
      for (const [m, n] of [[1, 4099], [3, 1001], [257, 37], [1000, 5], [40, 299]] as const) {
        const size = m * n;
        const xv = values(size, size + 3, f64), row = values(n, n + 4, f64), col = values(m, m + 5, f64);
        const x = stored(xv, f64), r = stored(row, f64), c = stored(col, f64);
        // [name, y, y's row and column strides, y's value at (i, j)]
        const cases: [string, FloatArray, number, number, (i: number, j: number) => number][] = [
          ['bias row', r, 0, 1, (_i, j) => row[j]!],
          ['column', c, 1, 0, (i) => col[i]!],
          ['scalar', c, 0, 0, () => col[0]!],
        ];
        for (const op of ['add', 'sub', 'mul', 'div']) {
          for (const [what, y, yrs, ycs, yAt] of cases) {
            if (ycs === 0 && yrs === 0 && m > 1) continue; // a scalar operand comes with m = 1
            const o1 = output(size, f64), o2 = output(size, f64);
            const ok1 = one.broadcast!(op, o1, x, 0, n, 1, y, 0, m === 1 ? 0 : yrs, ycs, m, n);
            const ok2 = helped(() => be.broadcast!(op, o2, x, 0, n, 1, y, 0, m === 1 ? 0 : yrs, ycs, m, n), `${what} [${m},${n}]`);
            expect(ok1 && ok2, `${what} [${m},${n}]`).toBe(true);
            expectSameBits(o2, o1, `${label} ${op} ${what} [${m},${n}] vs one thread`);
            const ref: number[] = [];
            for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ref.push(f64 ? BIN[op]!(xv[i * n + j]!, yAt(i, j)) : Math.fround(BIN[op]!(xv[i * n + j]!, yAt(i, j))));
            expectSameBits(o2, ref, `${label} ${op} ${what} [${m},${n}] vs closed form`);
            // Scalar first (x broadcast): y op x for a column/scalar operand in the x slot.
            const o3 = output(size, f64);
            expect(helped(() => be.broadcast!(op, o3, y, 0, m === 1 ? 0 : yrs, ycs, x, 0, n, 1, m, n), `${what} first`)).toBe(true);
            const ref2: number[] = [];
            for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ref2.push(f64 ? BIN[op]!(yAt(i, j), xv[i * n + j]!) : Math.fround(BIN[op]!(yAt(i, j), xv[i * n + j]!)));
            expectSameBits(o3, ref2, `${label} ${op} ${what} first [${m},${n}]`);
          }
        }
        // In place (the bias add of nn's linear layer): out === x.
        const xi = stored(xv, f64);
        expect(helped(() => be.broadcast!('add', xi, xi, 0, m === 1 ? 0 : n, 1, r, 0, 0, 1, m, n), 'bias in place')).toBe(true);
        const ref: number[] = [];
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ref.push(f64 ? xv[i * n + j]! + row[j]! : Math.fround(xv[i * n + j]! + row[j]!));
        expectSameBits(xi, ref, `${label} bias add in place [${m},${n}]`);
      }
    }
  });

  it('axpy, axpby and Adam (float32): one-thread bits and the float64 closed form rounded once', () => {
    for (const n of SIZES) {
      const sv = values(n, 3 * n, false), dv = values(n, 3 * n + 1, false);
      // axpy: s += k d
      const k = -0.0375;
      const s1 = stored(sv, false), s2 = stored(sv, false), d = stored(dv, false);
      one.axpy!(s1, k, d);
      expect(helped(() => be.axpy!(s2, k, d), 'axpy')).toBe(true);
      expectSameBits(s2, s1, `${label} axpy n=${n} vs one thread`);
      expectSameBits(s2, sv.map((a, i) => Math.fround(k * dv[i]! + a)), `${label} axpy n=${n}`);
      // axpby: o = a x + y b, into a fresh output and in place (o === y)
      const a = 0.9, b = -1.25;
      const x = stored(sv, false), y = stored(dv, false), o1 = output(n, false), o2 = output(n, false);
      one.axpby!(o1, a, x, b, y);
      expect(helped(() => be.axpby!(o2, a, x, b, y), 'axpby')).toBe(true);
      expectSameBits(o2, o1, `${label} axpby n=${n} vs one thread`);
      const want = sv.map((v, i) => Math.fround(a * v + dv[i]! * b));
      expectSameBits(o2, want, `${label} axpby n=${n}`);
      expect(helped(() => be.axpby!(y, a, x, b, y), 'axpby in place')).toBe(true);
      expectSameBits(y, want, `${label} axpby in place n=${n}`);
    }
    for (const n of SIZES) {
      const gv = values(n, n + 9, false, 2), mv = values(n, n + 10, false, 1);
      const vv = values(n, n + 11, false, 1).map(Math.abs);
      const c = { c1: 0.1, b1: 0.9, c2: 0.001, b2: 0.999, k: -1e-2, bc2s: Math.sqrt(0.001), eps: 1e-8 };
      const run = (b: Backend, inPlace: boolean) => {
        const g = stored(gv, false), m0 = stored(mv, false), v0 = stored(vv, false);
        const m = inPlace ? m0 : output(n, false), v = inPlace ? v0 : output(n, false), u = output(n, false);
        expect(b.adam!({ m, v, u, g, m0, v0, ...c })).toBe(true);
        return [m, v, u];
      };
      const want = run(one, false);
      for (const inPlace of [false, true]) {
        const got = helped(() => run(be, inPlace), 'adam');
        for (let q = 0; q < 3; q++) expectSameBits(got[q]!, want[q]!, `${label} adam ${'mvu'[q]} n=${n} in place=${inPlace}`);
      }
      // The closed form of one step, per element in float64 with float32 storage.
      for (let i = 0; i < n; i++) {
        const g = gv[i]!;
        const mj = Math.fround(c.c1 * g + mv[i]! * c.b1), vj = Math.fround(c.c2 * g * g + vv[i]! * c.b2);
        const uj = Math.fround((c.k * mj) / (Math.sqrt(vj) / c.bc2s + c.eps));
        if (!Object.is(want[0]![i], mj) && !(Number.isNaN(mj) && Number.isNaN(want[0]![i]!))) throw new Error(`adam m[${i}]`);
        if (!Object.is(want[1]![i], vj) && !(Number.isNaN(vj) && Number.isNaN(want[1]![i]!))) throw new Error(`adam v[${i}]`);
        if (!Object.is(want[2]![i], uj) && !(Number.isNaN(uj) && Number.isNaN(want[2]![i]!))) throw new Error(`adam u[${i}]`);
      }
    }
  });

  it('column and row sums (and means), on a row-strided matrix: one-thread bits and a float64 sum within rounding', () => {
    for (const f64 of [false, true]) {
      for (const [m, n] of [[3, 4099], [1000, 37], [37, 1001]] as const) {
        const ld = n + 3, off = 2;
        const xv = values(off + (m - 1) * ld + n, m * n, f64, 100);
        const x = stored(xv, f64);
        for (const rows of [false, true]) {
          for (const div of [1, rows ? n : m]) {
            const len = rows ? m : n;
            const o1 = output(len, f64), o2 = output(len, f64);
            expect((rows ? one.rowSum! : one.colSum!)(o1, x, off, m, n, ld, div)).toBe(true);
            expect(helped(() => (rows ? be.rowSum! : be.colSum!)(o2, x, off, m, n, ld, div), rows ? 'rowSum' : 'colSum')).toBe(true);
            expectSameBits(o2, o1, `${label} ${rows ? 'row' : 'col'} sums [${m},${n}] div ${div} vs one thread`);
            for (let q = 0; q < len; q++) {
              let s = 0, mag = 0;
              const cnt = rows ? n : m;
              for (let p = 0; p < cnt; p++) {
                const v = xv[off + (rows ? q * ld + p : p * ld + q)]!;
                s += v; mag += Math.abs(v);
              }
              const want = s / div, rounded = f64 ? want : Math.fround(want);
              const got = o2[q]!;
              const tol = (cnt * 2 ** -52 * mag) / div + (f64 ? 0 : ulp32(want));
              if (!Number.isFinite(rounded) ? !(Object.is(got, rounded) || (Number.isNaN(got) && Number.isNaN(rounded)))
                : !(Math.abs(got - want) <= tol)) throw new Error(`${label} ${rows ? 'row' : 'col'} ${q}: ${got} vs ${want}`);
            }
          }
        }
      }
    }
  });

  it('every helper stayed up and did its chunks (no deadline missed)', () => {
    expect(be.threads).toBe(label === '2 threads' ? 2 : 3);
  });
});

describe.skipIf(NO_ARENA)('when elementwise kernels stay on one thread', () => {
  helpersTakeTheirChunks();

  it('under the threshold (weighted by the op\'s cost), and for operands outside the arena; results right either way', () => {
    const be = createWasmBackend({ threads: 2, elementwiseMinSize: 0, parallelElementwiseMin: 10_000, helperTimeoutMs: 30_000 });
    const n = 4001;
    const xv = values(n, 1, false), yv = values(n, 2, false);
    const x = stored(xv, false), y = stored(yv, false);
    const add = xv.map((a, i) => Math.fround(a + yv[i]!));
    const before = poolTesting.helperChunks;
    const o = output(n, false);
    expect(be.elementwise!('add', o, x, y)).toBe(true); // 4001 < 10000
    expectSameBits(o, add, 'add under the threshold');
    expect(poolTesting.helperChunks).toBe(before);
    // exp costs 4 adds per element: 4001 * 4 >= 10000 splits.
    expect(helped(() => be.elementwise!('exp', o, x, null), 'exp over the weighted threshold')).toBe(true);
    // Plain arrays (copied through scratch in cache-sized chunks) stay on this thread.
    const px = Float32Array.from(xv), py = Float32Array.from(yv), po = new Float32Array(n);
    const big = createWasmBackend({ threads: 2, elementwiseMinSize: 0, parallelElementwiseMin: 0 });
    const b0 = poolTesting.helperChunks;
    expect(big.elementwise!('add', po, px, py)).toBe(true);
    expectSameBits(po, add, 'add on plain arrays');
    expect(poolTesting.helperChunks).toBe(b0);
  });

  it('an output that partly overlaps an input is not split (chunks may run in any order): one-thread results', () => {
    const n = 5000;
    for (const shift of [16, -16, 3]) {
      const run = (be: Backend): FloatArray => {
        const buf = stored(values(n + 64, 9, false), false);
        const x = buf.subarray(32, 32 + n - 64);
        const out = buf.subarray(32 + shift, 32 + shift + n - 64);
        expect(be.elementwise!('add', out, x, x)).toBe(true);
        return buf;
      };
      const before = poolTesting.helperChunks;
      expectSameBits(run(two), run(one), `shifted by ${shift}`);
      expect(poolTesting.helperChunks).toBe(before);
    }
  });

  it('rejects a threshold that is not a number >= 0, naming the option', () => {
    expect(() => createWasmBackend({ parallelElementwiseMin: -1 })).toThrow(/parallelElementwiseMin must be a number >= 0, got -1/);
    expect(() => createWasmBackend({ parallelElementwiseMin: NaN })).toThrow(/parallelElementwiseMin.*NaN/);
    expect(createWasmBackend({ parallelElementwiseMin: Infinity }).threads).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(NO_ARENA)('helper failures during elementwise kernels', () => {
  it('a helper that claimed its chunk and stalls past the deadline: the caller redoes it, results right, one thread after', () => {
    const be = createWasmBackend({ threads: 2, elementwiseMinSize: 0, parallelElementwiseMin: 0, helperTimeoutMs: 100 });
    const n = 40003;
    const xv = values(n, 21, false), yv = values(n, 22, false);
    const x = stored(xv, false), y = stored(yv, false);
    const want = xv.map((a, i) => Math.fround(a * yv[i]!));
    const o = output(n, false);
    expect(be.elementwise!('mul', o, x, y)).toBe(true); // starts the helper (the caller may do it all)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); // let it come up
    expect(be.threads).toBe(2);
    // The helper now takes its chunk and sleeps 300 ms on it; the caller gives up after 100 ms.
    poolTesting.reserveForHelpers = true;
    poolTesting.helperDelayMs = 300;
    try {
      const o2 = output(n, false);
      expect(be.elementwise!('mul', o2, x, y)).toBe(true);
      expectSameBits(o2, want, 'mul with a stalled helper');
    } finally {
      poolTesting.reserveForHelpers = false;
      poolTesting.helperDelayMs = 0;
    }
    expect(be.threads).toBe(1);
    const before = poolTesting.helperChunks;
    const o3 = output(n, false);
    expect(be.axpby!(o3, 1, x, 0, y)).toBe(true);
    expectSameBits(o3, xv.map((a, i) => Math.fround(a + yv[i]! * 0)), 'axpby afterwards, one thread');
    expect(poolTesting.helperChunks).toBe(before);
  });

  it('an in-place kernel (out = x + y at x, axpy) with a stalled helper: the caller waits for that helper instead of applying its range a second time', () => {
    // Redoing a range a helper has started is wrong when the kernel reads what it writes: the
    // elements the helper already updated would be updated twice. (Seen with helperTimeoutMs 0 and
    // 8e6 elements before this: half the array got y added twice in 2 of 6 runs.)
    for (const which of ['add in place', 'axpy'] as const) {
      const be = createWasmBackend({ threads: 2, elementwiseMinSize: 0, parallelElementwiseMin: 0, helperTimeoutMs: 100 });
      const n = 40003;
      const xv = values(n, 51, false), yv = values(n, 52, false);
      const x = stored(xv, false), y = stored(yv, false);
      expect(be.elementwise!('mul', output(n, false), x, y)).toBe(true); // starts the helper
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      expect(be.threads).toBe(2);
      const want = which === 'axpy' ? xv.map((a, i) => Math.fround(a + 0.5 * yv[i]!)) : xv.map((a, i) => Math.fround(a + yv[i]!));
      const before = poolTesting.helperChunks;
      poolTesting.reserveForHelpers = true;
      poolTesting.helperDelayMs = 300; // the helper claims its range, then sleeps past the 100 ms deadline
      try {
        expect(which === 'axpy' ? be.axpy!(x, 0.5, y) : be.elementwise!('add', x, x, y)).toBe(true);
      } finally {
        poolTesting.reserveForHelpers = false;
        poolTesting.helperDelayMs = 0;
      }
      expect(poolTesting.helperChunks, `${which}: the helper's range was done by the helper, once`).toBe(before + 1);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      expectSameBits(x, want, which);
      expect(be.threads).toBe(1); // a slow helper still means one thread from then on
    }
  });

  it('after a stalled helper, the blocks it may still write are never handed to another tensor', () => {
    const be = createWasmBackend({ threads: 2, elementwiseMinSize: 0, parallelElementwiseMin: 0, helperTimeoutMs: 100 });
    const n = 40003;
    const x = stored(values(n, 41, false), false), y = stored(values(n, 42, false), false);
    expect(be.elementwise!('mul', output(n, false), x, y)).toBe(true);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    expect(be.threads).toBe(2);
    // The output's storage is not kept alive by the test: only the backend's view of it remains.
    let out: FloatArray | null = T.zeros([n]).storage as FloatArray;
    const outAt = addressOf(out);
    poolTesting.reserveForHelpers = true;
    poolTesting.helperDelayMs = 300;
    try {
      expect(be.elementwise!('mul', out.subarray(0, n), x, y)).toBe(true);
    } finally {
      poolTesting.reserveForHelpers = false;
      poolTesting.helperDelayMs = 0;
    }
    expect(be.threads).toBe(1);
    out = null;
    setArenaLimits({ collectEveryBytes: 4 * 2 ** 20 });
    try {
      const collections = arenaStats().forcedCollections;
      const seen = new Set<number>();
      for (let i = 0; i < 400; i++) seen.add(addressOf(T.zeros([n]).storage));
      expect(seen.has(outAt)).toBe(false);
      expect(arenaStats().forcedCollections).toBeGreaterThan(collections);
    } finally {
      setArenaLimits({ collectEveryBytes: 0 });
    }
  });

  it('a helper that never claims its chunk before the deadline: the caller does it, results right, one thread after', () => {
    const be = createWasmBackend({ threads: 2, elementwiseMinSize: 0, parallelElementwiseMin: 0, helperTimeoutMs: 0 });
    const n = 4099;
    const xv = values(n, 31, true);
    const x = stored(xv, true);
    // The caller leaves the helper's chunk to it until the (zero) deadline, then does it itself.
    poolTesting.reserveForHelpers = true;
    try {
      for (let rep = 0; rep < 3; rep++) {
        const o = output(n, true);
        expect(be.elementwise!('sqrt', o, x, null)).toBe(true);
        expectSameBits(o, xv.map(Math.sqrt), `sqrt, round ${rep}`);
      }
    } finally {
      poolTesting.reserveForHelpers = false;
    }
    expect(be.threads).toBe(1);
  });

});

describe('a process with helper threads', () => {
  it('that ran parallel elementwise kernels exits by itself (workers are unref\'d)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gd-ewise-'));
    const script = path.join(dir, 'exit.ts');
    writeFileSync(script, [
      `import * as T from ${JSON.stringify(path.join(here, '..', '..', 'index.ts'))};`,
      `import { createWasmBackend } from ${JSON.stringify(path.join(here, 'backend.ts'))};`,
      `const be = createWasmBackend({ threads: 2, parallelElementwiseMin: 0 });`,
      `T.setBackend(be);`,
      `const x = T.full([100003], 2);`,
      `const y = T.add(T.exp(T.zeros([100003])), x);`,
      `console.log(be.threads, y.data()[0], y.data()[100002]);`,
    ].join('\n'));
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000, cwd: here });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('2 3 3');
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 70_000);
});
