/**
 * `gradcheck` and `gradgradcheck`: compare analytic gradients with float64 central differences.
 * @module
 */
import { Generator, Tensor, fmt, isFloat, randn } from '@gd/tensor';
import { enableGrad, gradients, noGrad } from './engine.js';

/** Options of {@link gradcheck} and {@link gradgradcheck}. */
export interface GradcheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, relative to the numerical value (default 1e-3). */
  rtol?: number;
  /** Indices of the inputs to check (default: every floating-point input). */
  wrt?: readonly number[];
}

/** A function {@link gradcheck} can check: tensors in, a tensor or a list of tensors out. */
export type GradcheckFn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function asList(op: string, r: unknown): Tensor[] {
  const list = r instanceof Tensor ? [r] : r;
  if (!Array.isArray(list) || list.some((t) => !(t instanceof Tensor))) {
    throw new TypeError(`${op}: the function must return a Tensor or a list of Tensors`);
  }
  return list as Tensor[];
}

function multiIndex(shape: readonly number[], flat: number): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = flat % n;
    flat = Math.floor(flat / n);
  }
  return fmt(idx);
}

/** A contiguous float64 copy of `x` with flat element `e` moved by `delta`. */
function perturbed(x: Tensor, e: number, delta: number): Tensor {
  const data = Float64Array.from(x.data());
  data[e] = data[e]! + delta;
  return Tensor._fromData(data, x.shape, 'float64');
}

/**
 * Check `fn`'s analytic gradients against float64 central differences
 * `(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`, element by element, for every output element and
 * every element of every checked input. Inputs may be strided views (permuted, sliced, expanded...):
 * the analytic side sees them as given, the numerical side uses contiguous copies, and the two forward
 * values are compared as well.
 * Each pair must satisfy `|analytic - numerical| <= atol + rtol * |numerical|`.
 * @param fn - a function of the inputs returning a tensor or a list of tensors.
 * @param inputs - the point; the checked ones must be float64.
 * @param opts - `eps`, `atol`, `rtol`, `wrt`.
 * @returns `true` when every entry matches.
 * @throws Error saying which input and element, which output element, expected (numerical) vs got (analytic).
 * @example
 * ```ts
 * gradcheck((x: Tensor) => x.sin().mul(x), [tensor([0.5, 1.5], { dtype: 'float64' })]); // true
 * ```
 */
export function gradcheck(fn: GradcheckFn, inputs: readonly Tensor[], opts: GradcheckOptions = {}): true {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  if (!(eps > 0)) throw new RangeError(`gradcheck: eps must be positive, got ${eps}`);
  if (typeof fn !== 'function') throw new TypeError('gradcheck: expected a function');
  if (!Array.isArray(inputs)) throw new TypeError('gradcheck: inputs must be an array of Tensors');
  const wrt = opts.wrt ?? inputs.map((t, i) => (t instanceof Tensor && isFloat(t.dtype) ? i : -1)).filter((i) => i >= 0);
  for (const i of wrt) {
    const t = inputs[i];
    if (!(t instanceof Tensor)) throw new TypeError(`gradcheck: input ${i} is not a Tensor`);
    if (t.dtype !== 'float64') {
      throw new TypeError(`gradcheck: input ${i} has dtype ${t.dtype}; central differences need float64 inputs (use .to('float64'))`);
    }
  }
  const checked = new Set(wrt);
  const leaves = inputs.map((t, i) => (checked.has(i) ? t.detach().requiresGrad_() : t));
  const wrtLeaves = wrt.map((i) => leaves[i]!);
  const outs = enableGrad(() => asList('gradcheck', fn(...leaves)));
  outs.forEach((o, k) => {
    if (o.dtype !== 'float64') throw new TypeError(`gradcheck: output ${k} has dtype ${o.dtype}; expected float64`);
  });

  // Forward on contiguous copies must agree with forward on the given (possibly strided) inputs.
  const plain = inputs.map((t, i) => (checked.has(i) ? perturbed(t, 0, 0) : t));
  const outsPlain = noGrad(() => asList('gradcheck', fn(...plain)));
  outs.forEach((o, k) => {
    const a = o.data();
    const b = outsPlain[k]!.data();
    for (let j = 0; j < a.length; j++) {
      if (!(Math.abs(a[j]! - b[j]!) <= atol + rtol * Math.abs(b[j]!)) && !(Number.isNaN(a[j]!) && Number.isNaN(b[j]!))) {
        throw new Error(`gradcheck: output ${k} element ${multiIndex(o.shape, j)} differs between the given inputs (${a[j]}) and contiguous copies of them (${b[j]})`);
      }
    }
  });

  // Analytic Jacobian, one reverse pass per output element: rows[k][j][w] = d out_k[j] / d input_w.
  const rows: Float64Array[][][] = outs.map((o) => {
    const perOut: Float64Array[][] = [];
    for (let j = 0; j < o.size; j++) {
      if (!o.requiresGrad) {
        perOut.push(wrtLeaves.map((l) => new Float64Array(l.size)));
        continue;
      }
      const seed = Tensor._empty(o.shape, 'float64');
      seed.storage[j] = 1;
      const gs = gradients(o, wrtLeaves, { gradOutputs: seed, retainGraph: true });
      perOut.push(gs.map((g) => Float64Array.from(g.data())));
    }
    return perOut;
  });

  // Numerical Jacobian, one column per input element, compared as we go.
  wrt.forEach((inputIdx, w) => {
    const x = inputs[inputIdx]!;
    for (let e = 0; e < x.size; e++) {
      const call = (delta: number): Tensor[] => {
        const args = plain.slice();
        args[inputIdx] = perturbed(x, e, delta);
        return noGrad(() => asList('gradcheck', fn(...args)));
      };
      const plus = call(eps);
      const minus = call(-eps);
      outs.forEach((o, k) => {
        const p = plus[k]!.data();
        const m = minus[k]!.data();
        for (let j = 0; j < o.size; j++) {
          const numerical = (p[j]! - m[j]!) / (2 * eps);
          const analytic = rows[k]![j]![w]![e]!;
          const diff = Math.abs(analytic - numerical);
          if (!(diff <= atol + rtol * Math.abs(numerical))) {
            const outDesc = outs.length > 1 ? `output ${k} element ${multiIndex(o.shape, j)}` : `output element ${multiIndex(o.shape, j)}`;
            throw new Error(
              `gradcheck: gradient mismatch for input ${inputIdx} element ${multiIndex(x.shape, e)} (flat ${e}), ${outDesc} (flat ${j}): ` +
                `expected (numerical) ${numerical}, got (analytical) ${analytic}; |difference| ${diff} > atol ${atol} + rtol ${rtol} * |expected|`,
            );
          }
        }
      });
    }
  });
  return true;
}

