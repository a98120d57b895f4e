// The API surface issue 2 lists: every op as a method and as a free function, `broadcastTo`, the
// `where` method, `randLike`/`randnLike`, continuous random draws refusing integer dtypes, and errors
// for non-integer axes and indices that say so.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as gd from '../index.js';
import {
  Generator, Tensor, bernoulli, broadcastTo, clamp, flip, normal, permute, rand, randLike, randn, randnLike, reshape, slice, squeeze, tensor,
  uniform, view, where, zeros,
} from '../index.js';
import { nestedFromFn, nestedGet, nestedMismatch, stridedViewArb, toFlat, toNested } from '../testing.js';

const RUNS = { numRuns: 60 };

describe('every op of issue 2 is a free function and a Tensor method', () => {
  // [method name, free-function name]; the logical ops are `and/or/not` as methods.
  const BOTH: [string, string][] = `add sub mul div pow neg abs sign exp log log1p expm1 sqrt rsqrt square sin cos tanh sigmoid
    relu softplus clamp maximum minimum floor ceil round eq ne lt le gt ge where sum mean prod max min argmax argmin var std
    logsumexp norm all any cumsum matmul dot outer softmax logSoftmax gather indexSelect scatterAdd maskedFill split chunk pad
    reshape view flatten permute transpose slice narrow select squeeze unsqueeze expand broadcastTo flip contiguous clone
    isclose allclose equal`.split(/\s+/).map((n) => [n, n] as [string, string]);
  BOTH.push(['and', 'logicalAnd'], ['or', 'logicalOr'], ['not', 'logicalNot'], ['to', 'cast'], ['astype', 'cast']);

  it.each(BOTH)('%s / %s', (method, free) => {
    expect(typeof (Tensor.prototype as unknown as Record<string, unknown>)[method]).toBe('function');
    expect(typeof (gd as unknown as Record<string, unknown>)[free]).toBe('function');
  });

  it('creation functions, including every *Like, exist', () => {
    for (const f of ['tensor', 'zeros', 'ones', 'full', 'eye', 'arange', 'linspace', 'zerosLike', 'onesLike', 'fullLike', 'randLike', 'randnLike',
      'rand', 'randn', 'randint', 'bernoulli', 'manualSeed', 'cat', 'stack']) {
      expect(typeof (gd as unknown as Record<string, unknown>)[f]).toBe('function');
    }
  });
});

describe('broadcastTo', () => {
  it('is a stride-0 view equal to the nested-loop broadcast, on any view', () => {
    const arb = fc.tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 }))
      .chain(([target, ones, lead]) => {
        const own = target.slice(Math.min(lead, target.length)).map((n, i) => (ones[i] ? 1 : n));
        return fc.tuple(fc.constant(target), stridedViewArb({ shape: own, dtype: ['float32', 'int32', 'bool', 'float64'] }));
      });
    fc.assert(fc.property(arb, ([target, c]) => {
      const b = broadcastTo(c.tensor, target);
      const lead = target.length - c.tensor.ndim;
      expect(b.shape).toEqual(target);
      expect(b.storage).toBe(c.tensor.storage);
      target.forEach((n, d) => { if (d < lead || (c.tensor.shape[d - lead] === 1 && n !== 1)) expect(b.strides[d]).toBe(0); });
      const want = nestedFromFn(target, (idx) => nestedGet(c.expected, idx.slice(lead).map((i, d) => (c.tensor.shape[d] === 1 ? 0 : i))));
      const m = nestedMismatch(toNested(b), want);
      if (m !== null) throw new Error(m);
    }), RUNS);
  });

  it('errors name broadcastTo (method and function) and show the shapes', () => {
    expect(() => broadcastTo(zeros([2, 3]), [3, 3])).toThrow('broadcastTo: cannot expand shape [2,3] to [3,3] (dim 0: 2 -> 3)');
    expect(() => zeros([2, 3]).broadcastTo([3])).toThrow('broadcastTo: target shape [3] has fewer dims than the tensor\'s [2,3]');
    expect(() => broadcastTo(zeros([2]), [-2, 2])).toThrow('broadcastTo: invalid size -2 in [-2,2]');
    expect(() => broadcastTo(zeros([2]), 3 as unknown as number[])).toThrow(/^broadcastTo: shape must be an array/);
    expect(() => broadcastTo([1, 2] as unknown as Tensor, [2])).toThrow(/^broadcastTo: expected a Tensor/);
    // expand keeps its own name.
    expect(() => zeros([2, 3]).expand(3, 3)).toThrow(/^expand: cannot expand shape \[2,3\]/);
  });
});

