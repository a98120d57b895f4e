/**
 * Options the PyTorch fixture does not cover, checked against independent scalar re-implementations
 * of the published algorithms (plain JS numbers, one element at a time), plus the class contract:
 * validation, parameter groups, skipping, zeroGrad, schedulable options and state dicts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, type Tensor } from '@gd/tensor';
import * as O from './index.js';

/** Deterministic pseudo-random numbers in [-1, 1) (a plain LCG, independent of the code under test). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

type Ref = (p: number[], g: number[], t: number) => void; // updates p in place; t = 1-based step

/** Run `steps` steps of an optimizer and of a scalar reference on the same gradient stream. */
function compare(make: (ps: Tensor[]) => O.Optimizer<any>, ref: () => Ref, opts: { n?: number; steps?: number; seed?: number; gradOf?: (p: number[], r: () => number) => number[] } = {}): number {
  const n = opts.n ?? 5, steps = opts.steps ?? 40;
  const r = rng(opts.seed ?? 7);
  const init = Array.from({ length: n }, () => r() * 2);
  const p = tensor(init, { dtype: 'float64', requiresGrad: true });
  const opt = make([p]);
  const refP = init.slice();
  const step = ref();
  let worst = 0;
  for (let t = 1; t <= steps; t++) {
    const g = opts.gradOf ? opts.gradOf(refP, r) : refP.map((x) => 2 * x + r());
    p.grad = tensor(g, { dtype: 'float64' });
    opt.step();
    step(refP, g, t);
    const got = p.data() as Float64Array;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - refP[i]!) / Math.max(1e-12, Math.abs(refP[i]!)));
  }
  return worst;
}

const TOL = 1e-11;

