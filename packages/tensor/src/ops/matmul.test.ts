// matmul / dot / outer against a slow float64 triple loop written from the torch.matmul rules, over
// random shapes (1-D promotion, broadcast batches, empty dims, sizes that reach the packed kernel and
// its block edges) and random operand layouts (transposed, stepped, negative-step, expanded).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Tensor, type DType, type OpName, tensor, zeros, randn, arange, matmul, dot, outer,
  setOpObserver, setBackend, getBackend, type Backend, type MatmulArgs,
} from '../index.js';
import { matmulFloat } from '../kernels/matmul.js';
import {
  type ViewCase, type ViewKind, broadcastIndex, forEachIndex, nestFlat, nestedMismatch, referenceBroadcast,
  stridedViewArb,
} from '../testing.js';
import { type TorchTensor, TORCH, expectTorch, fromTorch, torchCases } from './__fixtures__/linalg-indexing-torch.js';

const RUNS = { numRuns: 80 };
const KINDS: ViewKind[] = ['contiguous', 'offset', 'permuted', 'stepped', 'negative', 'expanded', 'mixed'];
const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
const resultType = (a: DType, b: DType): DType => {
  const p = RANK[a] >= RANK[b] ? a : b;
  return p === 'bool' ? 'int32' : p;
};

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, q) => p * q, 1);
}

function rowMajor(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

/** A reference result: values, per-element error scale sum |a b|, and the inner size k. */
interface Ref { shape: number[]; values: number[]; scale: number[]; k: number }

/**
 * Relative error bounds (times sum |a b|), from the standard bound for a sum of k products,
 * gamma_k = k u / (1 - k u): float64 results accumulate in float64 (u = 2^-53); float32 results
 * of the TypeScript kernel accumulate in float64 and round once per K block of 256 (so a few 2^-24);
 * another backend may accumulate in float32 (u = 2^-24 per step).
 */
function relTol(dtype: 'float32' | 'float64', k: number, f32Accumulate: boolean): number {
  const f64 = (k + 2) * 2 ** -53;
  if (dtype === 'float64') return f64;
  return f32Accumulate ? (k + 2) * 2 ** -24 : (Math.ceil(k / 256) + 1) * 2 ** -24 + f64;
}

/**
 * torch.matmul written out the slow way, in float64: promote 1-D operands, broadcast the batch
 * dimensions, sum products. Also returns sum |a b| per element (the float32 error scale).
 */
function reference(aShape: number[], aVals: number[], bShape: number[], bVals: number[]): Ref {
  const A = aShape.length === 1 ? [1, aShape[0]!] : aShape;
  const B = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
  const m = A[A.length - 2]!, k = A[A.length - 1]!, n = B[B.length - 1]!;
  const batch = referenceBroadcast(A.slice(0, -2), B.slice(0, -2))!;
  const aStr = rowMajor(A), bStr = rowMajor(B);
  const full = [...batch, m, n];
  const values: number[] = [];
  const scale: number[] = [];
  forEachIndex(full, (idx) => {
    const bi = idx.slice(0, -2);
    const ab = broadcastIndex(bi, A.slice(0, -2));
    const bb = broadcastIndex(bi, B.slice(0, -2));
    const i = idx[idx.length - 2]!, j = idx[idx.length - 1]!;
    // flat row-major positions of A[...ab, i, 0] and B[...bb, 0, j]; then step along k
    let a0 = 0, b0 = 0;
    [...ab, i, 0].forEach((v, d) => { a0 += v * aStr[d]!; });
    [...bb, 0, j].forEach((v, d) => { b0 += v * bStr[d]!; });
    const aStep = aStr[aStr.length - 1]!, bStep = bStr[bStr.length - 2]!;
    let s = 0, sc = 0;
    for (let p = 0; p < k; p++) {
      const prod = aVals[a0 + p * aStep]! * bVals[b0 + p * bStep]!;
      s += prod;
      sc += Math.abs(prod);
    }
    values.push(s);
    scale.push(sc);
  });
  const shape = [...batch];
  if (aShape.length > 1) shape.push(m);
  if (bShape.length > 1) shape.push(n);
  return { shape, values, scale, k };
}

/**
 * Compare a float result elementwise: exact NaN/Inf pattern, finite values within `rel * scale`
 * (plus float32's smallest subnormal for float32 results, whose rounding may flush tiny values).
 */
function expectClose(out: Tensor, ref: Ref, rel: number): void {
  const atol = out.dtype === 'float32' ? 2 ** -149 : 1e-300;
  expect(out.shape).toEqual(ref.shape);
  const got = out.data();
  for (let i = 0; i < ref.values.length; i++) {
    const e = ref.values[i]!, g = got[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(g, e) && !(Number.isNaN(e) && Number.isNaN(g))) throw new Error(`element ${i}: got ${g}, expected ${e}`);
      continue;
    }
    const tol = rel * ref.scale[i]! + atol;
    if (!(Math.abs(g - e) <= tol)) throw new Error(`element ${i}: got ${g}, expected ${e} (tolerance ${tol})`);
  }
}

