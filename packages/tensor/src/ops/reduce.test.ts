import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type DType, type OpName, Tensor, setOpObserver, tensor, zeros, ones, arange,
  sum, mean, prod, max, min, argmax, argmin, variance, std, logsumexp, norm, all, any, cumsum,
  softmax, logSoftmax, isclose, allclose, type NestedArray, Generator, randn, setBackend,
} from '../index.js';
import { type ViewKind, forEachIndex, nestFlat, nestedMismatch, shapeArb, stridedViewArb } from '../testing.js';
import { planReduce } from '../kernels/reduce.js';
import { mathExpBackend } from './__fixtures__/math-exp-backend.js';

// ------------------------------------------------------------------ slow references

/** Row-major position of a multi-index in `shape`. */
function flatPos(shape: readonly number[], idx: readonly number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + idx[d]!;
  return p;
}

/**
 * For each output position (row-major over the kept dims), the list of reduced elements in row-major
 * order over the reduced dims. Plain nested loops over multi-indices.
 */
function groups(shape: readonly number[], values: readonly number[], axes: readonly number[]): { keptShape: number[]; lists: number[][] } {
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const keptShape = kept.map((d) => shape[d]!);
  const redShape = axes.map((d) => shape[d]!);
  const lists: number[][] = [];
  forEachIndex(keptShape, (ki) => {
    const list: number[] = [];
    forEachIndex(redShape, (ri) => {
      const full = new Array<number>(shape.length);
      kept.forEach((d, i) => (full[d] = ki[i]!));
      axes.forEach((d, i) => (full[d] = ri[i]!));
      list.push(values[flatPos(shape, full)]!);
    });
    lists.push(list);
  });
  return { keptShape, lists };
}

function expectedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((n, d) => {
    if (!axes.includes(d)) out.push(n);
    else if (keepdims) out.push(1);
  });
  return out;
}

function roundTo(dtype: DType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return v | 0;
  if (dtype === 'bool') return v ? 1 : 0;
  return v;
}

const isFloatT = (d: DType): boolean => d === 'float32' || d === 'float64';

/** Tolerance for comparing against a float64 reference rounded to `dtype`. */
function tolFor(dtype: DType, scale = 1): { rtol: number; atol: number } {
  if (dtype === 'float32') return { rtol: 2e-6, atol: 1e-6 * scale };
  if (dtype === 'float64') return { rtol: 1e-12, atol: 1e-12 * scale };
  return { rtol: 0, atol: 0 };
}

// ------------------------------------------------------------------ arbitraries

const ALL_DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];
const ALL_KINDS: ViewKind[] = ['contiguous', 'offset', 'permuted', 'stepped', 'negative', 'expanded', 'mixed'];

interface AxesCase {
  /** What is passed to the op. */
  arg: number | number[] | undefined;
  /** Sorted non-negative axes it means. */
  norm: number[];
}

/** Axis arguments for rank `nd`: undefined, a single (maybe negative) number, or a shuffled subset. */
function axesArb(nd: number): fc.Arbitrary<AxesCase> {
  const ids = Array.from({ length: nd }, (_, i) => i);
  const all: fc.Arbitrary<AxesCase> = fc.constant({ arg: undefined, norm: ids });
  const list = fc.shuffledSubarray(ids).chain((sub) =>
    fc.array(fc.boolean(), { minLength: sub.length, maxLength: sub.length }).map((neg) => ({
      arg: sub.map((a, i) => (neg[i] ? a - nd : a)),
      norm: sub.slice().sort((x, y) => x - y),
    })));
  if (nd === 0) return fc.oneof(all, list);
  const single = fc.tuple(fc.integer({ min: 0, max: nd - 1 }), fc.boolean()).map(([a, neg]) => ({ arg: neg ? a - nd : a, norm: [a] }));
  return fc.oneof(all, single, list);
}

interface Case {
  x: Tensor;
  shape: number[];
  values: number[];
  axes: AxesCase;
  keepdims: boolean;
}

function caseArb(opts: { dtypes?: DType[]; min?: number; max?: number; noNaN?: boolean; minDim?: number; maxDim?: number; maxRank?: number; minRank?: number } = {}): fc.Arbitrary<Case> {
  return shapeArb({ minRank: opts.minRank ?? 0, maxRank: opts.maxRank ?? 4, minDim: opts.minDim ?? 1, maxDim: opts.maxDim ?? 5 }).chain((shape) =>
    fc.record({
      view: stridedViewArb({ shape, dtype: opts.dtypes ?? ALL_DTYPES, min: opts.min ?? -10, max: opts.max ?? 10, noNaN: opts.noNaN ?? true, kinds: ALL_KINDS }),
      axes: axesArb(shape.length),
      keepdims: fc.boolean(),
    }).map(({ view, axes, keepdims }) => ({ x: view.tensor, shape, values: view.values, axes, keepdims })));
}

