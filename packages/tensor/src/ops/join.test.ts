// cat / stack / split / chunk / pad against nested-loop references over random shapes, axes, dtypes
// and operand layouts; split and chunk must return views; recording and error paths.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Tensor, type DType, type OpName, tensor, zeros, arange, randn, cat, stack, split, chunk, pad, setOpObserver,
} from '../index.js';
import { type ViewCase, type ViewKind, forEachIndex, nestFlat, nestedMismatch, stridedViewArb } from '../testing.js';
import { type TorchTensor, TORCH, expectTorch, fromTorch, torchCases } from './__fixtures__/linalg-indexing-torch.js';

const RUNS = { numRuns: 80 };
const KINDS: ViewKind[] = ['contiguous', 'offset', 'permuted', 'stepped', 'negative', 'expanded', 'mixed'];
const DTYPES: DType[] = ['bool', 'int32', 'float32', 'float64'];
const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

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

function expectValues(t: Tensor, shape: number[], values: number[], dtype: DType): void {
  expect(t.dtype).toBe(dtype);
  expect(t.shape).toEqual(shape);
  const m = nestedMismatch(t.toArray(), nestFlat(shape, values, dtype === 'bool'));
  if (m !== null) throw new Error(m);
}

afterEach(() => setOpObserver(null));

describe('cat', () => {
  const catArb = fc.tuple(
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
  ).chain(([shape, alongs]) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })).chain(([s, axis]) => {
    const ax = axis < 0 ? axis + s.length : axis;
    return fc.tuple(
      fc.constant({ axis, ax }),
      fc.tuple(...alongs.map((n) => {
        const sh = s.slice();
        sh[ax] = n;
        return stridedViewArb({ shape: sh, dtype: DTYPES, kinds: KINDS });
      })),
    );
  }));

  it('joins along the axis, promoting dtypes, for any layouts', () => {
    fc.assert(fc.property(catArb, ([{ axis, ax }, parts]) => {
      const out = cat(parts.map((p) => p.tensor), axis);
      const dtype = parts.map((p) => p.tensor.dtype).reduce((a, b) => (RANK[a] >= RANK[b] ? a : b));
      const shape = parts[0]!.tensor.shape.slice();
      shape[ax] = parts.reduce((s, p) => s + p.tensor.shape[ax]!, 0);
      const want: number[] = [];
      forEachIndex(shape, (idx) => {
        let i = idx[ax]!;
        let q = 0;
        while (i >= parts[q]!.tensor.shape[ax]!) { i -= parts[q]!.tensor.shape[ax]!; q++; }
        const src = idx.slice();
        src[ax] = i;
        want.push(parts[q]!.values[flatPos(src, parts[q]!.tensor.shape)]!);
      });
      expectValues(out, shape, want, dtype);
    }), RUNS);
  });

  it('records cat once with every input and the normalised axis', () => {
    const log: { op: OpName; inputs: readonly Tensor[]; attrs: unknown }[] = [];
    setOpObserver({ record(op, inputs, _o, attrs) { log.push({ op, inputs, attrs }); } });
    const a = randn([2, 1]).requiresGrad_();
    const b = randn([2, 3]);
    cat([a, b], -1);
    expect(log).toHaveLength(1);
    expect(log[0]!.op).toBe('cat');
    expect(log[0]!.inputs[0]).toBe(a);
    expect(log[0]!.inputs[1]).toBe(b);
    expect(log[0]!.attrs).toEqual({ axis: 1 });
  });

  it('refuses empty lists, 0-d tensors and mismatched shapes', () => {
    expect(() => cat([])).toThrow('cat: expected a non-empty list of tensors');
    expect(() => cat([tensor(1), tensor(2)])).toThrow('cat: zero-dimensional tensor (at position 0) cannot be concatenated');
    expect(() => cat([zeros([2, 3]), zeros([3])])).toThrow('cat: tensors must have the same number of dimensions: got shape [2,3] at position 0 and [3] at position 1');
    expect(() => cat([zeros([2, 3]), zeros([2, 4]), zeros([3, 3])])).toThrow('cat: sizes must match except along dim 0: shape [2,3] at position 0 and [2,4] at position 1 differ at dim 1 (3 != 4)');
    expect(() => cat([zeros([2, 3])], 2)).toThrow('cat: axis 2 is out of range for a tensor of rank 2');
    expect(() => cat([zeros([2]), 3 as unknown as Tensor])).toThrow('cat: element 1 of the list is not a Tensor (got number)');
  });
});

