import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Backend, FloatArray, MatmulArgs } from '../backend.js';
import { createWasmBackend, wasmRelaxedSimdSupported, wasmSimdSupported } from './backend.js';
import { poolTesting } from './pool.js';
import * as binary from './binary.js';
import { LAYOUTS, type Layout, type Operand, stridedOperand as makeOperand } from './__fixtures__/operand.js';
import type { Tensor } from '../../tensor.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// Both code paths: plain SIMD (separate multiply and add) and relaxed-SIMD fused multiply-add.
const plain = createWasmBackend({ fma: false, matmulMinWork: 0, elementwiseMinSize: 0, threads: 1 });
const fused = createWasmBackend({ fma: true, matmulMinWork: 0, elementwiseMinSize: 0, threads: 1 });
// Two threads on shared memory for every product, however small (rows or columns split between them).
const plain2 = createWasmBackend({ fma: false, matmulMinWork: 0, threads: 2, parallelMinWork: 0 });
const fused2 = createWasmBackend({ fma: true, matmulMinWork: 0, threads: 2, parallelMinWork: 0 });
const BACKENDS: [string, Backend][] = [['simd', plain], ['fma', fused], ['simd, 2 threads', plain2], ['fma, 2 threads', fused2]];

const at = (o: Operand, i: number, j: number): number => o.data[o.off + i * o.rs + j * o.cs]!;

/**
 * Check C against a float64 nested-loop product. Error bound per entry: k * eps * sum_p |a_ip b_pj|
 * (the classical dot-product bound, eps the unit roundoff of the dtype), plus a tiny absolute term.
 */
function checkProduct(c: FloatArray, cOff: number, m: number, n: number, k: number, A: Operand, B: Operand, f64: boolean): void {
  const eps = f64 ? 2 ** -53 : 2 ** -24;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, mag = 0;
      for (let p = 0; p < k; p++) {
        const t = at(A, i, p) * at(B, p, j);
        s += t; mag += Math.abs(t);
      }
      const got = c[cOff + i * n + j]!;
      const tol = (k + 2) * eps * mag + 1e-30;
      if (!(Math.abs(got - s) <= tol)) {
        throw new Error(`C[${i},${j}] = ${got}, expected ${s} (|err| ${Math.abs(got - s)} > ${tol})`);
      }
    }
  }
}

function runGemm(be: Backend, m: number, n: number, k: number, A: Operand, B: Operand, f64: boolean, cOff = 0): FloatArray {
  const c = f64 ? new Float64Array(cOff + m * n) : new Float32Array(cOff + m * n);
  c.fill(Number.NaN); // every entry must be overwritten
  const args: MatmulArgs = {
    m, n, k,
    a: A.data, aOff: A.off, aRowStride: A.rs, aColStride: A.cs,
    b: B.data, bOff: B.off, bRowStride: B.rs, bColStride: B.cs,
    c, cOff,
  };
  expect(be.matmul!(args)).toBe(true);
  return c;
}

describe('wasm backend availability', () => {
  it('this Node has WebAssembly SIMD and relaxed SIMD (after setting the V8 flag)', () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(wasmRelaxedSimdSupported()).toBe(true);
    expect(plain.name).toBe('wasm-simd');
    expect(fused.name).toBe('wasm-simd-fma');
  });
});

