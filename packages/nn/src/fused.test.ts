import { describe, expect, it, afterEach } from 'vitest';
import fc from 'fast-check';
import { tensor, Tensor, randn, Generator, type DType } from '@gd/tensor';
import { gradcheck, gradgradcheck, gradients } from '@gd/autograd';
import * as T from '@gd/tensor';
import { bceWithLogitsLoss, crossEntropy, linear, linearRelu, setFusedKernels, fusedKernelsEnabled, Linear, ReLU, Sequential, type Reduction } from './index.js';

afterEach(() => { setFusedKernels(true); });

/** Run `fn` with the fused kernels on or off. */
function withFusion<T>(on: boolean, fn: () => T): T {
  const prev = setFusedKernels(on);
  try { return fn(); } finally { setFusedKernels(prev); }
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.data(), y = b.data();
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]!) || Number.isNaN(y[i]!)) return Number.isNaN(x[i]!) && Number.isNaN(y[i]!) ? m : Infinity;
    m = Math.max(m, Math.abs(x[i]! - y[i]!));
  }
  return m;
}

/** Gradients of `sum(out · v)` with respect to `ins`, fused or not. */
function valueAndGrads(on: boolean, f: (...t: Tensor[]) => Tensor, ins: Tensor[], v: Tensor | null): { y: Tensor; g: (Tensor | null)[] } {
  return withFusion(on, () => {
    const leaves = ins.map((t) => t.detach().clone().requiresGrad_());
    const y = f(...leaves);
    if (v === null) return { y: y.detach(), g: [] };
    return { y: y.detach(), g: gradients([y.mul(v).sum()], leaves) };
  });
}

/** A slow nested-loop reference for relu?(x Wᵀ + b). */
function linearRef(x: number[][], w: number[][], b: number[] | null, relu: boolean): number[][] {
  return x.map((row) => w.map((wr, o) => {
    let s = b === null ? 0 : b[o]!;
    for (let i = 0; i < row.length; i++) s += row[i]! * wr[i]!;
    return relu ? Math.max(0, s) : s;
  }));
}

const arbDims = fc.record({ n: fc.integer({ min: 1, max: 5 }), i: fc.integer({ min: 1, max: 6 }), o: fc.integer({ min: 1, max: 6 }), bias: fc.boolean(), relu: fc.boolean(), view: fc.constantFrom('contiguous', 'transposed', 'stepped', 'reversed', 'expanded', '3d'), seed: fc.integer({ min: 0, max: 1e6 }) });

/** x in the requested layout: contiguous, a transposed view, a stepped or reversed slice, an expanded row, or 3-D. */
function makeX(view: string, n: number, i: number, gen: Generator, dtype: DType): Tensor {
  if (view === 'transposed') return randn([i, n], { dtype, generator: gen }).T;
  if (view === 'stepped') return randn([n * 2, i], { dtype, generator: gen }).slice([0, n * 2, 2]);
  if (view === 'reversed') return randn([n, i], { dtype, generator: gen }).slice([n - 1, -n - 1, -1]);
  if (view === 'expanded') return randn([1, i], { dtype, generator: gen }).expand([n, i]);
  if (view === '3d') return randn([1, n, i], { dtype, generator: gen });
  return randn([n, i], { dtype, generator: gen });
}

