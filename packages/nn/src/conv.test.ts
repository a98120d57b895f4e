// conv2d as im2col + one matmul, against the composite it replaced (kh·kw strided views, each a
// matmul over channels, summed; kept below as the reference): outputs and gradients on both backends,
// float32 and float64, random stride / padding ('same' too) / dilation / groups / bias, ragged sizes,
// sizes large enough for the wasm kernels; second-order gradients through unfold's and fold's rules.
import { afterAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { type Tensor, Generator, cat, getBackend, pad, randn, setBackend, tensor } from '@gd/tensor';
import { gradcheck, gradgradcheck } from '@gd/autograd';
import * as N from './index.js';

const saved = getBackend();
afterAll(() => { setBackend(saved); });

/** The previous conv2d: one strided view of the padded input per kernel offset, a matmul over channels each. */
function convComposite(x: Tensor, w: Tensor, b: Tensor | null, s: [number, number], p: [number, number], d: [number, number], groups: number): Tensor {
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const xp = p[0] === 0 && p[1] === 0 ? x : pad(x, [p[1], p[1], p[0], p[0]]);
  const [, , hp, wp] = xp.shape as [number, number, number, number];
  const ho = Math.floor((hp - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const wo = Math.floor((wp - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const og = o / groups;
  const blocks: Tensor[] = [];
  for (let g = 0; g < groups; g++) {
    const wg = w.narrow(0, g * og, og);
    let acc: Tensor | null = null;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const r0 = i * d[0], c0 = j * d[1];
        const view = xp.slice(null, [g * cg, (g + 1) * cg], [r0, r0 + s[0] * (ho - 1) + 1, s[0]], [c0, c0 + s[1] * (wo - 1) + 1, s[1]]);
        const term = view.permute([0, 2, 3, 1]).matmul(wg.select(3, j).select(2, i).T);
        acc = acc === null ? term : acc.add(term);
      }
    }
    blocks.push(acc!);
  }
  let y = (groups === 1 ? blocks[0]! : cat(blocks, 3)).permute([0, 3, 1, 2]);
  if (b !== null) y = y.add(b.reshape([1, o, 1, 1]));
  return y;
}

const maxDiff = (a: Tensor, b: Tensor): number => a.sub(b).abs().max().item();
const scale = (a: Tensor): number => 1 + a.abs().max().item();

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), cpg: fc.integer({ min: 1, max: 3 }), opg: fc.integer({ min: 1, max: 3 }),
  kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 3 }),
  s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })),
  p: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
  eh: fc.integer({ min: 0, max: 7 }), ew: fc.integer({ min: 0, max: 9 }),
  bias: fc.boolean(), f64: fc.boolean(), seed: fc.integer({ min: 1, max: 1e6 }),
});

describe.each([['TS kernels', null], ['default backend', saved]] as const)('conv2d on %s', (_name, be) => {
  it('equals the composite reference: output and gradients of x, w, b (float32 and float64, groups, ragged sizes)', () => {
    setBackend(be);
    fc.assert(fc.property(caseArb, (t) => {
      const dtype = t.f64 ? 'float64' : 'float32';
      const g = new Generator(t.seed);
      const c = t.groups * t.cpg, o = t.groups * t.opg;
      const h = Math.max(1, t.d[0] * (t.kh - 1) + 1 - 2 * t.p[0]) + t.eh;
      const w = Math.max(1, t.d[1] * (t.kw - 1) + 1 - 2 * t.p[1]) + t.ew;
      const x = randn([t.n, c, h, w], { dtype, generator: g }).requiresGrad_(true);
      const wt = randn([o, t.cpg, t.kh, t.kw], { dtype, generator: g }).requiresGrad_(true);
      const b = t.bias ? randn([o], { dtype, generator: g }).requiresGrad_(true) : null;
      const y = N.conv2d(x, wt, b, { stride: t.s, padding: t.p, dilation: t.d, groups: t.groups });
      const ref = convComposite(x, wt, b, t.s, t.p, t.d, t.groups);
      expect(y.shape).toEqual(ref.shape);
      const tol = t.f64 ? 1e-12 : 2e-5;
      expect(maxDiff(y, ref)).toBeLessThanOrEqual(tol * scale(ref));
      const up = randn(y.shape, { dtype, generator: g });
      const grads = (out: Tensor): Tensor[] => {
        x.grad = null; wt.grad = null; if (b) b.grad = null;
        out.mul(up).sum().backward();
        return [x.grad!, wt.grad!, ...(b ? [b.grad!] : [])];
      };
      const gy = grads(y), gr = grads(ref);
      gy.forEach((gv, i) => expect(maxDiff(gv, gr[i]!)).toBeLessThanOrEqual(tol * 10 * scale(gr[i]!)));
    }), { numRuns: 40 });
  });

  it('padding \'same\' keeps the size, matching explicit padding', () => {
    setBackend(be);
    const g = new Generator(9);
    const x = randn([2, 3, 9, 10], { dtype: 'float64', generator: g });
    const w = randn([4, 3, 3, 5], { dtype: 'float64', generator: g });
    const y = N.conv2d(x, w, null, { padding: 'same', dilation: [2, 1] });
    expect(y.shape).toEqual([2, 4, 9, 10]);
    expect(maxDiff(y, convComposite(x, w, null, [1, 1], [2, 2], [2, 1], 1))).toBeLessThan(1e-12);
  });
});

