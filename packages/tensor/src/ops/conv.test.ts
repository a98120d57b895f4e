// unfold (im2col) and fold (col2im): against slow nested loops written from the definition, on both
// backends (TS kernels only, and the default wasm one), float32 and float64, ragged sizes, strided
// inputs; the wasm kernels against the TS kernels bit for bit; fold as the adjoint of unfold; errors.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type ConvGeometry, Generator, type Tensor, createWasmBackend, wasmSimdSupported, fold, foldKernel, maxPoolKernel, getBackend, randn, setBackend, tensor, unfold, unfoldKernel, zeros,
} from '../index.js';
import { toFlat } from '../testing.js';

const saved = getBackend();
afterAll(() => { setBackend(saved); });

interface Case { n: number; c: number; h: number; w: number; kh: number; kw: number; s: [number, number]; p: [number, number]; d: [number, number] }

const caseArb: fc.Arbitrary<Case> = fc.record({
  n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }),
  kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 4 }),
  s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  p: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 })),
  d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
  extraH: fc.integer({ min: 0, max: 6 }), extraW: fc.integer({ min: 0, max: 9 }),
}).map((r) => ({
  ...r,
  // at least the effective kernel, so a window always fits
  h: Math.max(1, r.d[0] * (r.kh - 1) + 1 - 2 * r.p[0]) + r.extraH,
  w: Math.max(1, r.d[1] * (r.kw - 1) + 1 - 2 * r.p[1]) + r.extraW,
}));

const outSize = (size: number, k: number, s: number, p: number, d: number): number => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;

/** unfold from its definition: six nested loops over a flat row-major copy of x. */
function unfoldRef(xs: number[], t: Case): { shape: number[]; data: number[] } {
  const ho = outSize(t.h, t.kh, t.s[0], t.p[0], t.d[0]), wo = outSize(t.w, t.kw, t.s[1], t.p[1], t.d[1]);
  const rows = t.c * t.kh * t.kw, l = ho * wo;
  const data = new Array<number>(t.n * rows * l).fill(0);
  for (let b = 0; b < t.n; b++) for (let c = 0; c < t.c; c++) for (let i = 0; i < t.kh; i++) for (let j = 0; j < t.kw; j++) {
    for (let p = 0; p < ho; p++) for (let q = 0; q < wo; q++) {
      const y = p * t.s[0] - t.p[0] + i * t.d[0], x = q * t.s[1] - t.p[1] + j * t.d[1];
      const v = y >= 0 && y < t.h && x >= 0 && x < t.w ? xs[((b * t.c + c) * t.h + y) * t.w + x]! : 0;
      data[(b * rows + (c * t.kh + i) * t.kw + j) * l + p * wo + q] = v;
    }
  }
  return { shape: [t.n, rows, l], data };
}

/** fold from its definition: every column entry added to the pixel it came from. */
function foldRef(cs: number[], t: Case): number[] {
  const ho = outSize(t.h, t.kh, t.s[0], t.p[0], t.d[0]), wo = outSize(t.w, t.kw, t.s[1], t.p[1], t.d[1]);
  const rows = t.c * t.kh * t.kw, l = ho * wo;
  const out = new Array<number>(t.n * t.c * t.h * t.w).fill(0);
  for (let b = 0; b < t.n; b++) for (let c = 0; c < t.c; c++) for (let i = 0; i < t.kh; i++) for (let j = 0; j < t.kw; j++) {
    for (let p = 0; p < ho; p++) for (let q = 0; q < wo; q++) {
      const y = p * t.s[0] - t.p[0] + i * t.d[0], x = q * t.s[1] - t.p[1] + j * t.d[1];
      if (y >= 0 && y < t.h && x >= 0 && x < t.w) out[((b * t.c + c) * t.h + y) * t.w + x]! += cs[(b * rows + (c * t.kh + i) * t.kw + j) * l + p * wo + q]!;
    }
  }
  return out;
}

