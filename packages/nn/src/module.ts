/**
 * `Module`: the base class of every layer and model, plus `Parameter`, `ModuleList` and `Sequential`.
 *
 * A module finds its parameters and sub-modules by walking its own fields in the order they were
 * defined, so a model is an ordinary class:
 *
 * ```ts
 * class MLP extends Module {
 *   fc1 = new Linear(2, 16);
 *   fc2 = new Linear(16, 1);
 *   forward(x: Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * ```
 * @module
 */
import { Tensor, fmt, setGradEnabled } from '@gd/tensor';

const PARAMETERS = new WeakSet<Tensor>();

/** A model weight: a float tensor that requires a gradient and is found by {@link Module.parameters}. */
export type Parameter = Tensor;

/**
 * Turn a tensor into a parameter: a leaf (cut off from any graph) that requires a gradient, and that
 * a {@link Module} registers when it is assigned to one of the module's fields.
 *
 * Set `p.requiresGrad = false` later to freeze it: it stays in `parameters()` and the state dict but
 * receives no gradient, so optimizers leave it alone.
 *
 * @param data - a floating-point tensor (its storage is shared, not copied).
 * @param requiresGrad - `false` creates a frozen parameter.
 * @returns the parameter tensor.
 * @example
 * ```ts
 * const w = parameter(zeros([3, 2]));
 * w.requiresGrad; // true
 * ```
 */
export function parameter(data: Tensor, requiresGrad = true): Parameter {
  if (!(data instanceof Tensor)) throw new TypeError(`parameter: expected a Tensor, got ${typeof data}`);
  if (data.dtype !== 'float32' && data.dtype !== 'float64') {
    throw new TypeError(`parameter: parameters must be float32 or float64, got ${data.dtype} of shape ${fmt(data.shape)}`);
  }
  const p = data.isLeaf && !data.requiresGrad ? data : data.detach();
  p.requiresGrad = requiresGrad;
  PARAMETERS.add(p);
  return p;
}

/**
 * Whether `t` was created by {@link parameter}.
 * @param t - any value.
 * @returns true for parameters.
 * @example
 * ```ts
 * isParameter(parameter(zeros([1]))); // true
 * isParameter(zeros([1]));            // false
 * ```
 */
export function isParameter(t: unknown): t is Parameter {
  return t instanceof Tensor && PARAMETERS.has(t);
}

/**
 * Run `fn` with gradient recording off (what in-place weight updates need), restoring the previous
 * setting afterwards.
 * @internal
 */
export function withoutGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** Tensors by dotted name, in registration order (what {@link Module.stateDict} returns). */
export type StateDict = Record<string, Tensor>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Refuse missing or unexpected keys (default `true`). Shape and dtype mismatches are always refused. */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did when `strict` is false. */
export interface LoadStateDictResult {
  /** Keys the module has but the state dict lacked (left unchanged). */
  missingKeys: string[];
  /** Keys of the state dict the module does not have (ignored). */
  unexpectedKeys: string[];
}

/** Parameter counts from {@link Module.parameterCount}. */
export interface ParameterCount {
  /** All parameter elements. */
  total: number;
  /** Elements of parameters that require a gradient. */
  trainable: number;
  /** Elements of frozen parameters (`requiresGrad === false`). */
  frozen: number;
}

/**
 * Base class of layers and models.
 *
 * Fields holding a {@link Parameter} or a `Module` are discovered automatically, in the order the
 * fields were defined; buffers (state that is saved but not trained, like BatchNorm's running mean)
 * are registered with {@link Module.registerBuffer}. Parameter names are dotted paths
 * (`layers.0.weight`). A parameter shared by two modules is listed once, under its first name.
 *
 * @example
 * ```ts
 * class Net extends Module {
 *   hidden = new Linear(4, 8);
 *   out = new Linear(8, 3);
 *   forward(x: Tensor): Tensor { return this.out.forward(this.hidden.forward(x).relu()); }
 * }
 * const net = new Net();
 * net.namedParameters().map(([n]) => n); // ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
 * ```
 */
export abstract class Module {
  /** `true` in training mode (dropout active, batch statistics used), `false` after {@link Module.eval}. */
  training = true;
  /** @internal Registered buffers, by local name. */
  protected readonly _buffers = new Map<string, Tensor>();

  /**
   * Compute the module's output.
   * @param inputs - the input tensor(s).
   * @returns the output tensor.
   */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * @internal Compute `next.forward(this.forward(x))` as one fused op when this pair has a fused
   * kernel (a `Linear` followed by a `ReLU`), or return `null`. {@link Sequential.forward} asks each
   * stage about the stage after it; the default has no fused form.
   * @param _x - the input of this module.
   * @param _next - the module that would receive this module's output.
   * @returns the output of `next`, or `null` to run the two modules one after the other.
   */
  _forwardFused(_x: Tensor, _next: Module): Tensor | null {
    return null;
  }

