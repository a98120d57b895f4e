import { describe, expect, it } from 'vitest';
import { Tensor, ones, tensor, sub, zeros } from '@gd/tensor';
import {
  backward, customFunction, detectAnomaly, enableGrad, grad, gradients, hessian, hvp, isGradEnabled, jacobian,
  noGrad, registerHook, valueAndGrad, zeroGrad, GradNode,
} from './index.js';

const f64 = (x: number | number[] | number[][]) => tensor(x as number[], { dtype: 'float64' });

describe('seed worked example (z = wx + b, a = relu(z), L = (a - y)^2)', () => {
  it('gives dL/dw = 8 and dL/db = 4 at w=3, b=1, x=2, y=5', () => {
    const w = tensor(3).requiresGrad_();
    const b = tensor(1).requiresGrad_();
    const x = tensor(2);
    const y = tensor(5);
    const z = w.mul(x).add(b);
    const a = z.relu();
    const L = a.sub(y).square();
    expect(L.item()).toBe(4); // (relu(7) - 5)^2
    L.backward();
    expect(w.grad!.item()).toBe(8); // 2 (a - y) * x
    expect(b.grad!.item()).toBe(4); // 2 (a - y)
    // One step of gradient descent with lr 0.1 (the seed's next slide) reaches zero loss.
    const w2 = w.item() - 0.1 * w.grad!.item();
    const b2 = b.item() - 0.1 * b.grad!.item();
    expect(w2).toBeCloseTo(2.2, 12);
    expect(b2).toBeCloseTo(0.6, 12);
    expect(tensor(w2).mul(x).add(b2).relu().sub(y).square().item()).toBeCloseTo(0, 10);
  });

  it('the same example through the functional API', () => {
    const loss = (w: Tensor, b: Tensor) => w.mul(2).add(b).relu().sub(5).square().sum();
    const { value, grads } = valueAndGrad(loss, { argnums: [0, 1] })(tensor(3), tensor(1));
    expect(value.item()).toBe(4);
    expect(grads[0]!.item()).toBe(8);
    expect(grads[1]!.item()).toBe(4);
    expect(grad(loss)(tensor(3), tensor(1)).item()).toBe(8);
  });
});

describe('Rosenbrock Hessian via createGraph', () => {
  // f(x, y) = (1 - x)^2 + 100 (y - x^2)^2. Closed form:
  // H = [[2 - 400 (y - x^2) + 800 x^2, -400 x], [-400 x, 200]].
  const rosen = (p: Tensor) => {
    const x = p.select(0, 0);
    const y = p.select(0, 1);
    return sub(1, x).square().add(y.sub(x.square()).square().mul(100));
  };
  const closed = (x: number, y: number) => [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200]];

  it('equals [[1902, 600], [600, 200]] at (-1.5, 2)', () => {
    expect(closed(-1.5, 2)).toEqual([[1902, 600], [600, 200]]);
    const p = f64([-1.5, 2]).requiresGrad_();
    const [g] = gradients(rosen(p), [p], { createGraph: true });
    // gradient closed form: [-2(1-x) - 400 x (y - x^2), 200 (y - x^2)]
    expect(g!.toArray()).toEqual([-2 * 2.5 - 400 * -1.5 * (2 - 2.25), 200 * (2 - 2.25)]);
    const row0 = gradients(g!.select(0, 0), [p], { retainGraph: true })[0]!;
    const row1 = gradients(g!.select(0, 1), [p])[0]!;
    expect([row0.toArray(), row1.toArray()]).toEqual(closed(-1.5, 2));
    expect(hessian(rosen)(f64([-1.5, 2])).toArray()).toEqual([[1902, 600], [600, 200]]);
  });

  it('matches the closed form at other points, and hvp agrees with H v', () => {
    for (const [x, y] of [[0.3, -0.7], [1, 1], [-2, 3.5]] as const) {
      const H = hessian(rosen)(f64([x, y])).toArray() as number[][];
      const C = closed(x, y);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(H[i]![j]).toBeCloseTo(C[i]![j]!, 9);
      const v = [0.5, -2];
      const Hv = hvp(rosen, f64([x, y]), f64(v)).toArray() as number[];
      for (let i = 0; i < 2; i++) expect(Hv[i]).toBeCloseTo(C[i]![0]! * v[0]! + C[i]![1]! * v[1]!, 9);
    }
  });

  it('grad(grad(f)) is the second derivative', () => {
    const f = (x: Tensor) => x.pow(4).sum();
    expect(grad(grad(f))(f64([2])).toArray()).toEqual([48]); // 12 x^2
    expect(grad(grad(grad(f)))(f64([2])).toArray()).toEqual([48]); // 24 x
    const g = (x: Tensor) => x.sin().sum();
    expect(grad(grad(g))(f64([0.7])).item()).toBeCloseTo(-Math.sin(0.7), 14);
  });

  it('grad of a closure over an outer variable stays differentiable in it', () => {
    // d/dx [ d/dy (x*y^2) at y=3 ] = d/dx (6x) = 6
    const outer = (x: Tensor) => grad((y: Tensor) => x.mul(y.square()).sum())(f64([3])).sum();
    expect(grad(outer)(f64([5])).toArray()).toEqual([6]);
  });
});

