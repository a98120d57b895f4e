// View ops: table tests for the strides and offsets they produce, Python slice semantics against
// Python's own answers (fixtures/python-slices.json), values of every view against nested-loop
// references on random strided inputs, and reshape/view returning a view exactly when one exists.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, arange, tensor, zeros, type SliceSpec } from '../index.js';
import {
  type ViewCase, forEachIndex, nestedFromFn, nestedGet, nestedMismatch, stridedViewArb, toFlat, toNested,
} from '../testing.js';

const RUNS = { numRuns: 80 };
const anyView = (maxRank = 4) => stridedViewArb({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: maxRank }), dtype: ['float32', 'int32', 'float64', 'bool'] });

function layout(t: Tensor): { shape: readonly number[]; strides: readonly number[]; offset: number } {
  return { shape: t.shape, strides: t.strides, offset: t.offset };
}

function same(actual: Tensor, expected: ReturnType<typeof nestedFromFn>): void {
  const m = nestedMismatch(toNested(actual), expected);
  if (m !== null) throw new Error(m);
  const m2 = nestedMismatch(actual.toArray(), expected);
  if (m2 !== null) throw new Error(`toArray ${m2}`);
}

const get = (c: ViewCase, idx: number[]): number | boolean => nestedGet(c.expected, idx);

// ------------------------------------------------------------------ table tests