describe('conv2d at sizes the wasm kernels take', () => {
  it('a CNN-sized float32 layer (batch 8, 6 -> 10 channels, 3x5 kernel, stride 2 / padding 1, then "same"): output and gradients match the reference on both backends', () => {
    const g = new Generator(21);
    const x = randn([8, 6, 23, 19], { generator: g }).requiresGrad_(true);
    const w = randn([10, 6, 3, 5], { generator: g }).mul(0.2).detach().requiresGrad_(true);
    const b = randn([10], { generator: g }).requiresGrad_(true);
    for (const opts of [{ stride: 2, padding: 1 }, { padding: 'same' as const }]) {
      const ref = convComposite(x, w, b, opts.stride ? [2, 2] : [1, 1], opts.stride ? [1, 1] : [1, 2], [1, 1], 1);
      const up = randn(ref.shape, { generator: g });
      ref.mul(up).sum().backward();
      const want = [ref.detach(), x.grad!, w.grad!, b.grad!];
      for (const be of [null, saved]) {
        setBackend(be);
        x.grad = null; w.grad = null; b.grad = null;
        const y = N.conv2d(x, w, b, opts);
        y.mul(up).sum().backward();
        [y.detach(), x.grad!, w.grad!, b.grad!].forEach((got, i) => expect(maxDiff(got, want[i]!)).toBeLessThanOrEqual(1e-4 * scale(want[i]!)));
      }
      setBackend(saved);
      x.grad = null; w.grad = null; b.grad = null;
    }
  });
});

describe('conv2d in float64 at sizes the wasm kernels take', () => {
  it('output and gradients match the reference to 1e-12 (stride 1 and 2, dilation 2, groups 1 and 5)', () => {
    setBackend(saved);
    // (where the wasm backend is installed: its im2col and col2im must be the ones that ran)
    const spies = saved?.unfold && saved.fold ? [vi.spyOn(saved, 'unfold'), vi.spyOn(saved, 'fold')] : [];
    const g = new Generator(33);
    for (const [groups, s, d] of [[1, 1, 1], [5, 2, 2]] as const) {
      const x = randn([4, 5, 13, 11], { dtype: 'float64', generator: g }).requiresGrad_(true);
      const w = randn([10, 5 / groups, 3, 3], { dtype: 'float64', generator: g }).requiresGrad_(true);
      const y = N.conv2d(x, w, null, { stride: s, padding: 1, dilation: d, groups });
      const ref = convComposite(x, w, null, [s, s], [1, 1], [d, d], groups);
      expect(maxDiff(y, ref)).toBeLessThan(1e-12 * scale(ref));
      const up = randn(y.shape, { dtype: 'float64', generator: g });
      const grads = (out: Tensor): Tensor[] => { x.grad = null; w.grad = null; out.mul(up).sum().backward(); return [x.grad!, w.grad!]; };
      const gy = grads(y), gr = grads(ref);
      gy.forEach((gv, i) => expect(maxDiff(gv, gr[i]!)).toBeLessThan(1e-11 * scale(gr[i]!)));
    }
    for (const spy of spies) {
      expect(spy.mock.results.filter((r) => r.value === true).length).toBeGreaterThanOrEqual(2);
      spy.mockRestore();
    }
  });
});

describe('conv2d: higher-order gradients', () => {
  it('gradcheck and gradgradcheck in float64 (stride, padding, dilation, groups)', () => {
    const g = new Generator(4);
    const x = randn([2, 4, 6, 5], { dtype: 'float64', generator: g });
    const w = randn([2, 2, 3, 2], { dtype: 'float64', generator: g });
    const b = randn([2], { dtype: 'float64', generator: g });
    const f = (xx: Tensor, ww: Tensor, bb: Tensor) => N.conv2d(xx, ww, bb, { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 });
    gradcheck(f, [x, w, b]);
    // x·w is bilinear: the second derivatives couple x and w
    gradgradcheck(f, [x, w, b]);
  });
});