  /** The name {@link Module.summary} and `toString` show (the class name unless overridden). */
  get typeName(): string {
    return this.constructor.name;
  }

  /** Extra text shown in {@link Module.toString}, like `Linear(in=4, out=8)`. Override in layers. */
  extraRepr(): string {
    return '';
  }

  /**
   * The direct sub-modules with their field names, in definition order.
   * @returns `[name, module]` pairs.
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Module) out.push([key, v]);
      else if (Array.isArray(v) && v.some((e) => e instanceof Module || isParameter(e))) {
        // a plain array would hide its parameters from parameters(), the optimizer and the state dict
        throw new TypeError(`${this.typeName}: field '${key}' is a plain array of modules or parameters, whose parameters would not be registered; use a ModuleList (or one field per parameter)`);
      }
    }
    return out;
  }

  /** The direct sub-modules, in definition order. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module's own parameters (not its children's) with their field names. */
  protected namedOwnParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (isParameter(v)) out.push([key, v]);
    }
    return out;
  }

  /**
   * Every module in the tree (this one first, then depth-first in definition order) with its dotted
   * path (`''` for this module).
   * @returns `[path, module]` pairs; a module reachable twice is listed once.
   */
  namedModules(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    const walk = (m: Module, prefix: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [name, c] of m.namedChildren()) walk(c, prefix === '' ? name : `${prefix}.${name}`);
    };
    walk(this, '');
    return out;
  }

  /** Every module in the tree, this one first. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * All parameters of this module and its descendants with dotted names, in a stable order: a
   * module's own parameters (in field order) before its children's (in field order). Frozen
   * parameters (`requiresGrad === false`) are included.
   * @returns `[name, parameter]` pairs.
   */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Tensor>();
    const out: [string, Parameter][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.namedOwnParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix === '' ? name : `${prefix}.${name}`, p]);
      }
    }
    return out;
  }

  /**
   * All parameters, in the order of {@link Module.namedParameters} (pass them to an optimizer).
   * @returns the parameter tensors.
   */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Register a buffer: a tensor saved in the state dict but not trained (running statistics...).
   * @param name - local name (the state-dict key's last part).
   * @param t - the tensor; replaced in place by {@link Module.loadStateDict}.
   */
  registerBuffer(name: string, t: Tensor): void {
    if (!(t instanceof Tensor)) throw new TypeError(`registerBuffer: buffer '${name}' must be a Tensor`);
    this._buffers.set(name, t);
  }

  /**
   * A registered buffer by local name.
   * @param name - the name given to {@link Module.registerBuffer}.
   * @returns the buffer tensor.
   */
  buffer(name: string): Tensor {
    const b = this._buffers.get(name);
    if (b === undefined) throw new RangeError(`buffer: ${this.typeName} has no buffer '${name}' (has: ${[...this._buffers.keys()].join(', ') || 'none'})`);
    return b;
  }

  /** All buffers of the tree with dotted names. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m._buffers) out.push([prefix === '' ? name : `${prefix}.${name}`, b]);
    }
    return out;
  }

  /**
   * Switch this module and all descendants to training mode (or evaluation mode with `false`).
   * @param mode - `true` for training.
   * @returns `this`.
   */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /**
   * Switch to evaluation mode: dropout off, BatchNorm uses running statistics.
   * @returns `this`.
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Call `fn` on every module of the tree (children first, then this one), as PyTorch's `apply`;
   * handy for custom initialisation.
   * @param fn - called once per module.
   * @returns `this`.
   * @example
   * ```ts
   * const net = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
   * net.apply((m) => { if (m instanceof Linear) init.zeros(m.bias!); });
   * (net.at(0) as Linear).bias!.toArray(); // [0, 0, 0]
   * ```
   */
  apply(fn: (m: Module) => void): this {
    const mods = this.modules();
    for (let i = mods.length - 1; i >= 0; i--) fn(mods[i]!);
    return this;
  }

  /**
   * Freeze (`false`) or unfreeze (`true`) every parameter of the tree: frozen parameters receive no
   * gradient, so optimizers leave them unchanged.
   * @param on - whether the parameters require gradients.
   * @returns `this`.
   * @example
   * ```ts
   * const net = new Linear(2, 2).requiresGrad_(false);
   * net.parameterCount().trainable; // 0
   * ```
   */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  /**
   * Convert every floating-point parameter and buffer of the tree to `dtype` (new tensors; integer
   * buffers are left alone). Create the optimizer afterwards: it must hold the new tensors.
   * @param dtype - `'float32'` or `'float64'`.
   * @returns `this`.
   * @example
   * ```ts
   * const net = new Linear(3, 2).to('float64');
   * net.weight.dtype; // 'float64'
   * ```
   */
  to(dtype: 'float32' | 'float64'): this {
    if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`Module.to: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
    const converted = new Map<Tensor, Tensor>();
    const convert = (p: Tensor): Tensor => {
      let q = converted.get(p);
      if (q === undefined) {
        q = p.dtype === dtype ? p : parameter(withoutGrad(() => p.detach().to(dtype)), p.requiresGrad);
        converted.set(p, q);
      }
      return q;
    };
    for (const m of this.modules()) {
      const rec = m as unknown as Record<string, unknown>;
      for (const key of Object.keys(rec)) {
        const v = rec[key];
        if (isParameter(v)) rec[key] = convert(v);
      }
      for (const [name, b] of m._buffers) {
        if ((b.dtype === 'float32' || b.dtype === 'float64') && b.dtype !== dtype) m._buffers.set(name, withoutGrad(() => b.to(dtype)));
      }
    }
    return this;
  }

  /** Clear the gradient of every parameter (sets `.grad` to `null`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * The module's state: every parameter and buffer by dotted name (parameters first, then buffers,
   * module by module). The tensors are the live ones, not copies; {@link cloneStateDict} copies.
   * @returns a name → tensor record in a stable order.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      const pre = prefix === '' ? '' : `${prefix}.`;
      for (const [name, p] of m.namedOwnParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out[pre + name] = p;
      }
      for (const [name, b] of m._buffers) out[pre + name] = b;
    }
    return out;
  }

  /**
   * Copy tensors into this module's parameters and buffers, in place (the tensors' identities, which
   * optimizers hold, do not change). Everything is validated first: on any error nothing is changed.
   *
   * @param state - name → tensor, as from {@link Module.stateDict} or a safetensors file.
   * @param opts - `strict` (default true) refuses missing and unexpected keys.
   * @returns the missing and unexpected keys (both empty when strict).
   * @throws Error listing every missing, unexpected and mismatched (shape) key.
   */
  loadStateDict(state: StateDict, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missing: string[] = [];
    const mismatched: string[] = [];
    for (const [key, t] of Object.entries(own)) {
      const src = state[key];
      if (src === undefined) { missing.push(key); continue; }
      if (!(src instanceof Tensor)) { mismatched.push(`${key}: expected a Tensor, got ${typeof src}`); continue; }
      if (src.shape.length !== t.shape.length || src.shape.some((d, i) => d !== t.shape[i])) {
        mismatched.push(`${key}: shape ${fmt(src.shape)} in the state dict, ${fmt(t.shape)} in the model`);
      } else if (dtypeKind(src.dtype) !== dtypeKind(t.dtype)) {
        mismatched.push(`${key}: dtype ${src.dtype} in the state dict, ${t.dtype} in the model`);
      }
    }
    const unexpected = Object.keys(state).filter((k) => !(k in own));
    const problems: string[] = [];
    if (mismatched.length > 0) problems.push(`mismatched: ${mismatched.join('; ')}`);
    if (strict && missing.length > 0) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    if (problems.length > 0) throw new Error(`loadStateDict: state dict does not match ${this.typeName}: ${problems.join('; ')}`);
    withoutGrad(() => {
      for (const [key, t] of Object.entries(own)) {
        const src = state[key];
        if (src !== undefined) t.copyFrom(src);
      }
    });
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  /**
   * Parameter counts: total, trainable (requiresGrad) and frozen.
   * @returns the three counts.
   */
  parameterCount(): ParameterCount {
    let total = 0;
    let trainable = 0;
    for (const p of this.parameters()) {
      total += p.size;
      if (p.requiresGrad) trainable += p.size;
    }
    return { total, trainable, frozen: total - trainable };
  }

  /**
   * A table of the module tree: one row per module with its type, its own parameter shapes and
   * count, and totals at the bottom.
   * @returns multi-line text.
   */
  summary(): string {
    const rows: [string, string, string, string][] = [['name', 'type', 'parameters', 'count']];
    for (const [path, m] of this.namedModules()) {
      const own = m.namedOwnParameters();
      const shapes = own.map(([n, p]) => `${n}${fmt(p.shape)}${p.requiresGrad ? '' : ' (frozen)'}`).join(' ');
      const count = own.reduce((s, [, p]) => s + p.size, 0);
      rows.push([path === '' ? '(root)' : path, m.typeName, shapes, count === 0 ? '' : count.toLocaleString('en-US')]);
    }
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
    const line = (r: string[]): string => r.map((s, c) => (c === 3 ? s.padStart(widths[c]!) : s.padEnd(widths[c]!))).join('  ').trimEnd();
    const { total, trainable, frozen } = this.parameterCount();
    const sep = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 6);
    return [
      line(rows[0]!), sep, ...rows.slice(1).map(line), sep,
      `Total parameters: ${total.toLocaleString('en-US')}`,
      `Trainable parameters: ${trainable.toLocaleString('en-US')}`,
      `Frozen parameters: ${frozen.toLocaleString('en-US')}`,
    ].join('\n');
  }

  /** A nested description like PyTorch's `print(model)`. */
  toString(): string {
    const kids = this.namedChildren();
    const head = `${this.typeName}(${this.extraRepr()}`;
    if (kids.length === 0) return `${head})`;
    const inner = kids.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`).join('\n');
    return `${head}\n${inner}\n)`;
  }
}

