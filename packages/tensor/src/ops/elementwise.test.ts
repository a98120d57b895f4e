// Elementwise ops against slow references: every unary and binary op over random strided views,
// broadcasting, the dtype promotion table (weak JS-number scalars included), where/maskedFill/clamp/
// cast, and the in-place ops writing through views.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Tensor, type DType, tensor, zeros, ones, arange,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalNot,
  where, maskedFill, clamp, cast, softplus, exp, neg, abs, sign, log, log1p, expm1, sqrt, rsqrt, square,
  sin, cos, tanh, sigmoid, relu, floor, ceil, round,
} from '../index.js';
import {
  type ViewCase, type ViewKind, broadcastIndex, broadcastableShapesArb, dtypeArb, forEachIndex, nestFlat,
  nestedGet, nestedMismatch, readAt, referenceBroadcast, shapeArb, stridedViewArb,
} from '../testing.js';
import { collapse } from '../kernels/elementwise.js';

const RUNS = { numRuns: 60 };
const ALL: DType[] = ['bool', 'int32', 'float32', 'float64'];
const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
const isF = (d: DType): boolean => d === 'float32' || d === 'float64';
const promote = (a: DType, b: DType): DType => (RANK[a] >= RANK[b] ? a : b);
const arith = (d: DType): DType => (d === 'bool' ? 'int32' : d);
const floatOf = (d: DType): DType => (isF(d) ? d : 'float32');

/** What storing the exact value `v` in a `dtype` slot gives (the reference's own conversion). */
function store(dtype: DType, v: number): number {
  switch (dtype) {
    case 'float64': return v;
    case 'float32': return Math.fround(v);
    case 'int32': return Number.isFinite(v) ? Number(BigInt.asIntN(32, BigInt(Math.trunc(v)))) : 0;
    case 'bool': return v !== 0 ? 1 : 0; // NaN is true, as in Python
  }
}

const at = (c: ViewCase, idx: number[]): number => Number(nestedGet(c.expected, broadcastIndex(idx, c.tensor.shape)));

function expectMatch(actual: Tensor, shape: number[], dtype: DType, values: number[], tol = {}): void {
  expect(actual.dtype).toBe(dtype);
  expect(actual.shape).toEqual(shape);
  const m = nestedMismatch(actual.toArray(), nestFlat(shape, values, dtype === 'bool'), tol);
  if (m !== null) throw new Error(m);
}

function tolFor(d: DType, loose: boolean): { rtol: number; atol: number } {
  if (!loose) return { rtol: 0, atol: 0 };
  return d === 'float64' ? { rtol: 1e-12, atol: 1e-14 } : { rtol: 2e-6, atol: 1e-7 };
}

// ------------------------------------------------------------------ unary

type Kind = 'float' | 'arith' | 'same';
const roundHalfEven = (x: number): number => {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
};
const UNARY: [string, (t: Tensor) => Tensor, (x: number) => number, Kind, boolean][] = [
  ['neg', neg, (x) => -x, 'arith', false],
  ['abs', abs, (x) => (x < 0 ? -x : x), 'arith', false],
  ['sign', sign, (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0), 'arith', false],
  ['exp', exp, (x) => Math.E ** x, 'float', true],
  ['log', log, Math.log, 'float', true],
  ['log1p', log1p, (x) => (Math.abs(x) < 1e-5 ? x - x * x / 2 + x * x * x / 3 : Math.log(1 + x)), 'float', true],
  ['expm1', expm1, (x) => (Math.abs(x) < 1e-5 ? x + x * x / 2 + x * x * x / 6 : Math.exp(x) - 1), 'float', true],
  ['sqrt', sqrt, (x) => (x < 0 ? NaN : x ** 0.5), 'float', true],
  ['rsqrt', rsqrt, (x) => (Object.is(x, -0) ? -Infinity : x < 0 ? NaN : 1 / x ** 0.5), 'float', true],
  ['square', square, (x) => x * x, 'arith', false],
  ['sin', sin, Math.sin, 'float', true],
  ['cos', cos, Math.cos, 'float', true],
  ['tanh', tanh, (x) => (Math.abs(x) > 20 ? Math.sign(x) : (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1)), 'float', true],
  ['sigmoid', sigmoid, (x) => 1 / (1 + Math.exp(-x)), 'float', true],
  ['relu', relu, (x) => (Number.isNaN(x) ? NaN : x > 0 ? x : 0), 'arith', false],
  ['softplus', (t) => softplus(t), (x) => (x > 20 ? x : Math.log(1 + Math.exp(x))), 'float', true],
  ['floor', floor, Math.floor, 'same', false],
  ['ceil', ceil, Math.ceil, 'same', false],
  ['round', round, roundHalfEven, 'same', false],
];