describe('strides and offsets (table)', () => {
  const x = (): Tensor => arange(24).reshape(2, 3, 4);
  it.each<[string, (t: Tensor) => Tensor, number[], number[], number]>([
    ['contiguous', (t) => t, [2, 3, 4], [12, 4, 1], 0],
    ['permute(2,0,1)', (t) => t.permute(2, 0, 1), [4, 2, 3], [1, 12, 4], 0],
    ['.T', (t) => t.T, [4, 3, 2], [1, 4, 12], 0],
    ['transpose(0,2)', (t) => t.transpose(0, 2), [4, 3, 2], [1, 4, 12], 0],
    ['transpose() swaps the last two', (t) => t.transpose(), [2, 4, 3], [12, 1, 4], 0],
    ['slice(null,[1,3],[0,4,2])', (t) => t.slice(null, [1, 3], [0, 4, 2]), [2, 2, 2], [12, 4, 2], 4],
    ['slice(null,null,[null,null,-1])', (t) => t.slice(null, null, [null, null, -1]), [2, 3, 4], [12, 4, -1], 3],
    ['slice(null,[null,null,-2])', (t) => t.slice(null, [null, null, -2]), [2, 2, 4], [12, -8, 1], 8],
    ['slice([1],[-2,null],[3,0,-2])', (t) => t.slice([1], [-2, null], [3, 0, -2]), [1, 2, 2], [12, 4, -2], 12 + 4 + 3],
    ['slice(1) drops the axis', (t) => t.slice(1), [3, 4], [4, 1], 12],
    ['slice(null,-1,[1])', (t) => t.slice(null, -1, [1]), [2, 3], [12, 1], 9],
    ['flip(0)', (t) => t.flip(0), [2, 3, 4], [-12, 4, 1], 12],
    ['flip([1,2])', (t) => t.flip([1, 2]), [2, 3, 4], [12, -4, -1], 11],
    ['flip(-1).flip(-1) is the original', (t) => t.flip(-1).flip(-1), [2, 3, 4], [12, 4, 1], 0],
    ['narrow(2,1,2)', (t) => t.narrow(2, 1, 2), [2, 3, 2], [12, 4, 1], 1],
    ['narrow(1,-2,2)', (t) => t.narrow(1, -2, 2), [2, 2, 4], [12, 4, 1], 4],
    ['select(1,2)', (t) => t.select(1, 2), [2, 4], [12, 1], 8],
    ['select(-1,-1)', (t) => t.select(-1, -1), [2, 3], [12, 4], 3],
    ['reshape(6,4)', (t) => t.reshape(6, 4), [6, 4], [4, 1], 0],
    ['reshape([4,-1])', (t) => t.reshape([4, -1]), [4, 6], [6, 1], 0],
    ['flatten(1)', (t) => t.flatten(1), [2, 12], [12, 1], 0],
    ['T.reshape(2,2,3,2) splits a dim', (t) => t.T.reshape(2, 2, 3, 2), [2, 2, 3, 2], [2, 1, 4, 12], 0],
    ['stepped slice merges: [2,3,2]/[12,4,2] -> [12]/[2]', (t) => t.slice(null, null, [0, 4, 2]).reshape(12), [12], [2], 0],
    ['select(0,1).unsqueeze(0).expand(5,3,4)', (t) => t.select(0, 1).unsqueeze(0).expand(5, 3, 4), [5, 3, 4], [0, 4, 1], 12],
    ['slice(null,[0,1]).expand(-1,3,4) keeps a size with -1', (t) => t.slice(null, [0, 1]).expand(-1, 3, 4), [2, 3, 4], [12, 0, 1], 0],
    ['expand adds leading dims with stride 0', (t) => t.select(0, 0).expand(2, 2, 3, 4), [2, 2, 3, 4], [0, 0, 4, 1], 0],
  ])('%s', (_name, f, shape, strides, offset) => {
    const base = x();
    const v = f(base);
    expect(layout(v)).toEqual({ shape, strides, offset });
    expect(v.storage).toBe(base.storage);
  });

  it('squeeze and unsqueeze keep the strides of the other dims', () => {
    const t = zeros([2, 1, 3]);
    expect(layout(t.squeeze())).toEqual({ shape: [2, 3], strides: [3, 1], offset: 0 });
    expect(t.squeeze(1).shape).toEqual([2, 3]);
    const u = zeros([4, 6]).slice(null, [1, 6, 2]).unsqueeze(1);
    expect(u.shape).toEqual([4, 1, 3]);
    expect([u.strides[0], u.strides[2], u.offset]).toEqual([6, 2, 1]);
    expect(zeros([3]).unsqueeze(-1).shape).toEqual([3, 1]);
    expect(zeros([3]).unsqueeze(1).shape).toEqual([3, 1]);
    expect(zeros([]).unsqueeze(0).shape).toEqual([1]);
  });

  it('isContiguous: true for row-major layouts, false for permuted, stepped, flipped or expanded ones', () => {
    const t = arange(24).reshape(2, 3, 4);
    expect(t.isContiguous()).toBe(true);
    expect(t.select(0, 1).isContiguous()).toBe(true);
    expect(t.narrow(2, 0, 2).isContiguous()).toBe(false);
    expect(t.T.isContiguous()).toBe(false);
    expect(t.flip(1).isContiguous()).toBe(false);
    expect(t.select(0, 0).expand(2, 3, 4).isContiguous()).toBe(false);
    expect(t.T.contiguous().isContiguous()).toBe(true);
    expect(t.contiguous()).toBe(t);
  });
});

// ------------------------------------------------------------------ python slicing

type PyCase = [n: number, start: number | null, stop: number | null, step: number, want: number[]];
const PY: PyCase[] = JSON.parse(readFileSync(new URL('./fixtures/python-slices.json', import.meta.url), 'utf8')).cases;

/** The indices `range(n)[start:stop:step]` picks, by walking Python's definition (clamp, then step). */
function pyIndices(n: number, start: number | null, stop: number | null, step: number): number[] {
  const norm = (v: number, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    const w = v < 0 ? v + n : v;
    return Math.min(Math.max(w, lo), hi);
  };
  const out: number[] = [];
  if (step > 0) {
    for (let i = norm(start as number, 0, 0, n); i < norm(stop as number, n, 0, n); i += step) out.push(i);
  } else {
    for (let i = norm(start as number, n - 1, -1, n - 1); i > norm(stop as number, -1, -1, n - 1); i += step) out.push(i);
  }
  return out;
}