describe.each(BACKENDS)('wasm matmul (%s)', (_label, be) => {
  it('agrees with a float64 reference over random shapes, dtypes and strided layouts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 21 }), fc.integer({ min: 1, max: 37 }), fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(...LAYOUTS), fc.constantFrom(...LAYOUTS), fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.integer(),
        (m, n, k, la, lb, f64, cOff, seed) => {
          const A = makeOperand(la, m, k, f64, seed);
          const B = makeOperand(lb, k, n, f64, seed ^ 0x5bd1e995);
          const c = runGemm(be, m, n, k, A, B, f64, cOff);
          checkProduct(c, cOff, m, n, k, A, B, f64);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('handles products larger than one cache block in every dimension (k > KC, m > MC, n > NC)', () => {
    // KC = 256, MC = 128, NC = 1024 in gemm.as; these shapes cross each boundary with ragged edges.
    for (const [m, n, k, f64] of [[3, 5, 600, false], [131, 9, 7, true], [2, 1031, 3, false], [133, 37, 261, false]] as const) {
      const A = makeOperand('contiguous', m, k, f64, m * 7 + k);
      const B = makeOperand('transposed', k, n, f64, n * 3 + k);
      checkProduct(runGemm(be, m, n, k, A, B, f64), 0, m, n, k, A, B, f64);
    }
  });

  it('propagates NaN and infinity like the definition (NaN * 0 is NaN)', () => {
    const A = makeOperand('contiguous', 4, 8, false, 1);
    const B = makeOperand('contiguous', 8, 8, false, 2);
    A.data[3] = Number.NaN; // row 0
    A.data[8 + 2] = Number.POSITIVE_INFINITY; // row 1
    B.data.fill(0, 2 * 8, 3 * 8); // B row 2 is zero, so row 1 of C gets inf * 0 = NaN
    const c = runGemm(be, 4, 8, 8, A, B, false);
    for (let j = 0; j < 8; j++) {
      expect(c[j]).toBeNaN();
      expect(c[8 + j]).toBeNaN();
      expect(Number.isFinite(c[16 + j]!)).toBe(true);
    }
  });
});

describe('wasm matmul declines what it does not handle', () => {
  const dflt = createWasmBackend();
  const mk = (a: FloatArray, b: FloatArray, c: FloatArray, m: number, n: number, k: number): MatmulArgs => ({
    m, n, k, a, aOff: 0, aRowStride: k, aColStride: 1, b, bOff: 0, bRowStride: n, bColStride: 1, c, cOff: 0,
  });
  it('declines small products (the TS kernel is faster there) and mixed element types', () => {
    expect(dflt.matmul!(mk(new Float32Array(4), new Float32Array(4), new Float32Array(4), 2, 2, 2))).toBe(false);
    const n = 32;
    expect(dflt.matmul!(mk(new Float32Array(n * n), new Float64Array(n * n), new Float32Array(n * n), n, n, n))).toBe(false);
    expect(dflt.matmul!(mk(new Float64Array(n * n), new Float64Array(n * n), new Float32Array(n * n), n, n, n))).toBe(false);
    expect(plain.matmul!(mk(new Float32Array(0), new Float32Array(0), new Float32Array(0), 0, 0, 5))).toBe(false);
  });
  it('declines elementwise ops it has no kernel for, and short arrays under the default threshold', () => {
    const x = new Float32Array(10000), y = new Float32Array(10000), o = new Float32Array(10000);
    expect(dflt.elementwise!('pow', o, x, y)).toBe(false);
    expect(dflt.elementwise!('exp', new Float64Array(10000), new Float64Array(10000), null)).toBe(false);
    expect(dflt.elementwise!('add', new Float32Array(8), new Float32Array(8), new Float32Array(8))).toBe(false);
    expect(dflt.elementwise!('add', o, x, new Float32Array(9999))).toBe(false);
    expect(dflt.elementwise!('add', o, x, null)).toBe(false);
  });
  it('refuses fma: true where relaxed SIMD is missing is reported at creation, not as wrong numbers', () => {
    // Here relaxed SIMD exists, so fma: true works and reports itself.
    expect(createWasmBackend({ fma: true }).fma).toBe(true);
    expect(createWasmBackend({ fma: false }).fma).toBe(false);
  });
});

describe('wasm elementwise', () => {
  const sizes = fc.integer({ min: 0, max: 300 });
  it.each([['add', (x: number, y: number) => x + y], ['sub', (x: number, y: number) => x - y],
    ['mul', (x: number, y: number) => x * y], ['div', (x: number, y: number) => x / y]] as const)(
    '%s matches the IEEE result exactly in float32 and float64', (op, f) => {
      fc.assert(fc.property(sizes, fc.boolean(), fc.integer(), (n, f64, seed) => {
        const x = makeOperand('contiguous', 1, n, f64, seed).data;
        const y = makeOperand('contiguous', 1, n, f64, seed + 1).data;
        if (n > 2) { y[0] = 0; x[1] = Number.NaN; y[2] = Number.NEGATIVE_INFINITY; }
        const out = f64 ? new Float64Array(n) : new Float32Array(n);
        expect(plain.elementwise!(op, out, x, y)).toBe(true);
        for (let i = 0; i < n; i++) {
          const want = f64 ? f(x[i]!, y[i]!) : Math.fround(f(x[i]!, y[i]!));
          if (!Object.is(out[i], want)) throw new Error(`${op}[${i}]: ${out[i]} vs ${want}`);
        }
      }), { numRuns: 60 });
    });

  it('exp float32 is within 2 ulp of the float64 exp (rounded) over the whole range', () => {
    fc.assert(fc.property(fc.array(fc.float({ min: -110, max: 95, noNaN: true }), { minLength: 1, maxLength: 200 }), (xs) => {
      const x = Float32Array.from(xs);
      const out = new Float32Array(x.length);
      expect(plain.elementwise!('exp', out, x, null)).toBe(true);
      for (let i = 0; i < x.length; i++) {
        const want = Math.exp(x[i]!);
        const got = out[i]!;
        const ulp = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.max(Math.abs(want), 2 ** -126))) - 23));
        if (Math.fround(want) === Infinity) { expect(got).toBe(Infinity); continue; }
        if (!(Math.abs(got - want) <= 2 * ulp)) throw new Error(`exp(${x[i]}) = ${got}, expected ${want}`);
      }
    }), { numRuns: 80 });
  });

  it('exp float32 special values: NaN, infinities, zeros, overflow and underflow', () => {
    const x = Float32Array.from([Number.NaN, Infinity, -Infinity, 0, -0, 88.7, 88.8, 1000, -103.3, -104, -1e9, 1]);
    const out = new Float32Array(x.length);
    expect(plain.elementwise!('exp', out, x, null)).toBe(true);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(Infinity);
    expect(out[2]).toBe(0);
    expect(out[3]).toBe(1);
    expect(out[4]).toBe(1);
    expect(out[5]! / 1e38).toBeCloseTo(Math.exp(x[5]!) / 1e38, 4); // near the top of the float32 range
    expect(out[6]).toBe(Infinity);
    expect(out[7]).toBe(Infinity);
    expect(out[8]).toBeGreaterThan(0); // a subnormal, not flushed to zero
    expect(Math.abs(out[8]! - Math.exp(-103.3)) <= 2 ** -149).toBe(true);
    expect(out[9]).toBe(0);
    expect(out[10]).toBe(0);
    expect(out[11]).toBe(Math.fround(Math.E));
  });

  it('arrays longer than one cache chunk (16384 float32 / 8192 float64) are done chunk by chunk, tail included', () => {
    for (const f64 of [false, true]) {
      const n = 40_003;
      const x = makeOperand('contiguous', 1, n, f64, 11).data, y = makeOperand('contiguous', 1, n, f64, 12).data;
      const out = f64 ? new Float64Array(n) : new Float32Array(n);
      expect(plain.elementwise!('sub', out, x, y)).toBe(true);
      for (let i = 0; i < n; i++) {
        const want = f64 ? x[i]! - y[i]! : Math.fround(x[i]! - y[i]!);
        if (out[i] !== want) throw new Error(`sub[${i}]: ${out[i]} vs ${want}`);
      }
      if (!f64) {
        expect(plain.elementwise!('exp', out, x, null)).toBe(true);
        for (let i = 0; i < n; i++) if (!(Math.abs(out[i]! - Math.exp(x[i]!)) <= 2.5e-7 * Math.exp(x[i]!))) throw new Error(`exp[${i}]`);
      }
    }
  });

  it('writes in place when out aliases an input', () => {
    const x = Float32Array.from({ length: 50 }, (_, i) => i / 7);
    const y = Float32Array.from({ length: 50 }, (_, i) => 1 - i / 9);
    const want = x.map((v, i) => Math.fround(v * y[i]!));
    expect(plain.elementwise!('mul', x, x, y)).toBe(true);
    expect(Array.from(x)).toEqual(Array.from(want));
  });
});