describe('unary ops match a float64 reference on strided views of every dtype', () => {
  for (const [name, op, ref, kind, loose] of UNARY) {
    it(name, () => {
      fc.assert(fc.property(stridedViewArb({ dtype: ALL, noNaN: false, min: -12, max: 12 }), (c) => {
        const d = c.tensor.dtype;
        const outType = kind === 'float' ? floatOf(d) : kind === 'arith' ? arith(d) : d;
        const out = op(c.tensor);
        expectMatch(out, c.tensor.shape.slice(), outType, c.values.map((x) => store(outType, ref(x))), tolFor(outType, loose));
        expect(out.isContiguous()).toBe(true);
      }), RUNS);
    });
  }

  it('round halves to even, including negative halves', () => {
    expect(round(tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999])).toArray()).toEqual([-2, -2, -0, 0, 2, 2, 4, 2]);
  });

  it('relu and clamp keep NaN (they do not hide it as 0)', () => {
    const r = relu(tensor([NaN, -1, 2])).toArray() as number[];
    expect(Number.isNaN(r[0])).toBe(true);
    expect(r.slice(1)).toEqual([0, 2]);
    expect(Number.isNaN((clamp(tensor([NaN]), 0, 1).toArray() as number[])[0])).toBe(true);
  });

  it('softplus honours beta and threshold', () => {
    fc.assert(fc.property(
      stridedViewArb({ dtype: 'float64', min: -30, max: 30 }), fc.double({ min: 0.1, max: 5, noNaN: true }), fc.double({ min: 1, max: 30, noNaN: true }),
      (c, beta, threshold) => {
        const want = c.values.map((x) => (beta * x > threshold ? x : Math.log(1 + Math.exp(beta * x)) / beta));
        expectMatch(softplus(c.tensor, beta, threshold), c.tensor.shape.slice(), 'float64', want, { rtol: 1e-9, atol: 1e-15 });
      }), RUNS);
  });
});

// ------------------------------------------------------------------ binary

type Bin = (a: Tensor | number, b: Tensor | number) => Tensor;
type OutRule = 'arith' | 'float' | 'bool';
const BINARY: [string, Bin, (x: number, y: number) => number, OutRule][] = [
  ['add', add, (x, y) => x + y, 'arith'],
  ['sub', sub, (x, y) => x - y, 'arith'],
  ['mul', mul, (x, y) => x * y, 'arith'],
  ['div', div, (x, y) => x / y, 'float'],
  ['maximum', maximum, (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : x >= y ? x : y), 'arith'],
  ['minimum', minimum, (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : x <= y ? x : y), 'arith'],
  ['eq', eq, (x, y) => +(x === y), 'bool'],
  ['ne', ne, (x, y) => +(x !== y), 'bool'],
  ['lt', lt, (x, y) => +(x < y), 'bool'],
  ['le', le, (x, y) => +(x <= y), 'bool'],
  ['gt', gt, (x, y) => +(x > y), 'bool'],
  ['ge', ge, (x, y) => +(x >= y), 'bool'],
  ['and', logicalAnd, (x, y) => +(x !== 0 && y !== 0), 'bool'],
  ['or', logicalOr, (x, y) => +(x !== 0 || y !== 0), 'bool'],
];

function outDType(rule: OutRule, common: DType): DType {
  return rule === 'bool' ? 'bool' : rule === 'float' ? floatOf(common) : arith(common);
}

/** Two views with mutually broadcastable shapes and random dtypes. */
const pairArb = (opts: { min?: number; max?: number; dtypes?: DType[] } = {}) =>
  fc.tuple(broadcastableShapesArb(2), dtypeArb(opts.dtypes ?? ALL), dtypeArb(opts.dtypes ?? ALL)).chain(([[sa, sb], da, db]) =>
    fc.tuple(
      stridedViewArb({ shape: sa!, dtype: da, noNaN: false, min: opts.min ?? -6, max: opts.max ?? 6 }),
      stridedViewArb({ shape: sb!, dtype: db, noNaN: false, min: opts.min ?? -6, max: opts.max ?? 6 }),
    ));