const opts = (t: Case) => ({ stride: t.s, padding: t.p, dilation: t.d });
const backends: [string, () => void][] = [['TS kernels', () => setBackend(null)], ['default backend', () => setBackend(saved)]];

describe.each(backends)('unfold / fold on %s', (_name, use) => {
  it('unfold equals the nested-loop definition (float32 and float64, strided inputs)', () => {
    use();
    fc.assert(fc.property(caseArb, fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1e6 }), (t, f64, permuted, seed) => {
      const dtype = f64 ? 'float64' : 'float32';
      const g = new Generator(seed);
      // a permuted view (non-contiguous) half of the time
      const x = permuted ? randn([t.c, t.n, t.h, t.w], { dtype, generator: g }).permute([1, 0, 2, 3]) : randn([t.n, t.c, t.h, t.w], { dtype, generator: g });
      const want = unfoldRef(toFlat(x), t);
      const got = unfold(x, [t.kh, t.kw], opts(t));
      expect(got.shape).toEqual(want.shape);
      expect(got.dtype).toBe(dtype);
      expect(toFlat(got)).toEqual(want.data); // a copy: exact
    }), { numRuns: 60 });
  });

  it('fold equals the nested-loop definition (float64 exactly up to summation order, float32 within rounding)', () => {
    use();
    fc.assert(fc.property(caseArb, fc.boolean(), fc.integer({ min: 1, max: 1e6 }), (t, f64, seed) => {
      const dtype = f64 ? 'float64' : 'float32';
      const ho = outSize(t.h, t.kh, t.s[0], t.p[0], t.d[0]), wo = outSize(t.w, t.kw, t.s[1], t.p[1], t.d[1]);
      const cols = randn([t.n, t.c * t.kh * t.kw, ho * wo], { dtype, generator: new Generator(seed) });
      const want = foldRef(toFlat(cols), t);
      const got = fold(cols, [t.h, t.w], [t.kh, t.kw], opts(t));
      expect(got.shape).toEqual([t.n, t.c, t.h, t.w]);
      const gv = toFlat(got);
      const tol = f64 ? 1e-12 : 1e-5;
      want.forEach((v, i) => expect(Math.abs(gv[i]! - v)).toBeLessThanOrEqual(tol * (1 + Math.abs(v))));
    }), { numRuns: 60 });
  });

  it('fold is the adjoint of unfold: <fold(c), x> = <c, unfold(x)> (float64)', () => {
    use();
    fc.assert(fc.property(caseArb, fc.integer({ min: 1, max: 1e6 }), (t, seed) => {
      const g = new Generator(seed);
      const x = randn([t.n, t.c, t.h, t.w], { dtype: 'float64', generator: g });
      const u = unfold(x, [t.kh, t.kw], opts(t));
      const c = randn(u.shape, { dtype: 'float64', generator: g });
      const lhs = fold(c, [t.h, t.w], [t.kh, t.kw], opts(t)).mul(x).sum().item();
      const rhs = c.mul(u).sum().item();
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(rhs)));
    }), { numRuns: 60 });
  });

  it('fold takes columns in any strides (a transposed view) and agrees with their contiguous copy', () => {
    use();
    const t: Case = { n: 3, c: 4, h: 11, w: 13, kh: 3, kw: 2, s: [1, 2], p: [1, 0], d: [2, 1] };
    const ho = outSize(t.h, t.kh, 1, 1, 2), wo = outSize(t.w, t.kw, 2, 0, 1);
    const raw = randn([t.c * t.kh * t.kw, t.n, ho * wo], { generator: new Generator(3) });
    const view = raw.permute([1, 0, 2]);
    expect(toFlat(fold(view, [t.h, t.w], [t.kh, t.kw], opts(t)))).toEqual(toFlat(fold(view.contiguous(), [t.h, t.w], [t.kh, t.kw], opts(t))));
  });
});

