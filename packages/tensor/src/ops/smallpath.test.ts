// The small-tensor fast path of the recorded unary and binary ops (ops/elementwise.ts) and `expf`
// (kernels/elementwise.ts): values against per-element references written with plain JS numbers,
// on ragged sizes up to the fast path's limit, on views with offsets and odd size-1 strides, both
// float dtypes; outputs own fresh storage; recording (observer calls, which list, attributes) and
// the general path's errors are unchanged.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Tensor, type DType, type OpObserver, tensor, zeros, add, sub, mul, div, pow, maximum, minimum, neg, abs, exp, log,
  log1p, expm1, sqrt, rsqrt, square, sin, cos, tanh, sigmoid, relu, setOpObserver, setGradEnabled, NO_ATTRS, record1, record2,
  type Backend, getBackend, setBackend,
} from '../index.js';
import { expf, sigmf, tanhf } from '../kernels/elementwise.js';

/** Deterministic uniform numbers in [lo, hi) (a 32-bit LCG), so failures reproduce. */
function uniform(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + ((hi - lo) * s) / 4294967296);
  }
  return out;
}

const store = (d: DType, v: number): number => (d === 'float32' ? Math.fround(v) : v);
const sigm = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const FLOATS: DType[] = ['float32', 'float64'];
// Ragged sizes on both sides of the fast path's limit (BACKEND_MIN elements, where the backend's
// kernels may take over and exp/log/tanh/sigmoid are no longer bit-exact; the values tests therefore
// run on the TypeScript kernels: the fast path never calls a backend).
const SIZES = [0, 1, 3, 7, 64, 255, 256, 257, 1000, 2047, 2048, 4095, 4096, 4097];

const UNARY: [string, (t: Tensor) => Tensor, (x: number) => number, number, number][] = [
  ['neg', neg, (x) => -x, -3, 3], ['abs', abs, Math.abs, -3, 3], ['exp', exp, Math.exp, -20, 20],
  ['log', log, Math.log, 0.01, 5], ['log1p', log1p, Math.log1p, -0.9, 5], ['expm1', expm1, Math.expm1, -3, 3],
  ['sqrt', sqrt, Math.sqrt, 0, 9], ['rsqrt', rsqrt, (x) => 1 / Math.sqrt(x), 0.01, 9], ['square', square, (x) => x * x, -3, 3],
  ['sin', sin, Math.sin, -4, 4], ['cos', cos, Math.cos, -4, 4], ['tanh', tanh, Math.tanh, -4, 4],
  ['sigmoid', sigmoid, sigm, -8, 8], ['relu', relu, (x) => (x > 0 || x !== x ? x : 0), -3, 3],
];

const BINARY: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ['add', add, (x, y) => x + y], ['sub', sub, (x, y) => x - y], ['mul', mul, (x, y) => x * y], ['div', div, (x, y) => x / y],
  ['pow', pow, Math.pow], ['maximum', maximum, (x, y) => (x > y || x !== x ? x : y)], ['minimum', minimum, (x, y) => (x < y || x !== x ? x : y)],
];

/** A [n] float tensor holding `v`, read through a view with an offset (a slice of a longer tensor). */
function offsetView(v: number[], dtype: DType): Tensor {
  const base = tensor([7, ...v, 9], { dtype });
  return base.narrow(0, 1, v.length);
}

/** A [1, n] view whose size-1 axis has a stride that is not the row-major one (still laid out row-major). */
function oddUnitStride(v: number[], dtype: DType): Tensor {
  const t = tensor(v, { dtype }).unsqueeze(1).transpose(0, 1); // shape [1, n], strides [1, 1]
  expect(t.shape).toEqual([1, v.length]);
  return t;
}

