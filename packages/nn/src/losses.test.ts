import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, Tensor, logSoftmax, softmax, type NestedArray } from '@gd/tensor';
import { gradcheck } from '@gd/autograd';
import { mseLoss, l1Loss, huberLoss, smoothL1Loss, bceLoss, bceWithLogitsLoss, crossEntropy, nllLoss, klDiv, type Reduction } from './index.js';
import fixture from './fixtures/torch-nn.json' with { type: 'json' };
import { maxErr } from './fixtures/compare.js';

type Case = { name: string; options: Record<string, unknown>; inputs: Record<string, { data: NestedArray; dtype: 'int32' | 'float64' }>; output: NestedArray; upstream: NestedArray; grads: Record<string, NestedArray> };

const f64 = (a: NestedArray): Tensor => tensor(a, { dtype: 'float64' });


function callLoss(c: Case, ins: Record<string, Tensor>): Tensor {
  const kind = c.name.split('/')[0]!;
  const o = c.options as { reduction: Reduction; [k: string]: unknown };
  const { input, target } = ins as { input: Tensor; target: Tensor };
  switch (kind) {
    case 'mseLoss': return mseLoss(input, target, o);
    case 'l1Loss': return l1Loss(input, target, o);
    case 'huberLoss': return huberLoss(input, target, { reduction: o.reduction, delta: o.delta as number });
    case 'smoothL1Loss': return smoothL1Loss(input, target, { reduction: o.reduction, beta: o.beta as number });
    case 'bceLoss': return bceLoss(input, target, { reduction: o.reduction, weight: ins.weight! });
    case 'bceWithLogitsLoss': return bceWithLogitsLoss(input, target, { reduction: o.reduction, weight: ins.weight!, posWeight: ins.posWeight! });
    case 'crossEntropy': return crossEntropy(input, target, { reduction: o.reduction, labelSmoothing: o.labelSmoothing as number, ...(ins.weight ? { weight: ins.weight } : {}), ...(o.ignoreIndex !== undefined ? { ignoreIndex: o.ignoreIndex as number } : {}) });
    case 'nllLoss': return nllLoss(input, target, { reduction: o.reduction, weight: ins.weight!, ignoreIndex: o.ignoreIndex as number });
    case 'klDiv': return klDiv(input, target, { reduction: o.reduction as Reduction, logTarget: o.logTarget === true });
  }
  throw new Error(`unknown case ${c.name}`);
}

describe('losses vs PyTorch (float64 fixtures)', () => {
  const cases = (fixture as { losses: Case[] }).losses;
  it.each(cases.map((c) => [c.name, c] as const))('%s: value and gradients', (_name, c) => {
    const ins: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(c.inputs)) {
      ins[k] = tensor(v.data, { dtype: v.dtype });
      if (v.dtype === 'float64' && k in c.grads) ins[k]!.requiresGrad_();
    }
    const out = callLoss(c, ins);
    expect(maxErr(out.toArray(), c.output)).toBeLessThan(1e-12);
    out.mul(f64(c.upstream)).sum().backward();
    for (const [k, g] of Object.entries(c.grads)) expect(maxErr(ins[k]!.grad!.toArray(), g)).toBeLessThan(1e-12);
  });
});

const matrix = (min = -3, max = 3) => fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 5 })).chain(([n, c]) =>
  fc.tuple(fc.constant([n, c]), fc.array(fc.double({ min, max, noNaN: true }), { minLength: n * c, maxLength: n * c }), fc.array(fc.double({ min, max, noNaN: true }), { minLength: n * c, maxLength: n * c }), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n })));

const reductions: Reduction[] = ['mean', 'sum', 'none'];