describe('slice follows Python semantics', () => {
  it(`matches Python on ${PY.length} (n, start, stop, step) cases`, () => {
    expect(PY.length).toBeGreaterThan(5000);
    for (const [n, start, stop, step, want] of PY) {
      const got = arange(n).slice([start, stop, step]).toArray();
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`range(${n})[${start}:${stop}:${step}] gave ${JSON.stringify(got)}, Python ${JSON.stringify(want)}`);
      expect(JSON.stringify(pyIndices(n, start, stop, step))).toBe(JSON.stringify(want));
    }
  });

  it('on random strided views, every axis sliced at once matches the reference', () => {
    const bound = fc.option(fc.integer({ min: -6, max: 6 }), { nil: null });
    const spec = fc.oneof(
      fc.tuple(bound, bound, fc.constantFrom(-3, -2, -1, 1, 2, 3)),
      fc.tuple(bound, bound),
      fc.constant(null),
    );
    fc.assert(fc.property(anyView(), fc.array(spec, { maxLength: 4 }), (c, specs0) => {
      const specs = specs0.slice(0, c.tensor.ndim) as SliceSpec[];
      const picks = c.tensor.shape.map((n, d) => {
        const s = specs[d];
        if (s === null || s === undefined) return pyIndices(n, null, null, 1);
        const [a = null, b = null, st = 1] = s as [number | null, number | null, number | null];
        return pyIndices(n, a, b, st ?? 1);
      });
      const out = c.tensor.slice(...specs);
      expect(out.storage).toBe(c.tensor.storage);
      same(out, nestedFromFn(picks.map((p) => p.length), (idx) => get(c, idx.map((i, d) => picks[d]![i]!))));
    }), RUNS);
  });

  it('integer specs select (negative from the end) and drop the axis', () => {
    fc.assert(fc.property(stridedViewArb({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }) }), fc.nat(), (c, k) => {
      const n = c.tensor.shape[0]!;
      const i = (k % (2 * n)) - n; // in [-n, n)
      const out = c.tensor.slice(i);
      const j = i < 0 ? i + n : i;
      same(out, nestedFromFn(c.tensor.shape.slice(1), (idx) => get(c, [j, ...idx])));
      same(c.tensor.select(0, i), nestedFromFn(c.tensor.shape.slice(1), (idx) => get(c, [j, ...idx])));
    }), RUNS);
  });
});

// ------------------------------------------------------------------ values of views

