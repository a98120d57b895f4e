// Recording and backward on the small-tensor fast path: gradients against closed forms, the saved-
// tensor version checks, node lists built for one, two and more inputs, the leaf-gradient ownership
// check on both its small (list scan) and large (Set) paths, and expanded gradients fed to fused kernels.
import { describe, expect, it } from 'vitest';
import { Tensor, cat, div, maximum, pow, sub, tensor } from '@gd/tensor';
import { GradNode, noGrad } from './index.js';

/** Deterministic uniform numbers in [lo, hi). */
function uniform(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + ((hi - lo) * s) / 4294967296);
  }
  return out;
}

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, { dtype: 'float64', shape });

describe('small-tensor fast path under the tape', () => {
  it('grad of sum(exp((a+b)*c)) matches the closed form c·exp((a+b)c), for a, b and c', () => {
    for (const n of [1, 7, 64, 257]) {
      const av = uniform(n, -1, 1, n), bv = uniform(n, -1, 1, n + 1), cv = uniform(n, -1, 1, n + 2);
      const a = f64(av).requiresGrad_(), b = f64(bv).requiresGrad_(), c = f64(cv).requiresGrad_();
      a.add(b).mul(c).exp().sum().backward();
      const e = av.map((x, i) => Math.exp((x + bv[i]!) * cv[i]!));
      const ga = Array.from(a.grad!.data()), gb = Array.from(b.grad!.data()), gc = Array.from(c.grad!.data());
      for (let i = 0; i < n; i++) {
        expect(ga[i]).toBeCloseTo(cv[i]! * e[i]!, 12);
        expect(gb[i]).toBeCloseTo(cv[i]! * e[i]!, 12);
        expect(gc[i]).toBeCloseTo((av[i]! + bv[i]!) * e[i]!, 12);
      }
    }
  });

  it('float32 too, on an [8,8] matrix (the benchmark case)', () => {
    const av = uniform(64, -1, 1, 1), bv = uniform(64, -1, 1, 2), cv = uniform(64, -1, 1, 3);
    const a = tensor(av, { shape: [8, 8] }).requiresGrad_();
    const b = tensor(bv, { shape: [8, 8] }), c = tensor(cv, { shape: [8, 8] });
    const y = a.add(b).mul(c).exp();
    expect(y.requiresGrad).toBe(true);
    expect((y.gradFn as GradNode).op).toBe('exp');
    y.sum().backward();
    const ga = Array.from(a.grad!.data());
    for (let i = 0; i < 64; i++) {
      const f = (x: number): number => Math.fround(x);
      const want = f(cv[i]!) * Math.exp(f(f(f(av[i]!) + f(bv[i]!)) * f(cv[i]!)));
      expect(Math.abs(ga[i]! - want)).toBeLessThanOrEqual(2e-7 * Math.abs(want) + 1e-7);
    }
  });

  it('ops with a JS number: gradients match closed forms on both sides', () => {
    const v = uniform(9, 0.5, 2, 21);
    const cases: [(x: Tensor) => Tensor, (x: number) => number][] = [
      [(x) => x.mul(3), () => 3], [(x) => sub(1, x), () => -1], [(x) => x.add(0.5), () => 1],
      [(x) => x.pow(2), (x) => 2 * x], [(x) => pow(2, x), (x) => Math.LN2 * 2 ** x], [(x) => div(1, x), (x) => -1 / (x * x)],
      [(x) => x.div(4), () => 0.25], [(x) => maximum(x, 1), (x) => (x > 1 ? 1 : x === 1 ? 0.5 : 0)],
    ];
    for (const [f, d] of cases) {
      const x = f64(v).requiresGrad_();
      f(x).sum().backward();
      const g = Array.from(x.grad!.data());
      v.forEach((xv, i) => expect(g[i]).toBeCloseTo(d(xv), 12));
    }
  });

  it('one-element operands ([1] bias, 0-d scale): their gradients are the sums over the broadcast', () => {
    const x = f64([1, 2, 3]).requiresGrad_();
    const w = f64([4, 5, 6]);
    const b = f64([0.5]).requiresGrad_();
    const s = tensor(2, { dtype: 'float64' }).requiresGrad_();
    s.mul(x.mul(w).add(b)).sum().backward();
    expect(b.grad!.toArray()).toEqual([6]); // 2 * 3 elements
    expect(s.grad!.item()).toBe(4 + 10 + 18 + 1.5);
    expect(x.grad!.toArray()).toEqual([8, 10, 12]);
  });

  it('a saved input modified in place after the op is still caught at backward', () => {
    const a = f64([1, 2]).requiresGrad_();
    const b = f64([3, 4]);
    const y = a.mul(b);
    b.addInPlace(1);
    expect(() => y.sum().backward()).toThrow(/input 1 \(shape \[2\]\) saved by 'mul' for its gradient was modified in place \(version 0 at record time, now 1\)/);
    const x = f64([0, 1]).requiresGrad_();
    const e = x.exp();
    noGrad(() => e.addInPlace(1)); // not allowed either: exp saves its output
    expect(() => e.sum().backward()).toThrow(/the output \(shape \[2\]\) of 'exp', saved for its gradient, was modified in place/);
  });

  it('nodes of one, two and three inputs record edges, shapes, dtypes and versions', () => {
    const a = f64([1, 2]).requiresGrad_();
    const b = f64([3, 4]);
    const m = a.mul(b);
    const nm = m.gradFn as GradNode;
    expect(nm.next).toEqual([a, null]);
    expect(nm.inShapes).toEqual([[2], [2]]);
    expect(nm.inDtypes).toEqual(['float64', 'float64']);
    expect(nm.versions).toEqual([0, 0]);
    expect(nm.inputs).toEqual([a, b]);
    const e = m.exp();
    const ne = e.gradFn as GradNode;
    expect(ne.next).toEqual([nm]);
    expect(ne.versions).toEqual([0]); // exp saves only its output
    expect(ne.inputs).toEqual([]);
    const s = a.add(b);
    expect((s.gradFn as GradNode).versions).toBeNull(); // add saves nothing
    const c = cat([a, b, m]);
    const nc = c.gradFn as GradNode;
    expect(nc.next).toEqual([a, null, nm]);
    expect(nc.inShapes).toEqual([[2], [2], [2]]);
    c.sum().backward();
    expect(a.grad!.toArray()).toEqual([1 + 3, 1 + 4]);
  });

  it('a node copies an inputs list it does not own, and keeps one it owns', () => {
    const rule = { saveInputs: true, saveOutput: false, vjp: () => [] };
    const a = f64([1]).requiresGrad_(), b = f64([2]);
    const list = [a, b];
    const copied = new GradNode('custom', rule, null, list, f64([3]));
    const kept = new GradNode('custom', rule, null, list, f64([3]), true);
    list[1] = a;
    expect(copied.inputs).toEqual([a, b]);
    expect(kept.inputs).toBe(list);
    expect(copied.versions).toEqual([0, 0]);
  });
});

