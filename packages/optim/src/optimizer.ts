/**
 * The PyTorch-style optimizer base class: parameter groups with per-group options, `step`,
 * `zeroGrad`, `stateDict`/`loadStateDict`. Each group runs a pure {@link GradientTransformation}.
 * @module
 */
import { Tensor, getBackend, setGradEnabled, tensor } from '@gd/tensor';
import { type GradientTransformation, _withInPlaceState } from './transforms.js';
import { type Hyper, fma as fmaExport, readFlat, resolveHyper, formatValue } from './hyper.js';

/** Module-local binding: hot loops call it without going through the import's accessor. */
const fma = fmaExport;
import { type JSONValue, stateFromJSON, stateToJSON } from './serialize.js';

/** A parameter group: its parameters plus every option of the optimizer (filled from the defaults). */
export type ParamGroup<O> = O & {
  /** The group's parameters. */
  params: Tensor[];
  /** The learning rate a scheduler started from (set by the first scheduler attached). */
  initialLr?: number;
  [extra: string]: unknown;
};

/** A parameter group as given by the user: parameters and any options that differ from the defaults. */
export type ParamGroupInput<O> = Partial<O> & {
  /** The group's parameters (an Array or another ordered iterable; not a Set). */
  params: Iterable<Tensor>;
  [extra: string]: unknown;
};

/** What an optimizer accepts: an ordered iterable of tensors, or of parameter groups. */
export type ParamsInput<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Range rules checked each time a (possibly scheduled) option is evaluated; see `Optimizer.live`. */
const LIVE_RULES: Record<string, [(x: number) => boolean, string]> = {
  lr: [(x) => x >= 0, 'lr >= 0'],
  eps: [(x) => x > 0, 'eps > 0'],
  weightDecay: [(x) => x >= 0, 'weightDecay >= 0'],
  momentum: [(x) => x >= 0, 'momentum >= 0'],
  dampening: [(x) => x >= 0 && x <= 1, 'dampening in [0, 1]'],
  alpha: [(x) => x >= 0, 'alpha >= 0'],
  rho: [(x) => x >= 0 && x <= 1, 'rho in [0, 1]'],
  momentumDecay: [(x) => x >= 0, 'momentumDecay >= 0'],
};

/** Serialised optimizer state (plain JSON: `JSON.parse(JSON.stringify(sd))` round-trips it). */
export interface OptimizerStateDict {
  /** Per-group transformation state. */
  state: JSONValue[];
  /** Per-group options, with `params` replaced by parameter indices (counted across groups). */
  paramGroups: { [k: string]: JSONValue }[];
  /** Optimizer-specific extras (e.g. Lookahead's slow weights). */
  extra?: JSONValue;
}

/** A closure re-evaluating the loss (and filling gradients) for `step(closure)`. */
export type Closure<T = number | Tensor> = () => T;

/** Base hyperparameter set every optimizer has. */
export interface BaseOptions {
  /** Learning rate (a number or a schedule). */
  lr: Hyper;
}