const RUNS = { numRuns: 150 };

/** Check `out` against a per-group reference `f`, output dtype `dtype`. */
function checkAgainst(c: Case, out: Tensor, dtype: DType, f: (xs: number[]) => number, scale = 1): void {
  const { lists } = groups(c.shape, c.values, c.axes.norm);
  const shape = expectedShape(c.shape, c.axes.norm, c.keepdims);
  expect(out.dtype).toBe(dtype);
  expect(out.shape).toEqual(shape);
  const ref = lists.map((xs) => roundTo(dtype, f(xs)));
  const mm = nestedMismatch(out.toArray(), nestFlat(shape, ref, dtype === 'bool'), tolFor(dtype, scale));
  if (mm !== null) {
    throw new Error(`${mm}; shape ${JSON.stringify(c.shape)} strides ${JSON.stringify(c.x.strides)} axes ${JSON.stringify(c.axes.arg)} keepdims ${c.keepdims} values ${JSON.stringify(c.values)}`);
  }
}

const sumRef = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const absSum = (xs: number[]): number => xs.reduce((a, b) => a + Math.abs(b), 0);

function maxRef(xs: number[]): number {
  let m = -Infinity;
  for (const v of xs) {
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}
function minRef(xs: number[]): number {
  let m = Infinity;
  for (const v of xs) {
    if (Number.isNaN(v)) return NaN;
    if (v < m) m = v;
  }
  return m;
}

// ------------------------------------------------------------------ properties

describe('reductions against nested-loop references on random views', () => {
  it('sum: exact for ints (int32 result), float sums within rounding', () => {
    fc.assert(fc.property(caseArb({ minDim: 0 }), (c) => {
      const out = sum(c.x, c.axes.arg, c.keepdims);
      checkAgainst(c, out, isFloatT(c.x.dtype) ? c.x.dtype : 'int32', sumRef, 100);
    }), RUNS);
  });

  it('mean: sum / n, float32 for ints, NaN for empty', () => {
    fc.assert(fc.property(caseArb({ minDim: 0 }), (c) => {
      const out = c.x.mean(c.axes.arg, c.keepdims);
      checkAgainst(c, out, c.x.dtype === 'float64' ? 'float64' : 'float32', (xs) => sumRef(xs) / xs.length, 10);
    }), RUNS);
  });

  it('prod: float products; int32 products wrap like 32-bit multiplication', () => {
    fc.assert(fc.property(caseArb({ minDim: 0, min: -3, max: 3 }), (c) => {
      const out = prod(c.x, c.axes.arg, c.keepdims);
      if (isFloatT(c.x.dtype)) {
        checkAgainst(c, out, c.x.dtype, (xs) => xs.reduce((a, b) => a * b, 1));
      } else {
        // BigInt product, then the low 32 bits as a signed integer.
        checkAgainst(c, out, 'int32', (xs) => Number(BigInt.asIntN(32, xs.reduce((a, b) => a * BigInt(b), 1n))));
      }
    }), RUNS);
  });

  it('max and min keep the dtype and propagate NaN', () => {
    fc.assert(fc.property(caseArb({ noNaN: false }), (c) => {
      checkAgainst(c, max(c.x, c.axes.arg, c.keepdims), c.x.dtype, maxRef);
      checkAgainst(c, c.x.min(c.axes.arg, c.keepdims), c.x.dtype, minRef);
    }), RUNS);
  });

  it('argmax/argmin along one axis: first index on ties, NaN wins', () => {
    const arb = caseArb({ noNaN: false, min: -2, max: 2 }).filter((c) => c.shape.length > 0)
      .chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: -c.shape.length, max: c.shape.length - 1 })));
    fc.assert(fc.property(arb, ([c, axis]) => {
      const a = axis < 0 ? axis + c.shape.length : axis;
      const cc = { ...c, axes: { arg: axis, norm: [a] } };
      const pick = (better: (v: number, best: number) => boolean) => (xs: number[]): number => {
        let bi = 0;
        for (let i = 1; i < xs.length; i++) {
          if (Number.isNaN(xs[bi]!)) break;
          if (Number.isNaN(xs[i]!) || better(xs[i]!, xs[bi]!)) bi = i;
        }
        return bi;
      };
      checkAgainst(cc, argmax(c.x, axis, c.keepdims), 'int32', pick((v, b) => v > b));
      checkAgainst(cc, c.x.argmin(axis, c.keepdims), 'int32', pick((v, b) => v < b));
    }), RUNS);
  });

  it('argmax/argmin without an axis give the row-major flat index', () => {
    fc.assert(fc.property(caseArb({ min: -3, max: 3 }), (c) => {
      let bi = 0;
      let si = 0;
      c.values.forEach((v, i) => {
        if (v > c.values[bi]!) bi = i;
        if (v < c.values[si]!) si = i;
      });
      const am = argmax(c.x);
      expect(am.shape).toEqual([]);
      expect(am.dtype).toBe('int32');
      expect(am.item()).toBe(bi);
      expect(argmin(c.x).item()).toBe(si);
      const kd = argmax(c.x, undefined, true);
      expect(kd.shape).toEqual(c.shape.map(() => 1));
      expect(kd.item()).toBe(bi);
    }), RUNS);
  });

  it('var with a random correction, std = sqrt(var) (two-pass reference)', () => {
    const arb = fc.tuple(caseArb({ minDim: 0 }), fc.constantFrom(0, 1, 2, 0.5));
    fc.assert(fc.property(arb, ([c, correction]) => {
      const ref = (xs: number[]): number => {
        const m = sumRef(xs) / xs.length;
        let s = 0;
        for (const v of xs) s += (v - m) * (v - m);
        return s / Math.max(0, xs.length - correction);
      };
      const dt = c.x.dtype === 'float64' ? 'float64' : 'float32';
      checkAgainst(c, variance(c.x, c.axes.arg, { correction, keepdims: c.keepdims }), dt, ref, 100);
      checkAgainst(c, c.x.std(c.axes.arg, { correction, keepdims: c.keepdims }), dt, (xs) => Math.sqrt(ref(xs)), 10);
    }), RUNS);
  });

  it('var defaults to correction 1; unbiased: false means correction 0', () => {
    fc.assert(fc.property(caseArb({ dtypes: ['float64'] }), (c) => {
      const d1 = c.x.var(c.axes.arg, { keepdims: c.keepdims });
      const d2 = c.x.var(c.axes.arg, { correction: 1, keepdims: c.keepdims });
      expect(d1.toArray()).toEqual(d2.toArray());
      const u = c.x.var(c.axes.arg, { unbiased: false, keepdims: c.keepdims });
      const p = c.x.var(c.axes.arg, { correction: 0, keepdims: c.keepdims });
      expect(u.toArray()).toEqual(p.toArray());
    }), { numRuns: 50 });
  });

  it('logsumexp equals log(sum(exp(x))) for moderate values', () => {
    fc.assert(fc.property(caseArb({ minDim: 0, noNaN: false }), (c) => {
      const ref = (xs: number[]): number => {
        if (xs.some((v) => Number.isNaN(v))) return NaN;
        if (xs.some((v) => v === Infinity)) return Infinity;
        return Math.log(xs.reduce((a, b) => a + Math.exp(b), 0));
      };
      checkAgainst(c, logsumexp(c.x, c.axes.arg, c.keepdims), c.x.dtype === 'float64' ? 'float64' : 'float32', ref, 10);
    }), RUNS);
  });

  it('norm for p in {0, 1, 2, 3, 0.5, Infinity, -Infinity, fro} (NaN propagates; NaN counts as non-zero)', () => {
    const arb = fc.tuple(caseArb({ noNaN: false }), fc.constantFrom<number | 'fro'>(0, 1, 2, 3, 0.5, Infinity, -Infinity, 'fro'));
    fc.assert(fc.property(arb, ([c, p]) => {
      const ref = (xs: number[]): number => {
        const a = xs.map(Math.abs);
        if (p === Infinity) return Math.max(...a);
        if (p === -Infinity) return Math.min(...a);
        if (p === 0) return a.filter((v) => v !== 0).length;
        const q = p === 'fro' ? 2 : p;
        return Math.pow(a.reduce((s, v) => s + Math.pow(v, q), 0), 1 / q);
      };
      checkAgainst(c, norm(c.x, p, c.axes.arg, c.keepdims), c.x.dtype === 'float64' ? 'float64' : 'float32', ref, 10);
    }), RUNS);
  });

  it('all and any give bool (empty: all true, any false)', () => {
    fc.assert(fc.property(caseArb({ minDim: 0, min: -1, max: 1, noNaN: false }), (c) => {
      checkAgainst(c, all(c.x, c.axes.arg, c.keepdims), 'bool', (xs) => (xs.every((v) => v !== 0) ? 1 : 0));
      checkAgainst(c, c.x.any(c.axes.arg, c.keepdims), 'bool', (xs) => (xs.some((v) => v !== 0) ? 1 : 0));
    }), RUNS);
  });

  it('cumsum along any axis', () => {
    const arb = caseArb({ minDim: 0 }).filter((c) => c.shape.length > 0)
      .chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: -c.shape.length, max: c.shape.length - 1 })));
    fc.assert(fc.property(arb, ([c, axis]) => {
      const a = axis < 0 ? axis + c.shape.length : axis;
      const out = cumsum(c.x, axis);
      const dt = isFloatT(c.x.dtype) ? c.x.dtype : 'int32';
      expect(out.dtype).toBe(dt);
      expect(out.shape).toEqual(c.shape);
      const ref: number[] = [];
      forEachIndex(c.shape, (idx) => {
        let s = 0;
        for (let k = 0; k <= idx[a]!; k++) {
          const j = idx.slice();
          j[a] = k;
          s += c.values[flatPos(c.shape, j)]!;
        }
        ref.push(roundTo(dt, s));
      });
      const mm = nestedMismatch(out.toArray(), nestFlat(c.shape, ref), tolFor(dt, 100));
      expect(mm).toBeNull();
    }), RUNS);
  });

  it('larger shapes exercise both loop orders and agree with the reference', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 }))
      .chain(([a, b, cdim]) => fc.record({
        view: stridedViewArb({ shape: [a, b, cdim], dtype: ['float32', 'float64', 'int32'], kinds: ['contiguous', 'permuted', 'negative'] }),
        axes: axesArb(3),
        keepdims: fc.boolean(),
      }).map(({ view, axes, keepdims }) => ({ x: view.tensor, shape: [a, b, cdim], values: view.values, axes, keepdims })));
    fc.assert(fc.property(arb, (c) => {
      checkAgainst(c, c.x.sum(c.axes.arg, c.keepdims), isFloatT(c.x.dtype) ? c.x.dtype : 'int32', sumRef, 1000);
      checkAgainst(c, c.x.max(c.axes.arg, c.keepdims), c.x.dtype, maxRef);
      checkAgainst(c, c.x.norm(1, c.axes.arg, c.keepdims), c.x.dtype === 'float64' ? 'float64' : 'float32', absSum, 1000);
    }), { numRuns: 60 });
  });
});

