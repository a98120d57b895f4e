// The WebAssembly elementwise, broadcasting, optimizer-update and column-sum kernels against the
// TypeScript kernels (setBackend(null)) and against float64 references, on both compiled variants
// (plain SIMD and relaxed SIMD), with ragged sizes (not multiples of the vector width or of the copy
// chunk) and special values.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AdamArgs, Backend, FloatArray } from '../backend.js';
import { getBackend, setBackend } from '../backend.js';
import { createWasmBackend, wasmRelaxedSimdSupported } from './backend.js';
import * as T from '../../index.js';
import { xorshift32 } from './__fixtures__/xorshift.js';

const plain = createWasmBackend({ fma: false, threads: 1, elementwiseMinSize: 0 });
const VARIANTS: [string, Backend & { fma: boolean }][] = [['simd', plain]];
if (wasmRelaxedSimdSupported()) VARIANTS.push(['relaxed simd', createWasmBackend({ fma: true, threads: 1, elementwiseMinSize: 0 })]);
VARIANTS.push(['simd, shared memory', createWasmBackend({ fma: false, threads: 2, elementwiseMinSize: 0 })]);

/** Sizes around the vector widths and the 64 KiB copy chunk (16384 float32, 8192 float64 elements). */
const SIZES = [1, 7, 4096, 4099, 8191, 16387, 40003];

const initial = getBackend();
afterEach(() => { setBackend(initial); });

/** xorshift32 in [0, 1). */
const rng = xorshift32;

const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 1e-40, 3.4e38, -3.4e38, 1, -1, 88.7, -87.3, 89, -104, 1e-30];

/** Random values of a wide spread (|x| up to `scale`), special values sprinkled in. */
function values(n: number, seed: number, f64: boolean, scale = 10): FloatArray {
  const r = rng(seed);
  const a = f64 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    a[i] = u < 0.02 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : (r() - 0.5) * 2 * scale * (u < 0.1 ? 1e-3 : 1);
  }
  return a;
}

/** Same bits (NaN matches any NaN; +0 and -0 differ). */
function expectSameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)))) throw new Error(`${what}[${i}]: ${g} vs ${w}`);
  }
}

/** Run `fn` with the backend `b` installed. */
function withBackend<R>(b: Backend | null, fn: () => R): R {
  const prev = setBackend(b);
  try { return fn(); } finally { setBackend(prev); }
}

/** A spy around `b` recording which of its methods accepted a call (and for which op). */
function spy(b: Backend): { be: Backend; calls: string[] } {
  const calls: string[] = [];
  const be: Backend = {
    name: 'spy',
    elementwise: (op, o, x, y) => { const ok = b.elementwise!(op, o, x, y); if (ok) calls.push(op); return ok; },
    broadcast: (op, o, ...rest) => { const ok = b.broadcast!(op, o, ...rest); if (ok) calls.push(`broadcast ${op}`); return ok; },
    axpy: (s, k, d) => { const ok = b.axpy!(s, k, d); if (ok) calls.push('axpy'); return ok; },
    adam: (args) => { const ok = b.adam!(args); if (ok) calls.push('adam'); return ok; },
    colSum: (...args) => { const ok = b.colSum!(...args); if (ok) calls.push('colSum'); return ok; },
    rowSum: (...args) => { const ok = b.rowSum!(...args); if (ok) calls.push('rowSum'); return ok; },
  };
  return { be, calls };
}