describe('fused linear / linearRelu', () => {
  it('is on by default and can be switched', () => {
    expect(fusedKernelsEnabled()).toBe(true);
    expect(setFusedKernels(false)).toBe(true);
    expect(fusedKernelsEnabled()).toBe(false);
    expect(setFusedKernels(true)).toBe(false);
  });

  it('matches a nested-loop reference and the unfused composition (values and gradients, float64)', () => {
    fc.assert(fc.property(arbDims, ({ n, i, o, bias, relu, view, seed }) => {
      const gen = new Generator(seed);
      const x = makeX(view, n, i, gen, 'float64');
      const w = randn([o, i], { dtype: 'float64', generator: gen });
      const b = bias ? randn([o], { dtype: 'float64', generator: gen }) : null;
      const f = (xx: Tensor, ww: Tensor, bb?: Tensor): Tensor => (relu ? linearRelu : linear)(xx, ww, bb ?? null);
      const ins = b === null ? [x, w] : [x, w, b];
      const fusedR = valueAndGrads(true, f, ins, null);
      const x2 = x.reshape([n, i]).toArray() as number[][];
      const ref = linearRef(x2, w.toArray() as number[][], b === null ? null : (b.toArray() as number[]), relu);
      expect(maxAbsDiff(fusedR.y.reshape([n, o]), tensor(ref, { dtype: 'float64' }))).toBeLessThan(1e-12);
      const v = randn(fusedR.y.shape, { dtype: 'float64', generator: gen });
      const a = valueAndGrads(true, f, ins, v), u = valueAndGrads(false, f, ins, v);
      a.g.forEach((g, k) => expect(maxAbsDiff(g!, u.g[k]!)).toBeLessThan(1e-12));
      // the weight gradient is laid out like the weight
      expect(a.g[1]!.shape).toEqual([o, i]);
      expect(a.g[1]!.isContiguous()).toBe(true);
    }), { numRuns: 60 });
  });

  it('float32 agrees with the unfused composition within float32 rounding', () => {
    fc.assert(fc.property(arbDims, ({ n, i, o, bias, relu, view, seed }) => {
      const gen = new Generator(seed);
      const x = makeX(view, n, i, gen, 'float32');
      const w = randn([o, i], { generator: gen });
      const b = bias ? randn([o], { generator: gen }) : null;
      const f = (xx: Tensor, ww: Tensor, bb?: Tensor): Tensor => (relu ? linearRelu : linear)(xx, ww, bb ?? null);
      const ins = b === null ? [x, w] : [x, w, b];
      const v = randn([...x.shape.slice(0, -1), o], { generator: gen });
      const a = valueAndGrads(true, f, ins, v), u = valueAndGrads(false, f, ins, v);
      expect(a.y.dtype).toBe('float32');
      expect(maxAbsDiff(a.y, u.y)).toBeLessThan(1e-5);
      a.g.forEach((g, k) => { expect(g!.dtype).toBe('float32'); expect(maxAbsDiff(g!, u.g[k]!)).toBeLessThan(1e-5); });
    }), { numRuns: 40 });
  });

  it('large operands: the backend kernels (bias, ReLU, mask, column sums) agree with nested loops and the unfused path', () => {
    // ≥ 4096 elements so the default backend takes the elementwise passes; ragged sizes (not multiples of a SIMD width)
    const base = T.getBackend();
    const calls: Record<string, number> = {};
    const counting: T.Backend | null = base === null ? null : {
      ...base,
      name: base.name,
      elementwise: (op, out, x, y) => { const r = base.elementwise?.(op, out, x, y) ?? false; if (r) calls[op] = (calls[op] ?? 0) + 1; return r; },
      broadcast: (op, ...rest) => { const r = base.broadcast?.(op, ...rest) ?? false; if (r) calls[`broadcast_${op}`] = (calls[`broadcast_${op}`] ?? 0) + 1; return r; },
      colSum: (...args) => { const r = base.colSum?.(...args) ?? false; if (r) calls['colSum'] = (calls['colSum'] ?? 0) + 1; return r; },
    };
    const prev = T.setBackend(counting);
    try {
      for (const dtype of ['float64', 'float32'] as const) {
        const gen = new Generator(dtype === 'float64' ? 5 : 6);
        const n = 67, i = 13, o = 65;
        const x = randn([n, i], { dtype, generator: gen });
        const w = randn([o, i], { dtype, generator: gen });
        const b = randn([2 * o], { dtype, generator: gen }).slice([0, 2 * o, 2]); // a stepped bias view
        const bc = b.contiguous();
        const bo = randn([o + 3], { dtype, generator: gen }).narrow(0, 3, o); // unit stride at an offset
        for (const bias of [b, bc, bo]) {
          const f = (xx: Tensor, ww: Tensor, bb?: Tensor): Tensor => linearRelu(xx, ww, bb ?? null);
          const v = randn([n, o], { dtype, generator: gen });
          const a = valueAndGrads(true, f, [x, w, bias], v), u = valueAndGrads(false, f, [x, w, bias], v);
          const ref = linearRef(x.toArray() as number[][], w.toArray() as number[][], bias.toArray() as number[], true);
          const tol = dtype === 'float64' ? 1e-12 : 1e-4;
          expect(maxAbsDiff(a.y, tensor(ref, { dtype }))).toBeLessThan(tol);
          expect(maxAbsDiff(a.y, u.y)).toBeLessThan(tol);
          a.g.forEach((g, k) => expect(maxAbsDiff(g!, u.g[k]!)).toBeLessThan(tol));
          // the bias gradient: column sums of v·[y > 0] by nested loops
          const yv = a.y.toArray() as number[][], vv = v.toArray() as number[][];
          const dbRef = Array.from({ length: o }, (_, j) => yv.reduce((s, row, r) => s + (row[j]! > 0 ? vv[r]![j]! : 0), 0));
          expect(maxAbsDiff(a.g[2]!, tensor(dbRef, { dtype }))).toBeLessThan(tol);
        }
      }
    } finally {
      T.setBackend(prev);
    }
    if (base !== null && base.name.startsWith('wasm')) {
      // the passes really ran in the backend
      expect(calls['relu'] ?? 0).toBeGreaterThan(0);
      expect(calls['vjp_relu'] ?? 0).toBeGreaterThan(0);
      expect(calls['broadcast_add'] ?? 0).toBeGreaterThan(0);
      expect(calls['colSum'] ?? 0).toBeGreaterThan(0);
    }
  });

  it('passes gradcheck and gradgradcheck in float64 (away from the ReLU kink)', () => {
    const gen = new Generator(7);
    for (const relu of [false, true]) {
      const x = randn([3, 4], { dtype: 'float64', generator: gen });
      const w = randn([5, 4], { dtype: 'float64', generator: gen });
      const b = randn([5], { dtype: 'float64', generator: gen });
      const z = linear(x, w, b).data();
      expect(Array.from(z).every((t) => Math.abs(t) > 1e-3)).toBe(true);
      const f = (xx: Tensor, ww: Tensor, bb: Tensor): Tensor => (relu ? linearRelu : linear)(xx, ww, bb);
      expect(gradcheck(f, [x.requiresGrad_(), w.requiresGrad_(), b.requiresGrad_()])).toBe(true);
      expect(gradgradcheck(f, [x, w, b])).toBe(true);
    }
  });

  it('keeps PyTorch ReLU semantics: NaN passes through, the kink gets gradient 0', () => {
    for (const on of [true, false]) {
      withFusion(on, () => {
        expect(Number.isNaN(linearRelu(tensor([[Number.NaN]]), tensor([[1]]), tensor([0])).item())).toBe(true);
        const w = tensor([[1]], { dtype: 'float64' }).requiresGrad_();
        const b = tensor([-1], { dtype: 'float64' }).requiresGrad_();
        const y = linearRelu(tensor([[1]], { dtype: 'float64' }), w, b);
        expect(y.item()).toBe(0);
        y.sum().backward();
        expect(w.grad!.item()).toBe(0);
        expect(b.grad!.item()).toBe(0);
      });
    }
  });

  it('rejects bad shapes naming the op and the shapes', () => {
    expect(() => linearRelu(tensor([[1, 2]]), tensor([[1, 2, 3]]))).toThrow(/^linearRelu: input \[1,2\] does not end in in_features 3/);
    expect(() => linear(tensor([[1, 2]]), tensor([[1, 2]]), tensor([1, 2]))).toThrow(/^linear: bias must be \[1\] \(out_features\), got \[2\]/);
    expect(() => linear(tensor([1, 2]), tensor([1, 2]))).toThrow(/^linear: weight must be \[out, in\], got \[2\]/);
  });
});