describe('view values match nested-loop references on random strided inputs', () => {
  it('permute / transpose / T', () => {
    fc.assert(fc.property(anyView().chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray([...c.tensor.shape.keys()], { minLength: c.tensor.ndim, maxLength: c.tensor.ndim }))), ([c, perm]) => {
      const p = c.tensor.permute(perm);
      same(p, nestedFromFn(perm.map((d) => c.tensor.shape[d]!), (idx) => {
        const src = new Array<number>(perm.length);
        perm.forEach((d, i) => { src[d] = idx[i]!; });
        return get(c, src);
      }));
      const r = c.tensor.ndim;
      same(c.tensor.T, nestedFromFn([...c.tensor.shape].reverse(), (idx) => get(c, [...idx].reverse())));
      if (r >= 2) same(c.tensor.transpose(0, r - 1), nestedFromFn(c.tensor.shape.map((_, i) => c.tensor.shape[i === 0 ? r - 1 : i === r - 1 ? 0 : i]!), (idx) => {
        const s = idx.slice();
        [s[0], s[r - 1]] = [s[r - 1]!, s[0]!];
        return get(c, s);
      }));
    }), RUNS);
  });

  it('flip reverses exactly the listed axes', () => {
    fc.assert(fc.property(anyView().chain((c) => fc.tuple(fc.constant(c), fc.subarray([...c.tensor.shape.keys()]))), ([c, axes]) => {
      const f = c.tensor.flip(axes.map((a) => (a % 2 === 0 ? a : a - c.tensor.ndim)));
      same(f, nestedFromFn(c.tensor.shape, (idx) => get(c, idx.map((i, d) => (axes.includes(d) ? c.tensor.shape[d]! - 1 - i : i)))));
      expect(f.storage).toBe(c.tensor.storage);
    }), RUNS);
  });

  it('narrow and select', () => {
    fc.assert(fc.property(stridedViewArb({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }) }), fc.nat(), fc.nat(), fc.nat(), (c, ka, ks, kl) => {
      const r = c.tensor.ndim;
      const axis = ka % r;
      const n = c.tensor.shape[axis]!;
      const start = ks % n;
      const len = kl % (n - start + 1);
      const nw = c.tensor.narrow(axis, start, len);
      same(nw, nestedFromFn(c.tensor.shape.map((m, d) => (d === axis ? len : m)), (idx) => get(c, idx.map((i, d) => (d === axis ? i + start : i)))));
      const sl = c.tensor.select(axis - r, start);
      same(sl, nestedFromFn(c.tensor.shape.filter((_, d) => d !== axis), (idx) => get(c, [...idx.slice(0, axis), start, ...idx.slice(axis)])));
    }), RUNS);
  });

  it('expand broadcasts size-1 and missing leading dims with stride 0', () => {
    const arb = fc.tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 }))
      .chain(([target, ones, lead]) => {
        const own = target.slice(Math.min(lead, target.length)).map((n, i) => (ones[i] ? 1 : n));
        return fc.tuple(fc.constant(target), stridedViewArb({ shape: own }));
      });
    fc.assert(fc.property(arb, ([target, c]) => {
      const e = c.tensor.expand(target);
      const lead = target.length - c.tensor.ndim;
      expect(e.shape).toEqual(target);
      target.forEach((n, d) => { if (d < lead || (c.tensor.shape[d - lead] === 1 && n !== 1)) expect(e.strides[d]).toBe(0); });
      same(e, nestedFromFn(target, (idx) => get(c, idx.slice(lead).map((i, d) => (c.tensor.shape[d] === 1 ? 0 : i)))));
      same(c.tensor.broadcastTo(target), nestedFromFn(target, (idx) => get(c, idx.slice(lead).map((i, d) => (c.tensor.shape[d] === 1 ? 0 : i)))));
    }), RUNS);
  });

  it('squeeze / unsqueeze / flatten keep row-major order', () => {
    fc.assert(fc.property(stridedViewArb({ shape: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 }) }), fc.nat(), (c, k) => {
      const flat = c.values;
      const sq = c.tensor.squeeze();
      expect(sq.shape).toEqual(c.tensor.shape.filter((n) => n !== 1));
      expect(toFlat(sq)).toEqual(flat);
      const ax = k % (c.tensor.ndim + 1);
      const un = c.tensor.unsqueeze(ax);
      expect(un.shape).toEqual([...c.tensor.shape.slice(0, ax), 1, ...c.tensor.shape.slice(ax)]);
      expect(toFlat(un)).toEqual(flat);
      const fl = c.tensor.flatten();
      expect(fl.shape).toEqual([c.values.length]);
      expect(toFlat(fl)).toEqual(flat);
    }), RUNS);
  });
});

// ------------------------------------------------------------------ reshape vs view

/**
 * Reference: can `t`'s elements be seen in `shape` without copying? The strides of such a view are
 * forced (a unit step along dim d must move where the row-major order says), so derive them from
 * the storage positions and check every element.
 */
function canView(t: Tensor, shape: number[]): boolean {
  const pos: number[] = [];
  forEachIndex(t.shape, (idx) => pos.push(idx.reduce((p, i, d) => p + i * t.strides[d]!, t.offset)));
  if (pos.length === 0) return true;
  const rowStrides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const strides = shape.map((n, d) => (n > 1 ? pos[rowStrides[d]!]! - pos[0]! : 0));
  let ok = true;
  forEachIndex(shape, (idx, k) => {
    if (idx.reduce((p, i, d) => p + i * strides[d]!, pos[0]!) !== pos[k]) ok = false;
  });
  return ok;
}