describe('accumulation, retainGraph, createGraph', () => {
  it('accumulates into .grad across backward calls and zeroGrad clears', () => {
    const x = f64([1, 2]).requiresGrad_();
    x.mul(3).sum().backward();
    x.square().sum().backward();
    expect(x.grad!.toArray()).toEqual([3 + 2, 3 + 4]);
    zeroGrad([x]);
    expect(x.grad).toBeNull();
  });

  it('a tensor used twice gets the sum of both paths', () => {
    const x = f64([2]).requiresGrad_();
    const y = x.mul(x).add(x.exp());
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(4 + Math.exp(2), 14);
  });

  it('backward with an explicit gradient for a non-scalar output', () => {
    const x = f64([1, 2, 3]).requiresGrad_();
    x.square().backward(f64([1, 10, 100]));
    expect(x.grad!.toArray()).toEqual([2, 40, 600]);
  });

  it('.grad never aliases the upstream gradient', () => {
    const x = f64([1, 2]).requiresGrad_();
    const g = f64([5, 6]);
    x.reshape([2, 1]).backward(g.reshape([2, 1]));
    expect(x.grad!.toArray()).toEqual([5, 6]);
    g.mulInPlace(0);
    expect(x.grad!.toArray()).toEqual([5, 6]);
  });

  it('retainGraph allows a second backward', () => {
    const x = f64([3]).requiresGrad_();
    const y = x.square().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.toArray()).toEqual([12]);
  });

  it('plain backward records nothing: gradients do not require grad', () => {
    const x = f64([3]).requiresGrad_();
    x.square().sum().backward();
    expect(x.grad!.requiresGrad).toBe(false);
    expect(x.grad!.gradFn).toBeNull();
  });

  it('createGraph makes .grad differentiable', () => {
    const x = f64([3]).requiresGrad_();
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.requiresGrad).toBe(true);
    expect(g.toArray()).toEqual([27]);
    const [gg] = gradients(g.sum(), [x]);
    expect(gg!.toArray()).toEqual([18]);
  });

  it('the tape holds nothing after backward: every visited node dropped its saved tensors', () => {
    const x = f64([[1, 2], [3, 4]]).requiresGrad_();
    const loss = x.exp().mul(x).sigmoid().sum();
    const nodes: GradNode[] = [];
    const walk = (n: GradNode | null) => {
      if (n === null || nodes.includes(n)) return;
      nodes.push(n);
      for (const e of n.next) if (e instanceof GradNode) walk(e);
    };
    walk(loss.gradFn as GradNode);
    expect(nodes.length).toBe(4);
    expect(nodes.some((n) => n.inputs.length > 0 || n.output !== null)).toBe(true);
    loss.backward();
    for (const n of nodes) {
      expect(n.inputs.length).toBe(0);
      expect(n.output).toBeNull();
      expect(n.attrs).toBeNull();
      expect(n.next.length).toBe(0); // edges cut: keeping the loss keeps one node, not the graph
      expect(n.freed).toBe(true);
    }
  });
});