describe('Sequential routes Linear → ReLU to the fused linearRelu', () => {
  /** Sequential(Linear, ReLU, Linear[, ReLU]) with fixed weights, run fused or not: output and every parameter's gradient. */
  function run(on: boolean, dtype: DType, seed: number, trailingRelu: boolean, make?: (l: Linear) => Linear) {
    return withFusion(on, () => {
      const gen = new Generator(seed);
      const l1 = new Linear(5, 7, { dtype, generator: gen }), l2 = new Linear(7, 3, { dtype, generator: gen });
      const model = trailingRelu ? new Sequential(make ? make(l1) : l1, new ReLU(), l2, new ReLU()) : new Sequential(make ? make(l1) : l1, new ReLU(), l2);
      const x = randn([4, 5], { dtype, generator: gen });
      const y = model.forward(x);
      y.mul(randn(y.shape, { dtype, generator: gen })).sum().backward();
      return { y, grads: model.parameters().map((p) => p.grad!), op: (y.gradFn as { op: string } | null)?.op ?? null, model };
    });
  }

  it('gives the unfused values and gradients (float64 and float32) and records one linearRelu op', () => {
    for (const [dtype, tol] of [['float64', 1e-12], ['float32', 1e-5]] as const) {
      for (const seed of [1, 2, 3]) {
        for (const trailing of [false, true]) {
          const a = run(true, dtype, seed, trailing), u = run(false, dtype, seed, trailing);
          expect(a.y.dtype).toBe(dtype);
          expect(maxAbsDiff(a.y, u.y)).toBeLessThan(tol);
          expect(a.grads.length).toBe(4);
          a.grads.forEach((g, k) => expect(maxAbsDiff(g, u.grads[k]!)).toBeLessThan(tol));
          // the last stage: a trailing Linear → ReLU pair is one fused node; without it, a plain linear
          expect(a.op).toBe(trailing ? 'linearRelu' : 'linear');
          expect(u.op).toBe(trailing ? 'relu' : 'add');
        }
      }
    }
  });

  it('does not fuse a Linear whose forward is replaced (subclass or instance), nor a ReLU subclass', () => {
    class Shifted extends Linear {
      override forward(x: Tensor): Tensor { return super.forward(x).add(1); }
    }
    const gen = new Generator(4);
    const x = randn([2, 3], { dtype: 'float64', generator: gen });
    const sub = new Shifted(3, 2, { dtype: 'float64', generator: gen });
    const expected = linear(x, sub.weight, sub.bias).add(1).relu();
    expect(maxAbsDiff(new Sequential(sub, new ReLU()).forward(x), expected)).toBe(0);
    const inst = new Linear(3, 2, { dtype: 'float64', generator: gen });
    let calls = 0;
    inst.forward = (t: Tensor): Tensor => { calls++; return linear(t, inst.weight, inst.bias).mul(2); };
    expect(maxAbsDiff(new Sequential(inst, new ReLU()).forward(x), linear(x, inst.weight, inst.bias).mul(2).relu())).toBe(0);
    expect(calls).toBe(1);
    class Capped extends ReLU {
      override forward(t: Tensor): Tensor { return super.forward(t).clamp(undefined, 0.5); }
    }
    const plain = new Linear(3, 2, { dtype: 'float64', generator: gen });
    expect(maxAbsDiff(new Sequential(plain, new Capped()).forward(x), linear(x, plain.weight, plain.bias).relu().clamp(undefined, 0.5))).toBe(0);
  });

  it('keeps the errors of the unfused layers', () => {
    const model = new Sequential(new Linear(3, 2), new ReLU());
    for (const on of [true, false]) {
      withFusion(on, () => {
        expect(() => model.forward(tensor(1))).toThrow(/^linear: input \[\] does not end in in_features 3/);
        expect(() => model.forward(randn([2, 4]))).toThrow(/^linear: input \[2,4\] does not end in in_features 3/);
      });
    }
  });
});