function dtypeKind(d: string): string {
  return d === 'float32' || d === 'float64' ? 'float' : d;
}

/**
 * A copy of a state dict whose tensors do not share storage with the model (a snapshot).
 * @param state - the state dict to copy.
 * @returns a new record with cloned, detached tensors.
 * @example
 * ```ts
 * const model = new Linear(2, 1);
 * const best = cloneStateDict(model.stateDict());
 * init.zeros(model.weight); // ... train more ...
 * model.loadStateDict(best);
 * equal(model.weight, best['weight']!); // true
 * ```
 */
export function cloneStateDict(state: StateDict): StateDict {
  const out: StateDict = {};
  withoutGrad(() => {
    for (const [k, t] of Object.entries(state)) out[k] = t.detach().clone();
  });
  return out;
}

/**
 * A list of modules whose parameters are registered under `0`, `1`, ... (`layers.0.weight`).
 * It has no `forward`; iterate it in your own module's forward.
 * @example
 * ```ts
 * const layers = new ModuleList([new Linear(2, 4), new Linear(4, 1)]);
 * layers.length;                             // 2
 * layers.namedParameters()[0]![0];           // '0.weight'
 * ```
 */
export class ModuleList extends Module implements Iterable<Module> {
  private readonly items: Module[];

  /** @param modules - initial modules. */
  constructor(modules: Iterable<Module> = []) {
    super();
    this.items = [];
    for (const m of modules) this.push(m);
  }