/** Shapes of a random matmul: the kind of product, the three sizes and the two batch shapes. */
const sizeArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 5 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 2 });
const batchPairArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 }).chain((full) =>
  fc.tuple(
    fc.tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length })),
    fc.tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length })),
  ).map(([[da, oa], [db, ob]]) => [
    full.slice(da).map((n, i) => (oa[i + da] ? 1 : n)),
    full.slice(db).map((n, i) => (ob[i + db] ? 1 : n)),
  ] as const));

const shapesArb = fc.tuple(fc.constantFrom('vv', 'vm', 'mv', 'mm', 'batched'), sizeArb, sizeArb, sizeArb, batchPairArb)
  .map(([kind, m, k, n, [ba, bb]]) => {
    switch (kind) {
      case 'vv': return [[k], [k]];
      case 'vm': return [[k], [...bb, k, n]];
      case 'mv': return [[...ba, m, k], [k]];
      case 'mm': return [[m, k], [k, n]];
      default: return [[...ba, m, k], [...bb, k, n]];
    }
  });

function caseArb(dtypes: DType[], opts: { noNaN?: boolean; min?: number; max?: number } = {}): fc.Arbitrary<[ViewCase, ViewCase]> {
  return fc.tuple(shapesArb, fc.constantFrom(...dtypes), fc.constantFrom(...dtypes)).chain(([[as, bs], da, db]) =>
    fc.tuple(
      stridedViewArb({ shape: as!, dtype: da, kinds: KINDS, ...opts }),
      stridedViewArb({ shape: bs!, dtype: db, kinds: KINDS, ...opts }),
    ));
}

/** Importing @gd/tensor installs a default backend where the runtime supports one (WebAssembly SIMD). */
const DEFAULT_BACKEND = getBackend();

afterEach(() => {
  setOpObserver(null);
  setBackend(DEFAULT_BACKEND);
});

// The same properties run on the plain TypeScript kernels and on the default backend, if any.
const SUITES: [string, Backend | null][] = [['TypeScript kernels', null]];
if (DEFAULT_BACKEND !== null) SUITES.push([`default backend ${DEFAULT_BACKEND.name}`, DEFAULT_BACKEND]);