describe('every flip pattern × every axis set (table)', () => {
  it('sum and argmax of a [3,4,5] tensor under all 8 flips, 8 axis sets, 2 layouts', () => {
    // Distinct values (7i mod 61) so every argmax is unambiguous.
    const base = tensor(Array.from({ length: 60 }, (_, i) => (7 * i) % 61), { dtype: 'float64' });
    const baseVals = Array.from(base.data());
    const flips = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
    for (const layout of ['contiguous', 'permuted'] as const) {
      for (const fl of flips) {
        // Build the view, and the flat values it holds, without any reduction.
        let x = base.reshape(3, 4, 5);
        if (layout === 'permuted') x = base.reshape(5, 4, 3).permute(2, 1, 0);
        const values: number[] = [];
        forEachIndex([3, 4, 5], (idx) => {
          const j = idx.map((v, d) => (fl.includes(d) ? [3, 4, 5][d]! - 1 - v : v));
          values.push(layout === 'contiguous' ? baseVals[flatPos([3, 4, 5], j)]! : baseVals[flatPos([5, 4, 3], j.slice().reverse())]!);
        });
        if (fl.length > 0) x = x.flip(fl);
        for (const axes of flips) {
          const c: Case = { x, shape: [3, 4, 5], values, axes: { arg: axes, norm: axes }, keepdims: false };
          checkAgainst(c, x.sum(axes), 'float64', sumRef);
          checkAgainst(c, x.max(axes.length === 0 ? [] : axes), 'float64', maxRef);
        }
        for (let a = 0; a < 3; a++) {
          const c: Case = { x, shape: [3, 4, 5], values, axes: { arg: a, norm: [a] }, keepdims: false };
          checkAgainst(c, x.argmax(a), 'int32', (xs) => xs.indexOf(Math.max(...xs)));
        }
      }
    }
  });
});

