// gather / indexSelect / scatterAdd / scatterAddInPlace against nested-loop references over random
// shapes, axes, dtypes and layouts of the input, the index and the source (the index tensor itself
// may be permuted, stepped, flipped or expanded), plus the adjoint law tying gather to scatterAdd.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Tensor, type DType, type OpName, tensor, zeros, randn, gather, indexSelect, scatterAdd, scatterAddInPlace,
  setOpObserver,
} from '../index.js';
import { type ViewKind, forEachIndex, nestFlat, nestedMismatch, stridedViewArb } from '../testing.js';
import { type TorchTensor, TORCH, expectTorch, fromTorch, torchCases } from './__fixtures__/linalg-indexing-torch.js';

const RUNS = { numRuns: 80 };
const ALL_KINDS: ViewKind[] = ['contiguous', 'offset', 'permuted', 'stepped', 'negative', 'expanded', 'mixed'];
const WRITABLE: ViewKind[] = ['contiguous', 'offset', 'permuted', 'stepped', 'negative'];

function rowMajor(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}
const flatPos = (idx: readonly number[], shape: readonly number[]): number => {
  const s = rowMajor(shape);
  return idx.reduce((p, v, d) => p + v * s[d]!, 0);
};

function expectValues(t: Tensor, shape: number[], values: number[], dtype: DType, rtol = 0): void {
  expect(t.dtype).toBe(dtype);
  expect(t.shape).toEqual(shape);
  const m = nestedMismatch(t.toArray(), nestFlat(shape, values, dtype === 'bool'), { rtol, atol: rtol });
  if (m !== null) throw new Error(m);
}

afterEach(() => setOpObserver(null));

/** An input shape (rank 1..4, sizes 1..4), an axis and an index shape that fits it. */
const gatherShapesArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((xs) =>
  fc.tuple(
    fc.constant(xs),
    fc.integer({ min: -xs.length, max: xs.length - 1 }),
    fc.tuple(...xs.map((n) => fc.integer({ min: 0, max: n }))),
    fc.integer({ min: 0, max: 5 }),
  ).map(([x, axis, idxShape, along]) => {
    const ax = axis < 0 ? axis + x.length : axis;
    const is = idxShape.slice();
    is[ax] = along;
    return { x, axis, ax, is };
  }));