describe('binary ops broadcast, promote and compute like a nested-loop reference', () => {
  for (const [name, op, ref, rule] of BINARY) {
    it(name, () => {
      fc.assert(fc.property(pairArb(), ([a, b]) => {
        const shape = referenceBroadcast(a.tensor.shape, b.tensor.shape)!;
        const common = promote(a.tensor.dtype, b.tensor.dtype);
        const outType = outDType(rule, common);
        const want: number[] = [];
        forEachIndex(shape, (idx) => want.push(store(outType, ref(store(common, at(a, idx)), store(common, at(b, idx))))));
        expectMatch(op(a.tensor, b.tensor), shape, outType, want);
      }), RUNS);
    });
  }

  it('pow: float and int bases with small non-negative integer or float exponents', () => {
    fc.assert(fc.property(pairArb({ min: 0, max: 3 }), ([a, b]) => {
      const shape = referenceBroadcast(a.tensor.shape, b.tensor.shape)!;
      const common = promote(a.tensor.dtype, b.tensor.dtype);
      const outType = arith(common);
      const want: number[] = [];
      forEachIndex(shape, (idx) => want.push(store(outType, store(common, at(a, idx)) ** store(common, at(b, idx)))));
      expectMatch(pow(a.tensor, b.tensor), shape, outType, want, isF(outType) ? tolFor(outType, true) : {});
    }), RUNS);
  });

  it('add/sub with alpha compute a ± alpha·b', () => {
    fc.assert(fc.property(pairArb({ dtypes: ['float32', 'float64'] }), fc.double({ min: -3, max: 3, noNaN: true }), ([a, b], alpha) => {
      const shape = referenceBroadcast(a.tensor.shape, b.tensor.shape)!;
      const outType = promote(a.tensor.dtype, b.tensor.dtype);
      for (const [op, s] of [[add, 1], [sub, -1]] as const) {
        const want: number[] = [];
        // alpha scales b first (a weak scalar, so in b's dtype), then the sum is taken
        const db = b.tensor.dtype;
        forEachIndex(shape, (idx) => want.push(at(a, idx) + s * store(db, store(db, alpha) * at(b, idx))));
        expectMatch(op(a.tensor, b.tensor, alpha), shape, outType, want, { rtol: 1e-5, atol: 1e-5 });
      }
    }), RUNS);
  });

  it('empty and larger shapes (dims of 0, and up to 9 so loops run many outer steps)', () => {
    for (const opts of [{ minDim: 0, maxDim: 3 }, { minRank: 2, maxRank: 3, maxDim: 9 }]) {
      fc.assert(fc.property(
        fc.tuple(broadcastableShapesArb(2, opts), dtypeArb(['float32', 'int32'])).chain(([[sa, sb], d]) =>
          fc.tuple(stridedViewArb({ shape: sa!, dtype: d }), stridedViewArb({ shape: sb!, dtype: 'float64' }))),
        ([a, b]) => {
          const shape = referenceBroadcast(a.tensor.shape, b.tensor.shape)!;
          const want: number[] = [];
          forEachIndex(shape, (idx) => want.push(at(a, idx) * at(b, idx) - at(b, idx)));
          expectMatch(sub(mul(a.tensor, b.tensor), b.tensor), shape, 'float64', want, { rtol: 1e-12, atol: 1e-12 });
        }), { numRuns: 40 });
    }
  });

  it('the output never aliases an input', () => {
    const a = tensor([1, 2, 3]);
    const out = add(a, 0);
    expect(out.storage).not.toBe(a.storage);
  });
});