describe('scalar re-implementations (options beyond the fixture)', () => {
  it('SGD: maximize + weightDecay + nesterov momentum', () => {
    const lr = 0.05, mu = 0.8, wd = 0.1;
    const e = compare((ps) => new O.SGD(ps, { lr, momentum: mu, nesterov: true, weightDecay: wd, maximize: true }), () => {
      let b: number[] | null = null;
      return (p, g0) => {
        const g = g0.map((x, i) => -x + wd * p[i]!);
        b = b === null ? g.slice() : b.map((x, i) => mu * x + g[i]!);
        for (let i = 0; i < p.length; i++) p[i]! -= lr * (g[i]! + mu * b[i]!);
      };
    }, { gradOf: (p, r) => p.map((x) => -2 * x + r()) });
    expect(e).toBeLessThan(TOL);
  });

  it('SGD: dampening without nesterov', () => {
    const lr = 0.02, mu = 0.9, damp = 0.5;
    const e = compare((ps) => new O.SGD(ps, { lr, momentum: mu, dampening: damp }), () => {
      let b: number[] | null = null;
      return (p, g) => {
        b = b === null ? g.slice() : b.map((x, i) => mu * x + (1 - damp) * g[i]!);
        for (let i = 0; i < p.length; i++) p[i]! -= lr * b[i]!;
      };
    });
    expect(e).toBeLessThan(TOL);
  });

  function adamRef(lr: number, b1: number, b2: number, eps: number, wd: number, amsgrad: boolean, decoupled: boolean, maximize: boolean): () => Ref {
    return () => {
      let m: number[] | null = null, v: number[] = [], vmax: number[] = [];
      return (p, g0, t) => {
        if (m === null) { m = p.map(() => 0); v = p.map(() => 0); vmax = p.map(() => 0); }
        for (let i = 0; i < p.length; i++) {
          let g = maximize ? -g0[i]! : g0[i]!;
          if (decoupled) p[i]! *= 1 - lr * wd;
          else g += wd * p[i]!;
          m[i] = b1 * m[i]! + (1 - b1) * g;
          v[i] = b2 * v[i]! + (1 - b2) * g * g;
          vmax[i] = Math.max(vmax[i]!, v[i]!);
          const mh = m[i]! / (1 - b1 ** t);
          const vh = (amsgrad ? vmax[i]! : v[i]!) / (1 - b2 ** t);
          p[i]! -= (lr * mh) / (Math.sqrt(vh) + eps);
        }
      };
    };
  }

  it('Adam: maximize + amsgrad + L2 weight decay', () => {
    const e = compare((ps) => new O.Adam(ps, { lr: 0.01, betas: [0.85, 0.995], eps: 1e-7, weightDecay: 0.05, amsgrad: true, maximize: true }),
      adamRef(0.01, 0.85, 0.995, 1e-7, 0.05, true, false, true), { gradOf: (p, r) => p.map((x) => -2 * x + r()) });
    expect(e).toBeLessThan(TOL);
  });

  it('AdamW: maximize, decoupled decay', () => {
    const e = compare((ps) => new O.AdamW(ps, { lr: 0.02, weightDecay: 0.3, maximize: true }),
      adamRef(0.02, 0.9, 0.999, 1e-8, 0.3, false, true, true), { gradOf: (p, r) => p.map((x) => -2 * x + r()) });
    expect(e).toBeLessThan(TOL);
  });

  it('Adagrad: lrDecay, initial accumulator, eps, maximize', () => {
    const lr = 0.1, decay = 0.05, init = 0.3, eps = 1e-3;
    const e = compare((ps) => new O.Adagrad(ps, { lr, lrDecay: decay, initialAccumulatorValue: init, eps, maximize: true }), () => {
      let s: number[] | null = null;
      return (p, g0, t) => {
        s ??= p.map(() => init);
        const clr = lr / (1 + (t - 1) * decay);
        for (let i = 0; i < p.length; i++) {
          const g = -g0[i]!;
          s[i]! += g * g;
          p[i]! -= (clr * g) / (Math.sqrt(s[i]!) + eps);
        }
      };
    }, { gradOf: (p, r) => p.map((x) => -2 * x + r()) });
    expect(e).toBeLessThan(TOL);
  });

  function rmsRef(lr: number, alpha: number, eps: number, wd: number, mu: number, centered: boolean): () => Ref {
    return () => {
      let s: number[] | null = null, ga: number[] = [], b: number[] = [];
      return (p, g0) => {
        if (s === null) { s = p.map(() => 0); ga = p.map(() => 0); b = p.map(() => 0); }
        for (let i = 0; i < p.length; i++) {
          const g = g0[i]! + wd * p[i]!;
          s[i] = alpha * s[i]! + (1 - alpha) * g * g;
          let denom = s[i]!;
          if (centered) { ga[i] = alpha * ga[i]! + (1 - alpha) * g; denom -= ga[i]! * ga[i]!; }
          const d = g / (Math.sqrt(denom) + eps);
          if (mu > 0) { b[i] = mu * b[i]! + d; p[i]! -= lr * b[i]!; } else p[i]! -= lr * d;
        }
      };
    };
  }

  it('RMSprop: centered without momentum', () => {
    expect(compare((ps) => new O.RMSprop(ps, { lr: 0.003, alpha: 0.95, centered: true }), rmsRef(0.003, 0.95, 1e-8, 0, 0, true))).toBeLessThan(TOL);
  });

  it('RMSprop: momentum, weight decay, not centered', () => {
    expect(compare((ps) => new O.RMSprop(ps, { lr: 0.003, momentum: 0.7, weightDecay: 0.02, eps: 1e-6 }), rmsRef(0.003, 0.99, 1e-6, 0.02, 0.7, false))).toBeLessThan(TOL);
  });

  it('Adadelta: eps and maximize', () => {
    const rho = 0.8, eps = 1e-3, lr = 0.7;
    const e = compare((ps) => new O.Adadelta(ps, { lr, rho, eps, maximize: true }), () => {
      let s: number[] | null = null, a: number[] = [];
      return (p, g0) => {
        if (s === null) { s = p.map(() => 0); a = p.map(() => 0); }
        for (let i = 0; i < p.length; i++) {
          const g = -g0[i]!;
          s[i] = rho * s[i]! + (1 - rho) * g * g;
          const d = (Math.sqrt(a[i]! + eps) / Math.sqrt(s[i]! + eps)) * g;
          a[i] = rho * a[i]! + (1 - rho) * d * d;
          p[i]! -= lr * d;
        }
      };
    }, { gradOf: (p, r) => p.map((x) => -2 * x + r()) });
    expect(e).toBeLessThan(TOL);
  });

  it('Adamax: weight decay', () => {
    const lr = 0.01, b1 = 0.8, b2 = 0.99, eps = 1e-8, wd = 0.1;
    const e = compare((ps) => new O.Adamax(ps, { lr, betas: [b1, b2], weightDecay: wd }), () => {
      let m: number[] | null = null, u: number[] = [];
      return (p, g0, t) => {
        if (m === null) { m = p.map(() => 0); u = p.map(() => 0); }
        for (let i = 0; i < p.length; i++) {
          const g = g0[i]! + wd * p[i]!;
          m[i] = b1 * m[i]! + (1 - b1) * g;
          u[i] = Math.max(b2 * u[i]!, Math.abs(g) + eps);
          p[i]! -= (lr / (1 - b1 ** t)) * (m[i]! / u[i]!);
        }
      };
    });
    expect(e).toBeLessThan(TOL);
  });

  it.each([false, true])('NAdam (published formula, PyTorch ≥ 2.0): weight decay (decoupled: %s), momentumDecay', (dec) => {
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = dec ? 0.5 : 0.01, psi = 0.01;
    const e = compare((ps) => new O.NAdam(ps, { lr, weightDecay: wd, momentumDecay: psi, decoupledWeightDecay: dec }), () => {
      let m: number[] | null = null, v: number[] = [], prod = 1;
      return (p, g0, t) => {
        if (m === null) { m = p.map(() => 0); v = p.map(() => 0); }
        const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi)), muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
        prod *= mu;
        for (let i = 0; i < p.length; i++) {
          if (dec) p[i]! *= 1 - lr * wd; // PyTorch ≥ 2.1: param.mul_(1 − lr·wd), grad untouched
          const g = dec ? g0[i]! : g0[i]! + wd * p[i]!;
          m[i] = b1 * m[i]! + (1 - b1) * g;
          v[i] = b2 * v[i]! + (1 - b2) * g * g;
          const denom = Math.sqrt(v[i]! / (1 - b2 ** t)) + eps;
          p[i]! -= (lr * (1 - mu) / (1 - prod)) * g / denom + (lr * muNext / (1 - prod * muNext)) * m[i]! / denom;
        }
      };
    });
    expect(e).toBeLessThan(TOL);
  });

  it.each([false, true])('RAdam: weight decay (decoupled: %s), through the ρₜ > 5 switch', (dec) => {
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = dec ? 0.5 : 0.05;
    const e = compare((ps) => new O.RAdam(ps, { lr, weightDecay: wd, decoupledWeightDecay: dec }), () => {
      let m: number[] | null = null, v: number[] = [];
      const rhoInf = 2 / (1 - b2) - 1;
      return (p, g0, t) => {
        if (m === null) { m = p.map(() => 0); v = p.map(() => 0); }
        const rho = rhoInf - (2 * t * b2 ** t) / (1 - b2 ** t);
        for (let i = 0; i < p.length; i++) {
          if (dec) p[i]! *= 1 - lr * wd;
          const g = dec ? g0[i]! : g0[i]! + wd * p[i]!;
          m[i] = b1 * m[i]! + (1 - b1) * g;
          v[i] = b2 * v[i]! + (1 - b2) * g * g;
          const mh = m[i]! / (1 - b1 ** t);
          if (rho > 5) {
            const rect = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
            p[i]! -= lr * mh * rect * (Math.sqrt(1 - b2 ** t) / (Math.sqrt(v[i]!) + eps));
          } else p[i]! -= lr * mh;
        }
      };
    });
    expect(e).toBeLessThan(TOL);
  });

  it('Rprop: custom etas and step-size bounds, maximize', () => {
    const lr = 0.05, em = 0.3, ep = 1.5, smin = 0.01, smax = 0.2;
    const e = compare((ps) => new O.Rprop(ps, { lr, etas: [em, ep], stepSizes: [smin, smax], maximize: true }), () => {
      let prev: number[] | null = null, st: number[] = [];
      return (p, g0) => {
        if (prev === null) { prev = p.map(() => 0); st = p.map(() => lr); }
        for (let i = 0; i < p.length; i++) {
          let g = -g0[i]!;
          const s = g * prev[i]!;
          if (s > 0) st[i] = Math.min(st[i]! * ep, smax);
          else if (s < 0) { st[i] = Math.max(st[i]! * em, smin); g = 0; }
          p[i]! -= Math.sign(g) * st[i]!;
          prev[i] = g;
        }
      };
    }, { steps: 60, gradOf: (p, r) => p.map((x) => -2 * x + 0.3 * r()) });
    expect(e).toBeLessThan(TOL);
  });

  it('ASGD: averaging starts at t0, lambd, alpha, weight decay (the average too)', () => {
    const lr = 0.05, lambd = 0.01, alpha = 0.6, t0 = 5, wd = 0.02;
    let refAx: number[] = [];
    let optRef: O.ASGD | null = null;
    const e = compare((ps) => (optRef = new O.ASGD(ps, { lr, lambd, alpha, t0, weightDecay: wd })), () => {
      let eta = lr, mu = 1;
      return (p, g0, t) => {
        if (refAx.length === 0) refAx = p.map(() => 0);
        for (let i = 0; i < p.length; i++) {
          const g = g0[i]! + wd * p[i]!;
          p[i] = p[i]! * (1 - lambd * eta) - eta * g;
          refAx[i] = mu !== 1 ? refAx[i]! + mu * (p[i]! - refAx[i]!) : p[i]!;
        }
        eta = lr / (1 + lambd * lr * t) ** alpha;
        mu = 1 / Math.max(1, t - t0);
      };
    });
    expect(e).toBeLessThan(TOL);
    const ax = ((optRef!.state[0] as unknown[])[1] as O.AsgdState).ax[0]!.data() as Float64Array;
    refAx.forEach((v, i) => expect(Math.abs(ax[i]! - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v))));
  });

  it('Lion: sign update with decoupled weight decay (Chen et al. 2023, Alg. 2)', () => {
    const lr = 0.01, b1 = 0.9, b2 = 0.99, wd = 0.5;
    const e = compare((ps) => new O.Lion(ps, { lr, betas: [b1, b2], weightDecay: wd }), () => {
      let m: number[] | null = null;
      return (p, g) => {
        m ??= p.map(() => 0);
        for (let i = 0; i < p.length; i++) {
          const c = b1 * m[i]! + (1 - b1) * g[i]!;
          p[i] = p[i]! - lr * (Math.sign(c) + wd * p[i]!);
          m[i] = b2 * m[i]! + (1 - b2) * g[i]!;
        }
      };
    });
    expect(e).toBeLessThan(TOL);
  });

  it('Lookahead(SGD): slow weights every k steps', () => {
    const lr = 0.1, k = 3, alpha = 0.4;
    const e = compare((ps) => new O.Lookahead(new O.SGD(ps, { lr }), { k, alpha }) as unknown as O.Optimizer<any>, () => {
      let slow: number[] | null = null;
      return (p, g, t) => {
        slow ??= p.slice();
        for (let i = 0; i < p.length; i++) p[i]! -= lr * g[i]!;
        if (t % k === 0) for (let i = 0; i < p.length; i++) { slow[i] = slow[i]! + alpha * (p[i]! - slow[i]!); p[i] = slow[i]!; }
      };
    });
    expect(e).toBeLessThan(TOL);
  });

  it('the lookahead() transformation equals the Lookahead class', () => {
    const r = rng(3);
    const a = tensor([1, -2, 0.5], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1, -2, 0.5], { dtype: 'float64' });
    const opt = new O.Lookahead(new O.SGD([a], { lr: 0.1, momentum: 0.5 }), { k: 4, alpha: 0.5 });
    const tx = O.lookahead(O.sgd({ lr: 0.1, momentum: 0.5 }), { k: 4, alpha: 0.5 });
    let s = tx.init([b]);
    for (let t = 0; t < 13; t++) {
      const g = Array.from({ length: 3 }, () => r());
      a.grad = tensor(g, { dtype: 'float64' });
      opt.step();
      const [u, ns] = tx.update([tensor(g, { dtype: 'float64' })], s, [b]);
      s = ns;
      O.applyUpdates([b], u);
      const x = a.data() as Float64Array, y = b.data() as Float64Array;
      for (let i = 0; i < 3; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-14);
    }
  });
});