describe('stack', () => {
  it('out[idx] = tensors[idx[axis]][idx without axis]', () => {
    fc.assert(fc.property(
      fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 }), fc.integer({ min: 1, max: 4 })).chain(([shape, count]) =>
        fc.tuple(
          fc.integer({ min: -(shape.length + 1), max: shape.length }),
          fc.tuple(...Array.from({ length: count }, () => stridedViewArb({ shape, dtype: ['int32', 'float64'], kinds: KINDS }))),
        )),
      ([axis, parts]) => {
        const out = stack(parts.map((p) => p.tensor), axis);
        const shape0 = parts[0]!.tensor.shape;
        const ax = axis < 0 ? axis + shape0.length + 1 : axis;
        const shape = shape0.slice();
        shape.splice(ax, 0, parts.length);
        const dtype = parts.some((p) => p.tensor.dtype === 'float64') ? 'float64' : 'int32';
        const want: number[] = [];
        forEachIndex(shape, (idx) => {
          const src = idx.slice();
          const [q] = src.splice(ax, 1);
          want.push(parts[q!]!.values[flatPos(src, shape0)]!);
        });
        expectValues(out, shape, want, dtype);
      }), RUNS);
  });

  it('refuses differing shapes, empty lists and bad axes', () => {
    expect(() => stack([zeros([2, 3]), zeros([2, 4])])).toThrow('stack: all tensors must have the same shape: got [2,3] at position 0 and [2,4] at position 1');
    expect(() => stack([])).toThrow('stack: expected a non-empty list of tensors');
    expect(() => stack([zeros([2])], 2)).toThrow('stack: axis 2 is out of range for a tensor of rank 2');
  });
});