  /**
   * Append a module.
   * @param m - the module.
   * @returns `this`.
   */
  push(m: Module): this {
    if (!(m instanceof Module)) throw new TypeError(`ModuleList.push: expected a Module, got ${typeof m}`);
    this.items.push(m);
    return this;
  }

  /**
   * The module at index `i` (negative counts from the end).
   * @param i - the index.
   * @returns the module.
   */
  at(i: number): Module {
    const j = i < 0 ? i + this.items.length : i;
    const m = this.items[j];
    if (m === undefined) throw new RangeError(`ModuleList.at: index ${i} out of range for length ${this.items.length}`);
    return m;
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  /** Iterate the modules in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }

  override namedChildren(): [string, Module][] {
    return this.items.map((m, i) => [String(i), m]);
  }

  /** A ModuleList cannot be called; iterate it instead. */
  forward(): Tensor {
    throw new Error('ModuleList.forward: a ModuleList has no forward; iterate over it in your own module');
  }
}

/**
 * Modules applied one after another: `forward(x) = mₙ(…m₂(m₁(x)))`.
 * @example
 * ```ts
 * const model = new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 1));
 * model.forward(zeros([5, 2])).shape; // [5, 1]
 * ```
 */
export class Sequential extends Module {
  private readonly items: Module[];

  /** @param modules - the stages, in order. */
  constructor(...modules: Module[]) {
    super();
    for (const [i, m] of modules.entries()) {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module (got ${typeof m})`);
    }
    this.items = modules;
  }

  /**
   * The stage at index `i` (negative counts from the end).
   * @param i - the index.
   * @returns the module.
   */
  at(i: number): Module {
    const j = i < 0 ? i + this.items.length : i;
    const m = this.items[j];
    if (m === undefined) throw new RangeError(`Sequential.at: index ${i} out of range for length ${this.items.length}`);
    return m;
  }

  /** Number of stages. */
  get length(): number {
    return this.items.length;
  }

  override namedChildren(): [string, Module][] {
    return this.items.map((m, i) => [String(i), m]);
  }

  /**
   * Apply every stage in order. Adjacent stages with a fused kernel (`Linear` then `ReLU`, both with
   * their own `forward`) run as one op when the fused kernels are on; the result is the same.
   * @param x - the input.
   * @returns the last stage's output.
   */
  forward(x: Tensor): Tensor {
    const items = this.items, n = items.length;
    let h = x;
    for (let i = 0; i < n; i++) {
      const m = items[i]!;
      if (i + 1 < n) {
        const fused = m._forwardFused(h, items[i + 1]!);
        if (fused !== null) {
          h = fused;
          i++;
          continue;
        }
      }
      h = m.forward(h);
    }
    return h;
  }
}