describe('losses: gradcheck over random shapes (float64 central differences)', () => {
  it('regression losses', () => {
    fc.assert(fc.property(matrix(), fc.constantFrom(...reductions), ([shape, a, b], red) => {
      const x = tensor(a, { dtype: 'float64', shape });
      // keep |x - y| away from the kinks of l1/huber/smoothL1 (0, delta, beta)
      const y = tensor(a.map((v, i) => v + 0.2 + (Math.abs(b[i]!) % 0.25) + (i % 3)), { dtype: 'float64', shape });
      const sum = (t: Tensor) => (red === 'none' ? t.sum() : t);
      gradcheck((p: Tensor, q: Tensor) => sum(mseLoss(p, q, { reduction: red })), [x, y]);
      gradcheck((p: Tensor, q: Tensor) => sum(l1Loss(p, q, { reduction: red })), [x, y]);
      gradcheck((p: Tensor, q: Tensor) => sum(huberLoss(p, q, { reduction: red, delta: 1.05 })), [x, y]);
      gradcheck((p: Tensor, q: Tensor) => sum(smoothL1Loss(p, q, { reduction: red, beta: 0.1 })), [x, y]);
    }), { numRuns: 25 });
  });

  it('classification losses', () => {
    fc.assert(fc.property(matrix(), fc.constantFrom(...reductions), fc.double({ min: 0, max: 0.5, noNaN: true }), ([shape, a, b, labels], red, ls) => {
      const [n, c] = shape as [number, number];
      const logits = tensor(a, { dtype: 'float64', shape });
      const probs = softmax(tensor(b, { dtype: 'float64', shape }), 1);
      const t = tensor(labels, { dtype: 'int32' });
      const w = tensor(Array.from({ length: c }, (_, i) => 0.5 + i / c), { dtype: 'float64' });
      const sum = (x: Tensor) => (red === 'none' ? x.sum() : x);
      gradcheck((z: Tensor) => sum(crossEntropy(z, t, { reduction: red, weight: w, labelSmoothing: ls })), [logits]);
      gradcheck((z: Tensor, q: Tensor) => sum(crossEntropy(z, q, { reduction: red, labelSmoothing: ls })), [logits, probs]);
      gradcheck((z: Tensor) => sum(nllLoss(logSoftmax(z, 1), t, { reduction: red, weight: w })), [logits]);
      const p01 = tensor(b.map((v) => 0.05 + 0.9 * ((Math.abs(v) * 7) % 1)), { dtype: 'float64', shape });
      const y01 = tensor(a.map((v) => (Math.abs(v) * 13) % 1), { dtype: 'float64', shape });
      gradcheck((p: Tensor, y: Tensor) => sum(bceLoss(p, y, { reduction: red })), [p01, y01], { wrt: [0] });
      gradcheck((z: Tensor, y: Tensor) => sum(bceWithLogitsLoss(z, y, { reduction: red, posWeight: tensor(new Array(c).fill(1.7), { dtype: 'float64' }) })), [logits, y01]);
      gradcheck((z: Tensor, q: Tensor) => (red === 'none' ? klDiv(logSoftmax(z, 1), q, { reduction: 'none' }).sum() : klDiv(logSoftmax(z, 1), q, { reduction: red })), [logits, probs]);
      gradcheck((z: Tensor, q: Tensor) => sum(klDiv(logSoftmax(z, 1), logSoftmax(q, 1), { reduction: red, logTarget: true })), [logits, probs]);
      // spatial input [n, c, 2] with an ignored position
      const z3 = tensor(a.flatMap((v) => [v, -v / 2]), { dtype: 'float64', shape: [n, c, 2] }).permute([0, 1, 2]);
      const t3 = tensor(labels.flatMap((l, i) => [l, i === 0 ? -1 : (l + 1) % c]), { dtype: 'int32', shape: [n, 2] });
      gradcheck((z: Tensor) => sum(crossEntropy(z, t3, { reduction: red, weight: w, ignoreIndex: -1, labelSmoothing: ls })), [z3]);
    }), { numRuns: 20 });
  });
});