describe('wasm kernels against the TS kernels', () => {
  // A backend that takes every size (the default declines small ones), on the calling thread, and
  // one that splits every call between the threads (by planes); arrays padded past 1 KiB so they
  // live in the arena, where the kernels work in place.
  it.each([['one thread', 1], ['split between threads', 0]] as const)('im2col and col2im give the same bits as unfoldKernel / foldKernel (float32, float64, column layouts, ragged rows; %s)', (_name, splitFrom) => {
    if (!wasmSimdSupported()) return; // no wasm here: the TS kernels are all there is
    const be = createWasmBackend(splitFrom === 0 ? { elementwiseMinSize: 1, parallelElementwiseMin: 0 } : { elementwiseMinSize: 1, threads: 1 });
    fc.assert(fc.property(caseArb, fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1e6 }), (t, f64, batchInner, seed) => {
      const dtype = f64 ? 'float64' : 'float32';
      const ho = outSize(t.h, t.kh, t.s[0], t.p[0], t.d[0]), wo = outSize(t.w, t.kw, t.s[1], t.p[1], t.d[1]);
      const g: ConvGeometry = { n: t.n, c: t.c, h: t.h, w: t.w, kh: t.kh, kw: t.kw, sh: t.s[0], sw: t.s[1], ph: t.p[0], pw: t.p[1], dh: t.d[0], dw: t.d[1], ho, wo };
      const rows = t.c * t.kh * t.kw, l = ho * wo;
      const cs = batchInner ? [l, t.n * l, 1] : [rows * l, l, 1];
      const x = randn([t.n * t.c * t.h * t.w + 300], { dtype, generator: new Generator(seed) });
      const xs = x.storage as Float32Array | Float64Array;
      const a = zeros([t.n * rows * l + 300], { dtype }), b = zeros([t.n * rows * l + 300], { dtype });
      const as = a.storage as Float32Array | Float64Array, bs = b.storage as Float32Array | Float64Array;
      unfoldKernel(g, xs, 3, [t.c * t.h * t.w, t.h * t.w, t.w, 1], as, 5, cs);
      // every column element must be written, and nothing before the columns
      bs.fill(NaN); as.fill(7, 0, 5); bs.fill(7, 0, 5);
      as.fill(7, 5 + t.n * rows * l); bs.fill(7, 5 + t.n * rows * l); // (both layouts span n*rows*l)
      expect(be.unfold!(g, xs, 3, bs, 5, cs)).toBe(true);
      expect(Array.from(bs)).toEqual(Array.from(as));
      const img1 = zeros([t.n * t.c * t.h * t.w + 300], { dtype }), img2 = zeros([t.n * t.c * t.h * t.w + 300], { dtype });
      const i1 = img1.storage as Float32Array | Float64Array, i2 = img2.storage as Float32Array | Float64Array;
      const colsIn = randn([t.n * rows * l + 300], { dtype, generator: new Generator(seed + 1) });
      const cin = colsIn.storage as Float32Array | Float64Array;
      foldKernel(g, cin, 5, cs, i1);
      i1.fill(7, t.n * t.c * t.h * t.w); i2.fill(NaN); i2.fill(7, t.n * t.c * t.h * t.w); // past the image: untouched
      expect(be.fold!(g, cin, 5, cs, i2)).toBe(true);
      expect(Array.from(i2)).toEqual(Array.from(i1));
    }), { numRuns: 40 });
  });
});