describe('dtype promotion table', () => {
  const T = (d: DType): Tensor => ones([2], { dtype: d });
  it.each([
    ['float32', 'float64', 'float64'], ['float32', 'int32', 'float32'], ['float64', 'int32', 'float64'],
    ['int32', 'bool', 'int32'], ['bool', 'bool', 'int32'], ['float32', 'bool', 'float32'], ['float32', 'float32', 'float32'],
  ] as [DType, DType, DType][])('tensor %s + tensor %s -> %s', (a, b, want) => {
    expect(add(T(a), T(b)).dtype).toBe(want);
    expect(add(T(b), T(a)).dtype).toBe(want);
  });

  it.each([
    ['float32', 2.5, 'float32'], ['float32', 2, 'float32'], ['float64', 2.5, 'float64'], ['int32', 2, 'int32'],
    ['int32', 2.5, 'float32'], ['bool', 2, 'int32'], ['bool', 2.5, 'float32'], ['int32', -3, 'int32'],
  ] as [DType, number, DType][])('weak scalar: %s tensor + %d -> %s (either side)', (d, s, want) => {
    expect(add(T(d), s).dtype).toBe(want);
    expect(add(s, T(d)).dtype).toBe(want);
    expect(mul(T(d), s).dtype).toBe(want);
  });

  it.each([['int32', 'float32'], ['bool', 'float32'], ['float32', 'float32'], ['float64', 'float64']] as [DType, DType][])(
    'division of %s by %s integers is true division -> float', (d, want) => {
      expect(div(T(d), T(d)).dtype).toBe(want);
      expect(div(T(d), 2).dtype).toBe(want);
      expect(div(tensor([7, -7], { dtype: 'int32' }), 2).toArray()).toEqual([3.5, -3.5]);
    });

  it('two JS numbers give a 0-d tensor: int32 for integers, float32 otherwise', () => {
    expect(add(2, 3).dtype).toBe('int32');
    expect(add(2, 3).item()).toBe(5);
    expect(add(2, 0.5).dtype).toBe('float32');
    expect(add(2, 0.5).shape).toEqual([]);
  });

  it('weak scalars: value semantics match casting the scalar to the common dtype', () => {
    const scalarArb = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -5, max: 5, noNaN: true }));
    fc.assert(fc.property(stridedViewArb({ dtype: ALL, min: -6, max: 6 }), scalarArb, fc.constantFrom(...BINARY), fc.boolean(), (c, s, [, op, ref, rule], flipSides) => {
      const d = c.tensor.dtype;
      const common: DType = isF(d) ? d : Number.isInteger(s) ? arith(d) : 'float32';
      const outType = outDType(rule, common);
      const sc = store(common, s);
      const want = c.values.map((x) => store(outType, flipSides ? ref(sc, store(common, x)) : ref(store(common, x), sc)));
      const got = flipSides ? op(s, c.tensor) : op(c.tensor, s);
      expectMatch(got, c.tensor.shape.slice(), outType, want);
    }), { numRuns: 150 });
  });
});

// ------------------------------------------------------------------ where / maskedFill / clamp / cast

describe('where, maskedFill, clamp, cast', () => {
  it('where(cond, a, b) picks per element, all three broadcasting', () => {
    fc.assert(fc.property(
      fc.tuple(broadcastableShapesArb(3), dtypeArb(), dtypeArb()).chain(([[sc, sa, sb], da, db]) => fc.tuple(
        stridedViewArb({ shape: sc!, dtype: 'bool' }), stridedViewArb({ shape: sa!, dtype: da }), stridedViewArb({ shape: sb!, dtype: db }))),
      ([c, a, b]) => {
        const shape = referenceBroadcast(c.tensor.shape, a.tensor.shape, b.tensor.shape)!;
        const common = promote(a.tensor.dtype, b.tensor.dtype);
        const want: number[] = [];
        forEachIndex(shape, (idx) => want.push(store(common, at(c, idx) ? at(a, idx) : at(b, idx))));
        expectMatch(where(c.tensor, a.tensor, b.tensor), shape, common, want);
      }), RUNS);
  });

  it('where with JS numbers follows the weak-scalar rules', () => {
    const cond = tensor([true, false, true]);
    expect(where(cond, 1, 0).dtype).toBe('int32');
    expect(where(cond, 1, 0).toArray()).toEqual([1, 0, 1]);
    expect(where(cond, 1.5, 0).toArray()).toEqual([1.5, 0, 1.5]);
    expect(where(cond, tensor([1, 2, 3], { dtype: 'int32' }), 0.5).dtype).toBe('float32');
    expect(where(cond, tensor([1, 2, 3], { dtype: 'float64' }), 0).dtype).toBe('float64');
  });

  it('maskedFill replaces where the (broadcast) mask is true', () => {
    fc.assert(fc.property(
      fc.tuple(broadcastableShapesArb(2), dtypeArb(['int32', 'float32', 'float64'])).chain(([[sx, sm], d]) => {
        const shape = referenceBroadcast(sx!, sm!)!;
        return fc.tuple(stridedViewArb({ shape, dtype: d }), stridedViewArb({ shape: sm!, dtype: 'bool' }), fc.integer({ min: -9, max: 9 }));
      }),
      ([x, m, v]) => {
        const shape = x.tensor.shape.slice();
        const want: number[] = [];
        forEachIndex(shape, (idx) => want.push(at(m, idx) ? v : at(x, idx)));
        expectMatch(maskedFill(x.tensor, m.tensor, v), shape, x.tensor.dtype, want);
      }), RUNS);
  });

  it('clamp limits to [min, max] with optional bounds; fractional bounds make int tensors float32', () => {
    const bound = fc.option(fc.integer({ min: -8, max: 8 }).map((k) => k / 2), { nil: undefined });
    fc.assert(fc.property(stridedViewArb({ dtype: ALL, noNaN: false }), bound, bound, (c, lo0, hi0) => {
      let lo = lo0;
      let hi = hi0;
      if (lo === undefined && hi === undefined) lo = 0;
      if (lo !== undefined && hi !== undefined && lo > hi) [lo, hi] = [hi, lo];
      const d = arith(c.tensor.dtype);
      const frac = (lo !== undefined && !Number.isInteger(lo)) || (hi !== undefined && !Number.isInteger(hi));
      const outType = !isF(d) && frac ? 'float32' : d;
      const want = c.values.map((x) => store(outType, Number.isNaN(x) ? NaN : Math.min(hi ?? Infinity, Math.max(lo ?? -Infinity, x))));
      expectMatch(clamp(c.tensor, lo, hi), c.tensor.shape.slice(), outType, want);
    }), RUNS);
  });

  it('cast converts every dtype to every dtype (float->int truncates, NaN->bool is true)', () => {
    fc.assert(fc.property(stridedViewArb({ dtype: ALL, noNaN: false, min: -100, max: 100 }), dtypeArb(), (c, to) => {
      const from = c.tensor.dtype;
      const out = cast(c.tensor, to);
      if (from === to) {
        expect(out).toBe(c.tensor);
        return;
      }
      const want = c.values.map((x) => (to === 'int32' && !Number.isFinite(x) ? 0 : store(to, x)));
      expectMatch(out, c.tensor.shape.slice(), to, want);
      expect(c.tensor.to(to).dtype).toBe(to);
      expect(c.tensor.astype(to).dtype).toBe(to);
    }), RUNS);
  });

  it('logicalNot gives bool: true where the element is 0', () => {
    fc.assert(fc.property(stridedViewArb({ dtype: ALL, min: -2, max: 2, noNaN: false }), (c) => {
      expectMatch(logicalNot(c.tensor), c.tensor.shape.slice(), 'bool', c.values.map((x) => +(x === 0)));
    }), RUNS);
  });
});