function expectValues(out: Tensor, shape: readonly number[], dtype: DType, want: number[]): void {
  expect(out.dtype).toBe(dtype);
  expect(out.shape).toEqual(shape);
  expect(out.isContiguous()).toBe(true);
  const got = Array.from(out.data());
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`element ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

describe('small-tensor fast path: values', () => {
  let saved: Backend | null = null;
  beforeAll(() => { saved = getBackend(); setBackend(null); });
  afterAll(() => { setBackend(saved); });

  it.each(UNARY)('%s on contiguous, offset and odd-stride inputs of ragged sizes', (_name, op, ref, lo, hi) => {
    for (const dtype of FLOATS) {
      for (const n of SIZES) {
        const v = uniform(n, lo, hi, 17 + n).map((x) => store(dtype, x));
        const want = v.map((x) => store(dtype, ref(x)));
        expectValues(op(tensor(v, { dtype })), [n], dtype, want);
        expectValues(op(offsetView(v, dtype)), [n], dtype, want);
        expectValues(op(oddUnitStride(v, dtype)), [1, n], dtype, want);
      }
    }
  });

  it.each(BINARY)('%s on same-shape operands of ragged sizes, with offsets', (_name, op, ref) => {
    for (const dtype of FLOATS) {
      for (const n of SIZES) {
        const x = uniform(n, 0.1, 3, 5 + n).map((v) => store(dtype, v));
        const y = uniform(n, -3, 3, 99 + n).map((v) => store(dtype, v));
        const want = x.map((v, i) => store(dtype, ref(v, y[i]!)));
        expectValues(op(tensor(x, { dtype }), tensor(y, { dtype })), [n], dtype, want);
        expectValues(op(offsetView(x, dtype), offsetView(y, dtype)), [n], dtype, want);
        expectValues(op(tensor(x, { dtype }).reshape([1, n]), oddUnitStride(y, dtype)), [1, n], dtype, want);
      }
    }
  });

  it.each(BINARY)('%s with a JS number on either side (a weak scalar: the tensor\'s dtype, the number rounded to it)', (_name, op, ref) => {
    const numberOp = op as unknown as (a: Tensor | number, b: Tensor | number) => Tensor;
    for (const dtype of FLOATS) {
      for (const n of [0, 1, 7, 64, 2047, 4097]) {
        const x = uniform(n, 0.1, 3, 7 + n).map((v) => store(dtype, v));
        for (const v of [0.1, -2, 3, NaN, Infinity, -0]) {
          const sv = store(dtype, v);
          expectValues(numberOp(tensor(x, { dtype }), v), [n], dtype, x.map((e) => store(dtype, ref(e, sv))));
          expectValues(numberOp(v, offsetView(x, dtype)), [n], dtype, x.map((e) => store(dtype, ref(sv, e))));
        }
      }
    }
  });

  it.each(BINARY)('%s with a one-element tensor on either side (0-d, [1], [1, 1]); shapes broadcast as usual', (_name, op, ref) => {
    for (const dtype of FLOATS) {
      for (const n of [0, 1, 5, 64, 2047]) {
        const x = uniform(n, 0.1, 3, 11 + n).map((v) => store(dtype, v));
        for (const oneShape of [[], [1], [1, 1]]) {
          const one = tensor([store(dtype, 1.7)], { dtype }).reshape(oneShape);
          const v = store(dtype, 1.7);
          for (const [t, shape] of [[tensor(x, { dtype }), [n]], [offsetView(x, dtype), [n]], [tensor(x, { dtype }).reshape([1, n]), [1, n]]] as [Tensor, number[]][]) {
            const want = oneShape.length > shape.length ? [...oneShape.slice(0, oneShape.length - shape.length), ...shape] : shape;
            expectValues(op(t, one), want, dtype, x.map((e) => store(dtype, ref(e, v))));
            expectValues(op(one, t), want, dtype, x.map((e) => store(dtype, ref(v, e))));
          }
        }
      }
    }
    // a one-element operand of another dtype promotes as usual
    const m = op(tensor([1, 2], { dtype: 'float32' }), tensor([2], { dtype: 'float64' }));
    expect(m.dtype).toBe('float64');
  });

  it('NaN and ±Infinity propagate as in the reference', () => {
    const v = [NaN, Infinity, -Infinity, 0, -0, 1];
    for (const dtype of FLOATS) {
      for (const [, op, ref] of UNARY) expectValues(op(tensor(v, { dtype })), [6], dtype, v.map((x) => store(dtype, ref(x))));
      const w = [1, NaN, Infinity, -Infinity, 2, -0];
      for (const [, op, ref] of BINARY) expectValues(op(tensor(v, { dtype }), tensor(w, { dtype })), [6], dtype, v.map((x, i) => store(dtype, ref(x, w[i]!))));
    }
  });

  it('the output has fresh storage and its own version counter, and an input used twice is fine', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const y = mul(a, a);
    expect(y.storage).not.toBe(a.storage);
    expect(y.version).toBe(0);
    expect(y.toArray()).toEqual([[1, 4], [9, 16]]);
    y.addInPlace(1);
    expect(a.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(a.version).toBe(0);
    expect(y.shape).toEqual([2, 2]);
    expect(y.strides).toEqual([2, 1]);
  });

  it('other operand kinds still take the general path: broadcasting, mixed dtypes, numbers, ints', () => {
    expect(add(tensor([[1, 2]]), tensor([[10], [20]])).toArray()).toEqual([[11, 12], [21, 22]]);
    const m = mul(tensor([1, 2], { dtype: 'float64' }), tensor([3, 4]));
    expect(m.dtype).toBe('float64');
    expect(m.toArray()).toEqual([3, 8]);
    expect(sub(tensor([1, 2]), 1).toArray()).toEqual([0, 1]);
    const i = mul(tensor([65536, 3], { dtype: 'int32' }), tensor([65536, 3], { dtype: 'int32' }));
    expect(i.dtype).toBe('int32');
    expect(i.toArray()).toEqual([0, 9]); // wraps like int32 arithmetic
    expect(neg(tensor([1, 0], { dtype: 'int32' })).toArray()).toEqual([-1, 0]);
    expect(exp(tensor([0], { dtype: 'int32' })).dtype).toBe('float32');
  });

  it('errors are the general path\'s', () => {
    expect(() => add(zeros([2]), zeros([3]))).toThrow('add: shapes [2] and [3] cannot be broadcast');
    expect(() => exp(null as unknown as Tensor)).toThrow('exp: expected a Tensor, got null');
    expect(() => mul(zeros([2]), 'x' as unknown as Tensor)).toThrow('mul: second operand must be a Tensor or a number, got string');
  });
});

describe('operands expanded from one value (every stride 0)', () => {
  it('are read as one value by the flat kernels: binary, unary and in place, both float dtypes', () => {
    for (const dtype of FLOATS) {
      const x = tensor(uniform(12, -2, 2, 4), { dtype, shape: [3, 4] });
      const s = tensor([2.5], { dtype }).reshape([1, 1]).expand([3, 4]);
      expect(s.strides).toEqual([0, 0]);
      const xv = Array.from(x.data());
      expectValues(mul(x, s), [3, 4], dtype, xv.map((v) => store(dtype, v * 2.5)));
      expectValues(sub(s, x), [3, 4], dtype, xv.map((v) => store(dtype, 2.5 - v)));
      expectValues(exp(s), [3, 4], dtype, xv.map(() => store(dtype, Math.exp(2.5))));
      const y = x.clone();
      y.addInPlace(s, 2);
      expect(Array.from(y.data())).toEqual(xv.map((v) => store(dtype, v + 5)));
      // partly expanded (a row repeated): the general broadcasting path
      const row = tensor([1, 2, 3, 4], { dtype }).reshape([1, 4]).expand([3, 4]);
      expectValues(add(x, row), [3, 4], dtype, xv.map((v, i) => store(dtype, v + (i % 4) + 1)));
    }
  });

  it('an empty expanded operand gives an empty result', () => {
    const e = tensor([3]).expand([0]);
    expect(e.size).toBe(0);
    expect(mul(e, zeros([0])).shape).toEqual([0]);
    expect(exp(e).shape).toEqual([0]);
  });
});

describe('expf (float32 exp)', () => {
  it('rounds to the same float32 as Math.exp over the whole float32 range, seeded', () => {
    let mismatches = 0;
    let total = 0;
    for (const [lo, hi] of [[-110, 95], [-5, 5], [-1e-3, 1e-3], [-88, -86], [87, 89], [-104, -102]] as const) {
      for (const x of uniform(20000, lo, hi, Math.round(lo * 1000))) {
        const f = Math.fround(x);
        if (Math.fround(expf(f)) !== Math.fround(Math.exp(f))) mismatches++;
        total++;
      }
    }
    expect(total).toBe(120000);
    expect(mismatches).toBe(0);
  });

  it('is close to Math.exp in float64 too (about 1e-15 relative)', () => {
    let worst = 0;
    for (const x of uniform(5000, -100, 88, 3)) worst = Math.max(worst, Math.abs(expf(x) / Math.exp(x) - 1));
    expect(worst).toBeLessThan(4e-15);
  });

  it('special values: NaN, ±Infinity, ±0, overflow and underflow edges', () => {
    for (const x of [NaN, Infinity, -Infinity, 0, -0, 88.72283935546875, 88.7228, 89, 100, -103, -103.28, -104, -745, 1e-30]) {
      expect(Object.is(Math.fround(expf(x)), Math.fround(Math.exp(x)))).toBe(true);
    }
  });
});

describe('tanhf and sigmf (float32 tanh and sigmoid)', () => {
  it('round to the same float32 as Math.tanh and the Math.exp sigmoid, seeded, over their whole range', () => {
    let tanhMismatches = 0;
    let sigmMismatches = 0;
    for (const [lo, hi] of [[-25, 25], [-3, 3], [-0.6, 0.6], [-120, 120], [8, 10], [-10, -8]] as const) {
      for (const x of uniform(20000, lo, hi, Math.round(hi * 7))) {
        const f = Math.fround(x);
        if (Math.fround(tanhf(f)) !== Math.fround(Math.tanh(f))) tanhMismatches++;
        if (Math.fround(sigmf(f)) !== Math.fround(sigm(f))) sigmMismatches++;
      }
    }
    expect(tanhMismatches).toBe(0);
    expect(sigmMismatches).toBe(0);
  });

  it('special values: NaN, ±Infinity, ±0 and the branch edges', () => {
    for (const x of [NaN, Infinity, -Infinity, 0, -0, 0.55, -0.55, 0.5499999, 20, -20, 20.5, 1e-30, -200, 200]) {
      expect(Object.is(Math.fround(tanhf(x)), Math.fround(Math.tanh(x)))).toBe(true);
      expect(Object.is(Math.fround(sigmf(x)), Math.fround(sigm(x)))).toBe(true);
    }
  });
});

describe('small-tensor fast path: recording', () => {
  const calls: { op: string; inputs: readonly Tensor[]; output: Tensor; attrs: unknown; owns: boolean | undefined }[] = [];
  const spy: OpObserver = { record(op, inputs, output, attrs, owns) { calls.push({ op, inputs, output, attrs, owns }); } };
  afterEach(() => { setOpObserver(null); setGradEnabled(true); calls.length = 0; });

  it('reports exactly the ops with an input that requires grad, with a fresh inputs list', () => {
    setOpObserver(spy);
    const a = tensor([1, 2]).requiresGrad_();
    const b = tensor([3, 4]);
    mul(b, b);
    exp(b);
    expect(calls).toEqual([]);
    const y = mul(b, a);
    const z = exp(a);
    expect(calls.map((c) => c.op)).toEqual(['mul', 'exp']);
    expect(calls[0]!.inputs).toEqual([b, a]);
    expect(calls[0]!.output).toBe(y);
    expect(calls[0]!.attrs).toBe(NO_ATTRS);
    expect(calls[0]!.owns).toBe(true);
    expect(calls[1]!.inputs).toEqual([a]);
    expect(calls[1]!.output).toBe(z);
    expect(calls[1]!.inputs).not.toBe(calls[0]!.inputs);
  });

  it('reports nothing with recording off, and the general path reports its converted operands', () => {
    setOpObserver(spy);
    const a = tensor([1, 2]).requiresGrad_();
    setGradEnabled(false);
    add(a, a);
    expect(calls).toEqual([]);
    setGradEnabled(true);
    add(a, 2);
    expect(calls.length).toBe(1);
    expect(calls[0]!.inputs[0]).toBe(a);
    expect(calls[0]!.inputs[1]!.toArray()).toBe(2);
  });

  it('an op with a number records the number as a 0-d tensor of the tensor\'s dtype, in its place', () => {
    setOpObserver(spy);
    const a = tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const y = mul(a, 0.1);
    const z = sub(1, a);
    mul(tensor([1, 2]), 3); // no input requires grad: not recorded
    expect(calls.map((c) => c.op)).toEqual(['mul', 'sub']);
    expect(calls[0]!.inputs[0]).toBe(a);
    expect(calls[0]!.inputs[1]!.shape).toEqual([]);
    expect(calls[0]!.inputs[1]!.dtype).toBe('float64');
    expect(calls[0]!.inputs[1]!.item()).toBe(0.1);
    expect(calls[0]!.output).toBe(y);
    expect(calls[1]!.inputs[0]!.item()).toBe(1);
    expect(calls[1]!.inputs[1]).toBe(a);
    expect(calls[1]!.output).toBe(z);
    const f = mul(tensor([1]).requiresGrad_(), 0.1);
    expect(calls[2]!.inputs[1]!.dtype).toBe('float32');
    expect(calls[2]!.inputs[1]!.item()).toBe(Math.fround(0.1));
    expect(f.item()).toBe(Math.fround(0.1));
  });

  it('record1 and record2 return the output and call the observer only when an input requires grad', () => {
    setOpObserver(spy);
    const x = tensor([1]);
    const g = tensor([1]).requiresGrad_();
    const out = tensor([5]);
    expect(record1('exp', x, out, NO_ATTRS)).toBe(out);
    expect(record2('add', x, x, out, NO_ATTRS)).toBe(out);
    expect(calls).toEqual([]);
    record1('exp', g, out, NO_ATTRS);
    record2('add', x, g, out, NO_ATTRS);
    expect(calls.map((c) => [c.op, c.inputs.length])).toEqual([['exp', 1], ['add', 2]]);
    expect(Object.isFrozen(NO_ATTRS)).toBe(true);
  });
});
