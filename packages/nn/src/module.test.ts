import { describe, expect, it } from 'vitest';
import { Tensor, tensor, zeros, ones, Generator } from '@gd/tensor';
import { Module, ModuleList, Sequential, parameter, isParameter, cloneStateDict, Linear, ReLU, BatchNorm1d, Dropout } from './index.js';

class Block extends Module {
  scale = parameter(ones([2]));
  inner = new Sequential(new Linear(2, 3, { generator: new Generator(1) }), new ReLU(), new Linear(3, 2, { generator: new Generator(2) }));
  forward(x: Tensor): Tensor {
    return this.inner.forward(x.mul(this.scale));
  }
}

class Net extends Module {
  embed = parameter(zeros([4, 2]));
  layers = new ModuleList([new Block(), new Block()]);
  head = new Linear(2, 1, { generator: new Generator(3) });
  notAParam = zeros([3]); // plain tensors are not registered
  forward(x: Tensor): Tensor {
    let h = x;
    for (const b of this.layers) h = b.forward(h);
    return this.head.forward(h);
  }
}

describe('Module', () => {
  it('lists parameters with dotted names in definition order, own parameters first', () => {
    const names = new Net().namedParameters().map(([n]) => n);
    const block = (i: number) => [`layers.${i}.scale`, `layers.${i}.inner.0.weight`, `layers.${i}.inner.0.bias`, `layers.${i}.inner.2.weight`, `layers.${i}.inner.2.bias`];
    expect(names).toEqual(['embed', ...block(0), ...block(1), 'head.weight', 'head.bias']);
    // stable: a second call and a second instance agree
    expect(new Net().namedParameters().map(([n]) => n)).toEqual(names);
    expect(new Net().parameters().every((p) => isParameter(p) && p.requiresGrad)).toBe(true);
  });

  it('lists a shared parameter once, under its first name', () => {
    class Tied extends Module {
      a = new Linear(3, 3);
      b = new Linear(3, 3);
      constructor() {
        super();
        (this.b as { weight: Tensor }).weight = this.a.weight;
      }
      forward(x: Tensor): Tensor { return this.b.forward(this.a.forward(x)); }
    }
    const names = new Tied().namedParameters().map(([n]) => n);
    expect(names).toEqual(['a.weight', 'a.bias', 'b.bias']);
  });

  it('children, modules and train/eval reach every descendant', () => {
    const net = new Net();
    expect(net.namedChildren().map(([n]) => n)).toEqual(['layers', 'head']);
    expect(net.modules().length).toBe(1 + 1 + 2 * (1 + 1 + 3) + 1);
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('apply visits every module once, children before parents; requiresGrad_ freezes the tree', () => {
    const net = new Net();
    const seen: Module[] = [];
    net.apply((m) => seen.push(m));
    expect(seen.length).toBe(net.modules().length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen[seen.length - 1]).toBe(net);
    expect(seen.indexOf(net.head)).toBeLessThan(seen.indexOf(net));
    net.layers.requiresGrad_(false);
    const frozen = net.namedParameters().filter(([, p]) => !p.requiresGrad).map(([n]) => n);
    expect(frozen.length).toBe(10);
    expect(frozen.every((n) => n.startsWith('layers.'))).toBe(true);
    net.requiresGrad_(true);
    expect(net.parameterCount().frozen).toBe(0);
  });

  it('to(dtype) converts parameters and float buffers, keeps sharing and frozen flags', () => {
    class Tied extends Module {
      a = new Linear(3, 3, { generator: new Generator(1) });
      bn = new BatchNorm1d(3);
      w = this.a.weight; // shared
      forward(x: Tensor): Tensor { return this.bn.forward(this.a.forward(x)); }
    }
    const m = new Tied();
    m.a.bias!.requiresGrad = false;
    const before = m.a.weight.toArray();
    m.to('float64');
    expect(m.parameters().every((p) => p.dtype === 'float64')).toBe(true);
    expect(m.w).toBe(m.a.weight);
    expect(m.a.weight.toArray()).toEqual(before);
    expect(m.a.bias!.requiresGrad).toBe(false);
    expect(m.bn.buffer('running_mean').dtype).toBe('float64');
    expect(m.bn.buffer('num_batches_tracked').dtype).toBe('int32');
    expect(m.forward(ones([4, 3], { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('zeroGrad clears every gradient', () => {
    const net = new Net();
    for (const p of net.parameters()) p.grad = ones(p.shape);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('stateDict includes buffers with PyTorch names, loadStateDict copies in place', () => {
    const a = new Sequential(new Linear(2, 3, { generator: new Generator(5) }), new BatchNorm1d(3));
    const b = new Sequential(new Linear(2, 3, { generator: new Generator(6) }), new BatchNorm1d(3));
    expect(Object.keys(a.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    const wBefore = b.parameters()[0]!;
    const res = b.loadStateDict(a.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.parameters()[0]).toBe(wBefore); // same tensor object, new values
    for (const [k, t] of Object.entries(a.stateDict())) expect(b.stateDict()[k]!.toArray()).toEqual(t.toArray());
  });

  it('strict loading lists missing, unexpected and mismatched keys and leaves the model untouched', () => {
    const m = new Sequential(new Linear(2, 3), new Linear(3, 1));
    const before = cloneStateDict(m.stateDict());
    const bad = cloneStateDict(m.stateDict());
    delete bad['1.bias'];
    bad['extra.weight'] = zeros([1]);
    bad['0.weight'] = zeros([3, 3]);
    bad['0.bias'] = ones([3]);
    let msg = '';
    try { m.loadStateDict(bad); } catch (e) { msg = (e as Error).message; }
    expect(msg).toMatch(/^loadStateDict: /);
    expect(msg).toContain('missing keys: 1.bias');
    expect(msg).toContain('unexpected keys: extra.weight');
    expect(msg).toContain('0.weight: shape [3,3] in the state dict, [3,2] in the model');
    for (const [k, t] of Object.entries(m.stateDict())) expect(t.toArray()).toEqual(before[k]!.toArray());
    // non-strict: mismatched shapes still refused; missing/unexpected reported
    expect(() => m.loadStateDict(bad, { strict: false })).toThrow(/0\.weight: shape/);
    bad['0.weight'] = ones([3, 2]);
    const r = m.loadStateDict(bad, { strict: false });
    expect(r).toEqual({ missingKeys: ['1.bias'], unexpectedKeys: ['extra.weight'] });
    expect(m.stateDict()['0.weight']!.toArray()).toEqual(ones([3, 2]).toArray());
  });

  it('summary shows per-module counts and totals; frozen parameters are counted apart', () => {
    const m = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
    (m.at(0) as Linear).bias!.requiresGrad = false;
    const s = m.summary();
    expect(s).toContain('Total parameters: 58');
    expect(s).toContain('Trainable parameters: 50');
    expect(s).toContain('Frozen parameters: 8');
    expect(s).toMatch(/0\s+Linear\s+weight\[8,4\] bias\[8\] \(frozen\)\s+40/);
    expect(m.parameterCount()).toEqual({ total: 58, trainable: 50, frozen: 8 });
    expect(m.toString()).toContain('(2): Linear(inFeatures=8, outFeatures=2, bias=true)');
  });

  it('refuses plain arrays of modules, which would silently hide their parameters', () => {
    class Bad extends Module {
      blocks = [new Linear(2, 2), new Linear(2, 2)];
      forward(x: Tensor): Tensor { return x; }
    }
    expect(() => new Bad().parameters()).toThrow(/^Bad: field 'blocks' is a plain array of modules or parameters, whose parameters would not be registered; use a ModuleList/);
  });

  it('parameter() refuses integer tensors; ModuleList/Sequential refuse non-modules', () => {
    expect(() => parameter(tensor([1], { dtype: 'int32' }))).toThrow(/^parameter: parameters must be float32 or float64, got int32/);
    expect(() => new Sequential(new ReLU(), 3 as unknown as Module)).toThrow(/^Sequential: argument 1 is not a Module/);
    expect(() => new ModuleList([new ReLU()]).at(3)).toThrow(/^ModuleList.at: index 3 out of range for length 1/);
    expect(() => new Dropout(1.5)).toThrow(/^Dropout: p must be in \[0, 1\], got 1.5/);
  });
});