// ------------------------------------------------------------------ in place

const WRITABLE: ViewKind[] = ['contiguous', 'offset', 'permuted', 'stepped', 'negative'];

/** Positions of the storage a view covers. */
function covered(t: Tensor): Set<number> {
  const s = new Set<number>();
  forEachIndex(t.shape, (idx) => {
    let p = t.offset;
    idx.forEach((i, d) => { p += i * t.strides[d]!; });
    s.add(p);
  });
  return s;
}

/** Run `fn` on the view and check: elements become `want`, nothing else in storage moves, the version bumps once. */
function checkInPlace(c: ViewCase, fn: (t: Tensor) => Tensor, want: number[], tol = {}): void {
  const t = c.tensor;
  const before = Array.from(t.storage);
  const inside = covered(t);
  const sibling = t.detach();
  const v0 = t.version;
  const ret = fn(t);
  expect(ret).toBe(t);
  expect(t.version).toBe(v0 + 1);
  expect(sibling.version).toBe(v0 + 1);
  const got: number[] = [];
  forEachIndex(t.shape, (idx) => got.push(readAt(t, idx)));
  const m = nestedMismatch(got, want, tol);
  if (m !== null) throw new Error(`${c.kind} view: ${m}`);
  for (let p = 0; p < before.length; p++) {
    if (!inside.has(p) && !Object.is(before[p], t.storage[p])) throw new Error(`${c.kind} view: storage[${p}] outside the view changed from ${before[p]} to ${t.storage[p]}`);
  }
}

/** A target view plus an operand that broadcasts to it. */
const targetAndOperand = (dtypes: DType[], opDtypes: DType[] = dtypes) =>
  fc.tuple(broadcastableShapesArb(2), dtypeArb(dtypes), dtypeArb(opDtypes)).chain(([[s0, s1], dt, dop]) => {
    const shape = referenceBroadcast(s0!, s1!)!;
    return fc.tuple(stridedViewArb({ shape, dtype: dt, kinds: WRITABLE }), stridedViewArb({ shape: s1!, dtype: dop }));
  });