describe('maximize', () => {
  it('every optimizer: maximize on g steps exactly as minimizing with −g (weight decay included)', () => {
    const all: [string, (ps: Tensor[], maximize: boolean) => O.Optimizer<any>][] = [
      ['SGD', (ps, maximize) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1, maximize })],
      ['Adam', (ps, maximize) => new O.Adam(ps, { lr: 0.05, amsgrad: true, weightDecay: 0.1, maximize })],
      ['AdamW', (ps, maximize) => new O.AdamW(ps, { lr: 0.05, maximize })],
      ['Adamax', (ps, maximize) => new O.Adamax(ps, { weightDecay: 0.1, maximize })],
      ['NAdam', (ps, maximize) => new O.NAdam(ps, { weightDecay: 0.1, maximize })],
      ['RAdam', (ps, maximize) => new O.RAdam(ps, { weightDecay: 0.1, decoupledWeightDecay: true, maximize })],
      ['Adagrad', (ps, maximize) => new O.Adagrad(ps, { lrDecay: 0.1, weightDecay: 0.1, maximize })],
      ['RMSprop', (ps, maximize) => new O.RMSprop(ps, { centered: true, momentum: 0.5, weightDecay: 0.1, maximize })],
      ['Adadelta', (ps, maximize) => new O.Adadelta(ps, { weightDecay: 0.1, maximize })],
      ['Rprop', (ps, maximize) => new O.Rprop(ps, { maximize })],
      ['ASGD', (ps, maximize) => new O.ASGD(ps, { t0: 2, weightDecay: 0.1, maximize })],
      ['Lion', (ps, maximize) => new O.Lion(ps, { lr: 0.01, weightDecay: 0.1, maximize })],
    ];
    fc.assert(fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 12 }), (which, seed, steps) => {
      const [, make] = all[which]!;
      const r = rng(seed);
      const init = Array.from({ length: 3 }, () => r());
      const grads = Array.from({ length: steps }, () => init.map(() => r()));
      const a = tensor(init, { dtype: 'float64', requiresGrad: true }), b = tensor(init, { dtype: 'float64', requiresGrad: true });
      const oa = make([a], true), ob = make([b], false);
      for (const g of grads) {
        a.grad = tensor(g, { dtype: 'float64' }); oa.step();
        b.grad = tensor(g.map((x) => -x), { dtype: 'float64' }); ob.step();
      }
      expect(Array.from(a.data())).toEqual(Array.from(b.data()));
      expect(Array.from(a.data())).not.toEqual(init);
    }), { numRuns: 60 });
  });
});