describe.each(VARIANTS)('wasm elementwise kernels (%s)', (_name, wasm) => {
  it('exact unary ops (neg, abs, relu, sqrt, square) give the TypeScript kernels\' bits, float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const n of SIZES) {
        const x = T.tensor(values(n, n + 1, dtype === 'float64'), { dtype });
        for (const op of ['neg', 'abs', 'relu', 'sqrt', 'square'] as const) {
          const want = withBackend(null, () => T[op](x)).data();
          const { be, calls } = spy(wasm);
          const got = withBackend(be, () => T[op](x)).data();
          expect(calls, `${op} ${dtype} n=${n}`).toEqual(n >= 2048 ? [op] : []);
          expectSameBits(got, want, `${op} ${dtype} n=${n}`);
        }
      }
    }
  });

  it('add, sub, mul, div give the TypeScript kernels\' bits, on offset views too', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const n of SIZES.filter((s) => s >= 4096)) {
        const base = T.tensor(values(2 * n + 3, n, dtype === 'float64', 1e3), { dtype, shape: [2 * n + 3] });
        const x = base.slice([1, n + 1]), y = base.slice([n + 3, 2 * n + 3]);
        for (const op of ['add', 'sub', 'mul', 'div'] as const) {
          const want = withBackend(null, () => T[op](x, y)).data();
          const { be, calls } = spy(wasm);
          const got = withBackend(be, () => T[op](x, y)).data();
          expect(calls).toEqual([op]);
          expectSameBits(got, want, `${op} ${dtype} n=${n}`);
        }
      }
    }
  });

  it('exp, log, tanh, sigmoid (float32) stay within a few ulp of float64 Math.*, special values as Math.*', () => {
    const ref: Record<string, (v: number) => number> = {
      exp: Math.exp, log: Math.log, tanh: Math.tanh,
      sigmoid: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
    };
    // Error against the exact (float64) value in ulp of float32 (0.5 = correctly rounded; subnormal
    // results in units of 2^-149). Maxima measured over 2-3 × 2^20 uniform inputs per op
    // (bench/src/ewise_ulp.ts, 12:27 UTC): exp 0.97, log 0.79, tanh 1.32, sigmoid 2.40.
    const bound: Record<string, number> = { exp: 2, log: 2, tanh: 3, sigmoid: 3 };
    const worst: Record<string, number> = {};
    for (const op of ['exp', 'log', 'tanh', 'sigmoid'] as const) {
      for (const n of [4096, 4099, 16387]) {
        // exp sees [-110, 95]: overflow, underflow and subnormal results; the others a wide spread.
        const xs = values(n, 3 * n + op.length, false, op === 'exp' ? 100 : op === 'log' ? 1e6 : 12);
        if (op === 'log') for (let i = 0; i < n; i += 3) xs[i] = Math.abs(xs[i]!);
        const x = T.tensor(xs, { dtype: 'float32' });
        const { be, calls } = spy(wasm);
        const got = withBackend(be, () => T[op](x)).data() as Float32Array;
        expect(calls).toEqual([op]);
        let w = 0;
        for (let i = 0; i < n; i++) {
          const want = ref[op]!(xs[i]!);
          const g = got[i]!;
          if (Number.isNaN(want) || !Number.isFinite(Math.fround(want))) {
            if (!Object.is(g, Math.fround(want)) && !(Number.isNaN(g) && Number.isNaN(want))) throw new Error(`${op}(${xs[i]}) = ${g}, want ${want}`);
            continue;
          }
          const e = Math.abs(g - want) / ulp32(want);
          w = Math.max(w, e);
          if (!(e <= bound[op]!)) throw new Error(`${op}(${xs[i]}) = ${g}, want ${want}: ${e} ulp`);
        }
        worst[op] = Math.max(worst[op] ?? 0, w);
      }
    }
    expect(Object.keys(worst).length).toBe(4);
  });

  it('broadcasting add/sub/mul/div (scalar, bias row, column) give the TypeScript kernels\' bits', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const f64 = dtype === 'float64';
      for (const [m, n] of [[64, 256], [3, 5001], [1000, 37], [2, 40003], [4097, 1]] as const) {
        const a = T.tensor(values(m * n, m + n, f64, 100), { dtype, shape: [m, n] });
        const row = T.tensor(values(n, n, f64, 100), { dtype, shape: [n] });
        const col = T.tensor(values(m, m, f64, 100), { dtype, shape: [m, 1] });
        const s = T.tensor(values(1, 5, f64, 3), { dtype, shape: [] });
        const cases: [string, (op: 'add' | 'sub' | 'mul' | 'div') => T.Tensor][] = [
          ['a op row', (op) => T[op](a, row)],
          ['row op a', (op) => T[op](row, a)],
          ['a op col', (op) => T[op](a, col)],
          ['col op a', (op) => T[op](col, a)],
          ['a op scalar', (op) => T[op](a, s)],
          ['scalar op a', (op) => T[op](s, a)],
          ['a op 2.5', (op) => T[op](a, 2.5)],
          ['a.T op col.T', (op) => T[op](a.T, col.T)],
        ];
        for (const [what, f] of cases) {
          for (const op of ['add', 'sub', 'mul', 'div'] as const) {
            const want = withBackend(null, () => f(op));
            const { be, calls } = spy(wasm);
            const got = withBackend(be, () => f(op));
            expect(got.shape).toEqual(want.shape);
            if (what !== 'a.T op col.T' && n > 1) expect(calls, `${what} ${op} [${m},${n}]`).toEqual([`broadcast ${op}`]);
            expectSameBits(got.data(), want.data(), `${what} ${op} ${dtype} [${m},${n}]`);
          }
        }
      }
    }
  });

  it('column sums and means (over axis 0) give the TypeScript kernels\' bits, on row-strided views too', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [m, n] of [[64, 256], [4096, 3], [100, 4099], [7, 1001]] as const) {
        const big = T.tensor(values(m * (n + 5), m * n, dtype === 'float64', 1e4), { dtype, shape: [m, n + 5] });
        for (const x of [big.slice([null, null], [2, n + 2]), big.slice([null, null], [0, n]).contiguous()]) {
          const want = withBackend(null, () => T.sum(x, 0)).data();
          const { be, calls } = spy(wasm);
          const got = withBackend(be, () => T.sum(x, 0)).data();
          expect(calls, `[${m},${n}]`).toEqual(m * n >= 2048 && n >= 4 ? ['colSum'] : []); // (n < 4: the TS kernel sums rows)
          expectSameBits(got, want, `colsum ${dtype} [${m},${n}]`);
          const keep = withBackend(be, () => T.sum(x, [0], true));
          expect(keep.shape).toEqual([1, n]);
          expectSameBits(keep.data(), want, `colsum keepdims ${dtype}`);
          expectSameBits(withBackend(be, () => T.mean(x, 0)).data(), withBackend(null, () => T.mean(x, 0)).data(), `col mean ${dtype}`);
        }
      }
    }
  });

  it('row sums and means (over the last axis) give the TypeScript kernels\' bits, on row-strided views too', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [m, n] of [[64, 256], [4099, 3], [7, 1001], [4, 1025], [3, 5000], [1000, 1]] as const) {
        const big = T.tensor(values(m * (n + 5), m + 7 * n, dtype === 'float64', 1e4), { dtype, shape: [m, n + 5] });
        for (const x of [big.slice([null, null], [2, n + 2]), big.slice([null, null], [0, n]).contiguous()]) {
          const want = withBackend(null, () => T.sum(x, 1)).data();
          const { be, calls } = spy(wasm);
          const got = withBackend(be, () => T.sum(x, -1)).data();
          // (fewer than 4 rows, or rows of one element: the TS kernel runs)
          expect(calls, `[${m},${n}]`).toEqual(m * n >= 2048 && m >= 4 && n > 1 ? ['rowSum'] : []);
          expectSameBits(got, want, `rowsum ${dtype} [${m},${n}]`);
          const keep = withBackend(be, () => T.sum(x, [1], true));
          expect(keep.shape).toEqual([m, 1]);
          expectSameBits(keep.data(), want, `rowsum keepdims ${dtype}`);
          expectSameBits(withBackend(be, () => T.mean(x, -1)).data(), withBackend(null, () => T.mean(x, -1)).data(), `row mean ${dtype}`);
        }
      }
    }
  });

  it('on plain JS arrays (copied through scratch in chunks) the kernels give the same bits as the TS ops', () => {
    // Tensors may live in the kernels' memory (then used in place); plain typed arrays never do.
    for (const dtype of ['float32', 'float64'] as const) {
      const f64 = dtype === 'float64';
      const [m, n] = [9, 5003];
      const xa = values(m * n, 1, f64, 50), ya = values(m * n, 2, f64, 50), ra = values(n, 3, f64, 50);
      const x = T.tensor(xa, { dtype, shape: [m, n] }), y = T.tensor(ya, { dtype, shape: [m, n] }), r = T.tensor(ra, { dtype, shape: [n] });
      const out = (): FloatArray => (f64 ? new Float64Array(m * n) : new Float32Array(m * n));
      const ref = (f: () => T.Tensor) => withBackend(null, f).data();
      let o = out();
      expect(wasm.elementwise!('relu', o, xa, null)).toBe(true);
      expectSameBits(o, ref(() => T.relu(x)), 'relu');
      o = out();
      expect(wasm.elementwise!('div', o, xa, ya)).toBe(true);
      expectSameBits(o, ref(() => T.div(x, y)), 'div');
      o = xa.slice();
      expect(wasm.elementwise!('sub', o, o, ya)).toBe(true); // in place
      expectSameBits(o, ref(() => T.sub(x, y)), 'sub in place');
      o = out();
      expect(wasm.broadcast!('mul', o, xa, 0, n, 1, ra, 0, 0, 1, m, n)).toBe(true);
      expectSameBits(o, ref(() => T.mul(x, r)), 'mul row');
      o = out();
      expect(wasm.broadcast!('sub', o, ra, 0, 0, 1, xa, 0, n, 1, m, n)).toBe(true);
      expectSameBits(o, ref(() => T.sub(r, x)), 'row sub');
      const cs = f64 ? new Float64Array(n) : new Float32Array(n);
      expect(wasm.colSum!(cs, xa, 0, m, n, n)).toBe(true);
      expectSameBits(cs, ref(() => T.sum(x, 0)), 'colSum');
      const rs = f64 ? new Float64Array(m) : new Float32Array(m);
      expect(wasm.rowSum!(rs, xa, 0, m, n, n)).toBe(true);
      expectSameBits(rs, ref(() => T.sum(x, 1)), 'rowSum');
    }
  });

  it('axpy (float32) matches the scalar float64-then-round formula bit for bit; float64 declines', () => {
    for (const n of SIZES) {
      const s = values(n, n, false) as Float32Array, d = values(n, n + 9, false) as Float32Array;
      const k = -0.01 * (1 + n / 1e5);
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = k * d[i]! + s[i]!;
      const got = s.slice();
      expect(wasm.axpy!(got, k, d)).toBe(true);
      expectSameBits(got, want, `axpy n=${n}`);
    }
    expect(wasm.axpy!(new Float64Array(5000), 1, new Float64Array(5000))).toBe(false);
    expect(wasm.axpy!(new Float32Array(5000), 1, new Float32Array(4999))).toBe(false);
  });

  it('axpby (float32) matches fround(a*x + y*b) in float64 bit for bit, in place too', () => {
    for (const n of SIZES) {
      const x = values(n, n + 3, false) as Float32Array, y = values(n, n + 4, false) as Float32Array;
      const a = 0.9 + n / 1e6, b = -0.37;
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = a * x[i]! + y[i]! * b;
      const got = new Float32Array(n);
      expect(wasm.axpby!(got, a, x, b, y)).toBe(true);
      expectSameBits(got, want, `axpby n=${n}`);
      const yy = y.slice();
      expect(wasm.axpby!(yy, a, x, b, yy)).toBe(true);
      expectSameBits(yy, want, `axpby in place n=${n}`);
    }
    expect(wasm.axpby!(new Float64Array(5000), 1, new Float64Array(5000), 1, new Float64Array(5000))).toBe(false);
  });

  it('adam (float32) matches the scalar reference loop bit for bit, moments updated in place or not', () => {
    for (const n of [7, 4099, 40003]) {
      const g = values(n, n, false, 1) as Float32Array;
      const m0 = values(n, n + 1, false, 0.1) as Float32Array;
      const v0 = (values(n, n + 2, false, 0.01) as Float32Array).map(Math.abs);
      const c = { c1: 0.1, b1: 0.9, c2: 1 - 0.999, b2: 0.999, k: -(1e-3 / (1 - 0.9 ** 3)), bc2s: Math.sqrt(1 - 0.999 ** 3), eps: 1e-8 };
      const wm = new Float32Array(n), wv = new Float32Array(n), wu = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        wm[j] = c.c1 * g[j]! + m0[j]! * c.b1;
        wv[j] = c.c2 * g[j]! * g[j]! + v0[j]! * c.b2;
        wu[j] = (c.k * wm[j]!) / (Math.sqrt(wv[j]!) / c.bc2s + c.eps);
      }
      const m = new Float32Array(n), v = new Float32Array(n), u = new Float32Array(n);
      const args: AdamArgs = { m, v, u, g, m0, v0, ...c };
      expect(wasm.adam!(args)).toBe(true);
      expectSameBits(m, wm, 'm'); expectSameBits(v, wv, 'v'); expectSameBits(u, wu, 'u');
      const mi = m0.slice(), vi = v0.slice(), ui = new Float32Array(n);
      expect(wasm.adam!({ ...args, m: mi, v: vi, u: ui, m0: mi, v0: vi })).toBe(true);
      expectSameBits(mi, wm, 'm in place'); expectSameBits(vi, wv, 'v in place'); expectSameBits(ui, wu, 'u in place');
    }
  });
});