describe('in-place ops write through views', () => {
  const FL: DType[] = ['float32', 'float64'];

  it('addInPlace / subInPlace with alpha', () => {
    fc.assert(fc.property(targetAndOperand(FL), fc.double({ min: -2, max: 2, noNaN: true }), fc.boolean(), ([t, o], alpha, subtract) => {
      const d = t.tensor.dtype;
      const want: number[] = [];
      forEachIndex(t.tensor.shape, (idx) => want.push(store(d, at(t, idx) + (subtract ? -alpha : alpha) * at(o, idx))));
      checkInPlace(t, (x) => (subtract ? x.subInPlace(o.tensor, alpha) : x.addInPlace(o.tensor, alpha)), want, tolFor(d, true));
    }), RUNS);
  });

  it('int targets accept int and bool operands and integer scalars', () => {
    fc.assert(fc.property(targetAndOperand(['int32'], ['int32', 'bool']), fc.integer({ min: -3, max: 3 }), ([t, o], k) => {
      const want: number[] = [];
      forEachIndex(t.tensor.shape, (idx) => want.push(store('int32', at(t, idx) + k * at(o, idx))));
      checkInPlace(t, (x) => x.addInPlace(o.tensor, k), want);
    }), { numRuns: 30 });
  });

  for (const [name, fn, ref] of [
    ['mulInPlace', (x: Tensor, o: Tensor) => x.mulInPlace(o), (a: number, b: number) => a * b],
    ['divInPlace', (x: Tensor, o: Tensor) => x.divInPlace(o), (a: number, b: number) => a / b],
    ['maximumInPlace', (x: Tensor, o: Tensor) => x.maximumInPlace(o), (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))],
    ['copyFrom', (x: Tensor, o: Tensor) => x.copyFrom(o), (_a: number, b: number) => b],
  ] as const) {
    it(name, () => {
      fc.assert(fc.property(targetAndOperand(FL, ALL), ([t, o]) => {
        const d = t.tensor.dtype;
        const want: number[] = [];
        forEachIndex(t.tensor.shape, (idx) => want.push(store(d, ref(at(t, idx), at(o, idx)))));
        checkInPlace(t, (x) => fn(x, o.tensor), want, tolFor(d, true));
      }), RUNS);
    });
  }

  it('addcmulInPlace / addcdivInPlace / lerpInPlace', () => {
    const arb = fc.tuple(broadcastableShapesArb(3), dtypeArb(FL)).chain(([[s0, s1, s2], d]) => {
      const shape = referenceBroadcast(s0!, s1!, s2!)!;
      return fc.tuple(
        stridedViewArb({ shape, dtype: d, kinds: WRITABLE }),
        stridedViewArb({ shape: s1!, dtype: d }),
        stridedViewArb({ shape: s2!, dtype: d, min: 0.5, max: 4 }),
        fc.double({ min: -2, max: 2, noNaN: true }),
      );
    });
    fc.assert(fc.property(arb, fc.constantFrom('addcmul', 'addcdiv', 'lerp'), ([t, a, b, v], which) => {
      const want: number[] = [];
      forEachIndex(t.tensor.shape, (idx) => {
        const x = at(t, idx);
        want.push(which === 'addcmul' ? x + v * at(a, idx) * at(b, idx) : which === 'addcdiv' ? x + v * at(a, idx) / at(b, idx) : x + v * (at(a, idx) - x));
      });
      checkInPlace(t, (x) => (which === 'addcmul' ? x.addcmulInPlace(a.tensor, b.tensor, v) : which === 'addcdiv' ? x.addcdivInPlace(a.tensor, b.tensor, v) : x.lerpInPlace(a.tensor, v)), want, { rtol: 1e-5, atol: 1e-5 });
    }), RUNS);
  });

  it('fillInPlace / zeroInPlace / clampInPlace / sqrtInPlace / signInPlace', () => {
    fc.assert(fc.property(stridedViewArb({ dtype: ['float32', 'float64'], kinds: WRITABLE }), fc.integer({ min: -5, max: 5 }), fc.constantFrom('fill', 'zero', 'clamp', 'sqrt', 'sign'), (c, k, which) => {
      const d = c.tensor.dtype;
      const ref = (x: number): number => (which === 'fill' ? k : which === 'zero' ? 0 : which === 'clamp' ? Math.min(3, Math.max(-1, x)) : which === 'sqrt' ? x ** 0.5 : x > 0 ? 1 : x < 0 ? -1 : 0);
      const fn = (x: Tensor): Tensor => (which === 'fill' ? x.fillInPlace(k) : which === 'zero' ? x.zeroInPlace() : which === 'clamp' ? x.clampInPlace(-1, 3) : which === 'sqrt' ? x.sqrtInPlace() : x.signInPlace());
      checkInPlace(c, fn, c.values.map((x) => store(d, ref(x))), tolFor(d, true));
    }), RUNS);
  });

  it('an operand overlapping the target (its own flip, its last row, itself) is read before it is overwritten', () => {
    fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 5 }), fc.constantFrom('flip', 'row', 'self'), (shape, how) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const t = arange(n).to('float64').reshape(shape);
      const other = how === 'flip' ? t.flip(0) : how === 'row' ? t.select(0, shape[0]! - 1) : t;
      const snapshot = tensor(Float64Array.from(other.storage), { shape: [other.storage.length] });
      const frozen = Tensor._view(snapshot, other.shape, other.strides, other.offset);
      const want: number[] = [];
      forEachIndex(shape, (idx) => want.push(readAt(t, idx) + readAt(frozen, broadcastIndex(idx, frozen.shape))));
      t.addInPlace(other);
      const got: number[] = [];
      forEachIndex(shape, (idx) => got.push(readAt(t, idx)));
      expect(got).toEqual(want);
    }), RUNS);
    const a = arange(6).to('float32');
    a.copyFrom(a.flip(0));
    expect(a.toArray()).toEqual([5, 4, 3, 2, 1, 0]);
    const b = arange(5).to('float32');
    b.slice([1]).copyFrom(b.slice([0, 4]));
    expect(b.toArray()).toEqual([0, 0, 1, 2, 3]);
  });

  it('refuses expanded targets, float results into int, arithmetic into bool, and bad operands', () => {
    const ex = zeros([3]).expand([2, 3]);
    expect(() => ex.addInPlace(1)).toThrow(/^addInPlace: cannot write in place into an expanded tensor \(shape \[2,3\], strides \[0,1\]\)/);
    expect(() => ex.fillInPlace(1)).toThrow(/^fillInPlace: cannot write in place into an expanded tensor/);
    const i = zeros([2, 3], { dtype: 'int32' });
    expect(() => i.addInPlace(ones([2, 3]))).toThrow(/^addInPlace: cannot write a float32 result into a int32 tensor/);
    expect(() => i.mulInPlace(ones([3], { dtype: 'float64' }))).toThrow(/^mulInPlace: cannot write a float64 result into a int32 tensor/);
    expect(() => i.addInPlace(2.5)).toThrow(/^addInPlace: cannot write .*2\.5.* into a int32 tensor/);
    expect(() => i.addInPlace(ones([2, 3], { dtype: 'int32' }), 0.5)).toThrow(/^addInPlace: .*alpha 0\.5.* int32/);
    expect(() => i.divInPlace(2)).toThrow(/^divInPlace: true division cannot be stored in a int32 tensor/);
    expect(() => i.lerpInPlace(ones([2, 3], { dtype: 'int32' }), 0.5)).toThrow(/^lerpInPlace: .*int32/);
    expect(() => i.addcdivInPlace(i, i)).toThrow(/^addcdivInPlace: .*int32/);
    expect(() => i.sqrtInPlace()).toThrow(/^sqrtInPlace: needs a floating-point tensor, got int32/);
    expect(() => i.clampInPlace(0.5)).toThrow(/^clampInPlace: .*0\.5.*int32/);
    expect(() => i.fillInPlace(NaN)).toThrow(/^fillInPlace: .*NaN.*int32/);
    expect(() => i.fillInPlace(2.5)).toThrow(/^fillInPlace: .*2\.5.*int32/);
    expect(() => i.subInPlace(i, 0.5)).toThrow(/^subInPlace: .*0\.5.*int32/);
    const bl = zeros([2], { dtype: 'bool' });
    expect(() => bl.addInPlace(1)).toThrow(/^addInPlace: .*bool/);
    expect(() => bl.addInPlace(tensor([true, false]))).toThrow(/^addInPlace: .*bool/);
    expect(bl.copyFrom(tensor([3, 0])).toArray()).toEqual([true, false]);
    const f = zeros([2, 3]);
    expect(() => f.addInPlace(ones([4]))).toThrow(/^addInPlace: .*\[2,3\].*\[4\]|^addInPlace: .*\[4\].*\[2,3\]/);
    expect(() => f.addInPlace(ones([2, 2, 3]))).toThrow(/^addInPlace: operand of shape \[2,2,3\] does not broadcast to the target's shape \[2,3\]/);
    expect(() => f.copyFrom(ones([3, 3]))).toThrow(/^copyFrom: .*\[3,3\]/);
    expect(() => f.addInPlace('1' as unknown as number)).toThrow(/^addInPlace: second operand must be a Tensor or a number, got string/);
    expect(() => f.addcmulInPlace(f, null as unknown as Tensor)).toThrow(/^addcmulInPlace: .*null/);
    expect(() => f.lerpInPlace({} as unknown as Tensor, 0.5)).toThrow(/^lerpInPlace: .*object/);
    expect(() => f.clampInPlace(2, 1)).toThrow(/^clampInPlace: min 2 is greater than max 1/);
    expect(f.version).toBe(0);
  });
});

