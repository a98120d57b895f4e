import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, Tensor, Generator, randn, ones, zeros, type NestedArray } from '@gd/tensor';
import { gradcheck, gradgradcheck, noGrad } from '@gd/autograd';
import { stridedViewArb } from '@gd/tensor/testing';
import * as N from './index.js';
import fixture from './fixtures/torch-nn.json' with { type: 'json' };
import { maxErr } from './fixtures/compare.js';

type LayerCase = { name: string; options: Record<string, any>; inputs: Record<string, NestedArray>; output: NestedArray; upstream: NestedArray; grads: Record<string, NestedArray>; [k: string]: any };
const cases = (fixture as unknown as { layers: LayerCase[] }).layers;
const f64 = (a: NestedArray): Tensor => tensor(a, { dtype: 'float64' });


const pool = (o: Record<string, any>) => ({ ...(o.stride !== null && o.stride !== undefined ? { stride: o.stride } : {}), padding: o.padding, ...(o.dilation !== undefined ? { dilation: o.dilation } : {}) });

const fns: Record<string, (ins: Record<string, Tensor>, o: Record<string, any>) => Tensor> = {
  relu: ({ x }) => x!.relu(),
  leakyRelu: ({ x }) => N.leakyRelu(x!, 0.2),
  elu: ({ x }) => N.elu(x!, 1.3),
  gelu: ({ x }) => N.gelu(x!),
  geluTanh: ({ x }) => N.gelu(x!, { approximate: 'tanh' }),
  silu: ({ x }) => N.silu(x!),
  sigmoid: ({ x }) => new N.Sigmoid().forward(x!),
  tanh: ({ x }) => new N.Tanh().forward(x!),
  softplus: ({ x }) => new N.Softplus(2, 5).forward(x!),
  softmax: ({ x }) => new N.Softmax(1).forward(x!),
  logSoftmax: ({ x }) => new N.LogSoftmax(1).forward(x!),
  linear: ({ x, weight, bias }) => N.linear(x!, weight!, bias!),
  conv2d: ({ x, weight, bias }, o) => N.conv2d(x!, weight!, bias!, { stride: o.stride, padding: o.padding, dilation: o.dilation }),
  maxPool2d: ({ x }, o) => N.maxPool2d(x!, o.kernelSize, pool(o)),
  avgPool2d: ({ x }, o) => N.avgPool2d(x!, o.kernelSize, pool(o)),
  layerNorm: ({ x, weight, bias }, o) => N.layerNorm(x!, o.normalizedShape, weight!, bias!),
  embedding: ({ indices, weight }) => N.embedding(indices!, weight!),
};

describe('layers vs PyTorch (float64 fixtures): outputs and gradients', () => {
  const simple = cases.filter((c) => !c.name.startsWith('batchNorm'));
  it.each(simple.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const ins: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(c.inputs)) {
      ins[k] = k === 'indices' ? tensor(v, { dtype: 'int32' }) : f64(v);
      if (k in c.grads) ins[k]!.requiresGrad_();
    }
    const out = fns[c.name.split('/')[0]!]!(ins, c.options);
    expect(maxErr(out.toArray(), c.output)).toBeLessThan(1e-12);
    out.mul(f64(c.upstream)).sum().backward();
    for (const [k, g] of Object.entries(c.grads)) expect(maxErr(ins[k]!.grad!.toArray(), g)).toBeLessThan(1e-12);
  });

  it.each(cases.filter((c) => c.name.startsWith('batchNorm')).map((c) => [c.name, c] as const))('%s: training, running statistics, eval', (_n, c) => {
    const Cls = c.name === 'batchNorm2d' ? N.BatchNorm2d : N.BatchNorm1d;
    const bn = new Cls(3, { momentum: c.options.momentum, dtype: 'float64' });
    noGrad(() => {
      bn.weight!.copyFrom(f64(c.weight));
      bn.bias!.copyFrom(f64(c.bias));
    });
    const x0 = f64(c.inputs.x0!).requiresGrad_();
    const y0 = bn.forward(x0);
    expect(maxErr(y0.toArray(), c.output)).toBeLessThan(1e-12);
    y0.mul(f64(c.upstream)).sum().backward();
    expect(maxErr(x0.grad!.toArray(), c.grads.x0!)).toBeLessThan(1e-12);
    expect(maxErr(bn.weight!.grad!.toArray(), c.grads.weight!)).toBeLessThan(1e-12);
    expect(maxErr(bn.bias!.grad!.toArray(), c.grads.bias!)).toBeLessThan(1e-12);
    expect(maxErr(bn.forward(f64(c.inputs.x1!)).toArray(), c.train2)).toBeLessThan(1e-12);
    expect(maxErr(bn.buffer('running_mean').toArray(), c.runningMean)).toBeLessThan(1e-12);
    expect(maxErr(bn.buffer('running_var').toArray(), c.runningVar)).toBeLessThan(1e-12);
    expect(bn.buffer('num_batches_tracked').item()).toBe(2);
    bn.eval();
    expect(maxErr(bn.forward(f64(c.inputs.x2!)).toArray(), c.eval)).toBeLessThan(1e-12);
    expect(bn.buffer('num_batches_tracked').item()).toBe(2);
  });
});