for (const [label, backend] of SUITES) describe(`matmul against a float64 triple loop (${label})`, () => {
  beforeEach(() => { setBackend(backend); });
  const f32acc = backend !== null;
  const tol = (out: Tensor, ref: Ref): number => relTol(out.dtype as 'float32' | 'float64', ref.k, f32acc);

  it('float64 operands, any layout, broadcast batches, 1-D promotion', () => {
    fc.assert(fc.property(caseArb(['float64']), ([a, b]) => {
      const out = matmul(a.tensor, b.tensor);
      expect(out.dtype).toBe('float64');
      const ref = reference(a.tensor.shape.slice(), a.values, b.tensor.shape.slice(), b.values);
      expectClose(out, ref, tol(out, ref));
    }), RUNS);
  });

  it('float32 operands stay within float32 rounding of the float64 result', () => {
    fc.assert(fc.property(caseArb(['float32']), ([a, b]) => {
      const out = matmul(a.tensor, b.tensor);
      expect(out.dtype).toBe('float32');
      const ref = reference(a.tensor.shape.slice(), a.values, b.tensor.shape.slice(), b.values);
      expectClose(out, ref, tol(out, ref));
    }), RUNS);
  });

  it('NaN and infinities propagate as in the exact sum', () => {
    fc.assert(fc.property(caseArb(['float32', 'float64'], { noNaN: false }), ([a, b]) => {
      const out = matmul(a.tensor, b.tensor);
      const ref = reference(a.tensor.shape.slice(), a.values, b.tensor.shape.slice(), b.values);
      expectClose(out, ref, tol(out, ref));
    }), { numRuns: 60 });
  });

  it('mixed dtypes promote as PyTorch (bool computes as int32; int stays int32, exactly)', () => {
    fc.assert(fc.property(caseArb(['bool', 'int32', 'float32', 'float64']), ([a, b]) => {
      const out = matmul(a.tensor, b.tensor);
      const dt = resultType(a.tensor.dtype, b.tensor.dtype);
      expect(out.dtype).toBe(dt);
      const ref = reference(a.tensor.shape.slice(), a.values, b.tensor.shape.slice(), b.values);
      if (dt === 'int32') {
        expect(out.shape).toEqual(ref.shape);
        expect(Array.from(out.data())).toEqual(ref.values);
      } else {
        expectClose(out, ref, tol(out, ref));
      }
    }), RUNS);
  });

  // Sizes that reach the packed kernel and every one of its block edges: partial micro-tiles,
  // several K blocks (KC = 256), several M blocks (MC = 96), several N blocks (NC = 1020); and the
  // unpacked loops for skinny products.
  const BIG: [number, number, number][] = [
    [17, 23, 19], [31, 300, 5], [7, 600, 11], [200, 5, 7], [4, 3, 1100], [3, 3, 600], [97, 257, 10],
    // skinny products too large for the small path: the row-streaming loop and the 4-column loop
    [2, 300, 40], [40, 300, 2], [1, 500, 30], [30, 500, 1],
  ];
  for (const [m, k, n] of BIG) {
    for (const form of ['a@b', 'a.T@b', 'a@b.T', 'a.T@b.T', 'flipped'] as const) {
      it(`packed kernel ${m}x${k} @ ${k}x${n}, ${form}`, () => {
        const a0 = randn(form === 'a.T@b' || form === 'a.T@b.T' ? [k, m] : [m, k], { dtype: 'float32' });
        const b0 = randn(form === 'a@b.T' || form === 'a.T@b.T' ? [n, k] : [k, n], { dtype: 'float32' });
        let a = form === 'a.T@b' || form === 'a.T@b.T' ? a0.T : a0;
        let b = form === 'a@b.T' || form === 'a.T@b.T' ? b0.T : b0;
        if (form === 'flipped') { a = a.flip([0, 1]); b = b.flip(1); }
        expect(a.shape).toEqual([m, k]);
        const ref = reference([m, k], Array.from(a.data()), [k, n], Array.from(b.data()));
        const out = matmul(a, b);
        expectClose(out, ref, tol(out, ref));
      });
    }
  }

  it('folds [B, T, k] @ [k, n] into one product and gets the same numbers as per-batch products', () => {
    const a = randn([4, 5, 6], { dtype: 'float64' });
    const b = randn([6, 7], { dtype: 'float64' });
    const out = matmul(a, b);
    for (let i = 0; i < 4; i++) {
      const ref = reference([5, 6], Array.from(a.select(0, i).data()), [6, 7], Array.from(b.data()));
      expectClose(out.select(0, i), ref, tol(out, ref));
    }
    // a permuted batch cannot fold; same answer through the per-batch loop
    const ap = randn([5, 4, 6], { dtype: 'float64' }).permute(1, 0, 2);
    const ref2 = reference([4, 5, 6], Array.from(ap.data()), [6, 7], Array.from(b.data()));
    const out2 = matmul(ap, b);
    expectClose(out2, ref2, tol(out2, ref2));
  });

  it('int32 products wrap around on overflow like two\'s-complement arithmetic', () => {
    const a = tensor([[2 ** 30, 2 ** 30, 7], [-(2 ** 31), 3, 1]], { dtype: 'int32' });
    const b = tensor([[4, 1], [4, 2], [5, 3]], { dtype: 'int32' });
    const out = matmul(a, b);
    const av = [[2 ** 30, 2 ** 30, 7], [-(2 ** 31), 3, 1]];
    const bv = [[4, 1], [4, 2], [5, 3]];
    const expected = av.map((row) => [0, 1].map((j) =>
      Number(BigInt.asIntN(32, row.reduce((s, x, p) => s + BigInt(x) * BigInt(bv[p]![j]!), 0n)))));
    expect(out.toArray()).toEqual(expected);
  });

  it('empty dimensions give empty or zero results', () => {
    expect(matmul(zeros([3, 0]), zeros([0, 4])).toArray()).toEqual([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(matmul(zeros([0, 3]), zeros([3, 4])).shape).toEqual([0, 4]);
    expect(matmul(zeros([2, 0, 3]), zeros([3])).shape).toEqual([2, 0]);
    expect(matmul(zeros([0]), zeros([0])).item()).toBe(0);
  });

  it('method form and 1-D shapes', () => {
    expect(tensor([[1, 2], [3, 4]]).matmul(tensor([1, 1])).toArray()).toEqual([3, 7]);
    expect(tensor([1, 1]).matmul(tensor([[1, 2], [3, 4]])).toArray()).toEqual([4, 6]);
    expect(matmul(tensor([1, 2, 3]), tensor([4, 5, 6])).shape).toEqual([]);
    expect(matmul(zeros([5, 2, 3]), zeros([3])).shape).toEqual([5, 2]);
    expect(matmul(zeros([3]), zeros([5, 3, 2])).shape).toEqual([5, 2]);
  });
});

describe('dot and outer', () => {
  it('dot matches the sum of products', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 }).chain((n) => fc.tuple(
      stridedViewArb({ shape: [n], dtype: 'float64', kinds: KINDS }), stridedViewArb({ shape: [n], dtype: 'float64', kinds: KINDS }))),
    ([a, b]) => {
      const got = dot(a.tensor, b.tensor);
      expect(got.shape).toEqual([]);
      const e = a.values.reduce((s, x, i) => s + x * b.values[i]!, 0);
      const sc = a.values.reduce((s, x, i) => s + Math.abs(x * b.values[i]!), 0);
      expect(Math.abs(got.item() - e)).toBeLessThanOrEqual(1e-14 * sc);
      expect(a.tensor.dot(b.tensor).item()).toBe(got.item());
    }), RUNS);
  });

  it('outer matches a[i] * b[j] and promotes like mul', () => {
    fc.assert(fc.property(
      fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom<DType>('int32', 'float32', 'float64')).chain(([n, m, d]) =>
        fc.tuple(stridedViewArb({ shape: [n], dtype: d, kinds: KINDS }), stridedViewArb({ shape: [m], dtype: 'int32', kinds: KINDS }))),
      ([a, b]) => {
        const got = outer(a.tensor, b.tensor);
        expect(got.dtype).toBe(a.tensor.dtype);
        const want = nestFlat([a.values.length, b.values.length], a.values.flatMap((x) => b.values.map((y) => x * y)));
        const m = nestedMismatch(got.toArray(), want, { rtol: a.tensor.dtype === 'float32' ? 1e-6 : 0 });
        if (m !== null) throw new Error(m);
      }), RUNS);
  });
});