describe('grad modes', () => {
  it('noGrad records nothing and enableGrad re-enables inside it', () => {
    const w = f64([1]).requiresGrad_();
    const y = noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(noGrad(() => isGradEnabled())).toBe(false);
    const z = noGrad(() => enableGrad(() => w.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });

  it('noGrad restores the mode even when fn throws', () => {
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('detach cuts the graph', () => {
    const x = f64([2]).requiresGrad_();
    const y = x.mul(x.detach());
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([2]);
  });

  it('ops without a gradient (comparisons, sign, floor) are not recorded', () => {
    const x = f64([1.5, -2]).requiresGrad_();
    for (const t of [x.gt(0), x.sign(), x.floor(), x.round(), x.eq(x)]) {
      expect(t.requiresGrad).toBe(false);
      expect(t.gradFn).toBeNull();
    }
  });
});

describe('hooks and retainGrad', () => {
  it('a hook sees the gradient and can replace it (leaf and non-leaf)', () => {
    const x = f64([1, 2]).requiresGrad_();
    const seen: number[][] = [];
    const h = x.registerHook((g) => { seen.push(g.toArray() as number[]); return g.mul(10); });
    const y = x.mul(3);
    registerHook(y, (g) => g.add(1));
    y.sum().backward();
    expect(seen).toEqual([[6, 6]]); // (1 + 1) * 3
    expect(x.grad!.toArray()).toEqual([60, 60]);
    h.remove();
    zeroGrad([x]);
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  it('retainGrad keeps a non-leaf gradient', () => {
    const x = f64([1, 2]).requiresGrad_();
    const y = x.square().retainGrad();
    const z = y.mul(f64([5, 7]));
    z.sum().backward();
    expect(y.grad!.toArray()).toEqual([5, 7]);
    expect(x.grad!.toArray()).toEqual([10, 28]);
    expect(z.grad).toBeNull();
  });

  it('a hook returning the wrong shape is an error naming both shapes', () => {
    const x = f64([1, 2]).requiresGrad_();
    x.registerHook(() => zeros([3], { dtype: 'float64' }));
    expect(() => x.sum().backward()).toThrow('registerHook: a hook returned a gradient of shape [3] for a tensor of shape [2]');
  });
});

describe('custom functions', () => {
  const cube = customFunction({
    name: 'cube',
    forward(ctx, x: Tensor) { ctx.save(x); return x.mul(x).mul(x); },
    backward(ctx, g) { const [x] = ctx.saved; return [g.mul(x!.square()).mul(3)]; },
  });

  it('uses the user backward, and is differentiable twice', () => {
    const x = f64([2, -1]).requiresGrad_();
    const y = cube(x);
    expect(y.toArray()).toEqual([8, -1]);
    expect(y.requiresGrad).toBe(true);
    const [g] = gradients(y.sum(), [x], { createGraph: true });
    expect(g!.toArray()).toEqual([12, 3]);
    expect(gradients(g!.sum(), [x])[0]!.toArray()).toEqual([12, -6]);
  });

  it('a straight-through estimator (identity gradient through round)', () => {
    const ste = customFunction({ name: 'steRound', forward: (_ctx, x: Tensor) => x.round(), backward: (_ctx, g) => [g] });
    const x = f64([0.4, 1.6]).requiresGrad_();
    ste(x).mul(f64([2, 3])).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 3]);
  });

  it('in-place modification of a saved tensor is detected', () => {
    const x0 = f64([2]);
    const w = f64([1]).requiresGrad_();
    const y = cube(w.mul(x0)); // saves w * x0 (a fresh tensor)
    const s = y.sum();
    noGrad(() => (y.gradFn as GradNode).attrs.saved[0].mulInPlace(2));
    expect(() => s.backward()).toThrow(/cube: saved tensor 0 \(shape \[1\]\) was modified in place/);
  });

  it('a wrong number of gradients is an error naming the function', () => {
    const bad = customFunction({ name: 'bad', forward: (_c, a: Tensor, b: Tensor) => a.add(b), backward: (_c, g) => [g] });
    const a = f64([1]).requiresGrad_();
    expect(() => bad(a, f64([2])).sum().backward()).toThrow('bad: backward must return 2 gradient(s)');
  });
});

describe('error paths', () => {
  it('a second backward through a freed graph throws and says how to fix it', () => {
    const x = f64([1, 2]).requiresGrad_();
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward: trying to backward through the graph a second time \(the '.*' node was freed.*retainGraph: true/);
  });

  it('in-place modification of a tensor saved for backward throws naming the op', () => {
    const w = f64([1, 2]).requiresGrad_();
    const x = f64([3, 4]);
    const loss = w.mul(x).sum();
    x.mulInPlace(2);
    expect(() => loss.backward()).toThrow("backward: input 1 (shape [2]) saved by 'mul' for its gradient was modified in place (version 0 at record time, now 1)");
  });

  it('in-place modification of a saved output throws too (exp saves its output)', () => {
    const w = f64([1, 2]).requiresGrad_();
    const y = w.exp();
    const loss = y.sum();
    noGrad(() => y.addInPlace(1));
    expect(() => loss.backward()).toThrow("backward: the output (shape [2]) of 'exp', saved for its gradient, was modified in place");
  });

  it('modifying a tensor an op did not save is fine (add saves nothing)', () => {
    const w = f64([1, 2]).requiresGrad_();
    const x = f64([3, 4]);
    const loss = w.add(x).sum();
    x.mulInPlace(2);
    loss.backward();
    expect(w.grad!.toArray()).toEqual([1, 1]);
  });

  it('backward on a non-scalar without a gradient throws with the shape', () => {
    const x = f64([1, 2]).requiresGrad_();
    expect(() => x.mul(2).backward()).toThrow('backward: a gradient can be created implicitly only for an output with one element; output has shape [2], pass a gradient of that shape');
  });

  it('backward with a gradient of the wrong shape throws', () => {
    const x = f64([1, 2]).requiresGrad_();
    expect(() => x.mul(2).backward(f64([1, 2, 3]))).toThrow('backward: gradient of shape [3] does not match the output\'s shape [2]');
  });

  it('backward on a tensor that does not require grad throws', () => {
    expect(() => f64([1]).sum().backward()).toThrow('backward: output of shape [] does not require grad');
  });

  it('gradients of a tensor that does not require grad throws naming the input', () => {
    const x = f64([1]).requiresGrad_();
    const c = f64([2]);
    expect(() => gradients(x.mul(c).sum(), [x, c])).toThrow('gradients: input 1 (shape [1]) does not require grad');
  });

  it('requiresGrad_ on an int tensor is refused', () => {
    expect(() => tensor([1, 2], { dtype: 'int32' }).requiresGrad_()).toThrow('requiresGrad_: only floating-point tensors');
  });

  it('grad of a function returning a non-scalar throws', () => {
    expect(() => grad((x: Tensor) => x.mul(2))(f64([1, 2]))).toThrow('grad: the function must return a tensor with one element, got shape [2]');
  });

  it('grad with respect to an int argument throws', () => {
    expect(() => grad((x: Tensor) => x.sum())(tensor([1], { dtype: 'int32' }))).toThrow('grad: argument 0 must be a floating-point Tensor');
  });

  it('unused inputs get zero gradients from gradients() and grad()', () => {
    const x = f64([1, 2]).requiresGrad_();
    const y = f64([5]).requiresGrad_();
    const [, gy] = gradients(x.sum(), [x, y]);
    expect(gy!.toArray()).toEqual([0]);
    expect(() => gradients(x.sum(), [x, y], { allowUnused: false })).toThrow('gradients: input 1 (shape [1]) was not used');
    expect(grad((a: Tensor) => ones([1]).sum())(f64([3])).toArray()).toEqual([0]);
  });
});

describe('anomaly mode', () => {
  it('a NaN produced in forward throws naming the op and the creation site in this file', () => {
    const x = f64([-1, 2]).requiresGrad_();
    let err: Error | undefined;
    try {
      detectAnomaly(() => x.log());
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/^anomaly: 'log' produced NaN in forward at flat index 0 of its output of shape \[2\]/);
    expect(err?.message).toContain('engine.test.ts');
  });

  it('a NaN produced in backward throws naming the op', () => {
    // sqrt(0) is fine forward, but its gradient 1 / (2 sqrt(0)) is Infinity.
    const x = f64([0, 4]).requiresGrad_();
    expect(() => detectAnomaly(() => x.sqrt().sum().backward())).toThrow(/^anomaly: backward of 'sqrt' produced Infinity in the gradient of its input 0 \(shape \[2\], flat index 0\)\n  the op was created at:\n.*engine\.test\.ts/);
  });

  it('is off by default: NaN flows silently', () => {
    const x = f64([-1]).requiresGrad_();
    x.sqrt().sum().backward();
    expect(Number.isNaN(x.grad!.item())).toBe(true);
  });
});

describe('more engine behaviour', () => {
  it('backward on a leaf accumulates the seed into its own .grad', () => {
    const x = f64([7]).requiresGrad_();
    x.backward();
    x.backward(f64([2]));
    expect(x.grad!.toArray()).toEqual([3]);
  });

  it('gradients() with respect to an intermediate tensor, several outputs and gradOutputs', () => {
    const x = f64([1, 2]).requiresGrad_();
    const h = x.mul(3); // intermediate
    const y1 = h.square(); // dy1/dh = 2h
    const y2 = h.sum();
    const [gh, gx] = gradients([y1, y2], [h, x], { gradOutputs: [f64([1, 10]), undefined] });
    expect(gh!.toArray()).toEqual([2 * 3 + 1, 2 * 6 * 10 + 1]);
    expect(gx!.toArray()).toEqual([3 * 7, 3 * 121]);
    expect(x.grad).toBeNull(); // gradients() does not touch .grad
  });

  it('gradients() only runs the part of the graph leading to the requested inputs', () => {
    const a = f64([1]).requiresGrad_();
    const b = f64([2]).requiresGrad_();
    let called = 0;
    const spy = customFunction({ name: 'spy', forward: (_c, t: Tensor) => t.mul(1), backward: (_c, g) => { called++; return [g]; } });
    const loss = spy(a).add(b.square()).sum();
    expect(gradients(loss, [b])[0]!.toArray()).toEqual([4]);
    expect(called).toBe(0);
  });

  it('retainGrad accumulates across backward passes like a leaf', () => {
    const x = f64([1]).requiresGrad_();
    const y = x.mul(2).retainGrad();
    const z = y.square().sum();
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(y.grad!.toArray()).toEqual([8]);
    expect(x.grad!.toArray()).toEqual([16]);
  });

  it('hooks also run under createGraph and the result stays differentiable', () => {
    const x = f64([2]).requiresGrad_();
    x.registerHook((g) => g.mul(x)); // scale the gradient by x itself
    x.pow(3).sum().backward(undefined, { createGraph: true });
    expect(x.grad!.toArray()).toEqual([24]); // 3x^2 * x
    // d(3x^3)/dx = 9x^2 = 36, and the hook (still registered) scales it by x again
    expect(gradients(x.grad!.sum(), [x])[0]!.toArray()).toEqual([72]);
  });

  it('registerHook and retainGrad refuse tensors that do not require grad', () => {
    expect(() => f64([1]).registerHook((g) => g)).toThrow('registerHook: tensor of shape [1] does not require grad');
    expect(() => f64([1]).retainGrad()).toThrow('retainGrad: tensor of shape [1] does not require grad');
  });

  it('valueAndGrad works inside noGrad (recording is switched on for the function only)', () => {
    const { value, grads } = noGrad(() => valueAndGrad((x: Tensor) => x.square().sum())(f64([3])));
    expect(value.item()).toBe(9);
    expect(grads.toArray()).toEqual([6]);
    expect(isGradEnabled()).toBe(true);
  });
});

describe('jacobian', () => {
  it('of an elementwise map is diagonal', () => {
    expect(jacobian((x: Tensor) => x.square())(f64([1, 2])).toArray()).toEqual([[2, 0], [0, 4]]);
  });
  it('backward() helper matches tensor.backward()', () => {
    const x = f64([1, 2]).requiresGrad_();
    backward(x.square().sum());
    expect(x.grad!.toArray()).toEqual([2, 4]);
  });
});

describe('tensors in attributes are version-checked too', () => {
  it('modifying a gather index in place before backward throws', async () => {
    const { gather } = await import('@gd/tensor');
    const x = f64([1, 2, 3]).requiresGrad_();
    const idx = tensor([0, 2], { dtype: 'int32' });
    const y = gather(x, 0, idx).sum();
    idx.fillInPlace(1);
    expect(() => y.backward()).toThrow("backward: the index tensor (shape [2]) of 'gather' was modified in place after the op ran (version 0 at record time, now 1)");
  });
});