const dim = (min: number, max: number) => fc.integer({ min, max });
const seed = fc.integer({ min: 0, max: 1 << 30 });

describe('layers: gradcheck in float64 over random shapes', () => {
  it('Linear, LayerNorm, BatchNorm1d (train), Embedding', () => {
    fc.assert(fc.property(dim(1, 4), dim(1, 4), dim(1, 4), seed, (n, i, o, s) => {
      const g = new Generator(s);
      const x = randn([n, i], { dtype: 'float64', generator: g });
      const lin = new N.Linear(i, o, { dtype: 'float64', generator: g });
      gradcheck((xx: Tensor, w: Tensor, b: Tensor) => N.linear(xx, w, b), [x, lin.weight, lin.bias!]);
      const ln = randn([n, i + 1], { dtype: 'float64', generator: g });
      const lw = randn([i + 1], { dtype: 'float64', generator: g });
      const lb = randn([i + 1], { dtype: 'float64', generator: g });
      gradcheck((xx: Tensor, w: Tensor, b: Tensor) => N.layerNorm(xx, [i + 1], w, b).mul(tensor(Array.from({ length: i + 1 }, (_, k) => k + 1), { dtype: 'float64' })), [ln, lw, lb]);
      const bx = randn([n + 1, i, 2], { dtype: 'float64', generator: g });
      gradcheck((xx: Tensor, w: Tensor, b: Tensor) => N.batchNorm(xx, { weight: w, bias: b, training: true }).mul(randn([n + 1, i, 2], { dtype: 'float64', generator: new Generator(s) })), [bx, lw.narrow(0, 0, i), lb.narrow(0, 0, i)]);
      const emb = randn([5, o], { dtype: 'float64', generator: g });
      const idx = tensor(Array.from({ length: n * 2 }, (_, k) => (k * 3 + s) % 5), { dtype: 'int32', shape: [n, 2] });
      gradcheck((w: Tensor) => N.embedding(idx, w).mul(randn([n, 2, o], { dtype: 'float64', generator: new Generator(s) })), [emb]);
    }), { numRuns: 10 });
  });

  it('Conv2d with random stride / padding / dilation, pooling', () => {
    fc.assert(fc.property(dim(1, 1), dim(1, 2), dim(1, 2), dim(1, 3), dim(1, 2), dim(0, 1), dim(1, 2), seed, (n, c, o, k, st, pd, dl, s) => {
      const g = new Generator(s);
      const h = dl * (k - 1) + 1 + st + 1;
      const x = randn([n, c, h, h + 1], { dtype: 'float64', generator: g });
      const w = randn([o, c, k, k], { dtype: 'float64', generator: g });
      const b = randn([o], { dtype: 'float64', generator: g });
      gradcheck((xx: Tensor, ww: Tensor, bb: Tensor) => N.conv2d(xx, ww, bb, { stride: st, padding: pd, dilation: dl }), [x, w, b]);
      const pk = Math.max(k, 2 * pd);
      gradcheck((xx: Tensor) => N.avgPool2d(xx, pk, { stride: st, padding: pd }), [x]);
      // distinct values so the max is unique (max pooling is not differentiable at ties)
      const distinct = tensor(Array.from({ length: x.size }, (_, i) => ((i * 7919) % x.size) / 3), { dtype: 'float64', shape: x.shape });
      gradcheck((xx: Tensor) => N.maxPool2d(xx, pk, { stride: st, padding: pd, dilation: 1 }), [distinct]);
    }), { numRuns: 12 });
  });

  it('Dropout (fixed mask), BatchNorm1d in eval mode, Flatten', () => {
    fc.assert(fc.property(dim(1, 4), dim(1, 4), seed, (n, c, s) => {
      const g = new Generator(s);
      const x = randn([n, c, 3], { dtype: 'float64', generator: g });
      gradcheck((xx: Tensor) => N.dropout(xx, 0.4, true, new Generator(s)), [x]);
      const rm = randn([c], { dtype: 'float64', generator: g });
      const rv = randn([c], { dtype: 'float64', generator: g }).abs().add(0.5);
      const w = randn([c], { dtype: 'float64', generator: g });
      const b = randn([c], { dtype: 'float64', generator: g });
      gradcheck((xx: Tensor, ww: Tensor, bb: Tensor) => N.batchNorm(xx, { runningMean: rm, runningVar: rv, weight: ww, bias: bb, training: false }), [x, w, b]);
      gradcheck((xx: Tensor) => new N.Flatten().forward(xx).mul(tensor(Array.from({ length: c * 3 }, (_, i) => i - 2), { dtype: 'float64' })), [x]);
    }), { numRuns: 15 });
  });

  it('activations away from their kinks', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -6, max: 6, noNaN: true }).filter((v) => Math.abs(v) > 1e-3), { minLength: 1, maxLength: 8 }), (vals) => {
      const x = tensor(vals, { dtype: 'float64' });
      for (const m of [new N.ReLU(), new N.LeakyReLU(0.3), new N.ELU(0.7), new N.GELU(), new N.GELU('tanh'), new N.SiLU(), new N.Sigmoid(), new N.Tanh(), new N.Softplus(1.5, 4), new N.Softmax(0), new N.LogSoftmax(0)]) {
        gradcheck((xx: Tensor) => m.forward(xx), [x]);
      }
    }), { numRuns: 30 });
  });
});