describe('gather', () => {
  it('out[idx] = x[idx with idx[axis] replaced by index[idx]] for any layouts and dtypes', () => {
    fc.assert(fc.property(gatherShapesArb.chain((s) => fc.tuple(
      fc.constant(s),
      stridedViewArb({ shape: s.x, dtype: ['bool', 'int32', 'float32', 'float64'], kinds: ALL_KINDS }),
      stridedViewArb({ shape: s.is, dtype: 'int32', min: 0, max: s.x[s.ax]! - 1, kinds: ALL_KINDS }),
    )), ([{ x: xShape, axis, ax, is }, x, index]) => {
      const out = gather(x.tensor, axis, index.tensor);
      const want: number[] = [];
      forEachIndex(is, (idx, k) => {
        const src = idx.slice();
        src[ax] = index.values[k]!;
        want.push(x.values[flatPos(src, xShape)]!);
      });
      expectValues(out, is, want, x.tensor.dtype);
      expect(x.tensor.gather(axis, index.tensor).toArray()).toEqual(out.toArray());
    }), RUNS);
  });

  it('is the adjoint of scatterAdd: <gather(x, i), g> = <x, scatterAdd(0, i, g)>', () => {
    fc.assert(fc.property(gatherShapesArb.chain((s) => fc.tuple(
      fc.constant(s),
      stridedViewArb({ shape: s.x, dtype: 'float64', kinds: ALL_KINDS }),
      stridedViewArb({ shape: s.is, dtype: 'int32', min: 0, max: s.x[s.ax]! - 1, kinds: ALL_KINDS }),
      stridedViewArb({ shape: s.is, dtype: 'float64', kinds: ALL_KINDS }),
    )), ([{ x: xShape, ax }, x, index, g]) => {
      const lhs = gather(x.tensor, ax, index.tensor).mul(g.tensor).sum().item();
      const rhs = scatterAdd(zeros(xShape, { dtype: 'float64' }), ax, index.tensor, g.tensor).mul(x.tensor).sum().item();
      const scale = g.values.reduce((p, v) => p + Math.abs(v), 0) * 10 + 1;
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * scale);
    }), RUNS);
  });

  it('records gather on the input with the normalised axis and the index', () => {
    const log: { op: OpName; inputs: readonly Tensor[]; attrs: unknown }[] = [];
    setOpObserver({ record(op, inputs, _o, attrs) { log.push({ op, inputs, attrs }); } });
    const x = randn([2, 3]).requiresGrad_();
    const index = tensor([[0], [2]], { dtype: 'int32' });
    gather(x, -1, index);
    expect(log).toHaveLength(1);
    expect(log[0]!.op).toBe('gather');
    expect(log[0]!.inputs).toEqual([x]);
    expect(log[0]!.inputs[0]).toBe(x);
    expect((log[0]!.attrs as { axis: number; index: Tensor }).axis).toBe(1);
    expect((log[0]!.attrs as { axis: number; index: Tensor }).index).toBe(index);
  });

  it('refuses bad indices with the op name and the offending values', () => {
    const x = zeros([2, 3]);
    expect(() => gather(x, 1, tensor([[0.5]]))).toThrow('gather: index must have dtype int32, got float32');
    expect(() => gather(x, 1, tensor([0], { dtype: 'int32' }))).toThrow('gather: index of shape [1] must have as many dimensions as the input of shape [2,3]');
    expect(() => gather(x, 1, zeros([3, 1], { dtype: 'int32' }))).toThrow('gather: index of shape [3,1] is larger than the input of shape [2,3] at dim 0 (3 > 2)');
    expect(() => gather(x, 1, tensor([[0, 3]], { dtype: 'int32' }))).toThrow('gather: index 3 is out of range for dim 1 of size 3 (at index position [0,1])');
    expect(() => gather(x, 1, tensor([[-1]], { dtype: 'int32' }))).toThrow('gather: index -1 is out of range for dim 1 of size 3');
    expect(() => gather(x, 2, tensor([[0]], { dtype: 'int32' }))).toThrow('gather: axis 2 is out of range for a tensor of rank 2');
    expect(() => gather(tensor(1), 0, tensor(0, { dtype: 'int32' }))).toThrow(RangeError);
    expect(() => gather(x, 1, [[0]] as unknown as Tensor)).toThrow(TypeError);
  });
});

describe('indexSelect', () => {
  it('selects whole slices, repeats allowed, for any layouts and dtypes', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((xs) => fc.tuple(
        fc.constant(xs), fc.integer({ min: -xs.length, max: xs.length - 1 }), fc.integer({ min: 0, max: 6 }))).chain(([xs, axis, len]) => {
        const ax = axis < 0 ? axis + xs.length : axis;
        return fc.tuple(
          fc.constant({ xs, axis, ax }),
          stridedViewArb({ shape: xs, dtype: ['bool', 'int32', 'float32', 'float64'], kinds: ALL_KINDS }),
          stridedViewArb({ shape: [len], dtype: 'int32', min: 0, max: xs[ax]! - 1, kinds: ALL_KINDS }),
        );
      }),
      ([{ xs, axis, ax }, x, index]) => {
        const out = indexSelect(x.tensor, axis, index.tensor);
        const shape = xs.slice();
        shape[ax] = index.values.length;
        const want: number[] = [];
        forEachIndex(shape, (idx) => {
          const src = idx.slice();
          src[ax] = index.values[idx[ax]!]!;
          want.push(x.values[flatPos(src, xs)]!);
        });
        expectValues(out, shape, want, x.tensor.dtype);
      }), RUNS);
  });

  it('embedding-style lookup of long rows (the block-copy path)', () => {
    const w = randn([10, 40], { dtype: 'float64' });
    const ids = tensor([3, 3, 9, 0], { dtype: 'int32' });
    const out = w.indexSelect(0, ids);
    [3, 3, 9, 0].forEach((r, i) => expect(out.select(0, i).toArray()).toEqual(w.select(0, r).toArray()));
  });

  it('records indexSelect with the normalised axis', () => {
    const seen: unknown[] = [];
    setOpObserver({ record(op, _i, _o, attrs) { seen.push([op, (attrs as { axis: number }).axis]); } });
    indexSelect(randn([2, 3]).requiresGrad_(), -2, tensor([1], { dtype: 'int32' }));
    expect(seen).toEqual([['indexSelect', 0]]);
  });

  it('refuses bad indices', () => {
    const x = zeros([2, 3]);
    expect(() => indexSelect(x, 0, tensor([[0]], { dtype: 'int32' }))).toThrow('indexSelect: index must be 1-D, got shape [1,1]');
    expect(() => indexSelect(x, 0, tensor([0, 1]))).toThrow('indexSelect: index must have dtype int32, got float32');
    expect(() => indexSelect(x, 0, tensor([0, 2], { dtype: 'int32' }))).toThrow('indexSelect: index 2 is out of range for dim 0 of size 2 (at index position [1])');
    expect(() => indexSelect(x, -3, tensor([0], { dtype: 'int32' }))).toThrow('indexSelect: axis -3 is out of range for a tensor of rank 2');
  });
});