describe('wasm kernels on random shapes and views (property)', () => {
  // Random [m, n] operands, possibly transposed or sliced (so some cases collapse to a 1-d run, some
  // stay 2-d, some are declined), against setBackend(null): same shapes, same bits.
  const view = (t: T.Tensor, kind: number): T.Tensor => {
    if (kind === 1) return t.T.contiguous().T; // column-major layout
    if (kind === 2) return T.pad(t, [1, 2]).slice([null, null], [1, t.shape[1]! + 1]); // rows with gaps
    return t;
  };
  it('binary ops with broadcasting, column and row sums', () => {
    const wasm = createWasmBackend({ threads: 1 });
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 140 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }),
      fc.constantFrom('add', 'sub', 'mul', 'div'), fc.constantFrom('full', 'row', 'col', 'scalar'), fc.boolean(), fc.boolean(), fc.integer(),
      (m, n, ka, kb, op, shapeB, swap, f64, seed) => {
        const dtype = f64 ? 'float64' : 'float32';
        const a = view(T.tensor(values(m * n, seed, f64, 30), { dtype, shape: [m, n] }), ka);
        const bShape = shapeB === 'full' ? [m, n] : shapeB === 'row' ? [n] : shapeB === 'col' ? [m, 1] : [];
        const bBase = T.tensor(values(Math.max(1, m * n), seed + 1, f64, 30).subarray(0, bShape.reduce((p, q) => p * q, 1)), { dtype, shape: bShape });
        const b = shapeB === 'full' ? view(bBase, kb) : bBase;
        const f = () => (swap ? T[op](b, a) : T[op](a, b));
        const want = withBackend(null, f), got = withBackend(wasm, f);
        expect(got.shape).toEqual(want.shape);
        expectSameBits(got.data(), want.data(), `${op} ${dtype}`);
        for (const axis of [0, 1]) {
          for (const r of ['sum', 'mean'] as const) {
            const ws = withBackend(null, () => T[r](a, axis)), gs = withBackend(wasm, () => T[r](a, axis));
            expectSameBits(gs.data(), ws.data(), `${r} ${axis} ${dtype}`);
          }
        }
      }), { numRuns: Number(process.env.EWISE_RUNS ?? 60) });
  });
});

