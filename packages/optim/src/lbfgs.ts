/**
 * L-BFGS with an optional strong-Wolfe line search, following PyTorch's `torch.optim.LBFGS`
 * (itself after Mark Schmidt's minFunc).
 * @module
 */
import { Tensor, setGradEnabled, tensor } from '@gd/tensor';
import { checkNumber, fma as fmaExport, formatValue, readFlat } from './hyper.js';

/** Module-local binding: hot loops call it without going through the import's accessor. */
const fma = fmaExport;
import { Optimizer, type ParamGroup, type ParamsInput, withGrad } from './optimizer.js';
import { type GradientTransformation } from './transforms.js';
import { type JSONValue } from './serialize.js';

/** Work counters of an {@link LBFGS} optimizer. */
export interface LBFGSCounters {
  /** Closure evaluations so far. */
  funcEvals: number;
  /** L-BFGS iterations so far. */
  nIter: number;
}

/** Options of {@link LBFGS}. */
export interface LBFGSOptions {
  /** Step length multiplier (default 1). */
  lr: number;
  /** Maximum iterations per `step()` (default 20). */
  maxIter: number;
  /** Maximum function evaluations per `step()` (default ⌊1.25·maxIter⌋). */
  maxEval: number | null;
  /** Stop when max |gᵢ| ≤ toleranceGrad (default 1e-7). */
  toleranceGrad: number;
  /** Stop when the step or the loss change is below this (default 1e-9). */
  toleranceChange: number;
  /** Number of (s, y) pairs kept (default 100). */
  historySize: number;
  /** `'strongWolfe'` for a line search satisfying the strong Wolfe conditions; `null` for a fixed step (default). */
  lineSearchFn: 'strongWolfe' | null;
}

/**
 * A flat float64 vector. Plain JS arrays of doubles, not `Float64Array`s: these vectors are short
 * (one entry per parameter element) and touched by many small loops, and V8's optimised loops over
 * typed arrays slow down for the rest of the process once any ArrayBuffer has been detached (a
 * WebAssembly memory growing does that; see docs/design.md), while loops over double arrays do not.
 */
type Vec = number[];

/** A new vector of `n` zeros, laid out as a packed array of doubles. */
function zerosVec(n: number): Vec {
  const a: Vec = [];
  for (let i = 0; i < n; i++) a.push(0.5);
  for (let i = 0; i < n; i++) a[i] = 0;
  return a;
}
/** `k·a`. */
function scaled(a: Vec, k: number): Vec {
  const out = zerosVec(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * k;
  return out;
}
/** `−a`. */
function negated(a: Vec): Vec {
  const out = zerosVec(a.length);
  for (let i = 0; i < a.length; i++) out[i] = -a[i]!;
  return out;
}
/** `a − b`. */
function difference(a: Vec, b: Vec): Vec {
  const out = zerosVec(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

interface LBFGSState {
  funcEvals: number;
  nIter: number;
  d: Vec | null;
  t: number;
  oldDirs: Vec[];
  oldStps: Vec[];
  ro: number[];
  hDiag: number;
  prevFlatGrad: Vec | null;
  prevLoss: number | null;
}

/** A parameter's float storage when the parameter owns all of it in order (offset 0, contiguous), else null. */
function ownedFloatStorage(p: Tensor): Float64Array | Float32Array | null {
  const s = p.storage;
  if (!(s instanceof Float64Array || s instanceof Float32Array) || p.offset !== 0 || s.length !== p.size || !p.isContiguous()) return null;
  return s;
}

function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
function absMax(a: Vec): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) { const v = Math.abs(a[i]!); if (v > m || Number.isNaN(v)) m = v; }
  return m;
}
function absSum(a: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!);
  return s;
}

/** Minimiser of the cubic interpolating (x1, f1, g1), (x2, f2, g2), clamped to the bounds. */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

type ObjFunc = (x: Vec, t: number, d: Vec) => [number, Vec];