describe('losses: closed forms and identities', () => {
  it('crossEntropy equals nllLoss(logSoftmax) for class indices (all reductions, weights, ignoreIndex)', () => {
    fc.assert(fc.property(matrix(-20, 20), fc.constantFrom(...reductions), ([shape, a, , labels], red) => {
      const c = shape[1]!;
      const z = tensor(a, { dtype: 'float64', shape });
      const t = tensor(labels.map((l, i) => (i === 0 && labels.length > 1 ? -100 : l)), { dtype: 'int32' });
      const w = tensor(Array.from({ length: c }, (_, i) => 1 + i), { dtype: 'float64' });
      const ce = crossEntropy(z, t, { reduction: red, weight: w }).toArray();
      const nll = nllLoss(logSoftmax(z, 1), t, { reduction: red, weight: w }).toArray();
      expect(maxErr(ce, nll)).toBeLessThan(1e-14);
    }), { numRuns: 100 });
  });

  it('crossEntropy with one-hot probabilities equals class indices; closed form for two classes', () => {
    const z = tensor([[0.3, -1.2, 2], [1, 1, 1]], { dtype: 'float64' });
    const idx = tensor([2, 0], { dtype: 'int32' });
    const onehot = tensor([[0, 0, 1], [1, 0, 0]], { dtype: 'float64' });
    expect(crossEntropy(z, onehot).item()).toBeCloseTo(crossEntropy(z, idx).item(), 14);
    // −log softmax by hand
    const row0 = -(2 - Math.log(Math.exp(0.3) + Math.exp(-1.2) + Math.exp(2)));
    const row1 = Math.log(3);
    expect(crossEntropy(z, idx, { reduction: 'none' }).toArray()).toEqual([expect.closeTo(row0, 14), expect.closeTo(row1, 14)]);
    // label smoothing ε: (1−ε)·nll + ε·mean_c(−log p_c)
    const lp = logSoftmax(z, 1).toArray() as number[][];
    const eps = 0.3;
    const expected = [0, 1].map((i) => (1 - eps) * -lp[i]![[2, 0][i]!]! + (eps / 3) * -lp[i]!.reduce((s, v) => s + v, 0));
    expect(maxErr(crossEntropy(z, idx, { labelSmoothing: eps, reduction: 'none' }).toArray(), expected)).toBeLessThan(1e-14);
  });

  it('bceWithLogitsLoss is finite and exact at logits ±1000, with finite gradients', () => {
    const z = tensor([1000, -1000, 1000, -1000], { dtype: 'float64' }).requiresGrad_();
    const y = tensor([1, 0, 0, 1], { dtype: 'float64' });
    const l = bceWithLogitsLoss(z, y, { reduction: 'none' });
    expect(l.toArray()).toEqual([0, 0, 1000, 1000]);
    l.sum().backward();
    expect(z.grad!.toArray()).toEqual([0, 0, 1, -1]); // σ(z) − y
    const z32 = tensor([1000, -1000]).requiresGrad_();
    const m = bceWithLogitsLoss(z32, tensor([0, 1]));
    expect(m.item()).toBe(1000);
    m.backward();
    expect(Array.from(z32.grad!.data()).every(Number.isFinite)).toBe(true);
    // equals bceLoss(sigmoid) where that is accurate
    const zs = tensor([-3, 0.5, 2], { dtype: 'float64' });
    const ys = tensor([0.2, 1, 0], { dtype: 'float64' });
    expect(bceWithLogitsLoss(zs, ys).item()).toBeCloseTo(bceLoss(zs.sigmoid(), ys).item(), 13);
  });

  it('bceLoss clamps the log at −100 and refuses non-probabilities', () => {
    expect(bceLoss(tensor([0, 1], { dtype: 'float64' }), tensor([1, 0], { dtype: 'float64' }), { reduction: 'none' }).toArray()).toEqual([100, 100]);
    const p = tensor([0, 1]).requiresGrad_();
    bceLoss(p, tensor([1, 0])).backward();
    expect(Array.from(p.grad!.data()).every((g) => !Number.isNaN(g))).toBe(true);
    expect(() => bceLoss(tensor([1.5]), tensor([1]))).toThrow(/^bceLoss: input must be probabilities in \[0, 1\], got 1.5 at flat index 0/);
  });

  it('huber / smoothL1 closed forms; smoothL1 with beta 0 is l1; huber = beta · smoothL1', () => {
    const x = tensor([0.5, -3, 2], { dtype: 'float64' });
    const y = tensor([0, 0, 1.9], { dtype: 'float64' });
    expect(maxErr(huberLoss(x, y, { reduction: 'none', delta: 1 }).toArray(), [0.125, 2.5, 0.005])).toBeLessThan(1e-14);
    expect(smoothL1Loss(x, y, { beta: 0 }).item()).toBeCloseTo(l1Loss(x, y).item(), 15);
    expect(huberLoss(x, y, { delta: 0.4 }).item()).toBeCloseTo(0.4 * smoothL1Loss(x, y, { beta: 0.4 }).item(), 15);
  });

  it('klDiv: zero for equal distributions, closed form otherwise, 0·log 0 = 0', () => {
    const p = tensor([[0.5, 0.5, 0], [0.25, 0.25, 0.5]], { dtype: 'float64' });
    const q = tensor([[0.25, 0.25, 0.5], [0.25, 0.25, 0.5]], { dtype: 'float64' });
    const kl = klDiv(q.log(), p, { reduction: 'batchmean' }).item();
    expect(kl).toBeCloseTo((0.5 * Math.log(2) * 2 + 0) / 2, 14);
    expect(klDiv(p.add(1e-300).log(), p, { reduction: 'sum' }).item()).toBeCloseTo(0, 12);
  });

  it("'mean' over targets that are all ignored (or weighted 0) throws instead of PyTorch's NaN; 'sum' and 'none' still work", () => {
    const x = tensor([[0.3, -1.2, 2.0], [1.5, 0.1, -0.7]], { dtype: 'float64' });
    const allIgnored = tensor([-100, -100], { dtype: 'int32' });
    expect(() => crossEntropy(x, allIgnored)).toThrow(/^crossEntropy: the 'mean' reduction divides by the total weight of the targets, which is 0 here \(2 targets, each ignored \(ignoreIndex -100\)/);
    expect(() => crossEntropy(x, allIgnored, { labelSmoothing: 0.1 })).toThrow(/^crossEntropy: the 'mean' reduction/);
    expect(() => nllLoss(x, tensor([1, 1], { dtype: 'int32' }), { weight: tensor([1, 0, 1], { dtype: 'float64' }) })).toThrow(/^nllLoss: the 'mean' reduction divides by the total weight of the targets, which is 0/);
    expect(crossEntropy(x, allIgnored, { reduction: 'sum' }).item()).toBe(0);
    expect((nllLoss(x, allIgnored, { reduction: 'none' }).toArray() as number[]).map(Math.abs)).toEqual([0, 0]);
    // one target left: the mean is that target's loss −log softmax(x₁)[2]
    const row = x.toArray() as number[][];
    const lse = Math.log(row[1]!.reduce((s, v) => s + Math.exp(v), 0));
    expect(crossEntropy(x, tensor([-100, 2], { dtype: 'int32' })).item()).toBeCloseTo(lse - row[1]![2]!, 12);
  });

  it('errors name the loss and show the shapes or values', () => {
    expect(() => mseLoss(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/^mseLoss: input \[2\] and target \[3\] must have the same shape/);
    expect(() => crossEntropy(tensor([[1, 2]]), tensor([2], { dtype: 'int32' }))).toThrow(/^crossEntropy: target 2 at flat index 0 is out of range for 2 classes/);
    expect(() => crossEntropy(tensor([[1, 2]]), tensor([[1]], { dtype: 'int32' }))).toThrow(/^crossEntropy: target \[1,1\] does not match input \[1,2\] \(expected target shape \[1\]\)/);
    expect(() => nllLoss(tensor([[1, 2]]), tensor([0]))).toThrow(/^nllLoss: class-index targets must be int32, got float32/);
    expect(() => mseLoss(tensor([1]), tensor([1]), { reduction: 'avg' as never })).toThrow(/^mseLoss: reduction must be one of 'mean', 'sum', 'none'; got "avg"/);
    expect(() => crossEntropy(tensor([[1, 2]]), tensor([0], { dtype: 'int32' }), { labelSmoothing: 2 })).toThrow(/^crossEntropy: labelSmoothing must be in \[0, 1\], got 2/);
  });
});