describe('layers: strided inputs', () => {
  it('give the same outputs and input gradients as their contiguous copies (permuted, stepped, negative-step, expanded views)', () => {
    const g = new Generator(11);
    const lin = new N.Linear(3, 2, { dtype: 'float64', generator: g });
    const conv = new N.Conv2d(2, 3, 2, { dtype: 'float64', generator: g, padding: 1, stride: [1, 2] });
    const grouped = new N.Conv2d(4, 2, 2, { dtype: 'float64', generator: g, padding: 1, groups: 2 });
    const cases: [number[], (x: Tensor) => Tensor][] = [
      [[4, 3], (x) => lin.forward(x)],
      [[2, 2, 4, 5], (x) => conv.forward(x)],
      [[1, 4, 3, 4], (x) => grouped.forward(x)],
      [[2, 2, 4, 5], (x) => N.maxPool2d(x, 2, { stride: 1, padding: 1 })],
      [[2, 2, 4, 5], (x) => N.avgPool2d(x, 3, { stride: 2, padding: 1 })],
      [[3, 4], (x) => N.layerNorm(x, [4])],
      [[5, 3], (x) => N.batchNorm(x, { training: true })],
      [[3, 4], (x) => N.crossEntropy(x, tensor([0, 3, 1], { dtype: 'int32' }), { labelSmoothing: 0.1, reduction: 'none' })],
      [[3, 4], (x) => N.gelu(x)],
    ];
    for (const [shape, fn] of cases) {
      fc.assert(fc.property(stridedViewArb({ shape, dtype: 'float64', min: -3, max: 3 }), ({ tensor: view }) => {
        const copy = view.clone();
        const a = view.detach().requiresGrad_();
        const b = copy.detach().requiresGrad_();
        const ya = fn(a);
        const yb = fn(b);
        expect(ya.toArray()).toEqual(yb.toArray());
        const up = tensor(Array.from({ length: ya.size }, (_, i) => Math.sin(i + 1)), { dtype: 'float64', shape: ya.shape });
        ya.mul(up).sum().backward();
        yb.mul(up).sum().backward();
        expect(maxErr(a.grad!.toArray(), b.grad!.toArray())).toBeLessThan(1e-12);
      }), { numRuns: 15 });
    }
  });
});