/** Bracketing + zoom line search for the strong Wolfe conditions (Nocedal & Wright, Alg. 3.5/3.6). */
function strongWolfe(obj: ObjFunc, x: Vec, t: number, d: Vec, f: number, g: Vec, gtd: number,
  c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25): [number, Vec, number, number] {
  const dNorm = absMax(d);
  g = g.slice();
  let [fNew, gNew] = obj(x, t, d);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [], bf: number[] = [], bg: Vec[] = [], bgtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t]; bf = [fPrev, fNew]; bg = [gPrev, gNew.slice()]; bgtd = [gtdPrev, gtdNew];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      bracket = [t]; bf = [fNew]; bg = [gNew]; done = true;
      break;
    }
    if (gtdNew >= 0) {
      bracket = [tPrev, t]; bf = [fPrev, fNew]; bg = [gPrev, gNew.slice()]; bgtd = [gtdPrev, gtdNew];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp; fPrev = fNew; gPrev = gNew.slice(); gtdPrev = gtdNew;
    [fNew, gNew] = obj(x, t, d);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    bracket = [0, t]; bf = [f, fNew]; bg = [g, gNew]; bgtd = [gtd, gtdNew];
  }
  let insufProgress = false;
  let [lowPos, highPos] = bf[0]! <= bf[bf.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0]!, bf[0]!, bgtd[0]!, bracket[1]!, bf[1]!, bgtd[1]!);
    const bMax = Math.max(bracket[0]!, bracket[1]!), bMin = Math.min(bracket[0]!, bracket[1]!);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = obj(x, t, d);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bf[lowPos]!) {
      bracket[highPos] = t; bf[highPos] = fNew; bg[highPos] = gNew.slice(); bgtd[highPos] = gtdNew;
      [lowPos, highPos] = bf[0]! <= bf[1]! ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (bracket[highPos]! - bracket[lowPos]!) >= 0) {
        bracket[highPos] = bracket[lowPos]!; bf[highPos] = bf[lowPos]!; bg[highPos] = bg[lowPos]!; bgtd[highPos] = bgtd[lowPos]!;
      }
      bracket[lowPos] = t; bf[lowPos] = fNew; bg[lowPos] = gNew.slice(); bgtd[lowPos] = gtdNew;
    }
  }
  return [bf[lowPos]!, bg[lowPos]!, bracket[lowPos]!, evals];
}