// ------------------------------------------------------------------ errors

describe('bad input names the op and the offending values', () => {
  it('shapes that do not broadcast', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(/^add: shapes \[2,3\] and \[4\] cannot be broadcast \(3 != 4 at dim 1\)/);
    expect(() => mul(zeros([2, 1, 3]), zeros([5, 2]))).toThrow(/^mul: shapes \[2,1,3\] and \[5,2\] cannot be broadcast/);
    expect(() => lt(zeros([2]), zeros([3]))).toThrow(/^lt: shapes \[2\] and \[3\]/);
    expect(() => where(zeros([2], { dtype: 'bool' }), zeros([3]), 0)).toThrow(/^where: shapes \[2\] and \[3\]/);
  });

  it('operands that are not tensors or numbers', () => {
    expect(() => add(zeros([2]), 'x' as unknown as number)).toThrow(/^add: second operand must be a Tensor or a number, got string/);
    expect(() => sub(null as unknown as Tensor, 1)).toThrow(/^sub: first operand must be a Tensor or a number, got null/);
    expect(() => exp(3 as unknown as Tensor)).toThrow(/^exp: expected a Tensor, got number/);
    expect(() => where(zeros([2], { dtype: 'bool' }), zeros([2]), undefined as unknown as number)).toThrow(/^where: third operand must be a Tensor or a number, got undefined/);
  });

  it('conditions and masks must be bool tensors that fit', () => {
    expect(() => where(zeros([2]), 1, 0)).toThrow(/^where: condition must have dtype bool, got float32/);
    expect(() => maskedFill(zeros([2]), zeros([2], { dtype: 'int32' }), 1)).toThrow(/^maskedFill: condition must have dtype bool, got int32/);
    expect(() => maskedFill(zeros([3]), zeros([2, 3], { dtype: 'bool' }), 1)).toThrow(/^maskedFill: mask of shape \[2,3\] does not broadcast to the tensor's shape \[3\]/);
  });

  it('bad parameters', () => {
    expect(() => clamp(zeros([2]))).toThrow(/^clamp: at least one of min and max must be given/);
    expect(() => clamp(zeros([2]), 2, 1)).toThrow(/^clamp: min 2 is greater than max 1/);
    expect(() => clamp(zeros([2]), NaN)).toThrow(/^clamp: bounds must not be NaN/);
    expect(() => softplus(zeros([2]), 0)).toThrow(/^softplus: beta must be positive, got 0/);
    expect(() => pow(tensor([2, 3], { dtype: 'int32' }), -1)).toThrow(/^pow: integer tensors cannot be raised to negative integer powers \(exponent -1\)/);
    expect(() => zeros([2]).to('int8' as DType)).toThrow(/^to: unknown dtype "int8"/);
  });
});