describe('Unfold / Fold modules', () => {
  it('forward the functional ops with their settings; Fold(Unfold(x)) counts the windows covering each pixel', () => {
    setBackend(saved);
    const g = new Generator(8);
    const x = randn([2, 3, 7, 6], { dtype: 'float64', generator: g });
    const opts = { stride: [2, 1] as [number, number], padding: 1, dilation: [1, 2] as [number, number] };
    const u = new N.Unfold([2, 3], opts);
    const cols = u.forward(x);
    expect(maxDiff(cols, N.unfold(x, [2, 3], opts))).toBe(0);
    const back = new N.Fold([7, 6], [2, 3], opts).forward(cols);
    // the windows covering each pixel, counted by folding columns of ones
    const cover = N.fold(N.unfold(x.mul(0).add(1), [2, 3], opts), [7, 6], [2, 3], opts);
    expect(maxDiff(back, x.mul(cover))).toBeLessThan(1e-12);
    expect(u.toString()).toContain('kernelSize=[2,3]');
  });
});

describe('maxPool2d (argmax kernel + a recorded gather)', () => {
  /** The previous maxPool2d: −∞ padding, then the elementwise maximum of kh·kw strided views. */
  function maxPoolComposite(x: Tensor, k: [number, number], s: [number, number], p: [number, number], d: [number, number]): Tensor {
    const xp = p[0] === 0 && p[1] === 0 ? x : pad(x, [p[1], p[1], p[0], p[0]], -Infinity);
    const [, , hp, wp] = xp.shape as [number, number, number, number];
    const ho = Math.floor((hp - d[0] * (k[0] - 1) - 1) / s[0]) + 1, wo = Math.floor((wp - d[1] * (k[1] - 1) - 1) / s[1]) + 1;
    let acc: Tensor | null = null;
    for (let i = 0; i < k[0]; i++) {
      for (let j = 0; j < k[1]; j++) {
        const v = xp.slice(null, null, [i * d[0], i * d[0] + s[0] * (ho - 1) + 1, s[0]], [j * d[1], j * d[1] + s[1] * (wo - 1) + 1, s[1]]);
        acc = acc === null ? v : acc.maximum(v);
      }
    }
    return acc!;
  }

  it.each([['TS kernels', null], ['default backend', saved]] as const)('values equal the composite; the gradient of a unique maximum goes to it (%s, float32 and float64, strided input)', (_name, be) => {
    setBackend(be);
    fc.assert(fc.property(fc.record({
      n: fc.integer({ min: 1, max: 5 }), c: fc.integer({ min: 1, max: 6 }), k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), pad: fc.boolean(), d: fc.integer({ min: 1, max: 2 }),
      eh: fc.integer({ min: 0, max: 20 }), ew: fc.integer({ min: 0, max: 20 }), f64: fc.boolean(), permuted: fc.boolean(), seed: fc.integer({ min: 1, max: 1e6 }),
    }), (t) => {
      const dtype = t.f64 ? 'float64' : 'float32';
      const p: [number, number] = t.pad ? [Math.floor(t.k[0] / 2), Math.floor(t.k[1] / 2)] : [0, 0];
      const h = t.d * (t.k[0] - 1) + 1 + t.eh, w = t.d * (t.k[1] - 1) + 1 + t.ew;
      const g = new Generator(t.seed);
      const base = t.permuted ? randn([t.c, t.n, h, w], { dtype, generator: g }).permute([1, 0, 2, 3]) : randn([t.n, t.c, h, w], { dtype, generator: g });
      const x = base.detach().requiresGrad_(true);
      const y = N.maxPool2d(x, t.k, { stride: t.s, padding: p, dilation: t.d });
      const ref = maxPoolComposite(x, t.k, t.s, p, [t.d, t.d]);
      expect(y.shape).toEqual(ref.shape);
      expect(maxDiff(y, ref)).toBe(0);
      // random normal values: maxima are unique, so both gradients agree exactly
      const up = randn(y.shape, { dtype, generator: g });
      x.grad = null; y.mul(up).sum().backward(); const gy = x.grad!;
      x.grad = null; ref.mul(up).sum().backward(); const gr = x.grad!;
      expect(maxDiff(gy, gr)).toBeLessThanOrEqual(t.f64 ? 1e-12 : 1e-5);
    }), { numRuns: 40 });
    setBackend(saved);
  });

  it('ties: the whole gradient goes to the first maximum of the window (as PyTorch); NaN propagates', () => {
    // both windows hold their maximum 3 twice; the first in row-major order takes the gradient
    const x = tensor([[[[1, 3, 3, 0], [3, 2, 1, 3]]]]).requiresGrad_(true);
    const y = N.maxPool2d(x, 2);
    expect(y.toArray()).toEqual([[[[3, 3]]]]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([[[[0, 1, 1, 0], [0, 0, 0, 0]]]]);
    const z = N.maxPool2d(tensor([[[[1, NaN], [5, 2]]]]), 2).item();
    expect(Number.isNaN(z)).toBe(true);
  });

  it('a window wholly in the padding (dilation) takes the composite path: -Infinity there, as before', () => {
    // one input row, padded to three; the window's rows -1 and 1 (dilation 2) are both padding
    const x = randn([1, 1, 1, 3], { dtype: 'float64', generator: new Generator(2) });
    const y = N.maxPool2d(x, [2, 1], { stride: 1, padding: [1, 0], dilation: [2, 1] });
    const ref = maxPoolComposite(x, [2, 1], [1, 1], [1, 0], [2, 1]);
    expect(y.toArray()).toEqual(ref.toArray());
    expect(y.toArray()).toEqual([[[[-Infinity, -Infinity, -Infinity]]]]);
  });

  it('gradcheck and gradgradcheck (gather, scatterAdd, gather)', () => {
    const g = new Generator(12);
    const x = randn([2, 3, 7, 6], { dtype: 'float64', generator: g });
    const f = (a: Tensor) => N.maxPool2d(a, [3, 2], { stride: [2, 1], padding: 1 }).square();
    gradcheck(f, [x]);
    gradgradcheck(f, [x]);
  });
});