describe('split and chunk', () => {
  const viewArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
    fc.tuple(fc.integer({ min: -shape.length, max: shape.length - 1 }), stridedViewArb({ shape, dtype: 'float64', kinds: KINDS })));

  /** The pieces are views of x and, joined back along the axis, give x's values. */
  function checkPieces(x: ViewCase, ax: number, pieces: Tensor[], sizes: number[]): void {
    expect(pieces.map((p) => p.shape[ax])).toEqual(sizes);
    let at = 0;
    for (const p of pieces) {
      expect(p.storage).toBe(x.tensor.storage);
      const want: number[] = [];
      forEachIndex(p.shape, (idx) => {
        const src = idx.slice();
        src[ax] = idx[ax]! + at;
        want.push(x.values[flatPos(src, x.tensor.shape)]!);
      });
      expectValues(p, p.shape.slice(), want, 'float64');
      at += p.shape[ax]!;
    }
  }

  it('split by size: pieces of `size`, the last one shorter', () => {
    fc.assert(fc.property(viewArb, fc.integer({ min: 1, max: 6 }), ([axis, x], size) => {
      const ax = axis < 0 ? axis + x.tensor.ndim : axis;
      const n = x.tensor.shape[ax]!;
      const sizes: number[] = [];
      for (let left = n; left > 0; left -= size) sizes.push(Math.min(size, left));
      if (n === 0) sizes.push(0);
      checkPieces(x, ax, split(x.tensor, size, axis), sizes);
    }), RUNS);
  });

  it('split by sections', () => {
    fc.assert(fc.property(viewArb.chain(([axis, x]) => {
      const ax = axis < 0 ? axis + x.tensor.ndim : axis;
      const n = x.tensor.shape[ax]!;
      // cut points -> sections adding up to n
      return fc.tuple(fc.constant(axis), fc.constant(x), fc.array(fc.integer({ min: 0, max: n }), { maxLength: 4 })
        .map((cuts) => {
          const c = [0, ...cuts.sort((p, q) => p - q), n];
          return c.slice(1).map((v, i) => v - c[i]!);
        }));
    }), ([axis, x, sections]) => {
      const ax = axis < 0 ? axis + x.tensor.ndim : axis;
      checkPieces(x, ax, x.tensor.split(sections, axis), sections);
    }), RUNS);
  });

  it('chunk: ceil(n / chunks) per piece, possibly fewer pieces (torch.chunk)', () => {
    fc.assert(fc.property(viewArb, fc.integer({ min: 1, max: 7 }), ([axis, x], chunks) => {
      const ax = axis < 0 ? axis + x.tensor.ndim : axis;
      const n = x.tensor.shape[ax]!;
      const size = Math.ceil(n / chunks);
      const sizes: number[] = [];
      if (n === 0) for (let i = 0; i < chunks; i++) sizes.push(0);
      for (let left = n; left > 0; left -= size) sizes.push(Math.min(size, left));
      checkPieces(x, ax, chunk(x.tensor, chunks, axis), sizes);
    }), RUNS);
  });

  it('pieces are recorded slices, so gradients can flow into x', () => {
    const ops: OpName[] = [];
    setOpObserver({ record(op) { ops.push(op); } });
    const x = randn([5, 2]).requiresGrad_();
    expect(x.chunk(2).length).toBe(2);
    expect(ops).toEqual(['slice', 'slice']);
  });

  it('by hand', () => {
    expect(split(arange(5), 2).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(chunk(arange(6), 4).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]);
  });

  it('refuses bad sizes', () => {
    expect(() => split(arange(4), 0)).toThrow('split: split size must be a positive integer, got 0 (dim 0 has size 4)');
    expect(() => split(arange(4), 1.5)).toThrow(RangeError);
    expect(() => split(arange(4), [1, 2])).toThrow('split: section sizes [1,2] add up to 3, but dim 0 has size 4');
    expect(() => split(arange(4), [5, -1])).toThrow('split: section sizes must be non-negative integers, got [5,-1]');
    expect(() => split(tensor(1), 1)).toThrow('split: cannot split a 0-d tensor');
    expect(() => chunk(arange(4), 0)).toThrow('chunk: chunks must be a positive integer, got 0');
    expect(() => chunk(arange(4), 2, 1)).toThrow('chunk: axis 1 is out of range for a tensor of rank 1');
  });
});