describe('layers: behaviour', () => {
  it('Dropout: seeded masks, scaling 1/(1−p), identity in eval, rate close to p', () => {
    const d1 = new N.Dropout(0.25, { generator: new Generator(3) });
    const d2 = new N.Dropout(0.25, { generator: new Generator(3) });
    const x = ones([4000], { dtype: 'float64' });
    const a = d1.forward(x).toArray() as number[];
    expect(a).toEqual(d2.forward(x).toArray());
    expect(a.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-15)).toBe(true);
    const dropped = a.filter((v) => v === 0).length / a.length;
    expect(Math.abs(dropped - 0.25)).toBeLessThan(0.03);
    expect(d1.eval().forward(x)).toBe(x);
    expect(new N.Dropout(1).forward(x).toArray()).toEqual(zeros([4000]).toArray());
  });

  it('BatchNorm1d with momentum null keeps the cumulative average of the batch statistics', () => {
    const bn = new N.BatchNorm1d(2, { momentum: null, dtype: 'float64' });
    const g = new Generator(4);
    const means: number[][] = [];
    const vars: number[][] = [];
    for (let k = 0; k < 4; k++) {
      const x = randn([6, 2], { dtype: 'float64', generator: g }).mul(k + 1).add(k);
      const rows = x.toArray() as number[][];
      const m = [0, 1].map((j) => rows.reduce((s, r) => s + r[j]!, 0) / 6);
      means.push(m);
      vars.push([0, 1].map((j) => rows.reduce((s, r) => s + (r[j]! - m[j]!) ** 2, 0) / 5));
      bn.forward(x);
    }
    const avg = (a: number[][], j: number) => a.reduce((s, r) => s + r[j]!, 0) / a.length;
    expect(maxErr(bn.buffer('running_mean').toArray(), [avg(means, 0), avg(means, 1)])).toBeLessThan(1e-12);
    expect(maxErr(bn.buffer('running_var').toArray(), [avg(vars, 0), avg(vars, 1)])).toBeLessThan(1e-12);
    const noAffine = new N.LayerNorm(3, { elementwiseAffine: false });
    expect(noAffine.parameters().length).toBe(0);
  });

  it('Sequential MLP, Flatten and a small CNN have the expected shapes', () => {
    const g = new Generator(1);
    const cnn = new N.Sequential(
      new N.Conv2d(1, 4, 3, { padding: 1, generator: g }), new N.ReLU(), new N.MaxPool2d(2),
      new N.Conv2d(4, 8, 3, { padding: 'same', generator: g }), new N.ReLU(), new N.AvgPool2d(2),
      new N.Flatten(), new N.Linear(8 * 2 * 2, 3, { generator: g }),
    );
    expect(cnn.forward(randn([5, 1, 8, 8])).shape).toEqual([5, 3]);
    expect(cnn.summary()).toContain('Total parameters: 435');
    expect(new N.Embedding(7, 3).forward(tensor([[1, 2], [3, 6]], { dtype: 'int32' })).shape).toEqual([2, 2, 3]);
  });

  it('second derivatives (gradgradcheck) of the smooth activations, exact GELU included', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -4, max: 4, noNaN: true }).filter((v) => Math.abs(v) > 1e-3), { minLength: 1, maxLength: 6 }), (vals) => {
      const x = tensor(vals, { dtype: 'float64' });
      for (const f of [(t: Tensor) => N.gelu(t), (t: Tensor) => N.gelu(t, { approximate: 'tanh' }), (t: Tensor) => N.silu(t), (t: Tensor) => N.elu(t, 0.7), (t: Tensor) => t.softplus(1.5)]) {
        gradgradcheck(f, [x]);
      }
    }), { numRuns: 20 });
  });

  it('gelu exact matches the erf closed form at selected points', () => {
    // Φ(1) = 0.8413447460685429, Φ(−3) = 0.0013498980316301, Φ(5) = 0.9999997133484281
    const x = tensor([1, -3, 5, 0], { dtype: 'float64' });
    const y = N.gelu(x).toArray() as number[];
    expect(y[0]).toBeCloseTo(0.8413447460685429, 15);
    expect(y[1]).toBeCloseTo(-3 * 0.0013498980316301, 15);
    expect(y[2]).toBeCloseTo(5 * 0.9999997133484281, 14);
    expect(y[3]).toBe(0);
  });

  it('errors name the layer and show shapes', () => {
    expect(() => new N.Linear(3, 2).forward(zeros([4, 5]))).toThrow(/^linear: input \[4,5\] does not end in in_features 3 \(weight \[2,3\]\)/);
    expect(() => N.conv2d(zeros([1, 2, 5, 5]), zeros([3, 1, 3, 3]))).toThrow(/^conv2d: input \[1,2,5,5\] has 2 channels, weight \[3,1,3,3\] expects 1/);
    expect(() => N.conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3]))).toThrow(/^conv2d: kernel \[3,3\] \(dilation \[1,1\]\) is larger than the padded input 2x2/);
    expect(() => N.maxPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(/^maxPool2d: padding \[2,2\] must be at most half the kernel size \[2,2\]/);
    expect(() => N.embedding(tensor([5], { dtype: 'int32' }), zeros([3, 2]))).toThrow(/^embedding: index 5 at flat position 0 is out of range for 3 embeddings/);
    expect(() => N.layerNorm(zeros([2, 3]), [4])).toThrow(/^layerNorm: input \[2,3\] does not end in normalizedShape \[4\]/);
    expect(() => new N.BatchNorm1d(3).forward(zeros([2, 3, 4, 4]))).toThrow(/^BatchNorm1d: expected input of rank 2 or 3 \(\[N, C\] or \[N, C, L\]\), got \[2,3,4,4\]/);
    expect(() => new N.BatchNorm2d(3).forward(zeros([2, 3]))).toThrow(/^BatchNorm2d: expected input of rank 4 \(\[N, C, H, W\]\), got \[2,3\]/);
    expect(() => new N.BatchNorm1d(3).forward(zeros([1, 3]))).toThrow(/^batchNorm: expected more than 1 value per channel when training, got input \[1,3\]/);
    expect(() => N.conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), null, { padding: 'same', stride: 2 })).toThrow(/^conv2d: padding 'same' needs stride 1, got \[2,2\]/);
  });
});