/** Base shape, axis, index shape and a source shape at least as large as the index. */
const scatterShapesArb = gatherShapesArb.chain((s) =>
  fc.tuple(fc.constant(s), fc.tuple(...s.is.map((n) => fc.integer({ min: n, max: n + 2 })))).map(([t, src]) => ({ ...t, src })));

function scatterReference(base: number[], baseShape: number[], ax: number, is: number[], index: number[], src: number[], srcShape: number[], dtype: DType): number[] {
  const out = base.slice();
  forEachIndex(is, (idx, k) => {
    const dst = idx.slice();
    dst[ax] = index[k]!;
    const p = flatPos(dst, baseShape);
    const v = out[p]! + src[flatPos(idx, srcShape)]!;
    out[p] = dtype === 'float32' ? Math.fround(v) : dtype === 'int32' ? v | 0 : v;
  });
  return out;
}

describe('scatterAdd', () => {
  it('out = base with src added at the indexed positions (repeats accumulate)', () => {
    fc.assert(fc.property(scatterShapesArb.chain((s) => fc.constantFrom<DType>('int32', 'float32', 'float64').chain((dtype) => fc.tuple(
      fc.constant(s),
      stridedViewArb({ shape: s.x, dtype, kinds: ALL_KINDS }),
      stridedViewArb({ shape: s.is, dtype: 'int32', min: 0, max: s.x[s.ax]! - 1, kinds: ALL_KINDS }),
      stridedViewArb({ shape: s.src, dtype, kinds: ALL_KINDS }),
    ))), ([{ x: bs, axis, ax, is, src: ss }, base, index, src]) => {
      const before = base.tensor.toArray();
      const out = scatterAdd(base.tensor, axis, index.tensor, src.tensor);
      const want = scatterReference(base.values, bs, ax, is, index.values, src.values, ss, base.tensor.dtype);
      expectValues(out, bs, want, base.tensor.dtype, base.tensor.dtype === 'float32' ? 1e-6 : 1e-12);
      expect(base.tensor.toArray()).toEqual(before); // out of place
    }), RUNS);
  });

  it('scatterAddInPlace writes through the base view and bumps its version', () => {
    fc.assert(fc.property(scatterShapesArb.chain((s) => fc.tuple(
      fc.constant(s),
      stridedViewArb({ shape: s.x, dtype: 'float64', kinds: WRITABLE }),
      stridedViewArb({ shape: s.is, dtype: 'int32', min: 0, max: s.x[s.ax]! - 1, kinds: ALL_KINDS }),
      stridedViewArb({ shape: s.src, dtype: 'float64', kinds: ALL_KINDS }),
    )), ([{ x: bs, ax, is, src: ss }, base, index, src]) => {
      const v0 = base.tensor.version;
      const ret = scatterAddInPlace(base.tensor, ax, index.tensor, src.tensor);
      expect(ret).toBe(base.tensor);
      expect(base.tensor.version).toBe(v0 + 1);
      const want = scatterReference(base.values, bs, ax, is, index.values, src.values, ss, 'float64');
      expectValues(base.tensor, bs, want, 'float64', 1e-12);
    }), RUNS);
  });

  it('records scatterAdd with inputs [base, src] and attrs {axis, index}', () => {
    const log: { op: OpName; inputs: readonly Tensor[]; attrs: unknown }[] = [];
    setOpObserver({ record(op, inputs, _o, attrs) { log.push({ op, inputs, attrs }); } });
    const base = zeros([3]);
    const src = randn([2]).requiresGrad_();
    const index = tensor([2, 2], { dtype: 'int32' });
    const out = base.scatterAdd(-1, index, src);
    expect(out.get(2)).toBeCloseTo(src.get(0) + src.get(1), 6);
    expect(log).toHaveLength(1);
    expect(log[0]!.op).toBe('scatterAdd');
    expect(log[0]!.inputs[0]).toBe(base);
    expect(log[0]!.inputs[1]).toBe(src);
    expect(log[0]!.attrs).toEqual({ axis: 0, index });
  });

  it('refuses bad input and writes nothing when an index is out of range', () => {
    const base = zeros([2, 3]);
    const i32 = { dtype: 'int32' as const };
    expect(() => scatterAdd(base, 1, tensor([[0]]), zeros([1, 1]))).toThrow('scatterAdd: index must have dtype int32, got float32');
    expect(() => scatterAdd(base, 1, zeros([1, 1], i32), zeros([1, 1], { dtype: 'float64' }))).toThrow('scatterAdd: src dtype float64 does not match base dtype float32');
    expect(() => scatterAdd(zeros([2], { dtype: 'bool' }), 0, zeros([1], i32), zeros([1], { dtype: 'bool' }))).toThrow(TypeError);
    expect(() => scatterAdd(base, 1, zeros([1], i32), zeros([1]))).toThrow('scatterAdd: base [2,3], index [1] and src [1] must have the same number of dimensions');
    expect(() => scatterAdd(base, 1, zeros([1, 2], i32), zeros([1, 1]))).toThrow('scatterAdd: index of shape [1,2] is larger than src of shape [1,1] at dim 1 (2 > 1)');
    expect(() => scatterAdd(base, 1, zeros([3, 1], i32), zeros([3, 1]))).toThrow('scatterAdd: index of shape [3,1] is larger than base of shape [2,3] at dim 0 (3 > 2)');
    expect(() => scatterAdd(base, 1, tensor([[1, 5]], i32), zeros([1, 2]))).toThrow('scatterAdd: index 5 is out of range for dim 1 of size 3 (at index position [0,1])');
    const target = zeros([3]);
    expect(() => scatterAddInPlace(target, 0, tensor([0, 1, 3], i32), tensor([1, 1, 1]))).toThrow(RangeError);
    expect(target.toArray()).toEqual([0, 0, 0]);
    expect(target.version).toBe(0);
  });

  it('scatterAddInPlace refuses expanded targets and tensors that require grad while recording', () => {
    const i32 = { dtype: 'int32' as const };
    expect(() => scatterAddInPlace(zeros([1]).expand(3), 0, tensor([0], i32), tensor([1]))).toThrow(/^scatterAddInPlace: cannot write in place into an expanded tensor/);
    setOpObserver({ record() { /* recording on */ } });
    const p = zeros([3]).requiresGrad_();
    expect(() => p.scatterAddInPlace(0, tensor([0], i32), tensor([1]))).toThrow(/^scatterAddInPlace: in-place update of a tensor that requires grad/);
  });

  it('a by-hand case: histogram of labels', () => {
    const labels = tensor([0, 2, 2, 1, 2], { dtype: 'int32' });
    expect(scatterAdd(zeros([3], { dtype: 'int32' }), 0, labels, tensor([1, 1, 1, 1, 1], { dtype: 'int32' })).toArray()).toEqual([1, 1, 3]);
  });
});

// ------------------------------------------------------------------ PyTorch fixture


describe(`agreement with PyTorch ${TORCH.torch} (__fixtures__/linalg-indexing-torch.py)`, () => {
  it('torch.gather, torch.index_select and torch.scatter_add on every axis', () => {
    const cases = torchCases('gather', 'indexSelect', 'scatterAdd');
    expect(cases.length).toBe(15);
    for (const c of cases) {
      const [x, idx, src] = c.inputs.map(fromTorch);
      const axis = c.args['axis'] as number;
      const got = c.op === 'gather' ? gather(x!, axis, idx!) : c.op === 'indexSelect' ? indexSelect(x!, axis, idx!) : scatterAdd(x!, axis, idx!, src!);
      expectTorch(got, c.out as TorchTensor, 1e-15);
    }
  });
});