// ------------------------------------------------------------------ laws

describe('reduction laws', () => {
  it('reducing in two steps equals reducing at once (sum, max)', () => {
    fc.assert(fc.property(caseArb({ dtypes: ['float64', 'int32'], minRank: 2 }), (c) => {
      const once = c.x.sum([0, 1]);
      const twice = c.x.sum(1).sum(0);
      expect(nestedMismatch(once.toArray(), twice.toArray(), { rtol: 1e-12, atol: 1e-12 })).toBeNull();
      expect(c.x.max([0, 1]).toArray()).toEqual(c.x.max(0).max(0).toArray());
    }), { numRuns: 50 });
  });

  it('keepdims output broadcasts back: x - mean(x, axes, true) has zero mean', () => {
    fc.assert(fc.property(caseArb({ dtypes: ['float64'] }), (c) => {
      const centred = c.x.sub(c.x.mean(c.axes.arg, true));
      const m = centred.mean(c.axes.arg).abs().max();
      expect(m.item()).toBeLessThan(1e-12);
    }), { numRuns: 50 });
  });
});

// ------------------------------------------------------------------ closed forms and special values

describe('closed forms and special values', () => {
  it('sum of float32 accumulates in float64 in both loop orders', () => {
    // 1e8 + 1 + ... + 1 - 1e8 with 1000 ones: exactly 1000 in float64; float32 accumulation loses every 1.
    const vals = [1e8, ...new Array<number>(1000).fill(1), -1e8];
    expect(tensor(vals).sum().item()).toBe(1000);
    const col = tensor(vals).reshape(-1, 1).expand(vals.length, 8).contiguous();
    expect(planReduce(col.shape, col.strides, [0]).order).toBe('B');
    expect(Array.from(col.sum(0).data())).toEqual(new Array<number>(8).fill(1000));
    const rows = tensor(vals).reshape(1, -1).expand(8, -1).contiguous();
    expect(planReduce(rows.shape, rows.strides, [1]).order).toBe('A');
    expect(Array.from(rows.sum(1).data())).toEqual(new Array<number>(8).fill(1000));
    // A transposed view of `rows` reduced over its leading axis reads memory in order: loop order A again.
    expect(planReduce(rows.T.shape, rows.T.strides, [0]).order).toBe('A');
    expect(Array.from(rows.T.sum(0).data())).toEqual(new Array<number>(8).fill(1000));
  });

  it('sum/mean of arange follow Gauss; var of 1..n is n(n+1)/12', () => {
    for (const n of [1, 2, 7, 100, 1001]) {
      const x = arange(1, n + 1, 1, { dtype: 'float64' });
      expect(x.sum().item()).toBe((n * (n + 1)) / 2);
      expect(x.mean().item()).toBe((n + 1) / 2);
      if (n > 1) expect(x.var().item()).toBeCloseTo((n * (n + 1)) / 12, 9);
      expect(x.var(undefined, { correction: 0 }).item()).toBeCloseTo((n * n - 1) / 12, 9);
    }
  });

  it('variance does not cancel catastrophically for a large offset', () => {
    // 1e8 + {0, 1, 2, 3}: E[x^2] - E[x]^2 would lose everything in float64; the two-pass formula is exact.
    const x = tensor([1e8, 1e8 + 1, 1e8 + 2, 1e8 + 3], { dtype: 'float64' });
    expect(x.var(undefined, { correction: 0 }).item()).toBe(1.25);
  });

  it('var with n <= correction is NaN (0/0) or Infinity, as in PyTorch', () => {
    expect(tensor([3]).var().item()).toBeNaN();
    expect(tensor([1, 2]).var(undefined, { correction: 2 }).item()).toBe(Infinity);
    expect(zeros([0]).var().item()).toBeNaN();
  });

  it('logsumexp is stable at ±1000 and handles infinities', () => {
    const ln2 = Math.log(2);
    expect(logsumexp(tensor([1000, 1000], { dtype: 'float64' })).item()).toBeCloseTo(1000 + ln2, 10);
    expect(logsumexp(tensor([-1000, -1000], { dtype: 'float64' })).item()).toBeCloseTo(-1000 + ln2, 10);
    expect(logsumexp(tensor([1000, 0], { dtype: 'float64' })).item()).toBe(1000);
    expect(logsumexp(tensor([[1000, 999], [-1000, -1001]], { dtype: 'float64' }), 1).toArray())
      .toEqual([1000 + Math.log1p(Math.exp(-1)), -1000 + Math.log1p(Math.exp(-1))]);
    expect(logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(logsumexp(tensor([Infinity, 3])).item()).toBe(Infinity);
    expect(logsumexp(tensor([Infinity, -Infinity])).item()).toBe(Infinity);
    expect(logsumexp(tensor([NaN, 3])).item()).toBeNaN();
    expect(logsumexp(zeros([0, 2]), 0).toArray()).toEqual([-Infinity, -Infinity]);
    const lse = logsumexp(tensor([[1000, -1000], [5, 5]]), 1);
    expect(lse.dtype).toBe('float32');
    for (const v of lse.data()) expect(Number.isFinite(v)).toBe(true);
  });

  it('empty reductions: sum 0, prod 1, mean NaN, norm 0, all true, any false', () => {
    const e = zeros([0, 3]);
    expect(Array.from(e.sum(0).data())).toEqual([0, 0, 0]);
    expect(Array.from(e.prod(0).data())).toEqual([1, 1, 1]);
    expect(Array.from(e.mean(0).data()).every(Number.isNaN)).toBe(true);
    expect(e.sum().item()).toBe(0);
    expect(e.norm().item()).toBe(0);
    expect(e.all().item()).toBe(1);
    expect(e.any().item()).toBe(0);
    expect(e.sum(1).shape).toEqual([0]);
    expect(e.max(1).shape).toEqual([0]);
  });

  it('0-d tensors reduce to themselves', () => {
    const s = tensor(4.5);
    expect(s.sum().item()).toBe(4.5);
    expect(s.sum(undefined, true).shape).toEqual([]);
    expect(s.max().item()).toBe(4.5);
    expect(s.argmax().item()).toBe(0);
    expect(s.norm().item()).toBe(4.5);
    expect(s.cumsum(0).item()).toBe(4.5);
    // Axis 0 / -1 of a 0-d tensor is accepted, as in PyTorch.
    expect(s.sum(0).shape).toEqual([]);
    expect(s.mean([-1]).item()).toBe(4.5);
    expect(s.max(0, true).shape).toEqual([]);
    expect(s.argmax(-1).item()).toBe(0);
    expect(() => s.sum(1)).toThrow(/^sum: axis 1 is out of range for a tensor of rank 0/);
    expect(() => s.sum([0, -1])).toThrow(/^sum: /);
  });

  it('an empty axis list reduces nothing but still applies the output dtype', () => {
    const x = tensor([[true, false], [true, true]]);
    const s = x.sum([]);
    expect(s.dtype).toBe('int32');
    expect(s.toArray()).toEqual([[1, 0], [1, 1]]);
  });

  it('argmax ties and NaN', () => {
    expect(argmax(tensor([1, 3, 3, 2])).item()).toBe(1);
    expect(argmin(tensor([2, 1, 5, 1])).item()).toBe(1);
    expect(argmax(tensor([1, NaN, 7, NaN])).item()).toBe(1);
    expect(argmin(tensor([1, NaN, -7])).item()).toBe(1);
    expect(argmax(tensor([-Infinity, -Infinity])).item()).toBe(0);
    expect(argmax(tensor([[1, 9], [9, 1]]).T, 1).toArray()).toEqual([1, 0]);
  });

  it('integer sums wrap at 32 bits', () => {
    const x = tensor([2 ** 31 - 1, 1], { dtype: 'int32' });
    expect(x.sum().item()).toBe(-(2 ** 31));
    expect(tensor([65536, 65536], { dtype: 'int32' }).prod().item()).toBe(0);
    // 3^40 needs 64 bits: a float64 product would have lost the low bits before wrapping.
    const threes = tensor(new Int32Array(40).fill(3));
    expect(threes.prod().item()).toBe(Number(BigInt.asIntN(32, 3n ** 40n)));
    expect(threes.reshape(4, 10).T.prod(1).toArray()).toEqual(new Array(10).fill(81));
    expect(threes.cumsum(0).data()[39]).toBe(120);
  });

  it('output dtypes follow the table', () => {
    const table: [DType, (t: Tensor) => Tensor, DType][] = [];
    const same = (d: DType): DType => d;
    const acc = (d: DType): DType => (isFloatT(d) ? d : 'int32');
    const flt = (d: DType): DType => (d === 'float64' ? 'float64' : 'float32');
    for (const d of ALL_DTYPES) {
      table.push(
        [acc(d), (t) => t.sum(), d], [flt(d), (t) => t.mean(), d], [acc(d), (t) => t.prod(), d],
        [same(d), (t) => t.max(), d], [same(d), (t) => t.min(), d], ['int32', (t) => t.argmax(), d],
        [flt(d), (t) => t.var(), d], [flt(d), (t) => t.std(), d], [flt(d), (t) => t.logsumexp(), d],
        [flt(d), (t) => t.norm(), d], ['bool', (t) => t.all(), d], ['bool', (t) => t.any(), d],
        [acc(d), (t) => t.cumsum(0), d],
      );
    }
    for (const [want, f, d] of table) expect(f(ones([3], { dtype: d })).dtype).toBe(want);
  });
});

describe('logsumexp of large float32 rows (exponentials from the backend)', () => {
  const len = 1500;
  const x = randn([5, len], { generator: new Generator(99) }).mul(30);
  x.select(0, 1).fillInPlace(-Infinity);
  x.select(0, 2).narrow(0, 7, 1).fillInPlace(Infinity);
  x.select(0, 3).narrow(0, 0, 2).fillInPlace(1000);
  x.select(0, 4).fillInPlace(-1000);
  const vals = Array.from(x.data());
  const ref: number[] = [];
  for (let r = 0; r < 5; r++) {
    const row = vals.slice(r * len, (r + 1) * len);
    const m = Math.max(...row);
    ref.push(!Number.isFinite(m) ? m : m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)));
  }

  it('default backend and TypeScript kernels both match a float64 reference', () => {
    const got = logsumexp(x, 1).toArray();
    expect(nestedMismatch(got, ref, { rtol: 1e-6, atol: 1e-5 })).toBeNull();
    const prev = setBackend(null);
    try {
      expect(nestedMismatch(logsumexp(x, -1, true).toArray(), ref.map((v) => [v]), { rtol: 1e-6, atol: 1e-5 })).toBeNull();
    } finally {
      setBackend(prev);
    }
  });

  it('calls the backend once for the whole tensor', () => {
    const calls: number[] = [];
    const prev = setBackend(mathExpBackend(calls));
    try {
      expect(nestedMismatch(logsumexp(x, 1).toArray(), ref, { rtol: 1e-6, atol: 1e-5 })).toBeNull();
      expect(calls).toEqual([5 * len]);
      logsumexp(x, 0);
      logsumexp(x.to('float64'), 1);
      expect(calls).toEqual([5 * len]);
    } finally {
      setBackend(prev);
    }
  });
});