describe('avgPool2d (unfold + mean)', () => {
  it.each([['TS kernels', null], ['default backend', saved]] as const)('equals the composite of strided views (%s; padding counted, strides, ragged sizes, float32 and float64), gradients too', (_name, be) => {
    setBackend(be);
    fc.assert(fc.property(fc.record({
      n: fc.integer({ min: 1, max: 5 }), c: fc.integer({ min: 1, max: 6 }), k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      s: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))), pad: fc.boolean(),
      eh: fc.integer({ min: 0, max: 20 }), ew: fc.integer({ min: 0, max: 20 }), f64: fc.boolean(), seed: fc.integer({ min: 1, max: 1e6 }),
    }), (t) => {
      const dtype = t.f64 ? 'float64' : 'float32';
      const p: [number, number] = t.pad ? [Math.floor(t.k[0] / 2), Math.floor(t.k[1] / 2)] : [0, 0];
      const s = t.s ?? t.k;
      const g = new Generator(t.seed);
      const x = randn([t.n, t.c, t.k[0] + t.eh, t.k[1] + t.ew], { dtype, generator: g }).requiresGrad_(true);
      const y = N.avgPool2d(x, t.k, { stride: s, padding: p });
      // the composite: zero padding, the sum of kh·kw strided views, divided by kh·kw
      const xp = t.pad ? pad(x, [p[1], p[1], p[0], p[0]]) : x;
      const [, , hp, wp] = xp.shape as [number, number, number, number];
      const ho = Math.floor((hp - t.k[0]) / s[0]) + 1, wo = Math.floor((wp - t.k[1]) / s[1]) + 1;
      let acc: Tensor | null = null;
      for (let i = 0; i < t.k[0]; i++) for (let j = 0; j < t.k[1]; j++) {
        const v = xp.slice(null, null, [i, i + s[0] * (ho - 1) + 1, s[0]], [j, j + s[1] * (wo - 1) + 1, s[1]]);
        acc = acc === null ? v : acc.add(v);
      }
      const ref = acc!.mul(1 / (t.k[0] * t.k[1]));
      expect(y.shape).toEqual(ref.shape);
      const tol = t.f64 ? 1e-12 : 1e-5;
      expect(maxDiff(y, ref)).toBeLessThanOrEqual(tol * scale(ref));
      const up = randn(y.shape, { dtype, generator: g });
      x.grad = null; y.mul(up).sum().backward(); const gy = x.grad!;
      x.grad = null; ref.mul(up).sum().backward(); const gr = x.grad!;
      expect(maxDiff(gy, gr)).toBeLessThanOrEqual(tol * scale(gr));
    }), { numRuns: 40 });
    setBackend(saved);
  });

  it('gradgradcheck (unfold, mean, fold)', () => {
    const x = randn([2, 3, 6, 7], { dtype: 'float64', generator: new Generator(13) });
    gradgradcheck((a: Tensor) => N.avgPool2d(a, [3, 2], { stride: [2, 1], padding: [1, 1] }).square(), [x]);
  });
});