describe('unfold / fold: examples and errors', () => {
  it('small cases worked by hand', () => {
    setBackend(saved);
    const x = tensor([[[[1, 2, 3], [4, 5, 6]]]]);
    // 2x2 windows with one column of padding each side: a 2x5 padded image, 4 windows
    expect(unfold(x, 2, { padding: [0, 1] }).toArray()).toEqual([[[0, 1, 2, 3], [1, 2, 3, 0], [0, 4, 5, 6], [4, 5, 6, 0]]]);
    expect(unfold(x, [1, 2], { stride: [1, 2] }).toArray()).toEqual([[[1, 4], [2, 5]]]);
    expect(fold(unfold(tensor([[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]), 2), 3, 2).toArray()).toEqual([[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
  });

  it('errors name the op and the offending shapes or values', () => {
    const x = zeros([1, 2, 4, 4]);
    expect(() => unfold(zeros([2, 4, 4]), 2)).toThrow('unfold: expected [N, C, H, W] input, got shape [2,4,4]');
    expect(() => unfold(zeros([1, 1, 2, 2], { dtype: 'int32' }), 1)).toThrow('unfold: expected a float32 or float64 tensor, got int32 of shape [1,1,2,2]');
    expect(() => unfold(x, 0)).toThrow('unfold: kernelSize must be an integer >= 1 or a pair of them, got 0');
    expect(() => unfold(x, 2, { stride: [1, 0] })).toThrow('unfold: stride must be an integer >= 1 or a pair of them, got [1,0]');
    expect(() => unfold(x, 2, { padding: -1 })).toThrow('unfold: padding must be an integer >= 0 or a pair of them, got -1');
    expect(() => unfold(x, 2, { dilation: 1.5 })).toThrow('unfold: dilation must be an integer >= 1 or a pair of them, got 1.5');
    expect(() => unfold(x, 5)).toThrow('unfold: kernel [5,5] (dilation [1,1]) does not fit the padded 4x4 image');
    expect(() => unfold(x, 3, { dilation: 2 })).toThrow('unfold: kernel [3,3] (dilation [2,2]) does not fit');
    expect(() => unfold('x' as unknown as Tensor, 2)).toThrow('unfold: expected a Tensor, got string');
    expect(() => fold(zeros([1, 5, 9]), 4, 2)).toThrow('fold: dim 1 of the columns [1,5,9] must be a multiple of kh*kw = 4 (kernel [2,2])');
    expect(() => fold(zeros([1, 4, 8]), 4, 2)).toThrow('fold: columns [1,4,8] have 8 windows, but output size [4,4] with kernel [2,2], stride [1,1], padding [0,0] and dilation [1,1] has 3x3 = 9');
    expect(() => fold(zeros([1, 4]), 4, 2)).toThrow('fold: expected [N, C*kh*kw, L] input, got shape [1,4]');
    expect(() => fold(zeros([1, 4, 9]), 0, 2)).toThrow('fold: outputSize must be an integer >= 1 or a pair of them, got 0');
    // non-finite values are named as they are (JSON would print them as null)
    expect(() => unfold(x, NaN)).toThrow('unfold: kernelSize must be an integer >= 1 or a pair of them, got NaN');
    expect(() => unfold(x, 2, { stride: [1, Infinity] })).toThrow('unfold: stride must be an integer >= 1 or a pair of them, got [1,Infinity]');
    expect(() => fold(zeros([1, 4, 9]), [4, NaN], 2)).toThrow('fold: outputSize must be an integer >= 1 or a pair of them, got [4,NaN]');
  });
});

describe('contiguous() of views with whole contiguous rows (the row-copy path conv2d relies on)', () => {
  it('equals an element-by-element read for permuted, offset and reversed views, every dtype, ragged rows', () => {
    setBackend(saved);
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 32, max: 77 }),
      fc.constantFrom('float32', 'float64', 'int32', 'bool'), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 1e6 }), (a, b, len, dtype, kind, seed) => {
        const base = randn([a + 1, b, len], { generator: new Generator(seed) }).mul(10).to(dtype as 'float32');
        const v = kind === 0 ? base.permute([1, 0, 2]) : kind === 1 ? base.narrow(0, 1, a).permute([1, 0, 2]) : base.flip([0]).permute([1, 0, 2]);
        const want = toFlat(v);
        const got = v.contiguous();
        expect(toFlat(got)).toEqual(want);
      }), { numRuns: 40 });
  });
});