/** A random shape with `n` elements (factors of n, with some 1s mixed in). */
function reshapeTarget(n: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 2, max: 6 }), { maxLength: 4 }).chain((tries) => {
    let rest = n;
    const dims: number[] = [];
    for (const f of tries) if (rest % f === 0) { dims.push(f); rest /= f; }
    dims.push(rest);
    return fc.tuple(fc.shuffledSubarray(dims, { minLength: dims.length, maxLength: dims.length }), fc.integer({ min: 0, max: dims.length }), fc.boolean())
      .map(([d, at, one]) => (one ? [...d.slice(0, at), 1, ...d.slice(at)] : d));
  });
}

describe('reshape is a view exactly when the strides allow one, and view() throws otherwise', () => {
  it('agrees with a brute-force reference on random strided inputs', () => {
    let views = 0;
    let copies = 0;
    fc.assert(fc.property(anyView().chain((c) => fc.tuple(fc.constant(c), reshapeTarget(c.values.length), fc.nat())), ([c, shape, k]) => {
      const t = c.tensor;
      const expectView = canView(t, shape);
      const arg = shape.length > 0 && k % 3 === 0 ? shape.map((n, i) => (i === k % shape.length ? -1 : n)) : shape;
      const r = t.reshape(arg);
      expect(r.shape).toEqual(shape);
      expect(toFlat(r)).toEqual(c.values);
      expect(r.storage === t.storage).toBe(expectView);
      if (expectView) {
        views++;
        const v = t.view(arg);
        expect(layout(v)).toEqual(layout(r));
        expect(v.version).toBe(t.version);
      } else {
        copies++;
        expect(() => t.view(arg)).toThrow(/^view: shape \[.*\] is incompatible with the strides \[.*\] of a tensor of shape \[.*\]; use reshape\(\) to copy/);
        expect(r.isContiguous()).toBe(true);
      }
    }), { numRuns: 300 });
    expect(views).toBeGreaterThan(20);
    expect(copies).toBeGreaterThan(20);
  });

  it('writes through a reshape view reach the original; a copy is independent', () => {
    const t = arange(12).to('float32').reshape(3, 4);
    t.reshape(4, 3).slice([1, 2]).fillInPlace(-1);
    expect(t.toArray()).toEqual([[0, 1, 2, -1], [-1, -1, 6, 7], [8, 9, 10, 11]]);
    const c = t.T.reshape(12);
    c.fillInPlace(0);
    expect(t.get(2, 3)).toBe(11);
  });
});

// ------------------------------------------------------------------ errors