// ------------------------------------------------------------------ recording

describe('recording for autograd', () => {
  afterEach(() => setOpObserver(null));

  it('records each differentiable reduction once with normalised attrs', () => {
    const seen: { op: OpName; attrs: unknown; inputs: readonly Tensor[]; output: Tensor }[] = [];
    setOpObserver({ record: (op, inputs, output, attrs) => void seen.push({ op, attrs, inputs, output }) });
    const x = zeros([2, 3, 4]).requiresGrad_();
    const out = x.sum([-1, 0], true);
    x.mean(1); x.prod(); x.max(-2); x.min([2, 1]); x.var(-1, { correction: 0 }); x.logsumexp([0]); x.norm(3, 1, true); x.cumsum(-1);
    expect(seen.map((s) => [s.op, s.attrs])).toEqual([
      ['sum', { axes: [0, 2], keepdims: true }],
      ['mean', { axes: [1], keepdims: false }],
      ['prod', { axes: [0, 1, 2], keepdims: false }],
      ['max', { axes: [1], keepdims: false }],
      ['min', { axes: [1, 2], keepdims: false }],
      ['var', { axes: [2], keepdims: false, correction: 0 }],
      ['logsumexp', { axes: [0], keepdims: false }],
      ['norm', { p: 3, axes: [1], keepdims: true }],
      ['cumsum', { axis: 2 }],
    ]);
    expect(seen[0]!.inputs[0]).toBe(x);
    expect(seen[0]!.output).toBe(out);
  });

  it('std is recorded as var then sqrt; argmax/all/any are not recorded', () => {
    const seen: OpName[] = [];
    // Like autograd, mark outputs as requiring grad so the composite's second step is recorded too.
    setOpObserver({ record: (op, _inputs, output) => { seen.push(op); output.requiresGrad = true; } });
    const x = ones([2, 3]).requiresGrad_();
    x.std(1, { correction: 0 });
    x.argmax(); x.argmin(0); x.all(); x.any(1);
    expect(seen).toEqual(['var', 'sqrt']);
  });

  it('nothing is recorded when no input requires grad', () => {
    const seen: OpName[] = [];
    setOpObserver({ record: (op) => void seen.push(op) });
    zeros([2, 2]).sum();
    expect(seen).toEqual([]);
  });
});