describe('committed wasm artifact', () => {
  it('binary.ts was generated from the current *.as sources and flags', async () => {
    const build = (await import('./build.mjs')) as unknown as { VARIANTS: Record<string, string[]>; COMMON: string[]; sourceText(): string };
    const source = build.sourceText();
    const hash = createHash('sha256').update(source).update(JSON.stringify([build.COMMON, build.VARIANTS])).digest('hex');
    expect(binary.SOURCE_SHA256).toBe(hash);
  });
  it('a fresh compile of the plain-SIMD variant is byte-identical to the committed one', async () => {
    const build = (await import('./build.mjs')) as unknown as { compileVariant(extra: string[]): Promise<Uint8Array> };
    const bytes = await build.compileVariant([]);
    expect(Buffer.from(bytes).toString('base64')).toBe(binary.SIMD);
  }, 60_000);
});

describe('through the ops: default backend, fallback and opting out', () => {
  it('installs the wasm backend by default in a SIMD runtime', async () => {
    const { getBackend } = await import('../backend.js');
    expect(getBackend()?.name).toMatch(/^wasm-simd/);
  });

  it('large flat add/sub/mul/div/exp agree with the TypeScript kernels (setBackend(null)), also on offset views', async () => {
    const T = await import('../../index.js');
    const { setBackend, getBackend } = await import('../backend.js');
    const calls: string[] = [];
    const wasm = createWasmBackend();
    const spy: Backend = { name: 'spy', elementwise: (op, o, x, y) => { const ok = wasm.elementwise!(op, o, x, y); if (ok) calls.push(op); return ok; } };
    const prev = getBackend();
    try {
      for (const dtype of ['float32', 'float64'] as const) {
        const base = T.randn([2, 5001], { dtype, generator: new T.Generator(7) });
        const x = base.select(0, 0).slice([1, null]); // offset 1, length 5000
        const y = base.select(0, 1).slice([null, 5000]);
        const run = (b: Backend | null) => {
          setBackend(b);
          return [T.add(x, y), T.sub(x, y), T.mul(x, y), T.div(x, y), T.exp(x)].map((t) => t.data());
        };
        const ts = run(null);
        calls.length = 0;
        const ws = run(spy);
        expect(calls).toEqual(dtype === 'float32' ? ['add', 'sub', 'mul', 'div', 'exp'] : ['add', 'sub', 'mul', 'div']);
        for (let o = 0; o < 4; o++) expect(Array.from(ws[o]!)).toEqual(Array.from(ts[o]!));
        for (let i = 0; i < 5000; i++) {
          const want = ts[4]![i]!;
          if (!(Math.abs(ws[4]![i]! - want) <= 2.5e-7 * want)) throw new Error(`exp[${i}]: ${ws[4]![i]} vs ${want}`);
        }
      }
    } finally {
      setBackend(prev);
    }
  });

  it('matmul through the op: the default backend and setBackend(null) both match a float64 reference on views', async () => {
    const T = await import('../../index.js');
    const { setBackend, getBackend } = await import('../backend.js');
    const prev = getBackend();
    const used: boolean[] = [];
    const wasm = createWasmBackend({ threads: 2 });
    const spy: Backend = { name: 'spy', matmul: (a) => { const ok = wasm.matmul!(a); used.push(ok); return ok; } };
    try {
      const g = new T.Generator(3);
      // a: a transposed, stepped view; b: a negatively stepped slice of a permuted tensor; batch of 2.
      const a = T.randn([2, 70, 90], { generator: g }).transpose(-1, -2).slice(null, [null, null, 2]); // [2, 45, 70]
      const b = T.randn([70, 66], { generator: g }).flip(0);                                          // [70, 66]
      const ref = (x: Tensor, y: Tensor) => {
        const [bt, m, k] = x.shape as [number, number, number];
        const n = y.shape[1]!;
        const out: number[] = [];
        for (let t = 0; t < bt; t++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += x.get(t, i, p) * y.get(p, j);
          out.push(s);
        }
        return out;
      };
      const want = ref(a, b);
      for (const be of [spy, null]) {
        setBackend(be);
        const got = T.matmul(a, b).data();
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          if (!(Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)))) throw new Error(`${be?.name ?? 'ts'} [${i}]: ${got[i]} vs ${want[i]}`);
        }
      }
      expect(used.length).toBeGreaterThan(0);
      expect(used.every((u) => u)).toBe(true);
    } finally {
      setBackend(prev);
    }
  });

  it('a backend that declines everything leaves the TypeScript kernels in charge', async () => {
    const T = await import('../../index.js');
    const { setBackend, getBackend } = await import('../backend.js');
    let asked = 0;
    const decline: Backend = { name: 'decline', matmul: () => { asked++; return false; }, elementwise: () => { asked++; return false; } };
    const prev = setBackend(decline);
    try {
      const x = T.arange(0, 6000, 1, { dtype: 'float32' });
      const s = T.add(x, x).data();
      expect(asked).toBe(1);
      for (let i = 0; i < 6000; i++) if (s[i] !== 2 * i) throw new Error(`add[${i}] = ${s[i]}`);
    } finally {
      expect(setBackend(prev)).toBe(decline);
      expect(getBackend()).toBe(prev);
    }
  });
});