describe('leaf-gradient ownership on both paths', () => {
  it('many leaves (the Set path): gradients correct and never aliased', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => f64([i, i + 1]).requiresGrad_());
    const w = f64([2, 3]);
    let acc: Tensor = leaves[0]!.mul(w);
    for (let i = 1; i < leaves.length; i++) acc = acc.add(leaves[i]!.mul(w).mul(i));
    acc.sum().backward();
    leaves.forEach((l, i) => expect(l.grad!.toArray()).toEqual([2 * Math.max(i, 1), 3 * Math.max(i, 1)]));
    const before = leaves.map((l) => Array.from(l.grad!.data()));
    leaves[5]!.grad!.addInPlace(100);
    leaves.forEach((l, i) => { if (i !== 5) expect(Array.from(l.grad!.data())).toEqual(before[i]); });
    expect(w.toArray()).toEqual([2, 3]);
  });

  it('one leaf behind a long graph (a long guarded list): the upstream gradient is still copied', () => {
    const x = f64([1, 2]).requiresGrad_();
    let h: Tensor = x;
    for (let i = 0; i < 3000; i++) h = h.add(0);
    const seed = f64([5, 6]);
    h.backward(seed);
    expect(x.grad!.toArray()).toEqual([5, 6]);
    expect(x.grad!.storage).not.toBe(seed.storage);
    x.grad!.addInPlace(1);
    expect(seed.toArray()).toEqual([5, 6]);
  });

  it('two leaves given the same gradient tensor get separate storage', () => {
    const a = f64([1, 2]).requiresGrad_(), b = f64([3, 4]).requiresGrad_();
    a.add(b).mul(f64([2, 2])).sum().backward();
    expect(a.grad!.toArray()).toEqual([2, 2]);
    expect(b.grad!.toArray()).toEqual([2, 2]);
    expect(a.grad!.storage).not.toBe(b.grad!.storage);
  });
});

describe('expanded gradients in fused kernels', () => {
  it('sum passes back an expanded (stride 0) gradient; the fused exp/sigmoid/tanh kernels read it as one value', () => {
    const v = uniform(10, -2, 2, 9);
    for (const [name, fn, d] of [
      ['exp', (t: Tensor) => t.exp(), (x: number) => Math.exp(x)],
      ['sigmoid', (t: Tensor) => t.sigmoid(), (x: number) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }],
      ['tanh', (t: Tensor) => t.tanh(), (x: number) => 1 - Math.tanh(x) ** 2],
    ] as const) {
      const x = f64(v, [2, 5]).requiresGrad_();
      fn(x).sum().mul(3).backward();
      const g = Array.from(x.grad!.data());
      v.forEach((xv, i) => expect(g[i], name).toBeCloseTo(3 * d(xv), 12));
    }
  });
});