/** Obviously-correct grouped convolution by nested loops over flat float64 arrays (zero padding). */
function convRef(x: Tensor, w: Tensor, b: number[] | null, st: number, pd: number, dl: number, groups: number): { shape: number[]; data: number[] } {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const xv = Array.from(x.contiguous().data() as Float64Array);
  const wv = Array.from(w.contiguous().data() as Float64Array);
  const ho = Math.floor((h + 2 * pd - dl * (kh - 1) - 1) / st) + 1;
  const wo = Math.floor((wd + 2 * pd - dl * (kw - 1) - 1) / st) + 1;
  const og = o / groups;
  const out: number[] = [];
  for (let ni = 0; ni < n; ni++) for (let oi = 0; oi < o; oi++) for (let p = 0; p < ho; p++) for (let q = 0; q < wo; q++) {
    let s = b === null ? 0 : b[oi]!;
    const g = Math.floor(oi / og);
    for (let ci = 0; ci < cg; ci++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const r = p * st + i * dl - pd;
      const cc = q * st + j * dl - pd;
      if (r < 0 || r >= h || cc < 0 || cc >= wd) continue;
      s += wv[((oi * cg + ci) * kh + i) * kw + j]! * xv[((ni * c + g * cg + ci) * h + r) * wd + cc]!;
    }
    out.push(s);
  }
  void c;
  return { shape: [n, o, ho, wo], data: out };
}