/**
 * L-BFGS (Liu & Nocedal 1989, https://doi.org/10.1007/BF01589116): a quasi-Newton method that
 * approximates the inverse Hessian from the last `historySize` pairs `sₖ = θₖ₊₁ − θₖ`,
 * `yₖ = ∇Jₖ₊₁ − ∇Jₖ` (two-loop recursion, initial scaling `H₀ = sᵀy / yᵀy`), and moves along
 * `d = −H∇J` by `t` (fixed `lr`, or a strong-Wolfe line search). One `step(closure)` runs up to
 * `maxIter` iterations; the closure must recompute the loss and gradients.
 *
 * Differences from PyTorch: none in behaviour (one parameter group only, like PyTorch). `lineSearchFn`
 * is spelled `'strongWolfe'` (`'strong_wolfe'` is accepted too).
 *
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const x = tensor([-1.5, 2], { dtype: 'float64', requiresGrad: true });
 * const opt = new LBFGS([x], { lineSearchFn: 'strongWolfe' });
 * const closure = () => {
 *   const [a, b] = x.toArray() as number[];
 *   x.grad = tensor([2 * (a - 1), 2 * (b + 2)], { dtype: 'float64' });
 *   return (a - 1) ** 2 + (b + 2) ** 2;
 * };
 * opt.step(closure); // x ≈ [1, -2]
 * ```
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  private _lb: LBFGSState = { funcEvals: 0, nIter: 0, d: null, t: 0, oldDirs: [], oldStps: [], ro: [], hDiag: 1, prevFlatGrad: null, prevLoss: null };

  /**
   * @param params - the parameters (a single group).
   * @param options - see {@link LBFGSOptions}.
   */
  constructor(params: ParamsInput<LBFGSOptions>, options: Partial<LBFGSOptions> & { lineSearchFn?: 'strongWolfe' | 'strong_wolfe' | null } = {}) {
    const o = { ...options } as Partial<LBFGSOptions>;
    if ((o.lineSearchFn as string) === 'strong_wolfe') o.lineSearchFn = 'strongWolfe';
    const maxIter = o.maxIter ?? 20;
    super('LBFGS', params, { lr: 1, maxIter, maxEval: null, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null }, o);
    if (this.paramGroups.length !== 1) throw new RangeError(`LBFGS: supports a single parameter group, got ${this.paramGroups.length}`);
  }

  protected validate(o: LBFGSOptions): void {
    checkNumber('LBFGS', 'lr', o.lr, (x) => x > 0, 'lr > 0');
    if (typeof o.lr !== 'number') throw new TypeError('LBFGS: lr must be a number');
    checkNumber('LBFGS', 'maxIter', o.maxIter, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
    if (o.maxEval !== null) checkNumber('LBFGS', 'maxEval', o.maxEval, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1 or null');
    checkNumber('LBFGS', 'toleranceGrad', o.toleranceGrad, (x) => x >= 0, 'toleranceGrad >= 0');
    checkNumber('LBFGS', 'toleranceChange', o.toleranceChange, (x) => x >= 0, 'toleranceChange >= 0');
    checkNumber('LBFGS', 'historySize', o.historySize, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
    if (o.lineSearchFn !== null && o.lineSearchFn !== 'strongWolfe') {
      throw new RangeError(`LBFGS: invalid lineSearchFn ${formatValue(o.lineSearchFn)} (expected 'strongWolfe' or null)`);
    }
  }

  protected buildTransform(_g: ParamGroup<LBFGSOptions>): GradientTransformation<unknown> {
    return { init: () => ({}), update: () => { throw new Error('LBFGS: use step(closure)'); } };
  }

  override addParamGroup(group: Parameters<Optimizer<LBFGSOptions>['addParamGroup']>[0]): void {
    if (this.paramGroups.length >= 1) throw new RangeError("LBFGS: doesn't support per-parameter options (parameter groups)");
    super.addParamGroup(group);
  }

  private get params(): Tensor[] {
    return this.paramGroups[0]!.params;
  }

  private gatherFlatGrad(): Vec {
    const out = zerosVec(this.numel());
    let off = 0;
    for (const p of this.params) {
      if (p.grad) {
        const g = readFlat(p.grad);
        for (let j = 0; j < g.length; j++) out[off + j] = g[j]!;
      }
      off += p.size;
    }
    return out;
  }

  /** Total number of parameter elements. */
  private numel(): number {
    let n = 0;
    for (const p of this.params) n += p.size;
    return n;
  }

  /** θ ← θ + t·d (flat `d`), one rounding per element as PyTorch's `add_(alpha=t)`. */
  private addGrad(t: number, d: Vec): void {
    let off = 0;
    for (const p of this.params) {
      const s = ownedFloatStorage(p);
      if (s !== null) {
        // In place on the parameter's own storage (a float32 store rounds the float64 result once, as copyFrom would).
        for (let j = 0; j < s.length; j++) s[j] = fma(t, d[off + j]!, s[j]!);
        p._version.value++;
      } else {
        const cur = p.data();
        const out = new Float64Array(p.size);
        for (let j = 0; j < out.length; j++) out[j] = fma(t, d[off + j]!, cur[j]!);
        p.copyFrom(tensor(out, { dtype: p.dtype, shape: p.shape }));
      }
      off += p.size;
    }
  }

  private cloneParams(): Vec {
    const out = zerosVec(this.numel());
    let off = 0;
    for (const p of this.params) {
      const v = readFlat(p);
      for (let j = 0; j < v.length; j++) out[off + j] = v[j]!;
      off += p.size;
    }
    return out;
  }

  private setParams(x: Vec): void {
    let off = 0;
    for (const p of this.params) {
      const s = ownedFloatStorage(p);
      if (s !== null) {
        for (let j = 0; j < s.length; j++) s[j] = x[off + j]!;
        p._version.value++;
      } else {
        p.copyFrom(tensor(Float64Array.from(x.slice(off, off + p.size)), { dtype: p.dtype, shape: p.shape }));
      }
      off += p.size;
    }
  }

  /**
   * Run up to `maxIter` L-BFGS iterations. The closure must zero/overwrite the gradients, compute the
   * loss, call `backward()` (or set `.grad`), and return the loss.
   * @param closure - re-evaluates the objective (required).
   * @returns the loss the closure returned on its first call.
   */
  override step<T = number | Tensor>(closure?: () => T): T | undefined {
    if (typeof closure !== 'function') throw new TypeError('LBFGS.step: a closure returning the loss is required');
    const g = this.paramGroups[0]!;
    const { lr, maxIter, toleranceGrad, toleranceChange, historySize, lineSearchFn } = g;
    const maxEval = g.maxEval ?? Math.floor((maxIter * 5) / 4);
    const st = this._lb;
    const evalLoss = (): [T, number] => {
      const r = withGrad(closure);
      const v = r instanceof Tensor ? r.item() : Number(r);
      return [r, v];
    };
    const prev = setGradEnabled(false);
    try {
      const [origLoss, loss0] = evalLoss();
      let loss = loss0;
      let currentEvals = 1;
      st.funcEvals++;
      let flatGrad = this.gatherFlatGrad();
      let optCond = absMax(flatGrad) <= toleranceGrad;
      if (optCond) return origLoss;
      let { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad } = st;
      let prevLoss = st.prevLoss;
      let nIter = 0;
      while (nIter < maxIter) {
        nIter++;
        st.nIter++;
        if (st.nIter === 1) {
          d = negated(flatGrad);
          oldDirs = []; oldStps = []; ro = []; hDiag = 1;
        } else {
          const y = difference(flatGrad, prevFlatGrad!);
          const s = scaled(d!, t);
          const ys = dot(y, s);
          if (ys > 1e-10) {
            if (oldDirs.length === historySize) { oldDirs.shift(); oldStps.shift(); ro.shift(); }
            oldDirs.push(y); oldStps.push(s); ro.push(1 / ys);
            hDiag = ys / dot(y, y);
          }
          const numOld = oldDirs.length;
          const al = new Array<number>(numOld);
          const q = negated(flatGrad);
          for (let i = numOld - 1; i >= 0; i--) {
            al[i] = dot(oldStps[i]!, q) * ro[i]!;
            const a = -al[i]!, yi = oldDirs[i]!;
            for (let j = 0; j < q.length; j++) q[j] = fma(a, yi[j]!, q[j]!);
          }
          const r = scaled(q, hDiag);
          for (let i = 0; i < numOld; i++) {
            const be = dot(oldDirs[i]!, r) * ro[i]!;
            const a = al[i]! - be, si = oldStps[i]!;
            for (let j = 0; j < r.length; j++) r[j] = fma(a, si[j]!, r[j]!);
          }
          d = r;
        }
        prevFlatGrad = flatGrad.slice();
        prevLoss = loss;
        t = st.nIter === 1 ? Math.min(1, 1 / absSum(flatGrad)) * lr : lr;
        const gtd = dot(flatGrad, d!);
        if (gtd > -toleranceChange) break;
        let lsEvals = 0;
        if (lineSearchFn === 'strongWolfe') {
          const xInit = this.cloneParams();
          const obj: ObjFunc = (x, tt, dd) => {
            this.addGrad(tt, dd);
            const [, f] = evalLoss();
            const fg = this.gatherFlatGrad();
            this.setParams(x);
            return [f, fg];
          };
          [loss, flatGrad, t, lsEvals] = strongWolfe(obj, xInit, t, d!, loss, flatGrad, gtd);
          this.addGrad(t, d!);
          optCond = absMax(flatGrad) <= toleranceGrad;
        } else {
          this.addGrad(t, d!);
          if (nIter !== maxIter) {
            loss = evalLoss()[1];
            flatGrad = this.gatherFlatGrad();
            optCond = absMax(flatGrad) <= toleranceGrad;
            lsEvals = 1;
          }
        }
        currentEvals += lsEvals;
        st.funcEvals += lsEvals;
        if (nIter === maxIter) break;
        if (currentEvals >= maxEval) break;
        if (optCond) break;
        if (absMax(scaled(d!, t)) <= toleranceChange) break;
        if (Math.abs(loss - prevLoss) < toleranceChange) break;
      }
      Object.assign(st, { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss });
      return origLoss;
    } finally {
      setGradEnabled(prev);
    }
  }

  /** Number of closure evaluations and iterations so far. */
  get counters(): LBFGSCounters {
    return { funcEvals: this._lb.funcEvals, nIter: this._lb.nIter };
  }

  protected override extraState(): JSONValue {
    const st = this._lb;
    const arr = (a: Vec | null) => (a ? a.slice() : null);
    return {
      funcEvals: st.funcEvals, nIter: st.nIter, d: arr(st.d), t: st.t, oldDirs: st.oldDirs.map((a) => Array.from(a)),
      oldStps: st.oldStps.map((a) => Array.from(a)), ro: st.ro, hDiag: st.hDiag, prevFlatGrad: arr(st.prevFlatGrad), prevLoss: st.prevLoss,
    };
  }

  protected override loadExtraState(extra: JSONValue | undefined): void {
    if (!extra || typeof extra !== 'object' || Array.isArray(extra)) throw new TypeError('LBFGS.loadStateDict: missing L-BFGS state');
    const e = extra as Record<string, any>;
    const vec = (a: number[] | null): Vec | null => (a ? scaled(a, 1) : null);
    this._lb = {
      funcEvals: e['funcEvals'], nIter: e['nIter'], d: vec(e['d']), t: e['t'], oldDirs: e['oldDirs'].map((a: number[]) => scaled(a, 1)),
      oldStps: e['oldStps'].map((a: number[]) => scaled(a, 1)), ro: e['ro'].slice(), hDiag: e['hDiag'], prevFlatGrad: vec(e['prevFlatGrad']), prevLoss: e['prevLoss'],
    };
  }
}