describe('wasm elementwise dispatch', () => {
  it('declines what it does not cover (mixed dtypes, float64 transcendental ops, unknown ops, bad lengths)', () => {
    const w = createWasmBackend({ threads: 1 });
    const f32 = new Float32Array(5000), f64 = new Float64Array(5000);
    expect(w.elementwise!('add', f32, f32, f64)).toBe(false);
    expect(w.elementwise!('exp', f64, f64, null)).toBe(false);
    expect(w.elementwise!('sin', f32, f32, null)).toBe(false);
    expect(w.elementwise!('add', f32, f32, new Float32Array(4999))).toBe(false);
    expect(w.elementwise!('add', new Float32Array(100), new Float32Array(100), new Float32Array(100))).toBe(false); // below the threshold
    expect(w.broadcast!('add', f32, f32, 0, 0, 0, f32, 0, 0, 0, 1, 5000)).toBe(false); // both operands scalar
    expect(w.broadcast!('add', f32, f32, 0, -1, 1, f32, 0, 0, 1, 2, 2500)).toBe(false); // negative row stride
    expect(w.broadcast!('add', f32, f32, 1, 0, 1, f32, 0, 0, 1, 1, 5000)).toBe(false); // operand past the end
    expect(w.colSum!(f32, f32, 0, 100, 50, 49)).toBe(false); // ld < n
  });

  it('an offset view (in the kernels\' memory when the arena is on) with a small operand that is not', () => {
    // Regression: a resident operand at an offset, next to one copied through scratch, was read one
    // offset off.
    const m = 16, n = 130;
    const a = T.pad(T.randn([m, n], { generator: new T.Generator(3) }), [1, 2]).slice([null, null], [1, n + 1]);
    for (const b of [T.tensor(0.5), T.tensor(values(n, 4, false), { shape: [n] }).slice([0, 7]).expand([m, 7])]) {
      const x = b.ndim === 0 ? a : a.slice([null, null], [0, 7]);
      const want = withBackend(null, () => T.add(x, b)).data();
      const got = withBackend(plain, () => T.add(x, b)).data();
      expectSameBits(got, want, 'offset view op small operand');
    }
  });

  it('shape errors still name the op and the shapes with the backend installed', () => {
    const a = T.zeros([64, 256]), b = T.zeros([255]);
    expect(() => T.add(a, b)).toThrow(/add.*\[64, ?256\].*\[255\]/);
  });

  it('large in-place updates (addInPlace, mulInPlace-style) agree with the TypeScript kernels', () => {
    const n = 20001;
    const x0 = T.tensor(values(n, 1, false), { dtype: 'float32' });
    const d = T.tensor(values(n, 2, false), { dtype: 'float32' });
    const run = (b: Backend | null) => withBackend(b, () => { const x = x0.clone(); x.addInPlace(d); return x.data(); });
    expectSameBits(run(plain), run(null), 'addInPlace');
  });
});

/** The spacing of float32 values at |v| (for subnormal results 2^-149). */
function ulp32(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}