const arbCe = fc.record({
  n: fc.integer({ min: 1, max: 6 }), c: fc.integer({ min: 1, max: 6 }), seed: fc.integer({ min: 0, max: 1e6 }),
  reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'), weighted: fc.boolean(), ignore: fc.boolean(), unbatched: fc.boolean(),
  transposed: fc.boolean(),
});

function ceCase(p: { n: number; c: number; seed: number; weighted: boolean; ignore: boolean; unbatched: boolean; transposed: boolean }, dtype: DType) {
  const gen = new Generator(p.seed);
  const n = p.unbatched ? 1 : p.n;
  let x = p.transposed ? randn([p.c, n], { dtype, generator: gen }).T : randn([n, p.c], { dtype, generator: gen }).mul(3);
  const ys = Array.from({ length: n }, (_, i) => (p.seed + 7 * i) % p.c);
  if (p.ignore && n > 1) ys[0] = -100;
  let y = tensor(ys, { dtype: 'int32' });
  if (p.unbatched) { x = x.reshape([p.c]); y = tensor(ys[0]!, { dtype: 'int32' }); }
  const weight = p.weighted ? randn([p.c], { dtype, generator: gen }).abs().add(0.1) : undefined;
  return { x, y, weight };
}

describe('fused softmax cross-entropy (class indices)', () => {
  it('equals logSoftmax + NLL (values and gradients, float64) for every reduction, weights, ignoreIndex, views', () => {
    fc.assert(fc.property(arbCe, (p) => {
      const { x, y, weight } = ceCase(p, 'float64');
      const f = (xx: Tensor): Tensor => crossEntropy(xx, y, { reduction: p.reduction, weight });
      const gen = new Generator(p.seed + 1);
      const a = valueAndGrads(true, f, [x], null);
      const v = randn(a.y.shape, { dtype: 'float64', generator: gen });
      const fa = valueAndGrads(true, f, [x], v), fu = valueAndGrads(false, f, [x], v);
      const u = valueAndGrads(false, f, [x], null);
      expect(maxAbsDiff(a.y, u.y)).toBeLessThan(1e-12);
      expect(maxAbsDiff(fa.g[0]!, fu.g[0]!)).toBeLessThan(1e-12);
    }), { numRuns: 80 });
  });

  it('float32 agrees with the unfused path within float32 rounding', () => {
    fc.assert(fc.property(arbCe, (p) => {
      const { x, y, weight } = ceCase(p, 'float32');
      const f = (xx: Tensor): Tensor => crossEntropy(xx, y, { reduction: p.reduction, weight });
      const v = randn(valueAndGrads(true, f, [x], null).y.shape, { generator: new Generator(p.seed) });
      const a = valueAndGrads(true, f, [x], v), u = valueAndGrads(false, f, [x], v);
      expect(a.g[0]!.dtype).toBe('float32');
      expect(maxAbsDiff(a.g[0]!, u.g[0]!)).toBeLessThan(1e-5);
      const ya = withFusion(true, () => f(x)), yu = withFusion(false, () => f(x));
      expect(ya.dtype).toBe('float32');
      expect(maxAbsDiff(ya, yu)).toBeLessThan(1e-5 * (1 + Math.abs(yu.data()[0]!)));
    }), { numRuns: 50 });
  });

  it('closed forms: equal logits give ln C; the gradient is (softmax − onehot)/N', () => {
    const x = tensor([[0, 0, 0, 0], [0, 0, 0, 0]], { dtype: 'float64' }).requiresGrad_();
    const l = crossEntropy(x, tensor([1, 3], { dtype: 'int32' }));
    expect(l.item()).toBeCloseTo(Math.log(4), 14);
    l.backward();
    expect(x.grad!.toArray()).toEqual([[0.125, -0.375, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]]);
  });

  it('passes gradcheck and gradgradcheck in float64 (the createGraph backward is recorded)', () => {
    const gen = new Generator(3);
    const y = tensor([2, 0, 1], { dtype: 'int32' });
    const weight = tensor([0.5, 2, 1], { dtype: 'float64' });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const x = randn([3, 3], { dtype: 'float64', generator: gen }).requiresGrad_();
      const f = (xx: Tensor): Tensor => crossEntropy(xx, y, { reduction, weight });
      expect(gradcheck(f, [x])).toBe(true);
      expect(gradgradcheck(f, [x])).toBe(true);
    }
  });

  it('is stable for large logits (no overflow) and keeps errors of the unfused path', () => {
    const l = crossEntropy(tensor([[1000, 0]], { dtype: 'float64' }), tensor([1], { dtype: 'int32' }));
    expect(l.item()).toBeCloseTo(1000, 10);
    expect(() => crossEntropy(tensor([[1, 2]]), tensor([2], { dtype: 'int32' }))).toThrow(/^crossEntropy: target 2 at flat index 0 is out of range for 2 classes/);
    expect(() => crossEntropy(tensor([[1, 2]]), tensor([0, 1], { dtype: 'int32' }))).toThrow(/^crossEntropy: target \[2\] does not match input \[1,2\]/);
    expect(() => crossEntropy(tensor([[1, 2]]), tensor([-100], { dtype: 'int32' }))).toThrow(/^crossEntropy: the 'mean' reduction divides by the total weight/);
  });
});