// ------------------------------------------------------------------ errors

describe('errors name the op and the offending values', () => {
  const x = zeros([2, 3]);
  it('bad axes', () => {
    expect(() => x.sum(2)).toThrow(/^sum: axis 2 is out of range for a tensor of rank 2/);
    expect(() => x.mean(-3)).toThrow(/^mean: axis -3 is out of range/);
    expect(() => x.max([0, -2])).toThrow(/^max: axis 0 repeated in \[0,-2\]/);
    expect(() => x.prod(0.5)).toThrow(/^prod: axis 0.5 is not an integer/);
    expect(() => x.sum('0' as never)).toThrow(TypeError);
    expect(() => x.sum('0' as never)).toThrow(/^sum: axes must be a number/);
    expect(() => x.argmax(5)).toThrow(/^argmax: axis 5 is out of range/);
    expect(() => x.cumsum(2)).toThrow(/^cumsum: axis 2 is out of range/);
    expect(() => x.norm(2, [1, 1])).toThrow(/^norm: axis 1 repeated/);
    expect(() => x.sum(0, 'yes' as never)).toThrow(/^sum: keepdims must be a boolean/);
  });

  it('max/min/argmax/argmin/inf-norm of an empty reduction', () => {
    const e = zeros([0, 3]);
    expect(() => e.max()).toThrow(RangeError);
    expect(() => e.max(0)).toThrow(/^max: cannot reduce over an empty set of elements: shape \[0,3\], axes \[0\]/);
    expect(() => e.min(0)).toThrow(/^min: .*shape \[0,3\]/);
    expect(() => e.argmax()).toThrow(/^argmax: .*shape \[0,3\]/);
    expect(() => e.argmin(0)).toThrow(/^argmin: .*shape \[0,3\]/);
    expect(() => e.norm(Infinity)).toThrow(/^norm: .*shape \[0,3\]/);
  });

  it('bad options', () => {
    expect(() => x.var(0, { correction: -1 })).toThrow(/^var: correction must be a non-negative finite number, got -1/);
    expect(() => x.std(0, { correction: 0, unbiased: true })).toThrow(/^std: correction 0 contradicts unbiased true/);
    expect(() => x.norm(-1)).toThrow(/^norm: p must be a non-negative number.*got -1/);
    expect(() => x.norm(NaN)).toThrow(/^norm: p must be/);
    expect(() => x.norm('nuc' as never)).toThrow(/^norm: p must be.*"nuc"/);
  });

  it('non-tensors', () => {
    expect(() => sum([1, 2] as never)).toThrow(/^sum: expected a Tensor, got object/);
    expect(() => max(null as never)).toThrow(/^max: expected a Tensor, got null/);
    expect(() => std(3 as never)).toThrow(/^std: expected a Tensor/);
    expect(() => min(undefined as never)).toThrow(/^min: expected a Tensor/);
  });
});