describe('audit: Conv2d groups, Embedding paddingIdx, BatchNorm2d gradients', () => {
  it('grouped conv2d equals a nested-loop reference and passes gradcheck (random groups, stride, padding, dilation)', () => {
    fc.assert(fc.property(dim(1, 2), dim(1, 3), dim(1, 2), dim(1, 2), dim(1, 3), dim(1, 2), dim(0, 1), dim(1, 2), seed, (n, groups, cpg, opg, k, st, pd, dl, s) => {
      const g = new Generator(s);
      const c = groups * cpg;
      const o = groups * opg;
      const h = dl * (k - 1) + 1 + st;
      const x = randn([n, c, h, h + 1], { dtype: 'float64', generator: g });
      const w = randn([o, cpg, k, k], { dtype: 'float64', generator: g });
      const b = randn([o], { dtype: 'float64', generator: g });
      const y = N.conv2d(x, w, b, { stride: st, padding: pd, dilation: dl, groups });
      const ref = convRef(x, w, Array.from(b.data() as Float64Array), st, pd, dl, groups);
      expect(y.shape).toEqual(ref.shape);
      const yv = Array.from(y.contiguous().data() as Float64Array);
      for (let i = 0; i < ref.data.length; i++) expect(Math.abs(yv[i]! - ref.data[i]!)).toBeLessThan(1e-12);
      if (s % 4 === 0) gradcheck((xx: Tensor, ww: Tensor, bb: Tensor) => N.conv2d(xx, ww, bb, { stride: st, padding: pd, dilation: dl, groups }), [x, w, b]);
    }), { numRuns: 20 });
  });

  it('groups = 1 agrees with the reference too, and the Conv2d layer has PyTorch\'s grouped shapes and bounds', () => {
    const g = new Generator(5);
    const x = randn([2, 3, 5, 4], { dtype: 'float64', generator: g });
    const w = randn([2, 3, 2, 3], { dtype: 'float64', generator: g });
    const ref = convRef(x, w, null, 2, 1, 1, 1);
    expect(maxErr(N.conv2d(x, w, null, { stride: 2, padding: 1 }).toArray(), tensor(ref.data, { dtype: 'float64', shape: ref.shape }).toArray())).toBeLessThan(1e-12);
    const conv = new N.Conv2d(6, 4, 3, { groups: 2, generator: new Generator(1) });
    expect(conv.weight.shape).toEqual([4, 3, 3, 3]);
    expect(conv.toString()).toMatch(/groups=2/);
    // PyTorch: fan_in = (C / groups)·kh·kw = 27, so both W and b lie in ±1/√27
    const bound = 1 / Math.sqrt(27);
    for (const t of [conv.weight, conv.bias!]) for (const v of t.data() as Float32Array) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-7);
    expect(Math.max(...Array.from(conv.weight.data() as Float32Array, Math.abs))).toBeGreaterThan(0.8 * bound);
    expect(conv.forward(randn([1, 6, 5, 5])).shape).toEqual([1, 4, 3, 3]);
    const depthwise = new N.Conv2d(3, 3, 3, { groups: 3, padding: 1, bias: false, dtype: 'float64' });
    const dx = randn([1, 3, 4, 4], { dtype: 'float64', generator: g });
    const dy = depthwise.forward(dx);
    // channel 1 of a depthwise conv depends only on channel 1 of the input
    const ch1 = N.conv2d(dx.narrow(1, 1, 1), depthwise.weight.narrow(0, 1, 1), null, { padding: 1 });
    expect(maxErr(dy.narrow(1, 1, 1).toArray(), ch1.toArray())).toBeLessThan(1e-12);
  });

  it('grouped conv2d refuses channel counts that groups does not divide', () => {
    expect(() => N.conv2d(zeros([1, 4, 5, 5]), zeros([3, 2, 3, 3]), null, { groups: 2 })).toThrow(/^conv2d: groups 2 must divide both the input channels 4 \(input \[1,4,5,5\]\) and the output channels 3 \(weight \[3,2,3,3\]\)/);
    expect(() => N.conv2d(zeros([1, 4, 5, 5]), zeros([4, 1, 3, 3]), null, { groups: 2 })).toThrow(/^conv2d: input \[1,4,5,5\] has 4 channels, weight \[4,1,3,3\] with groups 2 expects 2/);
    expect(() => N.conv2d(zeros([1, 4, 5, 5]), zeros([4, 2, 3, 3]), null, { groups: 0 })).toThrow(/^conv2d: groups must be a positive integer, got 0/);
    expect(() => new N.Conv2d(4, 6, 3, { groups: 4 })).toThrow(/^Conv2d: groups 4 must divide both inChannels 4 and outChannels 6/);
  });

  it('Embedding paddingIdx: zero row at init, same values, no gradient to the padding row only', () => {
    fc.assert(fc.property(dim(2, 6), dim(1, 4), dim(1, 8), fc.integer({ min: -6, max: 5 }), seed, (num, d, len, p, s) => {
      fc.pre(p >= -num && p < num);
      const row = p < 0 ? p + num : p;
      const g = new Generator(s);
      const idx = tensor(Array.from({ length: len }, (_, k) => (k === 0 ? row : (k * 7 + s) % num)), { dtype: 'int32' });
      const w = randn([num, d], { dtype: 'float64', generator: g }).requiresGrad_();
      const w2 = w.detach().clone().requiresGrad_();
      const up = randn([len, d], { dtype: 'float64', generator: g });
      const y = N.embedding(idx, w, p);
      const y2 = N.embedding(idx, w2);
      expect(y.toArray()).toEqual(y2.toArray());
      y.mul(up).sum().backward();
      y2.mul(up).sum().backward();
      const ga = w.grad!.toArray() as number[][];
      const gb = w2.grad!.toArray() as number[][];
      for (let r = 0; r < num; r++) expect(ga[r]).toEqual(r === row ? Array(d).fill(0) : gb[r]);
      const emb = new N.Embedding(num, d, { paddingIdx: p, generator: g });
      expect(emb.paddingIdx).toBe(row);
      expect(Array.from(emb.weight.narrow(0, row, 1).contiguous().data() as Float32Array)).toEqual(Array(d).fill(0));
    }), { numRuns: 40 });
    expect(() => new N.Embedding(4, 2, { paddingIdx: 4 })).toThrow(/^Embedding: paddingIdx 4 must be an integer in \[-4, 4\) for 4 embeddings/);
    expect(() => N.embedding(tensor([0], { dtype: 'int32' }), zeros([3, 2]), -4)).toThrow(/^embedding: paddingIdx -4 must be an integer in \[-3, 3\) for 3 embeddings/);
  });

  it('Embedding paddingIdx row stays fixed under an optimizer step', () => {
    const emb = new N.Embedding(5, 3, { paddingIdx: 2, dtype: 'float64', generator: new Generator(3) });
    expect((emb.weight.toArray() as number[][])[2]).toEqual([0, 0, 0]);
    // a user may set the padding row; it still gets no gradient (a zero row would hide that under Σy²)
    noGrad(() => emb.weight.narrow(0, 2, 1).copyFrom(tensor([[1, 2, 3]], { dtype: 'float64' })));
    const before = emb.weight.toArray() as number[][];
    emb.forward(tensor([[2, 1], [2, 4]], { dtype: 'int32' })).square().sum().backward();
    noGrad(() => emb.weight.subInPlace(emb.weight.grad!, 0.5));
    const after = emb.weight.toArray() as number[][];
    expect(after[2]).toEqual([1, 2, 3]);
    expect(after[1]).not.toEqual(before[1]);
    expect(after[0]).toEqual(before[0]);
  });

  it('maxPool2d with dilation 2: nested-loop reference and gradcheck (distinct values)', () => {
    fc.assert(fc.property(dim(1, 2), dim(2, 3), dim(1, 2), dim(0, 1), seed, (c, k, st, pd, s) => {
      const h = 2 * (k - 1) + 1 + st + 1;
      const size = c * h * (h + 1);
      const perm = new Generator(s).permutation(size);
      const x = tensor(perm.map((v) => v / 7), { dtype: 'float64', shape: [1, c, h, h + 1] });
      const y = N.maxPool2d(x, k, { stride: st, padding: pd, dilation: 2 });
      const xv = x.toArray() as number[][][][];
      const yv = y.toArray() as number[][][][];
      const ho = Math.floor((h + 2 * pd - 2 * (k - 1) - 1) / st) + 1;
      const wo = Math.floor((h + 1 + 2 * pd - 2 * (k - 1) - 1) / st) + 1;
      expect(y.shape).toEqual([1, c, ho, wo]);
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < ho; p++) for (let q = 0; q < wo; q++) {
        let m = -Infinity;
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
          const r = p * st + 2 * i - pd;
          const cc = q * st + 2 * j - pd;
          if (r >= 0 && r < h && cc >= 0 && cc < h + 1) m = Math.max(m, xv[0]![ch]![r]![cc]!);
        }
        expect(yv[0]![ch]![p]![q]).toBe(m);
      }
      gradcheck((xx: Tensor) => N.maxPool2d(xx, k, { stride: st, padding: pd, dilation: 2 }), [x]);
    }), { numRuns: 12 });
  });

  it('Softmax / LogSoftmax over every axis of random 3-d shapes: gradcheck, and rows sum to 1', () => {
    fc.assert(fc.property(dim(1, 3), dim(1, 3), dim(1, 3), fc.integer({ min: -3, max: 2 }), seed, (a, b, c, axis, s) => {
      const g = new Generator(s);
      const x = randn([a, b, c], { dtype: 'float64', generator: g }).mul(3);
      const up = randn([a, b, c], { dtype: 'float64', generator: g });
      gradcheck((xx: Tensor) => new N.Softmax(axis).forward(xx).mul(up), [x]);
      gradcheck((xx: Tensor) => new N.LogSoftmax(axis).forward(xx).mul(up), [x]);
      const sums = new N.Softmax(axis).forward(x).sum(axis).contiguous().data() as Float64Array;
      for (const v of sums) expect(Math.abs(v - 1)).toBeLessThan(1e-12);
      const back = new N.LogSoftmax(axis).forward(x).exp().sub(new N.Softmax(axis).forward(x)).abs().max().item();
      expect(back).toBeLessThan(1e-12);
    }), { numRuns: 20 });
  });

  it('BatchNorm2d gradcheck in float64 over random shapes (training and eval, through the module)', () => {
    fc.assert(fc.property(dim(1, 3), dim(1, 3), dim(1, 3), dim(1, 3), seed, (n, c, h, w, s) => {
      fc.pre(n * h * w > 1);
      const g = new Generator(s);
      const bn = new N.BatchNorm2d(c, { dtype: 'float64' });
      noGrad(() => {
        bn.weight!.copyFrom(randn([c], { dtype: 'float64', generator: g }));
        bn.bias!.copyFrom(randn([c], { dtype: 'float64', generator: g }));
      });
      const x = randn([n, c, h, w], { dtype: 'float64', generator: g });
      // a random upstream: Σ of a batch-normalised output has zero gradient in x, which would hide errors
      const up = randn([n, c, h, w], { dtype: 'float64', generator: g });
      gradcheck((xx: Tensor) => bn.forward(xx).mul(up), [x]);
      gradcheck((xx: Tensor, ww: Tensor, bb: Tensor) => N.batchNorm(xx, { weight: ww, bias: bb, training: true }).mul(up), [x, bn.weight!.detach(), bn.bias!.detach()]);
      bn.eval();
      gradcheck((xx: Tensor) => bn.forward(xx).mul(up), [x]);
      // eval uses the running statistics the training calls left behind: y = (x − m)/√(v + ε)·γ + β
      const m = bn.buffer('running_mean').toArray() as number[];
      const v = bn.buffer('running_var').toArray() as number[];
      const gam = bn.weight!.toArray() as number[];
      const bet = bn.bias!.toArray() as number[];
      const xv = x.toArray() as number[][][][];
      const yv = bn.forward(x).toArray() as number[][][][];
      for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
        expect(yv[a]![ch]![i]![j]!).toBeCloseTo((xv[a]![ch]![i]![j]! - m[ch]!) / Math.sqrt(v[ch]! + 1e-5) * gam[ch]! + bet[ch]!, 12);
      }
    }), { numRuns: 15 });
  });
});