describe('float32 parameters (plain arithmetic path, float32 state)', () => {
  it.each([
    ['SGD nesterov + weight decay', (ps: Tensor[]) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam amsgrad', (ps: Tensor[]) => new O.Adam(ps, { lr: 0.01, amsgrad: true })],
    ['AdamW', (ps: Tensor[]) => new O.AdamW(ps, { lr: 0.01 })],
    ['RMSprop centered', (ps: Tensor[]) => new O.RMSprop(ps, { lr: 0.01, centered: true })],
  ] as const)('%s follows its float64 twin within float32 precision', (_n, make) => {
    const r = rng(5);
    const init = Array.from({ length: 6 }, () => r());
    const a = tensor(init, { dtype: 'float32', requiresGrad: true });
    const b = tensor(Array.from(a.data() as Float32Array), { dtype: 'float64', requiresGrad: true });
    const oa = make([a]), ob = make([b]);
    for (let t = 0; t < 30; t++) {
      const g = init.map(() => r());
      a.grad = tensor(g, { dtype: 'float32' });
      b.grad = tensor(Array.from(a.grad.data() as Float32Array), { dtype: 'float64' });
      oa.step(); ob.step();
    }
    expect(a.dtype).toBe('float32');
    const x = a.data() as Float32Array, y = b.data() as Float64Array;
    for (let i = 0; i < 6; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(y[i]!)));
  });
});

describe('momentum written as in the seeds', () => {
  // A random convex quadratic J(θ) = ½ Σ aᵢ(θᵢ − cᵢ)², ∇J = a ∘ (θ − c).
  const quad = (seed: number) => {
    const r = rng(seed);
    const a = Array.from({ length: 4 }, () => 0.5 + Math.abs(r()) * 2), c = Array.from({ length: 4 }, () => r() * 3);
    return { a, c, grad: (th: number[]) => th.map((x, i) => a[i]! * (x - c[i]!)) };
  };

  it('v ← γv + η∇J, θ ← θ − v  ≡  PyTorch SGD(lr=η, momentum=γ)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0.01, max: 0.2, noNaN: true }), fc.double({ min: 0, max: 0.95, noNaN: true }), (seed, eta, gamma) => {
      const q = quad(seed);
      const th = [0, 0, 0, 0], v = [0, 0, 0, 0];
      const p = tensor(th, { dtype: 'float64', requiresGrad: true });
      const opt = new O.SGD([p], { lr: eta, momentum: gamma });
      for (let t = 0; t < 30; t++) {
        const g = q.grad(th);
        for (let i = 0; i < 4; i++) { v[i] = gamma * v[i]! + eta * g[i]!; th[i]! -= v[i]!; }
        p.grad = tensor(q.grad(Array.from(p.data() as Float64Array)), { dtype: 'float64' });
        opt.step();
      }
      const got = p.data() as Float64Array;
      for (let i = 0; i < 4; i++) expect(Math.abs(got[i]! - th[i]!)).toBeLessThan(1e-10 * (1 + Math.abs(th[i]!)));
    }), { numRuns: 50 });
  });

  it('EMA m ← βm + (1−β)∇J, θ ← θ − αm  ≡  PyTorch SGD(lr=α(1−β), momentum=β)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0.05, max: 0.5, noNaN: true }), fc.double({ min: 0.1, max: 0.95, noNaN: true }), (seed, alpha, beta) => {
      const q = quad(seed);
      const th = [0, 0, 0, 0], m = [0, 0, 0, 0];
      const p = tensor(th, { dtype: 'float64', requiresGrad: true });
      const opt = new O.SGD([p], { lr: alpha * (1 - beta), momentum: beta });
      for (let t = 0; t < 30; t++) {
        const g = q.grad(th);
        for (let i = 0; i < 4; i++) { m[i] = beta * m[i]! + (1 - beta) * g[i]!; th[i]! -= alpha * m[i]!; }
        p.grad = tensor(q.grad(Array.from(p.data() as Float64Array)), { dtype: 'float64' });
        opt.step();
      }
      const got = p.data() as Float64Array;
      for (let i = 0; i < 4; i++) expect(Math.abs(got[i]! - th[i]!)).toBeLessThan(1e-10 * (1 + Math.abs(th[i]!)));
    }), { numRuns: 50 });
  });
});