describe('helper threads', () => {
  it('a helper that misses its deadline loses its share to the caller; results stay right; the backend goes single-threaded', () => {
    const be = createWasmBackend({ threads: 2, parallelMinWork: 0, helperTimeoutMs: 0 });
    // Normally the caller takes every slab a helper has not claimed yet, so it never waits for a
    // slow one; here it leaves the helper's slab to it until the (zero) deadline.
    poolTesting.reserveForHelpers = true;
    try {
      for (let rep = 0; rep < 3; rep++) {
        const m = 64, n = 48, k = 300;
        const A = makeOperand('contiguous', m, k, false, 100 + rep), B = makeOperand('transposed', k, n, false, 200 + rep);
        checkProduct(runGemm(be, m, n, k, A, B, false), 0, m, n, k, A, B, false);
      }
    } finally {
      poolTesting.reserveForHelpers = false;
    }
    expect(be.threads).toBe(1);
  });

  it('a helper that claimed a slab and stalls past the deadline: the caller redoes it, results stay right, single-threaded after', () => {
    const be = createWasmBackend({ threads: 2, parallelMinWork: 0, helperTimeoutMs: 100 });
    const m = 40, n = 64, k = 50;
    const A = makeOperand('contiguous', m, k, false, 7), B = makeOperand('contiguous', k, n, false, 8);
    checkProduct(runGemm(be, m, n, k, A, B, false), 0, m, n, k, A, B, false); // starts the helper
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); // let it come up
    // The helper now takes its slab and sleeps 300 ms on it; the caller gives up after 100 ms.
    poolTesting.reserveForHelpers = true;
    poolTesting.helperDelayMs = 300;
    try {
      checkProduct(runGemm(be, m, n, k, A, B, false), 0, m, n, k, A, B, false);
    } finally {
      poolTesting.reserveForHelpers = false;
      poolTesting.helperDelayMs = 0;
    }
    expect(be.threads).toBe(1);
    checkProduct(runGemm(be, m, n, k, A, B, false), 0, m, n, k, A, B, false);
  });

  it('a process that ran parallel products exits by itself (workers are unref\'d)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gd-wasm-'));
    const script = path.join(dir, 'exit.ts');
    writeFileSync(script, [
      `import { createWasmBackend } from ${JSON.stringify(path.join(here, 'backend.ts'))};`,
      `const be = createWasmBackend({ threads: 2, parallelMinWork: 0 });`,
      `const n = 64, a = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);`,
      `be.matmul!({ m: n, n, k: n, a, aOff: 0, aRowStride: n, aColStride: 1, b: a, bOff: 0, bRowStride: n, bColStride: 1, c, cOff: 0 });`,
      `console.log(be.threads, c[0], c[n * n - 1]);`,
    ].join('\n'));
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000, cwd: here });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('2 64 64');
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 70_000);
});