describe('recording', () => {
  function capture(): { op: OpName; inputs: readonly Tensor[]; output: Tensor; attrs: unknown }[] {
    const log: { op: OpName; inputs: readonly Tensor[]; output: Tensor; attrs: unknown }[] = [];
    // Like autograd, mark outputs of recorded ops as requiring grad so composites record every step.
    setOpObserver({ record(op, inputs, output, attrs) { log.push({ op, inputs, output, attrs }); output.requiresGrad = true; } });
    return log;
  }

  it('matmul records once, on the original operands (even when they are promoted)', () => {
    const log = capture();
    const a = randn([2, 3], { dtype: 'float32' }).requiresGrad_();
    const b = randn([3], { dtype: 'float64' });
    const out = matmul(a, b);
    expect(log.length).toBe(1);
    expect(log[0]!.op).toBe('matmul');
    expect(log[0]!.inputs[0]).toBe(a);
    expect(log[0]!.inputs[1]).toBe(b);
    expect(log[0]!.output).toBe(out);
    expect(log[0]!.attrs).toEqual({});
  });

  it('nothing is recorded when no input requires grad', () => {
    const log = capture();
    matmul(randn([2, 3]), randn([3, 2]));
    expect(log.length).toBe(0);
  });

  it('dot is a matmul and outer is reshapes and a mul (so both get gradients)', () => {
    const log = capture();
    const a = randn([3]).requiresGrad_();
    dot(a, randn([3]));
    expect(log.map((r) => r.op)).toEqual(['matmul']);
    log.length = 0;
    outer(a, randn([2]));
    expect(log.map((r) => r.op)).toEqual(['reshape', 'mul']);
  });
});