describe('Tensor.where(cond, other)', () => {
  it('picks this tensor where cond is true and other elsewhere, broadcasting all three (PyTorch x.where(cond, y))', () => {
    fc.assert(fc.property(
      stridedViewArb({ shape: [2, 3], dtype: ['float32', 'int32'] }),
      stridedViewArb({ shape: [3], dtype: 'bool' }),
      stridedViewArb({ shape: [2, 1], dtype: 'float64' }),
      (x, c, y) => {
        const out = x.tensor.where(c.tensor, y.tensor);
        expect(out.dtype).toBe('float64');
        const want = nestedFromFn([2, 3], ([i, j]) => (nestedGet(c.expected, [j!]) ? nestedGet(x.expected, [i!, j!]) : nestedGet(y.expected, [i!, 0])) as number);
        const m = nestedMismatch(toNested(out), want);
        if (m !== null) throw new Error(m);
        expect(toFlat(out)).toEqual(toFlat(where(c.tensor, x.tensor, y.tensor)));
      },
    ), RUNS);
    expect(tensor([1, 2, 3]).where(tensor([true, false, true]), -1).toArray()).toEqual([1, -1, 3]);
    expect(() => tensor([1]).where(tensor([1]), 0)).toThrow('where: condition must have dtype bool, got float32');
  });
});

describe('randLike / randnLike and float-only continuous draws', () => {
  it('take the shape and dtype of `like` and draw the same stream as rand/randn', () => {
    const like = zeros([3, 2], { dtype: 'float64' }).T;
    const u = randLike(like, { generator: new Generator(7) });
    expect(u.shape).toEqual([2, 3]);
    expect(u.dtype).toBe('float64');
    expect(toFlat(u)).toEqual(toFlat(rand([2, 3], { dtype: 'float64', generator: new Generator(7) })));
    expect(toFlat(u).every((v) => v >= 0 && v < 1)).toBe(true);
    const n = randnLike(zeros([4]), { generator: new Generator(3) });
    expect(n.dtype).toBe('float32');
    expect(toFlat(n)).toEqual(toFlat(randn([4], { generator: new Generator(3) })));
    expect(randLike(zeros([2]), { dtype: 'float64' }).dtype).toBe('float64');
    expect(randnLike(zeros([2]), { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('refuse int32/bool: continuous samples would be truncated to (nearly) constant tensors', () => {
    expect(() => rand([3], { dtype: 'int32' })).toThrow(/^rand: dtype int32 is not a floating-point dtype/);
    expect(() => randn([3], { dtype: 'bool' })).toThrow(/^randn: dtype bool is not a floating-point dtype/);
    expect(() => uniform([3], 0, 10, { dtype: 'int32' })).toThrow(/^uniform: dtype int32/);
    expect(() => normal([3], 0, 1, { dtype: 'int32' })).toThrow(/^normal: dtype int32/);
    expect(() => randLike(zeros([2], { dtype: 'int32' }))).toThrow(/^randLike: dtype int32 is not a floating-point dtype/);
    expect(() => randnLike(zeros([2], { dtype: 'bool' }))).toThrow(/^randnLike: dtype bool/);
    expect(() => randLike([1, 2] as unknown as Tensor)).toThrow(/^randLike: expected a Tensor/);
    // Integer draws have their own functions.
    expect(gd.randint(0, 5, [3]).dtype).toBe('int32');
    expect(gd.bernoulli(0.5, { shape: [3], dtype: 'bool' }).dtype).toBe('bool');
  });
});

describe('non-integer axes and indices are called non-integers (not "out of range")', () => {
  const x = zeros([3, 4]);
  it.each([
    ['sum', () => x.sum(0.5), /^sum: axis 0\.5 is not an integer \(tensor of rank 2\)/],
    ['softmax', () => x.softmax(1.5), /^softmax: axis 1\.5 is not an integer/],
    ['transpose', () => x.transpose(0.5, 1), /^transpose: axis 0\.5 is not an integer/],
    ['cumsum', () => x.cumsum(NaN), /^cumsum: axis NaN is not an integer/],
    ['get', () => x.get(0, 1.5), /^get: index 1\.5 for dim 1 is not an integer/],
    ['select', () => x.select(0, 0.5), /^select: index 0\.5 for dim 0 is not an integer/],
    ['slice', () => x.slice(1.5), /^slice: index 1\.5 for dim 0 is not an integer/],
  ] as [string, () => unknown, RegExp][])('%s', (_name, f, re) => {
    expect(f).toThrow(re);
  });
});

describe('missing or wrongly typed arguments of free functions are refused with the op name', () => {
  const x = zeros([2, 3]);
  it.each([
    ['reshape', () => reshape(x, undefined as never), /^reshape: shape must be an array, got undefined/],
    ['view', () => view(x, 6 as never), /^view: shape must be an array, got number/],
    ['permute', () => permute(x, undefined as never), /^permute: dims must be an array, got undefined/],
    ['slice', () => slice(x, null as never), /^slice: specs must be an array, got null/],
    ['flip', () => flip(x, null as never), /^flip: axes must be a number, an array of numbers or undefined, got null/],
    ['squeeze', () => squeeze(x, {} as never), /^squeeze: axes must be a number, an array of numbers or undefined, got object/],
    ['clamp', () => clamp(undefined as never, 0, 1), /^clamp: expected a Tensor, got undefined/],
    ['bernoulli', () => bernoulli(undefined as never), /^bernoulli: p must be a number or a Tensor of probabilities, got undefined/],
    ['bernoulli string', () => bernoulli('0.5' as never), /^bernoulli: p must be a number or a Tensor/],
  ] as [string, () => unknown, RegExp][])('%s', (_name, f, re) => {
    expect(f).toThrow(re);
  });
});