describe('bad input names the op and the offending values', () => {
  const t = (): Tensor => zeros([2, 3, 4]);
  it.each<[string, () => unknown, RegExp]>([
    ['reshape size', () => t().reshape(5, 5), /^reshape: shape \[5,5\] is invalid for a tensor of 24 elements \(shape \[2,3,4\]\)/],
    ['reshape two -1', () => t().reshape(-1, -1), /^reshape: only one dimension can be -1, got \[-1,-1\]/],
    ['reshape negative', () => t().reshape(-2, 12), /^reshape: invalid shape \[-2,12\]/],
    ['reshape fractional', () => t().reshape(2.5, 4), /^reshape: invalid shape \[2\.5,4\]/],
    ['reshape -1 not dividing', () => t().reshape(-1, 5), /^reshape: shape \[-1,5\] is invalid for a tensor of 24 elements/],
    ['view of a transpose', () => t().T.view(24), /^view: shape \[24\] is incompatible with the strides \[1,4,12\] of a tensor of shape \[4,3,2\]/],
    ['permute length', () => t().permute(0, 1), /^permute: got 2 dims \[0,1\] for a tensor of rank 3/],
    ['permute repeat', () => t().permute(0, 1, 1), /^permute: dims \[0,1,1\] are not a permutation of 0\.\.2/],
    ['permute range', () => t().permute(0, 1, 3), /^permute: axis 3 is out of range for a tensor of rank 3/],
    ['transpose range', () => t().transpose(0, 5), /^transpose: axis 5 is out of range for a tensor of rank 3/],
    ['slice step 0', () => t().slice([0, 2, 0]), /^slice: slice step must be a non-zero integer, got 0/],
    ['slice fractional', () => t().slice([0.5, 2]), /^slice: slice start must be an integer, got 0\.5/],
    ['slice too many', () => t().slice(null, null, null, null), /^slice: 4 slice specs for a tensor of rank 3/],
    ['slice long spec', () => t().slice([0, 2, 1, 5] as unknown as SliceSpec), /^slice: spec for dim 0 has 4 entries \[0,2,1,5\]; expected \[start, stop, step\]/],
    ['slice index', () => t().slice(2), /^slice: index 2 is out of range for dim 0 of size 2/],
    ['slice bad spec', () => t().slice('a' as unknown as SliceSpec), /^slice: spec for dim 0 must be a number, null or \[start, stop, step\], got "a"/],
    ['narrow', () => t().narrow(1, 2, 2), /^narrow: start 2 and length 2 are out of range for dim 1 of size 3/],
    ['narrow axis', () => t().narrow(3, 0, 1), /^narrow: axis 3 is out of range for a tensor of rank 3/],
    ['select index', () => t().select(2, 4), /^select: index 4 is out of range for dim 2 of size 4/],
    ['select -index', () => t().select(0, -3), /^select: index -3 is out of range for dim 0 of size 2/],
    ['squeeze non-1', () => t().squeeze(1), /^squeeze: dim 1 has size 3, not 1 \(shape \[2,3,4\]\)/],
    ['unsqueeze range', () => t().unsqueeze(4), /^unsqueeze: axis 4 is out of range for a tensor of rank 4/],
    ['expand', () => t().expand(2, 5, 4), /^expand: cannot expand shape \[2,3,4\] to \[2,5,4\] \(dim 1: 3 -> 5\)/],
    ['expand fewer dims', () => t().expand(3, 4), /^expand: target shape \[3,4\] has fewer dims than the tensor's \[2,3,4\]/],
    ['expand -1 leading', () => t().expand(-1, 2, 3, 4), /^expand: invalid size -1 in \[-1,2,3,4\]/],
    ['flip repeat', () => t().flip([0, -3]), /^flip: axis 0 repeated/],
    ['flatten order', () => t().flatten(2, 1), /^flatten: startDim 2 comes after endDim 1/],
    ['not a tensor', () => (Tensor.prototype.reshape as (this: unknown, ...s: number[]) => Tensor).call(null, 2), /reshape: expected a Tensor, got null/],
    ['get index', () => t().get(0, 3, 0), /^get: index 3 is out of range for dim 1 of size 3/],
    ['get arity', () => t().get(0, 0), /^get: expected 3 indices for shape \[2,3,4\], got 2/],
    ['item', () => t().item(), /^item: tensor of shape \[2,3,4\] has 24 elements, expected 1/],
  ])('%s', (_name, f, re) => {
    expect(f).toThrow(re);
  });

  it('valid edge cases do not throw', () => {
    expect(tensor([1, 2, 3]).narrow(0, 3, 0).shape).toEqual([0]);
    expect(zeros([0, 3]).reshape(3, 0, 5).shape).toEqual([3, 0, 5]);
    expect(zeros([0, 3]).view(-1, 3).shape).toEqual([0, 3]);
    expect(zeros([]).reshape(1, 1).shape).toEqual([1, 1]);
    expect(zeros([3]).transpose().shape).toEqual([3]);
    expect(zeros([]).flatten().shape).toEqual([1]);
  });
});