describe('fused bceWithLogitsLoss (no weights)', () => {
  const arbBce = fc.record({
    shape: fc.constantFrom([5], [3, 4], [2, 3, 2], [1], [0]), seed: fc.integer({ min: 0, max: 1e6 }),
    reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'), transposed: fc.boolean(), scale: fc.constantFrom(1, 10, 40),
  });
  /** Logits (some beyond softplus's threshold of 20 when scale is large) and targets in [0, 1], optionally as transposed views. */
  function bceCase(p: { shape: readonly number[]; seed: number; transposed: boolean; scale: number }, dtype: DType): [Tensor, Tensor] {
    const gen = new Generator(p.seed);
    const mk = (t: Tensor): Tensor => (p.transposed && t.ndim >= 2 ? t.T.contiguous().T : t);
    const x = mk(randn(p.shape, { dtype, generator: gen }).mul(p.scale));
    const y = mk(T.rand(p.shape, { dtype, generator: gen }));
    return [x, y];
  }

  it('gives the unfused losses bit for bit (every reduction) and the same gradients (float64)', () => {
    fc.assert(fc.property(arbBce, (p) => {
      const [x, y] = bceCase(p, 'float64');
      const f = (xx: Tensor, yy: Tensor): Tensor => bceWithLogitsLoss(xx, yy, { reduction: p.reduction });
      const a = valueAndGrads(true, f, [x, y], null), u = valueAndGrads(false, f, [x, y], null);
      // reductions too: both sum the same per-element values in float64 in row-major order
      expect(Array.from(a.y.data())).toEqual(Array.from(u.y.data()));
      const v = randn(a.y.shape, { dtype: 'float64', generator: new Generator(p.seed + 1) });
      const ga = valueAndGrads(true, f, [x, y], v).g, gu = valueAndGrads(false, f, [x, y], v).g;
      expect(ga[0]!.shape).toEqual(x.shape);
      expect(ga[1]!.shape).toEqual(y.shape);
      ga.forEach((g, k) => expect(maxAbsDiff(g!, gu[k]!)).toBeLessThan(1e-12));
    }), { numRuns: 80 });
  });

  it('float32: the unfused losses bit for bit, gradients within float32 rounding', () => {
    fc.assert(fc.property(arbBce, (p) => {
      const [x, y] = bceCase(p, 'float32');
      const f = (xx: Tensor, yy: Tensor): Tensor => bceWithLogitsLoss(xx, yy, { reduction: p.reduction });
      const a = valueAndGrads(true, f, [x, y], null), u = valueAndGrads(false, f, [x, y], null);
      expect(a.y.dtype).toBe('float32');
      expect(Array.from(a.y.data())).toEqual(Array.from(u.y.data()));
      const v = randn(a.y.shape, { generator: new Generator(p.seed + 1) });
      const ga = valueAndGrads(true, f, [x, y], v).g, gu = valueAndGrads(false, f, [x, y], v).g;
      ga.forEach((g, k) => { expect(g!.dtype).toBe('float32'); expect(maxAbsDiff(g!, gu[k]!)).toBeLessThan(1e-5 * p.scale); });
    }), { numRuns: 50 });
  });

  it('matches the closed form −[y log σ(x) + (1 − y) log(1 − σ(x))] and its gradient (σ(x) − y)/N', () => {
    const xs = [-3, -0.5, 0, 0.7, 2.5], ys = [0, 1, 0.25, 1, 0.5];
    const x = tensor(xs, { dtype: 'float64' }).requiresGrad_();
    const l = bceWithLogitsLoss(x, tensor(ys, { dtype: 'float64' }));
    const sig = (t: number): number => 1 / (1 + Math.exp(-t));
    const ref = xs.reduce((s, t, i) => s - (ys[i]! * Math.log(sig(t)) + (1 - ys[i]!) * Math.log(1 - sig(t))), 0) / xs.length;
    expect(Math.abs(l.item() - ref)).toBeLessThan(1e-15);
    l.backward();
    (x.grad!.toArray() as number[]).forEach((g, i) => expect(Math.abs(g - (sig(xs[i]!) - ys[i]!) / xs.length)).toBeLessThan(1e-16));
  });

  it('passes gradcheck and gradgradcheck in float64 for the logits and the targets', () => {
    const gen = new Generator(11);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const x = randn([3, 2], { dtype: 'float64', generator: gen }).mul(3).requiresGrad_();
      const y = T.rand([3, 2], { dtype: 'float64', generator: gen }).requiresGrad_();
      const f = (xx: Tensor, yy: Tensor): Tensor => bceWithLogitsLoss(xx, yy, { reduction });
      expect(gradcheck(f, [x, y])).toBe(true);
      expect(gradgradcheck(f, [x, y])).toBe(true);
    }
  });

  it('propagates NaN and infinities as the unfused ops do, is exact for huge logits, and keeps the errors', () => {
    const x = tensor([Number.NaN, Infinity, -Infinity, 1000, -1000, Infinity], { dtype: 'float64' });
    const y = tensor([0, 0, 1, 0, 1, 1], { dtype: 'float64' });
    const a = withFusion(true, () => bceWithLogitsLoss(x, y, { reduction: 'none' }).toArray()) as number[];
    const u = withFusion(false, () => bceWithLogitsLoss(x, y, { reduction: 'none' }).toArray()) as number[];
    expect(a).toEqual(u);
    // (1 − y)·x is 0·∞ = NaN at x = −∞, y = 1 in both paths (as in PyTorch's formula)
    expect(a.slice(3, 5)).toEqual([1000, 1000]);
    expect(a[1]).toBe(Infinity);
    expect(Number.isNaN(a[0]!) && Number.isNaN(a[2]!) && Number.isNaN(a[5]!)).toBe(true);
    expect(Number.isNaN(bceWithLogitsLoss(x, y).item())).toBe(true);
    for (const on of [true, false]) {
      withFusion(on, () => {
        expect(() => bceWithLogitsLoss(tensor([1, 2]), tensor([1]))).toThrow(/^bceWithLogitsLoss: input \[2\] and target \[1\] must have the same shape/);
        expect(() => bceWithLogitsLoss(tensor([1]), tensor([1]), { reduction: 'avg' as Reduction })).toThrow(/^bceWithLogitsLoss: reduction must be one of 'mean', 'sum', 'none'; got "avg"/);
      });
    }
  });

  it('leaves weighted losses and mixed dtypes to the unfused composition', () => {
    const x = tensor([0.5, -1], { dtype: 'float64' }).requiresGrad_();
    expect((bceWithLogitsLoss(x, tensor([1, 0], { dtype: 'float64' })).gradFn as { op: string }).op).toBe('bceWithLogitsLoss');
    expect((bceWithLogitsLoss(x, tensor([1, 0], { dtype: 'float64' }), { weight: tensor([1, 2], { dtype: 'float64' }) }).gradFn as { op: string }).op).toBe('mean');
    expect((bceWithLogitsLoss(x, tensor([1, 0], { dtype: 'float32' })).gradFn as { op: string }).op).toBe('mean');
  });
});