/**
 * Check second derivatives: runs {@link gradcheck} on the function
 * `(inputs, v) -> vjp(fn, inputs, v)` (the gradients of `fn` with `createGraph`, for random float64
 * cotangents `v`), so both the Hessian-vector products and their dependence on `v` are checked.
 * @param fn - a function of the inputs returning a tensor or a list of tensors.
 * @param inputs - the point; the checked ones must be float64.
 * @param opts - `eps`, `atol`, `rtol`, `wrt`, and `seed` for the random cotangents.
 * @returns `true` when every entry matches.
 * @throws Error describing the first mismatch (the inputs after `fn`'s are the cotangents).
 * @example
 * ```ts
 * gradgradcheck((x: Tensor) => x.exp().mul(x), [tensor([0.3, -0.2], { dtype: 'float64' })]); // true
 * ```
 */
export function gradgradcheck(fn: GradcheckFn, inputs: readonly Tensor[], opts: GradcheckOptions & { seed?: number } = {}): true {
  if (typeof fn !== 'function') throw new TypeError('gradgradcheck: expected a function');
  const wrt = opts.wrt ?? inputs.map((t, i) => (t instanceof Tensor && isFloat(t.dtype) ? i : -1)).filter((i) => i >= 0);
  for (const i of wrt) {
    const t = inputs[i];
    if (!(t instanceof Tensor) || t.dtype !== 'float64') {
      throw new TypeError(`gradgradcheck: input ${i} has dtype ${t instanceof Tensor ? t.dtype : typeof t}; central differences need float64 inputs`);
    }
  }
  const outs = noGrad(() => asList('gradgradcheck', fn(...inputs)));
  const gen = new Generator(opts.seed ?? 1234);
  const vs = outs.map((o) => randn(o.shape, { dtype: 'float64', generator: gen }));
  const n = inputs.length;
  const vjpFn = (...args: Tensor[]): Tensor[] =>
    enableGrad(() => {
      const xs = args.slice(0, n).map((t, i) => (wrt.includes(i) && !t.requiresGrad ? t.detach().requiresGrad_() : t));
      const cot = args.slice(n);
      const ys = asList('gradgradcheck', fn(...xs));
      const live = ys.map((y, k) => [y, cot[k]!] as const).filter(([y]) => y.requiresGrad);
      const targets = wrt.map((i) => xs[i]!);
      if (live.length === 0) return targets.map((t) => Tensor._empty(t.shape, 'float64'));
      return gradients(live.map(([y]) => y), targets, { gradOutputs: live.map(([, v]) => v), createGraph: true });
    });
  const all = [...inputs, ...vs];
  return gradcheck(vjpFn, all, { ...opts, wrt: [...wrt, ...vs.map((_, k) => n + k)] });
}