describe('backend hook', () => {
  it('asks the installed backend first and falls back when it declines', () => {
    const seen: MatmulArgs[] = [];
    const declining: Backend = { name: 'declines', matmul(args) { seen.push({ ...args }); return false; } };
    setBackend(declining);
    const a = randn([2, 3, 4], { dtype: 'float64' });
    const b = randn([4, 5], { dtype: 'float64' }).T.contiguous().T;
    const out = matmul(a, b);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]!.bRowStride).toBe(1); // the transposed operand is handed over by strides, not copied
    const ref = reference([2, 3, 4], Array.from(a.data()), [4, 5], Array.from(b.data()));
    expectClose(out, ref, relTol('float64', ref.k, false));
  });

  it('uses the backend result when it accepts (float only; int32 never goes there)', () => {
    const accepting: Backend = { name: 'sevens', matmul(args) { args.c.fill(7, args.cOff, args.cOff + args.m * args.n); return true; } };
    setBackend(accepting);
    expect(matmul(zeros([2, 2]), zeros([2, 2])).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(matmul(zeros([2, 2], { dtype: 'int32' }), zeros([2, 2], { dtype: 'int32' })).toArray()).toEqual([[0, 0], [0, 0]]);
  });
});

describe('kernel', () => {
  it('overwrites C (does not accumulate into stale values) on both paths', () => {
    for (const [m, k, n] of [[2, 2, 2], [20, 30, 25]] as const) {
      const a = new Float64Array(m * k).fill(1);
      const b = new Float64Array(k * n).fill(1);
      const c = new Float64Array(m * n + 2).fill(99);
      matmulFloat({ m, n, k, a, aOff: 0, aRowStride: k, aColStride: 1, b, bOff: 0, bRowStride: n, bColStride: 1, c, cOff: 1 });
      expect(c[0]).toBe(99);
      expect(c[m * n + 1]).toBe(99);
      expect(Array.from(c.subarray(1, m * n + 1)).every((v) => v === k)).toBe(true);
    }
  });
});

describe('errors', () => {
  it('inner dimensions that differ', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow('matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)');
    expect(() => matmul(zeros([3]), zeros([4]))).toThrow('matmul: shapes [3] and [4] cannot be multiplied (3 != 4)');
    expect(() => matmul(zeros([7, 2, 3]), zeros([2]))).toThrow('matmul: shapes [7,2,3] and [2] cannot be multiplied (3 != 2)');
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(RangeError);
  });
  it('batch dimensions that do not broadcast', () => {
    expect(() => matmul(zeros([2, 3, 4]), zeros([5, 4, 2]))).toThrow('matmul: batch dimensions of shapes [2,3,4] and [5,4,2] cannot be broadcast (2 != 5 at batch dim 0)');
  });
  it('0-d operands and non-tensors', () => {
    expect(() => matmul(tensor(2), zeros([2]))).toThrow('matmul: both operands must have at least 1 dimension, got shapes [] and [2]');
    expect(() => matmul(zeros([2]), 3 as unknown as Tensor)).toThrow(TypeError);
    expect(() => matmul(zeros([2]), 3 as unknown as Tensor)).toThrow(/^matmul: second operand must be a Tensor/);
  });
  it('dot and outer need 1-D operands of matching length', () => {
    expect(() => dot(zeros([2, 2]), zeros([2]))).toThrow('dot: expected two 1-D tensors, got shapes [2,2] and [2]');
    expect(() => dot(zeros([3]), zeros([4]))).toThrow('dot: shapes [3] and [4] cannot be multiplied (3 != 4)');
    expect(() => outer(zeros([3]), zeros([1, 4]))).toThrow('outer: expected two 1-D tensors, got shapes [3] and [1,4]');
  });
  it('arange-based sanity: a 2x3 by 3x2 product by hand', () => {
    // [[0,1,2],[3,4,5]] @ [[0,1],[2,3],[4,5]] = [[10,13],[28,40]]
    expect(matmul(arange(6).reshape(2, 3), arange(6).reshape(3, 2)).toArray()).toEqual([[10, 13], [28, 40]]);
  });
});

// ------------------------------------------------------------------ PyTorch fixture


describe(`agreement with PyTorch ${TORCH.torch} (__fixtures__/linalg-indexing-torch.py)`, () => {
  it('torch.matmul: every shape rule, float64 and int', () => {
    const cases = torchCases('matmul');
    expect(cases.length).toBeGreaterThanOrEqual(15);
    for (const c of cases) expectTorch(matmul(fromTorch(c.inputs[0]!), fromTorch(c.inputs[1]!)), c.out as TorchTensor, 1e-12);
  });
});