describe('construction-time validation', () => {
  const w = () => tensor([1, 2], { requiresGrad: true });
  it.each([
    ['negative lr', () => new O.SGD([w()], { lr: -0.1 }), RangeError, /SGD: invalid lr -0.1/],
    ['beta1 = 1', () => new O.Adam([w()], { betas: [1, 0.999] }), RangeError, /Adam: invalid betas \[1, 0.999\]/],
    ['beta2 < 0', () => new O.AdamW([w()], { betas: [0.9, -0.1] }), RangeError, /AdamW: invalid betas \[0.9, -0.1\]/],
    ['eps = 0', () => new O.Adam([w()], { eps: 0 }), RangeError, /Adam: invalid eps 0/],
    ['eps < 0', () => new O.RMSprop([w()], { eps: -1e-8 }), RangeError, /RMSprop: invalid eps -1e-8/],
    ['NaN lr', () => new O.Adagrad([w()], { lr: NaN }), RangeError, /Adagrad: invalid lr NaN/],
    ['negative weight decay', () => new O.Adamax([w()], { weightDecay: -1 }), RangeError, /Adamax: invalid weightDecay -1/],
    ['nesterov without momentum', () => new O.SGD([w()], { lr: 0.1, nesterov: true }), RangeError, /SGD: nesterov momentum requires momentum > 0/],
    ['Rprop etas', () => new O.Rprop([w()], { etas: [1.2, 0.5] }), RangeError, /Rprop: invalid etas \[1.2, 0.5\]/],
    ['unknown option', () => new O.Adam([w()], { learningRate: 0.1 } as never), TypeError, /Adam: unknown option "learningRate"/],
    ['a Set of params', () => new O.Adam(new Set([w()])), TypeError, /Adam: params must be an ordered collection .*Set/],
    ['empty params', () => new O.SGD([], { lr: 0.1 }), RangeError, /SGD: got an empty parameter list/],
    ['int params', () => new O.SGD([tensor([1, 2], { dtype: 'int32' })], { lr: 0.1 }), TypeError, /SGD: parameter 0 has dtype int32/],
    ['LBFGS lineSearchFn', () => new O.LBFGS([w()], { lineSearchFn: 'armijo' as never }), RangeError, /LBFGS: invalid lineSearchFn "armijo"/],
  ] as const)('%s', (_name, f, E, msg) => {
    expect(f).toThrow(E);
    expect(f).toThrow(msg);
  });

  it('every optimizer refuses a negative lr, eps ≤ 0, betas outside [0, 1), a duplicate and a Set, naming option and value', () => {
    const all: [string, new (ps: any, o?: any) => unknown, string[]][] = [
      ['SGD', O.SGD, []], ['Adam', O.Adam, ['eps', 'betas']], ['AdamW', O.AdamW, ['eps', 'betas']], ['Adamax', O.Adamax, ['eps', 'betas']],
      ['NAdam', O.NAdam, ['eps', 'betas']], ['RAdam', O.RAdam, ['eps', 'betas']], ['Adagrad', O.Adagrad, ['eps']], ['RMSprop', O.RMSprop, ['eps']],
      ['Adadelta', O.Adadelta, ['eps']], ['Rprop', O.Rprop, []], ['ASGD', O.ASGD, []], ['Lion', O.Lion, ['betas']], ['LBFGS', O.LBFGS, []],
    ];
    for (const [name, C, has] of all) {
      const base = name === 'SGD' ? { lr: 0.1 } : {};
      const expectThrow = (f: () => unknown, E: ErrorConstructor, msg: string) => {
        let err: unknown = null;
        try { f(); } catch (e) { err = e; }
        expect(err, `${name}: ${msg}`).toBeInstanceOf(E);
        expect((err as Error).message.startsWith(`${name}: ${msg}`), (err as Error).message).toBe(true);
      };
      expectThrow(() => new C([w()], { ...base, lr: -0.5 }), RangeError, 'invalid lr -0.5');
      expectThrow(() => new C([{ params: [w()], lr: -0.5 }], base), RangeError, 'invalid lr -0.5');
      if (has.includes('eps')) {
        expectThrow(() => new C([w()], { ...base, eps: 0 }), RangeError, 'invalid eps 0');
        expectThrow(() => new C([w()], { ...base, eps: -1e-3 }), RangeError, 'invalid eps -0.001');
      }
      if (has.includes('betas')) {
        for (const b of [[1, 0.9], [0.9, 1], [-0.1, 0.9], [0.9, 1.5]]) expectThrow(() => new C([w()], { ...base, betas: b }), RangeError, `invalid betas [${b.join(', ')}]`);
      }
      const a = w();
      expectThrow(() => new C([a, w(), a], base), RangeError, 'duplicated parameter (index 2, shape [2])');
      expectThrow(() => new C(new Set([w()]), base), TypeError, 'params must be an ordered collection');
      expect(() => new C([w()], base)).not.toThrow();
    }
  });

  it('a duplicated parameter, within and across groups', () => {
    const a = w();
    expect(() => new O.SGD([a, a], { lr: 0.1 })).toThrow(/SGD: duplicated parameter \(index 1, shape \[2\]\)/);
    const opt = new O.SGD([a], { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: [w(), a] })).toThrow(RangeError);
  });

  it('a gradient of the wrong shape, L-BFGS misuse', () => {
    const p = w();
    const opt = new O.SGD([p], { lr: 0.1 });
    p.grad = tensor([1, 2, 3]);
    expect(() => opt.step()).toThrow(/SGD.step: gradient of shape \[3\] does not match parameter 0 of shape \[2\]/);
    const lb = new O.LBFGS([w()]);
    expect(() => lb.step()).toThrow(/LBFGS.step: a closure returning the loss is required/);
    expect(() => lb.addParamGroup({ params: [w()] })).toThrow(/LBFGS: doesn't support per-parameter options/);
    expect(() => new O.LBFGS([w()], { maxIter: 0 })).toThrow(/LBFGS: invalid maxIter 0/);
  });

  it('a schedule-valued option is checked when evaluated', () => {
    const p = w();
    const opt = new O.SGD([p], { lr: () => NaN });
    p.grad = tensor([1, 1]);
    expect(() => opt.step()).toThrow(/SGD: option lr evaluated to NaN at step 0/);
  });

  it('scheduled or rewritten options obey the construction rules when evaluated (no silent ascent or division by 0)', () => {
    const cases: [string, (p: Tensor) => O.Optimizer<any>, RegExp][] = [
      ['lr schedule < 0', (p) => new O.SGD([p], { lr: (t) => 0.1 - 0.1 * t }), /SGD: option lr evaluated to -0.1 at step 2 \(expected lr >= 0\)/],
      ['group.lr rewritten < 0', (p) => { const o = new O.Adam([p]); o.paramGroups[0]!.lr = -5; return o; }, /Adam: option lr evaluated to -5 at step 0/],
      ['eps schedule reaching 0', (p) => new O.Adam([p], { eps: (t) => 1e-8 * (1 - t) }), /Adam: option eps evaluated to 0 at step 1 \(expected eps > 0\)/],
      ['beta1 schedule reaching 1', (p) => new O.AdamW([p], { betas: [(t) => 0.9 + 0.1 * t, 0.999] }), /AdamW: option betas\[0\] evaluated to 1 at step 1 \(expected betas in \[0, 1\)\)/],
      ['momentum schedule < 0', (p) => new O.SGD([p], { lr: 0.1, momentum: (t) => 0.5 - t }), /SGD: option momentum evaluated to -0.5 at step 1/],
      ['weightDecay rewritten < 0', (p) => { const o = new O.Lion([p]); o.paramGroups[0]!.weightDecay = -1; return o; }, /Lion: option weightDecay evaluated to -1 at step 0/],
      ['rho rewritten > 1', (p) => { const o = new O.Adadelta([p]); o.paramGroups[0]!.rho = 2; return o; }, /Adadelta: option rho evaluated to 2 at step 0/],
    ];
    for (const [name, make, msg] of cases) {
      const p = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
      const opt = make(p);
      let err: unknown = null;
      try { for (let t = 0; t < 5; t++) { p.grad = tensor([1, 1], { dtype: 'float64' }); opt.step(); } } catch (e) { err = e; }
      expect(err, name).toBeInstanceOf(RangeError);
      expect((err as Error).message, name).toMatch(msg);
    }
  });
});