describe('gemm: register tiles, k blocks and thread slabs', () => {
  // Register tile rows by build: 5 (float32 with FMA) or 4; k is cut into equal blocks of at most
  // 256 (k = 784 -> 4 x 196); m into blocks of 120 rows. These shapes put ragged edges on each.
  const SHAPES: [number, number, number][] = [
    [5, 8, 1], [9, 8, 3], [10, 17, 784], [11, 7, 257], [64, 24, 513], [119, 9, 40], [121, 16, 5], [126, 23, 256], [4, 33, 255],
  ];
  const tileRows = (src: string): [number, number] => {
    const bytes = Uint8Array.from(atob(src), (ch) => ch.charCodeAt(0));
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536 });
    // The package switches V8's relaxed-SIMD flag (Node 20) on only while it compiles, so do the same here.
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      try { module = new WebAssembly.Module(bytes); } finally { setFlagsFromString('--no-experimental-wasm-relaxed-simd'); }
    }
    const k = new WebAssembly.Instance(module, { env: { memory } }).exports as { gemmTileRows(e: number): number };
    return [k.gemmTileRows(4), k.gemmTileRows(8)];
  };

  it('the FMA build uses 5-row float32 tiles, everything else 4 rows', () => {
    expect(wasmRelaxedSimdSupported()).toBe(true);
    expect(tileRows(binary.RELAXED)).toEqual([5, 4]);
    expect(tileRows(binary.SIMD)).toEqual([4, 4]);
  });

  it.each(BACKENDS)('ragged tile, k-block and m-block edges agree with a float64 reference (%s)', (_label, be) => {
    for (const [m, n, k] of SHAPES) {
      for (const f64 of [false, true]) {
        for (const [la, lb] of [['contiguous', 'contiguous'], ['transposed', 'transposed'], ['sparse', 'negCols']] as const) {
          const A = makeOperand(la, m, k, f64, m * 31 + k), B = makeOperand(lb, k, n, f64, n * 17 + k);
          checkProduct(runGemm(be, m, n, k, A, B, f64), 0, m, n, k, A, B, f64);
        }
      }
    }
  });

  it('NaN and infinity in every row of a 5-row tile (vector-load rows 0-3 and broadcast row 4) propagate', () => {
    for (const be of [plain, fused]) {
      const m = 10, n = 8, k = 6;
      for (let r = 0; r < m; r++) {
        const A = makeOperand('contiguous', m, k, false, 3 + r), B = makeOperand('contiguous', k, n, false, 4);
        A.data[r * k + (r % k)] = r % 2 ? Number.NaN : Number.POSITIVE_INFINITY;
        B.data.fill(0, (r % k) * n, (r % k) * n + 3); // inf * 0 = NaN in columns 0-2, inf elsewhere
        const c = runGemm(be, m, n, k, A, B, false);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const v = c[i * n + j]!;
            if (i !== r) expect(Number.isFinite(v)).toBe(true);
            else if (r % 2 || j < 3) expect(v).toBeNaN();
            else expect(Math.abs(v)).toBe(Number.POSITIVE_INFINITY);
          }
        }
      }
    }
  });

  it('two and three threads give bit-identical results to one (slabs are whole tiles, same k blocks)', () => {
    const three = createWasmBackend({ fma: true, matmulMinWork: 0, threads: 3, parallelMinWork: 0 });
    const shapes: [number, number, number, Layout, Layout][] = [
      [64, 136, 300, 'contiguous', 'transposed'], [136, 40, 64, 'transposed', 'contiguous'], [64, 208, 70, 'contiguous', 'contiguous'],
      [203, 97, 30, 'contiguous', 'contiguous'], [7, 300, 11, 'stepped', 'negRows'],
    ];
    for (const [m, n, k, la, lb] of shapes) {
      for (const f64 of [false, true]) {
        const A = makeOperand(la, m, k, f64, m + n), B = makeOperand(lb, k, n, f64, n + k);
        const one = runGemm(fused, m, n, k, A, B, f64);
        if (m * n * k < 1e6) checkProduct(one, 0, m, n, k, A, B, f64);
        expect(runGemm(fused2, m, n, k, A, B, f64)).toEqual(one);
        expect(runGemm(three, m, n, k, A, B, f64)).toEqual(one);
      }
    }
    expect(three.threads).toBe(3);
  });

  it('threads are capped at 8 (a product is cut into at most 8 slabs); 8 threads still give right results', () => {
    const many = createWasmBackend({ threads: 12, matmulMinWork: 0, parallelMinWork: 0 });
    expect(many.threads).toBe(8);
    const m = 70, n = 9, k = 33;
    const A = makeOperand('contiguous', m, k, false, 5), B = makeOperand('transposed', k, n, false, 6);
    checkProduct(runGemm(many, m, n, k, A, B, false), 0, m, n, k, A, B, false);
    expect(many.threads).toBe(8);
  });

  it('many products in a row on shared helpers: every slab is done exactly once, none stale', () => {
    // Alternating shapes and dtypes; a slab claimed against an old job or computed twice with a
    // different job's arguments would show up as a wrong entry.
    for (let rep = 0; rep < 60; rep++) {
      const m = 1 + ((rep * 37) % 90), n = 1 + ((rep * 53) % 70), k = 1 + ((rep * 29) % 50), f64 = rep % 3 === 0;
      const A = makeOperand(rep % 2 ? 'transposed' : 'contiguous', m, k, f64, rep), B = makeOperand('contiguous', k, n, f64, rep + 1);
      checkProduct(runGemm(rep % 2 ? fused2 : plain2, m, n, k, A, B, f64), 0, m, n, k, A, B, f64);
    }
    expect(fused2.threads).toBe(2);
    expect(plain2.threads).toBe(2);
  });
});