// ------------------------------------------------------------------ kernels/elementwise.ts: collapse

describe('collapse merges dims without changing the visiting order', () => {
  it.each<[number[], number[][], number[], number[][]]>([
    [[2, 3, 4], [[12, 4, 1], [12, 4, 1]], [24], [[1], [1]]],
    [[2, 3, 4], [[12, 4, 1], [0, 4, 1]], [2, 12], [[12, 1], [0, 1]]],
    [[2, 1, 3], [[3, 3, 1], [3, 7, 1]], [6], [[1], [1]]],
    [[3, 4], [[1, 3], [4, 1]], [3, 4], [[1, 3], [4, 1]]],
    [[1, 1], [[1, 1]], [], [[]]],
  ])('shape %j strides %j -> %j %j', (shape, strides, wantShape, wantStrides) => {
    expect(collapse(shape, strides)).toEqual([wantShape, wantStrides]);
  });

  it('every operand visits the same storage positions in the same order (random strides)', () => {
    const arb = shapeArb({ maxRank: 5, maxDim: 3 }).chain((shape) => fc.tuple(
      fc.constant(shape),
      fc.array(fc.array(fc.integer({ min: -12, max: 12 }), { minLength: shape.length, maxLength: shape.length }), { minLength: 1, maxLength: 3 }),
    ));
    const walk = (shape: number[], strides: number[]): number[] => {
      const out: number[] = [];
      forEachIndex(shape, (idx) => out.push(idx.reduce((p, i, d) => p + i * strides[d]!, 0)));
      return out;
    };
    fc.assert(fc.property(arb, ([shape, strides]) => {
      const [cs, cstr] = collapse(shape, strides);
      expect(cs.reduce((a, b) => a * b, 1)).toBe(shape.reduce((a, b) => a * b, 1));
      strides.forEach((st, i) => expect(walk(cs, cstr[i]!)).toEqual(walk(shape, st)));
    }), { numRuns: 200 });
  });
});