describe('groups, skipping, zeroGrad, schedulable options', () => {
  it('per-group options and addParamGroup', () => {
    const a = tensor([1], { dtype: 'float64', requiresGrad: true }), b = tensor([1], { dtype: 'float64', requiresGrad: true }), c = tensor([1], { dtype: 'float64', requiresGrad: true });
    const opt = new O.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    opt.addParamGroup({ params: [c], lr: 0.01 });
    for (const p of [a, b, c]) p.grad = tensor([2], { dtype: 'float64' });
    opt.step();
    expect([a.item(), b.item(), c.item()]).toEqual([1 - 0.2, 1 - 1, 1 - 0.02]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5, 0.01]);
  });

  it('parameters with null grad (requiresGrad = false) are skipped and keep their state', () => {
    const a = tensor([1, 1], { dtype: 'float64', requiresGrad: true });
    const frozen = tensor([5, 5], { dtype: 'float64' });
    const opt = new O.Adam([a, frozen], { lr: 0.1 });
    a.grad = tensor([1, -1], { dtype: 'float64' });
    opt.step();
    expect(Array.from(frozen.data())).toEqual([5, 5]);
    const st = (opt.state[0] as unknown[])[1] as O.AdamState; // [decay, adam, lr]
    expect(st.count).toEqual([1, 0]);
    expect(Array.from(st.mu[1]!.data())).toEqual([0, 0]);
    // Adam's first step moves each element by lr (m̂/√v̂ = ±1)
    expect(Array.from(a.data()).map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0.9, 1.1]);
  });

  it('zeroGrad: null by default, zeros with setToNone=false', () => {
    const a = tensor([1, 1], { requiresGrad: true });
    const opt = new O.SGD([a], { lr: 0.1 });
    a.grad = tensor([3, 4]);
    opt.zeroGrad(false);
    expect(Array.from(a.grad!.data())).toEqual([0, 0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('step(closure) returns the loss and uses the gradients it sets', () => {
    const a = tensor([3], { dtype: 'float64', requiresGrad: true });
    const opt = new O.SGD([a], { lr: 0.25 });
    const loss = opt.step(() => { a.grad = tensor([2 * a.item()], { dtype: 'float64' }); return a.item() ** 2; });
    expect(loss).toBe(9);
    expect(a.item()).toBe(1.5);
  });

  it('momentum and weight decay given as schedules follow a scalar re-implementation', () => {
    const mom = (t: number) => Math.min(0.9, 0.1 * (t + 1));
    const wd = (t: number) => 0.1 / (t + 1);
    const lr = 0.05;
    const e = compare((ps) => new O.SGD(ps, { lr, momentum: mom, weightDecay: wd }), () => {
      let b: number[] | null = null;
      return (p, g0, t) => {
        const g = g0.map((x, i) => x + wd(t - 1) * p[i]!);
        b = b === null ? g.slice() : b.map((x, i) => mom(t - 1) * x + g[i]!);
        for (let i = 0; i < p.length; i++) p[i]! -= lr * b[i]!;
      };
    });
    expect(e).toBeLessThan(TOL);
  });

  it('changing group.lr between steps takes effect (what schedulers do)', () => {
    const a = tensor([0], { dtype: 'float64', requiresGrad: true });
    const opt = new O.Adagrad([a], { lr: 1 });
    a.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    const x1 = a.item();
    opt.paramGroups[0]!.lr = 0;
    opt.step();
    expect(a.item()).toBe(x1);
  });
});

describe('state dicts', () => {
  const makers: [string, (ps: Tensor[]) => O.Optimizer<any>][] = [
    ['SGD', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
    ['Adam', (ps) => new O.Adam(ps, { lr: 0.05, amsgrad: true })],
    ['AdamW', (ps) => new O.AdamW(ps, { lr: 0.05 })],
    ['Adagrad', (ps) => new O.Adagrad(ps, { lr: 0.05, lrDecay: 0.1 })],
    ['RMSprop', (ps) => new O.RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
    ['Adadelta', (ps) => new O.Adadelta(ps)],
    ['Adamax', (ps) => new O.Adamax(ps)],
    ['NAdam', (ps) => new O.NAdam(ps)],
    ['RAdam', (ps) => new O.RAdam(ps)],
    ['NAdam decoupled', (ps) => new O.NAdam(ps, { weightDecay: 0.1, decoupledWeightDecay: true })],
    ['RAdam decoupled', (ps) => new O.RAdam(ps, { weightDecay: 0.1, decoupledWeightDecay: true })],
    ['Adamax, weight decay', (ps) => new O.Adamax(ps, { weightDecay: 0.1 })],
    ['Rprop', (ps) => new O.Rprop(ps)],
    ['ASGD', (ps) => new O.ASGD(ps, { t0: 2 })],
    ['Lion', (ps) => new O.Lion(ps, { lr: 0.01, weightDecay: 0.1 })],
  ];

  it('k steps, save (through JSON), load into a fresh optimizer, continue ≡ never stopped', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: makers.length - 1 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 6 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 1e6 }),
      (which, k, more, shape, seed) => {
        const [, make] = makers[which]!;
        const r = rng(seed);
        const n = shape.reduce((a, b) => a * b, 1);
        const init = Array.from({ length: n }, () => r());
        const grads = Array.from({ length: k + more }, () => Array.from({ length: n }, () => r()));
        const run = (p: Tensor, opt: O.Optimizer<any>, from: number, to: number) => {
          for (let t = from; t < to; t++) { p.grad = tensor(grads[t]!, { dtype: 'float64', shape }); opt.step(); }
        };
        const a = tensor(init, { dtype: 'float64', shape, requiresGrad: true });
        const oa = make([a]);
        run(a, oa, 0, k + more);
        const b = tensor(init, { dtype: 'float64', shape, requiresGrad: true });
        const ob = make([b]);
        run(b, ob, 0, k);
        const saved = JSON.parse(JSON.stringify(ob.stateDict()));
        const c = tensor(Array.from(b.data() as Float64Array), { dtype: 'float64', shape, requiresGrad: true });
        const oc = make([c]);
        oc.loadStateDict(saved);
        run(c, oc, k, k + more);
        expect(Array.from(c.data())).toEqual(Array.from(a.data()));
      }), { numRuns: 60 });
  });

  it('L-BFGS state dict resumes the same iterates', () => {
    const closureFor = (p: Tensor) => () => {
      const [x, y] = p.data() as Float64Array;
      const d = y! - x! * x!;
      p.grad = tensor([-(2 * (1 - x!)) - 400 * d * x!, 200 * d], { dtype: 'float64' });
      return (1 - x!) ** 2 + 100 * d * d;
    };
    const a = tensor([-1.2, 1], { dtype: 'float64', requiresGrad: true });
    const oa = new O.LBFGS([a], { maxIter: 3, historySize: 4 });
    for (let i = 0; i < 4; i++) oa.step(closureFor(a));
    const b = tensor([-1.2, 1], { dtype: 'float64', requiresGrad: true });
    const ob = new O.LBFGS([b], { maxIter: 3, historySize: 4 });
    for (let i = 0; i < 2; i++) ob.step(closureFor(b));
    const c = tensor(Array.from(b.data() as Float64Array), { dtype: 'float64', requiresGrad: true });
    const oc = new O.LBFGS([c], { maxIter: 3, historySize: 4 });
    oc.loadStateDict(JSON.parse(JSON.stringify(ob.stateDict())));
    for (let i = 0; i < 2; i++) oc.step(closureFor(c));
    expect(Array.from(c.data())).toEqual(Array.from(a.data()));
  });

  it('L-BFGS gives the same iterates for parameters that own their storage and for views (float64 and float32)', () => {
    // f(u, v) = Σ (1 − uᵢ)² + 100 (vᵢ − uᵢ²)² over u = p0 [2], v = p1 [2]: two parameters, gradients set by hand.
    const closureFor = (ps: Tensor[], dtype: 'float32' | 'float64') => () => {
      const u = Array.from(ps[0]!.data()), v = Array.from(ps[1]!.data());
      let f = 0;
      const gu = [0, 0], gv = [0, 0];
      for (let i = 0; i < 2; i++) {
        const d = v[i]! - u[i]! * u[i]!;
        f += (1 - u[i]!) ** 2 + 100 * d * d;
        gu[i] = -2 * (1 - u[i]!) - 400 * d * u[i]!;
        gv[i] = 200 * d;
      }
      ps[0]!.grad = tensor(gu, { dtype });
      ps[1]!.grad = tensor(gv, { dtype });
      return f;
    };
    for (const dtype of ['float64', 'float32'] as const) {
      for (const lineSearchFn of [null, 'strongWolfe'] as const) {
        const owned = [tensor([-1.2, 0.5], { dtype, requiresGrad: true }), tensor([1, 0.3], { dtype, requiresGrad: true })];
        // the same values as views into larger buffers (offset ≠ 0, a stepped layout), so L-BFGS must write through the view
        const big0 = tensor([7, -1.2, 7, 0.5], { dtype }), big1 = tensor([1, 0.3, 7], { dtype });
        const views = [big0.slice([1, 4, 2]).detach().requiresGrad_(), big1.narrow(0, 0, 2).detach().requiresGrad_()];
        const oa = new O.LBFGS(owned, { maxIter: 8, historySize: 5, lineSearchFn });
        const ob = new O.LBFGS(views, { maxIter: 8, historySize: 5, lineSearchFn });
        const v0 = owned[0]!.version;
        const f0 = closureFor(owned, dtype)();
        for (let i = 0; i < 3; i++) { oa.step(closureFor(owned, dtype)); ob.step(closureFor(views, dtype)); }
        expect(owned[0]!.version).toBeGreaterThan(v0); // in-place writes are visible to autograd's stale-tensor check
        for (let k = 0; k < 2; k++) expect(Array.from(views[k]!.data())).toEqual(Array.from(owned[k]!.data()));
        expect(Array.from(big0.data())).toEqual([7, owned[0]!.data()[0], 7, owned[0]!.data()[1]]);
        expect(big1.data()[2]).toBe(7);
        expect(oa.counters).toEqual(ob.counters);
        // and it made progress
        expect(closureFor(owned, dtype)()).toBeLessThan(f0 / 2);
      }
    }
  });

  it('schedule-valued options are left out of the state dict and kept on load', () => {
    const mk = () => new O.Adam([tensor([1, 2], { dtype: 'float64', requiresGrad: true })], { lr: (t: number) => 0.1 / (t + 1), betas: [(t: number) => (t < 2 ? 0.5 : 0.9), 0.999] });
    const a = mk();
    a.paramGroups[0]!.params[0]!.grad = tensor([1, -1], { dtype: 'float64' });
    a.step();
    const sd = JSON.parse(JSON.stringify(a.stateDict()));
    expect(sd.paramGroups[0].lr).toBeUndefined();
    expect(sd.paramGroups[0].betas).toEqual([null, 0.999]);
    const b = mk();
    b.loadStateDict(sd);
    expect(typeof b.paramGroups[0]!.lr).toBe('function');
    expect(typeof b.paramGroups[0]!.betas[0]).toBe('function');
  });

  it('Lookahead state dict resumes the same iterates (slow weights and phase included)', () => {
    const r = rng(9);
    const grads = Array.from({ length: 12 }, () => [r(), r()]);
    const mk = (p: Tensor) => new O.Lookahead(new O.Adam([p], { lr: 0.05 }), { k: 3, alpha: 0.5 });
    const run = (p: Tensor, o: O.Lookahead, from: number, to: number) => {
      for (let t = from; t < to; t++) { p.grad = tensor(grads[t]!, { dtype: 'float64' }); o.step(); }
    };
    const a = tensor([1, -1], { dtype: 'float64', requiresGrad: true });
    run(a, mk(a), 0, 12);
    const b = tensor([1, -1], { dtype: 'float64', requiresGrad: true });
    const ob = mk(b);
    run(b, ob, 0, 7);
    const c = tensor(Array.from(b.data() as Float64Array), { dtype: 'float64', requiresGrad: true });
    const oc = mk(c);
    oc.loadStateDict(JSON.parse(JSON.stringify(ob.stateDict())));
    run(c, oc, 7, 12);
    expect(Array.from(c.data())).toEqual(Array.from(a.data()));
  });

  it('refuses a state dict with a different group layout', () => {
    const opt = new O.Adam([tensor([1], { requiresGrad: true })]);
    const two = new O.Adam([tensor([1], { requiresGrad: true }), tensor([2], { requiresGrad: true })]);
    expect(() => opt.loadStateDict(two.stateDict())).toThrow(/Adam.loadStateDict: group 0 has 2 parameters in the state dict, 1 in the optimizer/);
  });
});