// ------------------------------------------------------------------ PyTorch fixture

/** JSON cannot hold NaN/±Infinity; the fixture spells them as strings. */
type Enc = number | string | boolean | Enc[];
function dec(v: Enc): NestedArray {
  if (Array.isArray(v)) return v.map(dec);
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v as number | boolean;
}

interface TorchFixture {
  torch: string;
  inputs: Record<string, { shape: number[]; values: Enc[] }>;
  cases: { op: string; input: string; args: Record<string, Enc | null>; out: Enc; outShape: number[] }[];
  isclose: { a: Enc[]; b: Enc[]; results: { opts: Record<string, number | boolean>; out: boolean[]; all: boolean }[] };
}

describe('agreement with PyTorch 1.13 (float64 fixture from __fixtures__/reduce-torch.py)', () => {
  const fx = JSON.parse(readFileSync(new URL('./__fixtures__/reduce-torch.json', import.meta.url), 'utf8')) as TorchFixture;

  it('every reduction, scan and softmax case matches', () => {
    expect(fx.cases.length).toBeGreaterThan(300);
    for (const c of fx.cases) {
      const inp = fx.inputs[c.input]!;
      const x = tensor(new Float64Array((dec(inp.values) as number[])), { shape: inp.shape });
      const a = c.args;
      const axes = a['axes'] === null ? undefined : (a['axes'] as number[] | undefined);
      const keepdims = a['keepdims'] as boolean;
      const axis = a['axis'] === null ? undefined : (a['axis'] as number);
      let out: Tensor;
      switch (c.op) {
        case 'sum': out = sum(x, axes, keepdims); break;
        case 'mean': out = mean(x, axes, keepdims); break;
        case 'prod': out = prod(x, axes, keepdims); break;
        case 'max': out = max(x, axes, keepdims); break;
        case 'min': out = min(x, axes, keepdims); break;
        case 'logsumexp': out = logsumexp(x, axes, keepdims); break;
        case 'var': out = variance(x, axes, { correction: a['correction'] as number, keepdims }); break;
        case 'std': out = std(x, axes, { correction: a['correction'] as number, keepdims }); break;
        case 'norm': out = norm(x, dec(a['p'] as Enc) as number, axes, keepdims); break;
        case 'argmax': out = argmax(x, axis, keepdims); break;
        case 'argmin': out = argmin(x, axis, keepdims); break;
        case 'cumsum': out = cumsum(x, axis!); break;
        case 'softmax': out = softmax(x, axis); break;
        case 'logSoftmax': out = logSoftmax(x, axis); break;
        default: throw new Error(`unknown fixture op ${c.op}`);
      }
      const where = `${c.op} ${JSON.stringify(a)} on ${JSON.stringify(inp.shape)}`;
      expect(out.shape, where).toEqual(c.outShape);
      const mm = nestedMismatch(out.toArray(), dec(c.out), { rtol: 1e-12, atol: 1e-14 });
      expect(mm, where).toBeNull();
    }
  });

  it('isclose/allclose match torch.isclose/allclose', () => {
    const a = tensor(new Float64Array(dec(fx.isclose.a) as number[]));
    const b = tensor(new Float64Array(dec(fx.isclose.b) as number[]));
    for (const r of fx.isclose.results) {
      expect(isclose(a, b, r.opts).toArray(), JSON.stringify(r.opts)).toEqual(r.out);
      expect(allclose(a.slice([0, 3]), b.slice([0, 3]), r.opts)).toBe(r.all);
    }
  });
});