describe('pad', () => {
  const padArb = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
    fc.tuple(
      stridedViewArb({ shape, dtype: ['int32', 'float32', 'float64'], kinds: KINDS }),
      fc.integer({ min: 0, max: shape.length }).chain((j) => fc.array(fc.integer({ min: -2, max: 3 }), { minLength: 2 * j, maxLength: 2 * j })),
      fc.integer({ min: -5, max: 5 }),
    ).filter(([x, pads]) => {
      const nd = x.tensor.ndim;
      for (let k = 0; 2 * k < pads.length; k++) if (x.tensor.shape[nd - 1 - k]! + pads[2 * k]! + pads[2 * k + 1]! < 0) return false;
      return true;
    }));

  it('out[idx] = x[idx - before] inside the source region, `value` elsewhere; negative pads crop', () => {
    fc.assert(fc.property(padArb, ([x, pads, value]) => {
      const out = pad(x.tensor, pads, value);
      const nd = x.tensor.ndim;
      const before = new Array<number>(nd).fill(0);
      const shape = x.tensor.shape.slice();
      for (let k = 0; 2 * k < pads.length; k++) {
        before[nd - 1 - k] = pads[2 * k]!;
        shape[nd - 1 - k]! += pads[2 * k]! + pads[2 * k + 1]!;
      }
      const want: number[] = [];
      forEachIndex(shape, (idx) => {
        const src = idx.map((v, d) => v - before[d]!);
        const inside = src.every((v, d) => v >= 0 && v < x.tensor.shape[d]!);
        want.push(inside ? x.values[flatPos(src, x.tensor.shape)]! : value);
      });
      expectValues(out, shape, want, x.tensor.dtype);
      expect(x.tensor.pad(pads, value).toArray()).toEqual(out.toArray());
    }), RUNS);
  });

  it('records pad with {pads, value}', () => {
    const log: { op: OpName; attrs: unknown }[] = [];
    setOpObserver({ record(op, _i, _o, attrs) { log.push({ op, attrs }); } });
    pad(randn([2, 2]).requiresGrad_(), [1, -1, 0, 2], 0.5);
    expect(log).toEqual([{ op: 'pad', attrs: { pads: [1, -1, 0, 2], value: 0.5 } }]);
  });

  it('refuses bad pads and values', () => {
    const x = zeros([2, 3]);
    expect(() => pad(x, [1])).toThrow('pad: pads must have an even length (before, after pairs), got [1]');
    expect(() => pad(x, [0, 0, 0, 0, 1, 1])).toThrow('pad: pads [0,0,0,0,1,1] cover 3 dims but the tensor of shape [2,3] has 2');
    expect(() => pad(x, [-2, -2])).toThrow('pad: pads [-2,-2] shrink dim 1 of size 3 to -1 (shape [2,3])');
    expect(() => pad(x, [0.5, 0])).toThrow('pad: pads must be integers, got [0.5,0]');
    expect(() => pad(zeros([2], { dtype: 'int32' }), [1, 1], 0.5)).toThrow('pad: value 0.5 cannot be stored in a int32 tensor');
    expect(() => pad(zeros([2], { dtype: 'bool' }), [1, 1], 2)).toThrow(TypeError);
  });

  it('by hand', () => {
    expect(pad(tensor([[1, 2]]), [0, 0, 1, 1], 9).toArray()).toEqual([[9, 9], [1, 2], [9, 9]]);
    expect(pad(tensor([1, 2, 3, 4]), [-1, -1]).toArray()).toEqual([2, 3]);
    expect(Object.is(pad(tensor([1]), [1, 0], -0).get(0), -0)).toBe(true);
    expect(Number.isNaN(pad(tensor([1], { dtype: 'float64' }), [0, 1], NaN).get(1))).toBe(true);
  });
});

// ------------------------------------------------------------------ PyTorch fixture


describe(`agreement with PyTorch ${TORCH.torch} (__fixtures__/linalg-indexing-torch.py)`, () => {
  it('torch.cat (with dtype promotion) and torch.stack', () => {
    const cases = torchCases('cat', 'stack');
    expect(cases.length).toBe(9);
    for (const c of cases) {
      const ts = c.inputs.map(fromTorch);
      const axis = c.args['axis'] as number;
      expectTorch(c.op === 'cat' ? cat(ts, axis) : stack(ts, axis), c.out as TorchTensor);
    }
  });

  it('torch.split and torch.chunk: the same pieces (count, shapes, values)', () => {
    const cases = torchCases('split', 'chunk');
    expect(cases.length).toBe(40);
    for (const c of cases) {
      const x = fromTorch(c.inputs[0]!);
      const axis = c.args['axis'] as number;
      const got = c.op === 'split' ? split(x, c.args['size'] as number | number[], axis) : chunk(x, c.args['chunks'] as number, axis);
      const want = c.out as TorchTensor[];
      expect(got.length, `${c.op} ${JSON.stringify(c.args)} of ${JSON.stringify(x.shape)}`).toBe(want.length);
      got.forEach((g, i) => expectTorch(g, want[i]!));
    }
  });

  it('torch.nn.functional.pad in constant mode, negative pads included', () => {
    const cases = torchCases('pad');
    expect(cases.length).toBe(15);
    for (const c of cases) expectTorch(pad(fromTorch(c.inputs[0]!), c.args['pads'] as number[], c.args['value'] as number), c.out as TorchTensor);
  });
});