describe('pure transformations', () => {
  it('recipes match the classes, and their state survives JSON', () => {
    const pairs: [O.GradientTransformation<unknown>, (ps: Tensor[]) => O.Optimizer<any>][] = [
      [O.sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 }), (ps) => new O.SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
      [O.adam({ lr: 0.01, weightDecay: 0.01 }), (ps) => new O.Adam(ps, { lr: 0.01, weightDecay: 0.01 })],
      [O.adamw({ lr: 0.01, weightDecay: 0.1 }), (ps) => new O.AdamW(ps, { lr: 0.01, weightDecay: 0.1 })],
      [O.lion({ lr: 0.01 }), (ps) => new O.Lion(ps, { lr: 0.01 })],
    ];
    for (const [tx, make] of pairs) {
      const r = rng(11);
      const init = [0.5, -1, 2];
      const a = tensor(init, { dtype: 'float64', requiresGrad: true });
      const opt = make([a]);
      const b = tensor(init, { dtype: 'float64' });
      let s = tx.init([b]);
      for (let t = 0; t < 20; t++) {
        const g = init.map(() => r());
        a.grad = tensor(g, { dtype: 'float64' });
        opt.step();
        const [u, ns] = tx.update([tensor(g, { dtype: 'float64' })], s, [b]);
        s = O.stateFromJSON(JSON.parse(JSON.stringify(O.stateToJSON(ns))));
        O.applyUpdates([b], u);
      }
      const x = a.data() as Float64Array, y = b.data() as Float64Array;
      for (let i = 0; i < 3; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-12);
    }
  });

  it('update does not mutate the state it is given', () => {
    const tx = O.chain(O.scaleByAdam(), O.scaleByLearningRate(0.1));
    const p = [tensor([1, 2], { dtype: 'float64' })];
    const s0 = tx.init(p);
    const before = JSON.stringify(O.stateToJSON(s0));
    tx.update([tensor([0.3, -0.2], { dtype: 'float64' })], s0, p);
    expect(JSON.stringify(O.stateToJSON(s0))).toBe(before);
  });

  it('chain checks its state', () => {
    const tx = O.chain(O.scale(2), O.scale(3));
    expect(() => tx.update([null], [{ count: [0] }] as never, [tensor([1])])).toThrow(/chain: state has 1 parts, expected 2/);
  });

  it('powExact agrees with CPython/glibc where V8 is one ulp away', () => {
    // values printed by Python 3 (`repr(b ** n)`)
    const py: [number, number, number][] = [[0.9, 4, 0.6561], [0.99, 6, 0.941480149401], [0.99, 12, 0.8863848717161292], [0.8, 13, 0.054975581388800036]];
    for (const [b, n, v] of py) expect(O.powExact(b, n)).toBe(v);
    expect(0.9 ** 4).not.toBe(0.6561); // why it exists
    fc.assert(fc.property(fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: 0, max: 400 }), (b, n) => {
      const r = O.powExact(b, n);
      expect(Math.abs(r - b ** n)).toBeLessThanOrEqual(2 * Number.EPSILON * r); // within an ulp or so of V8's
    }), { numRuns: 100 });
  });

  it('fma rounds once', () => {
    // 0.1·10 − 1 in exact arithmetic is the representation error of 0.1 (2⁻⁵⁴ · 10 ≈ 5.55e-17).
    expect(O.fma(0.1, 10, -1)).toBe(5.551115123125783e-17);
    expect(0.1 * 10 - 1).toBe(0);
    fc.assert(fc.property(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e12, max: 1e12 }), (a, b, c) => {
      expect(O.fma(a, b, c)).toBe(a * b + c); // exact in doubles for these magnitudes
    }), { numRuns: 100 });
  });
});