/**
 * Base class of all PyTorch-style optimizers. Subclasses declare their option defaults, a
 * validation, and the transformation each group runs.
 *
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const opt = new SGD([w], { lr: 0.1 });
 * w.grad = tensor([1, 1]);
 * opt.step();      // w = [0.9, 1.9]
 * opt.zeroGrad();  // w.grad = null
 * ```
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The options every new group starts from. */
  readonly defaults: O;
  /** Parameter groups; change `group.lr` (or any option) between steps to change the optimizer. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** The name used in error messages (`'Adam'`, `'SGD'`...). */
  readonly name: string;
  /** @internal per-group transformation */
  protected _tx: GradientTransformation<unknown>[] = [];
  /** @internal per-group transformation state */
  protected _state: unknown[] = [];

  /**
   * @param name - class name for messages.
   * @param params - parameters or parameter groups (an Array or other ordered iterable; not a Set).
   * @param defaults - complete default options.
   * @param options - user options overriding the defaults for every group.
   */
  protected constructor(name: string, params: ParamsInput<O>, defaults: O, options: Partial<O> = {}) {
    this.name = name;
    for (const k of Object.keys(options)) {
      if (!(k in defaults)) throw new TypeError(`${name}: unknown option "${k}" (known: ${Object.keys(defaults).join(', ')})`);
    }
    this.defaults = { ...defaults, ...stripUndefined(options) };
    this.validate(this.defaults);
    if (params instanceof Set) {
      throw new TypeError(`${name}: params must be an ordered collection (an Array or generator); got a Set, whose order is not a stable contract`);
    }
    if (params instanceof Tensor) throw new TypeError(`${name}: params must be an iterable of tensors or parameter groups, got a single Tensor; wrap it in an array`);
    if (params == null || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${name}: params must be an iterable of tensors or parameter groups, got ${formatValue(params)}`);
    }
    const list = Array.from(params as Iterable<Tensor | ParamGroupInput<O>>);
    if (list.length === 0) throw new RangeError(`${name}: got an empty parameter list`);
    if (list.every((x) => x instanceof Tensor)) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>);
    else if (list.every((x) => !(x instanceof Tensor) && typeof x === 'object' && x !== null && 'params' in x)) {
      for (const g of list as ParamGroupInput<O>[]) this.addParamGroup(g);
    } else {
      throw new TypeError(`${name}: params must be all tensors or all parameter groups ({ params, ...options })`);
    }
  }

  /** Check option values; throw a RangeError/TypeError naming the option and value. */
  protected abstract validate(options: O): void;

  /** The transformation a group runs; read options live from `group` so changes take effect. */
  protected abstract buildTransform(group: ParamGroup<O>): GradientTransformation<unknown>;

  /**
   * A live getter for a (possibly scheduled) option of a group, as a schedule of the step index.
   * @internal
   */
  protected live(group: ParamGroup<O>, key: string): (t: number) => number {
    return (t) => {
      const v = resolveHyper((group as Record<string, unknown>)[key] as Hyper, t);
      if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`${this.name}: option ${key} evaluated to ${formatValue(v)} at step ${t}`);
      // The construction-time rules also hold for values a schedule (or a scheduler, or a user writing
      // group.lr) produces later: a negative lr would silently ascend, eps = 0 would divide by zero.
      const rule = LIVE_RULES[key];
      if (rule && !rule[0](v)) throw new RangeError(`${this.name}: option ${key} evaluated to ${formatValue(v)} at step ${t} (expected ${rule[1]})`);
      return v;
    };
  }

  /**
   * Add a parameter group (e.g. layers unfrozen during fine-tuning) with its own options.
   * @param group - `{ params, ...options }`; missing options come from the defaults.
   * @returns nothing.
   * @example
   * ```ts
   * import { tensor } from '@gd/tensor';
   * const opt = new SGD([tensor([1])], { lr: 0.1 });
   * opt.addParamGroup({ params: [tensor([2])], lr: 0.01 });
   * ```
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    const name = this.name;
    if (group.params instanceof Set) throw new TypeError(`${name}: params of a group must be an ordered collection (an Array or generator); got a Set`);
    if (group.params instanceof Tensor) throw new TypeError(`${name}: a group's params must be an iterable of tensors, got a single Tensor`);
    const params = Array.from(group.params);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: parameter ${i} is not a Tensor (${formatValue(p)})`);
      if (p.dtype !== 'float32' && p.dtype !== 'float64') throw new TypeError(`${name}: parameter ${i} has dtype ${p.dtype}; only float32/float64 tensors can be optimized`);
      if (!p.isLeaf) throw new TypeError(`${name}: parameter ${i} (shape [${p.shape.join(',')}]) is not a leaf tensor; optimize leaves (use detach().requiresGrad_())`);
    });
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (seen.has(p)) throw new RangeError(`${name}: duplicated parameter (index ${i}, shape [${p.shape.join(',')}]) — a tensor may appear only once across all groups`);
      seen.add(p);
    });
    const { params: _ignored, ...opts } = group;
    for (const k of Object.keys(opts)) {
      if (!(k in this.defaults) && k !== 'initialLr') throw new TypeError(`${name}: unknown option "${k}" in parameter group`);
    }
    const full = { ...this.defaults, ...stripUndefined(opts), params } as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.push(full);
    const tx = this.buildTransform(full);
    this._tx.push(tx);
    this._state.push(tx.init(params));
  }

  /**
   * Perform one update of every parameter that has a gradient (parameters whose `grad` is `null`
   * are skipped and keep their state). With a closure, it is called first (with gradients on) to
   * recompute the loss and gradients; its result is returned.
   * @param closure - optional: clears gradients, computes the loss, calls `backward()`, returns the loss.
   * @returns the closure's result, or `undefined`.
   * @example
   * ```ts
   * import { tensor } from '@gd/tensor';
   * const w = tensor([3], { requiresGrad: true });
   * const opt = new SGD([w], { lr: 0.1 });
   * const loss = opt.step(() => { w.grad = w.mul(2).detach(); return w.get(0) ** 2; }); // 9
   * ```
   */
  step<T = number | Tensor>(closure?: Closure<T>): T | undefined {
    const loss = closure ? withGrad(closure) : undefined;
    const prev = setGradEnabled(false);
    try {
      for (let k = 0; k < this.paramGroups.length; k++) {
        const params = this.paramGroups[k]!.params;
        const grads = params.map((p) => p.grad);
        if (grads.every((g) => g == null)) continue;
        grads.forEach((g, i) => {
          if (g != null && (g.shape.length !== params[i]!.shape.length || g.shape.some((n, d) => n !== params[i]!.shape[d]))) {
            throw new RangeError(`${this.name}.step: gradient of shape [${g.shape.join(',')}] does not match parameter ${i} of shape [${params[i]!.shape.join(',')}]`);
          }
        });
        this.beforeUpdate(this.paramGroups[k]!, grads, this._state[k]);
        const tx = this._tx[k]! as GradientTransformation<unknown> & { parts?: readonly (GradientTransformation<unknown> & { learningRate?: Hyper })[] };
        const parts = tx.parts;
        const lastLr = parts && parts.length > 0 ? parts[parts.length - 1]!.learningRate : undefined;
        if (parts && lastLr !== undefined) {
          // Run all but the final scaleByLearningRate, then apply θ ← fma(−η, d, θ) in one rounding
          // (as PyTorch's `add_(d, alpha=-lr)` kernel does).
          const states = this._state[k] as unknown[];
          const next: unknown[] = [];
          let g: (Tensor | null)[] = grads;
          for (let q = 0; q < parts.length - 1; q++) {
            const [u, s] = _withInPlaceState(() => parts[q]!.update(g, states[q], params));
            g = u;
            next.push(s);
          }
          const count = (states[parts.length - 1] as { count: number[] }).count.slice();
          for (let i = 0; i < params.length; i++) {
            const d = g[i];
            if (d == null) continue;
            applyScaled(params[i]!, -resolveHyper(lastLr, count[i]!), d);
            count[i]!++;
          }
          next.push({ count });
          this._state[k] = next;
        } else {
          const [updates, next] = _withInPlaceState(() => tx.update(grads, this._state[k], params));
          this._state[k] = next;
          for (let i = 0; i < params.length; i++) {
            const u = updates[i];
            if (u != null) params[i]!.addInPlace(u);
          }
        }
      }
    } finally {
      setGradEnabled(prev);
    }
    return loss;
  }

  /**
   * Clear the gradients of every parameter.
   * @param setToNone - `true` (default, as PyTorch 2) sets `grad = null`; `false` fills it with zeros.
   * @returns nothing.
   * @example
   * ```ts
   * import { tensor } from '@gd/tensor';
   * const w = tensor([1], { requiresGrad: true });
   * new SGD([w], { lr: 0.1 }).zeroGrad(); // w.grad === null
   * ```
   */
  zeroGrad(setToNone = true): void {
    const prev = setGradEnabled(false);
    try {
      for (const g of this.paramGroups) for (const p of g.params) {
        if (setToNone) p.grad = null;
        else if (p.grad) p.grad.zeroInPlace();
      }
    } finally {
      setGradEnabled(prev);
    }
  }

  /** The transformation state of each group (read-only view for inspection, e.g. Adam's moments). */
  get state(): readonly unknown[] {
    return this._state;
  }

  /**
   * Everything needed to resume: per-group state and options, as plain JSON data.
   * Schedule-valued (function) options are not serialisable and are left out; `loadStateDict`
   * keeps the receiving optimizer's own value for them.
   * @returns the state dict.
   * @example
   * ```ts
   * import { tensor } from '@gd/tensor';
   * const opt = new Adam([tensor([1], { requiresGrad: true })]);
   * const saved = JSON.stringify(opt.stateDict());
   * ```
   */
  stateDict(): OptimizerStateDict {
    let index = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...opts } = g;
      const o = stateToJSON(opts) as { [k: string]: JSONValue };
      o['params'] = params.map(() => index++);
      return o;
    });
    const sd: OptimizerStateDict = { state: this._state.map(stateToJSON), paramGroups };
    const extra = this.extraState();
    if (extra !== undefined) sd.extra = extra;
    return sd;
  }

  /**
   * Restore what {@link Optimizer.stateDict} saved (into an optimizer built over the same parameters).
   * @param sd - a state dict (possibly through `JSON.parse(JSON.stringify(...))`).
   * @returns nothing.
   * @example
   * ```ts
   * import { tensor } from '@gd/tensor';
   * const w = tensor([1], { requiresGrad: true });
   * const a = new Adam([w]);
   * const b = new Adam([w]);
   * b.loadStateDict(a.stateDict());
   * ```
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.name;
    if (!sd || !Array.isArray(sd.paramGroups) || !Array.isArray(sd.state)) throw new TypeError(`${name}.loadStateDict: expected { state, paramGroups }`);
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(`${name}.loadStateDict: state dict has ${sd.paramGroups.length} parameter groups, optimizer has ${this.paramGroups.length}`);
    }
    sd.paramGroups.forEach((saved, k) => {
      const n = Array.isArray(saved['params']) ? (saved['params'] as unknown[]).length : -1;
      const have = this.paramGroups[k]!.params.length;
      if (n !== have) throw new RangeError(`${name}.loadStateDict: group ${k} has ${n} parameters in the state dict, ${have} in the optimizer`);
    });
    sd.paramGroups.forEach((saved, k) => {
      const g = this.paramGroups[k]! as Record<string, unknown>;
      const restored = stateFromJSON(saved) as Record<string, unknown>;
      for (const [key, v] of Object.entries(restored)) {
        // schedule-valued options were not saved: keep this optimizer's own
        if (key !== 'params' && !hasFunction(g[key])) g[key] = v;
      }
      this.validate(g as ParamGroup<O>);
      this._tx[k] = this.buildTransform(g as ParamGroup<O>);
      this._state[k] = stateFromJSON(sd.state[k]);
    });
    this.loadExtraState(sd.extra);
  }

  /**
   * Hook run (with recording off) just before a group's transformation, e.g. AdamW's decoupled decay.
   * @param _group - the group.
   * @param _grads - its gradients (`null` for skipped parameters).
   * @param _state - its transformation state before the update.
   */
  protected beforeUpdate(_group: ParamGroup<O>, _grads: readonly (Tensor | null)[], _state: unknown): void {}

  /** @internal Optimizer-specific state to add to the state dict. */
  protected extraState(): JSONValue | undefined {
    return undefined;
  }

  /** @internal Restore {@link Optimizer.extraState}. */
  protected loadExtraState(_extra: JSONValue | undefined): void {}
}

/** @internal `p ← fma(k, d, p)` elementwise (one rounding per element). */
function applyScaled(p: Tensor, k: number, d: Tensor): void {
  const dd = readFlat(d);
  if (p.offset === 0 && p.storage.length === p.size && p.isContiguous()) {
    const s = p.storage;
    if (s instanceof Float64Array) fmaInto64(s, k, dd);
    else if (s instanceof Float32Array) {
      // float32: k·d + p in float64, rounded once to float32 on the store (no fma emulation needed:
      // the float64 product of two float32-representable values is exact). A backend's axpy (the
      // WebAssembly SIMD one: several times faster on large parameters) computes the same bits.
      if (dd instanceof Float32Array) {
        if (!(dd.length === s.length && (getBackend()?.axpy?.(s, k, dd) ?? false))) axpy32(s, k, dd);
      } else axpy32Any(s, k, dd);
    } else throw new TypeError(`step: a parameter of dtype ${p.dtype} cannot be updated (float32 or float64 only)`);
    p._version.value++;
    return;
  }
  const cur = p.data();
  const out = new Float64Array(cur.length);
  for (let j = 0; j < out.length; j++) out[j] = fma(k, dd[j]!, cur[j]!);
  p.copyFrom(tensor(out, { dtype: p.dtype, shape: p.shape }));
}

// Monomorphic update loops (one typed-array type each, so the JIT keeps them tight).
function fmaInto64(s: Float64Array, k: number, d: ArrayLike<number>): void {
  for (let j = 0; j < s.length; j++) s[j] = fma(k, d[j]!, s[j]!);
}
function axpy32(s: Float32Array, k: number, d: Float32Array): void {
  // Unrolled by 4 (about 2× faster in V8 than the plain loop); same arithmetic per element.
  const n = s.length;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const s0 = s[j]!, s1 = s[j + 1]!, s2 = s[j + 2]!, s3 = s[j + 3]!;
    s[j] = k * d[j]! + s0;
    s[j + 1] = k * d[j + 1]! + s1;
    s[j + 2] = k * d[j + 2]! + s2;
    s[j + 3] = k * d[j + 3]! + s3;
  }
  for (; j < n; j++) s[j] = k * d[j]! + s[j]!;
}
function axpy32Any(s: Float32Array, k: number, d: ArrayLike<number>): void {
  for (let j = 0; j < s.length; j++) s[j] = k * d[j]! + s[j]!;
}

/** @internal Run a closure with gradient recording on. */
export function withGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

function hasFunction(v: unknown): boolean {
  return typeof v === 'function' || (Array.isArray(v) && v.some(hasFunction));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}