describe('max pooling kernels', () => {
  const poolArb = fc.record({
    n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }),
    kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.tuple(fc.boolean(), fc.boolean()),
    d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    eh: fc.integer({ min: 0, max: 9 }), ew: fc.integer({ min: 0, max: 11 }),
    // few distinct values (ties) and some NaN
    levels: fc.integer({ min: 2, max: 6 }), nan: fc.boolean(), f64: fc.boolean(), seed: fc.integer({ min: 1, max: 1e6 }),
  });

  /** From the definition: the first (row-major) maximum of each window, NaN winning, padding never. */
  function poolRef(xs: number[], g: ConvGeometry): { v: number[]; i: number[] } | null {
    const v: number[] = [], i: number[] = [];
    for (let pl = 0; pl < g.n * g.c; pl++) {
      for (let p = 0; p < g.ho; p++) for (let q = 0; q < g.wo; q++) {
        let best = NaN, at = -1;
        for (let a = 0; a < g.kh; a++) for (let b = 0; b < g.kw; b++) {
          const r = p * g.sh - g.ph + a * g.dh, col = q * g.sw - g.pw + b * g.dw;
          if (r < 0 || r >= g.h || col < 0 || col >= g.w) continue;
          const x = xs[pl * g.h * g.w + r * g.w + col]!;
          if (at < 0 || (!Number.isNaN(best) && (Number.isNaN(x) || x > best))) { best = x; at = r * g.w + col; }
        }
        if (at < 0) return null;
        v.push(best); i.push(at);
      }
    }
    return { v, i };
  }

  it.each([['TS kernel', false], ['wasm kernel', true]] as const)('%s: first maximum and its index, NaN propagating, ties, padding, dilation, float32 and float64', (_name, wasm) => {
    if (wasm && !wasmSimdSupported()) return;
    const be = wasm ? createWasmBackend({ elementwiseMinSize: 1 }) : null;
    // half of the cases the 2x2 / stride 2 float32 shape (the wasm kernel's vector path), odd sizes too
    const arb = fc.tuple(poolArb, fc.boolean()).map(([t, twoByTwo]) => (twoByTwo
      ? { ...t, kh: 2, kw: 2, s: [2, 2] as [number, number], pad: [false, false] as [boolean, boolean], d: [1, 1] as [number, number], f64: false }
      : t));
    fc.assert(fc.property(arb, (t) => {
      const dtype = t.f64 ? 'float64' : 'float32';
      const ph = t.pad[0] ? Math.floor(t.kh / 2) : 0, pw = t.pad[1] ? Math.floor(t.kw / 2) : 0;
      const h = Math.max(1, t.d[0] * (t.kh - 1) + 1 - 2 * ph) + t.eh, w = Math.max(1, t.d[1] * (t.kw - 1) + 1 - 2 * pw) + t.ew;
      const ho = outSize(h, t.kh, t.s[0], ph, t.d[0]), wo = outSize(w, t.kw, t.s[1], pw, t.d[1]);
      const g: ConvGeometry = { n: t.n, c: t.c, h, w, kh: t.kh, kw: t.kw, sh: t.s[0], sw: t.s[1], ph, pw, dh: t.d[0], dw: t.d[1], ho, wo };
      const size = t.n * t.c * h * w;
      // padded past 1 KiB so the wasm kernel works in place
      const x = randn([size + 300], { dtype, generator: new Generator(t.seed) }).mul(t.levels).floor();
      const xs = x.storage as Float32Array | Float64Array;
      if (t.nan) for (let k = t.seed % 7; k < size; k += 13) xs[k] = NaN;
      const want = poolRef(Array.from(xs.subarray(0, size)), g);
      const m = t.n * t.c * ho * wo;
      const vals = zeros([m + 300], { dtype }), idx = new Int32Array(m);
      const vs = vals.storage as Float32Array | Float64Array;
      const ok = be ? be.maxPool!(g, xs, 0, vs, idx) : maxPoolKernel(g, xs, 0, [t.c * h * w, h * w, w, 1], vs, idx);
      if (want === null) { expect(ok).toBe(false); return; }
      expect(ok).toBe(true);
      expect(Array.from(idx)).toEqual(want.i);
      expect(Array.from(vs.subarray(0, m))).toEqual(want.v.map((v) => (t.f64 ? v : Math.fround(v))));
    }), { numRuns: 100 });
  });
});
