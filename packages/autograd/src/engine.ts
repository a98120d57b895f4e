/**
 * The reverse-mode engine: graph nodes, recording, `backward`, `gradients`, hooks, grad modes,
 * saved-tensor version checks and anomaly mode.
 *
 * There is no global tape. Each recorded op creates a {@link GradNode} that the op's output points to
 * (`tensor.gradFn`); a node points to the nodes (or leaf tensors) of its inputs. `backward` walks the
 * nodes reachable from the root in reverse creation order, so the graph is exactly what the tensors
 * keep alive, and after a backward without `retainGraph` every visited node drops its saved tensors.
 * @module
 */
import {
  type DType, type OpAttrs, type OpName, Tensor, fmt, isFloat, isGradEnabled, setAutogradHooks,
  setGradEnabled, setOpObserver,
} from '@gd/tensor';
import { type AnyRule, type RuleCtx, sumToShape } from './rule.js';
import { rules } from './rules/index.js';

// ------------------------------------------------------------------ nodes

let seqCounter = 0;
const NO_NEEDS: readonly boolean[] = Object.freeze([]) as readonly boolean[];

/**
 * One recorded op in the graph: what `tensor.gradFn` holds for a non-leaf tensor.
 *
 * Fields are public for the engine and for debugging; treat them as read-only.
 */
export class GradNode implements RuleCtx<any> {
  /** The op's name (a key of `OpAttrs`, or a custom function's name). */
  readonly op: string;
  /** The gradient rule. */
  readonly rule: AnyRule;
  /** The op's attributes (`null` once freed). */
  attrs: any;
  /**
   * For each input: its node, the leaf tensor itself, or `null` when it needs no gradient. Emptied
   * when the node is freed, so a loss kept after backward (say, in a list for logging) keeps one
   * node alive, not the whole graph.
   */
  next: readonly (GradNode | Tensor | null)[];
  /** Saved inputs (empty when the rule does not save them or after freeing). */
  inputs: readonly Tensor[];
  /** Saved output (`null` when not saved or after freeing). */
  output: Tensor;
  /** Input shapes. */
  readonly inShapes: readonly (readonly number[])[];
  /** Input dtypes. */
  readonly inDtypes: readonly DType[];
  /** Output shape. */
  readonly outShape: readonly number[];
  /** Output dtype. */
  readonly outDtype: DType;
  /** Versions of the saved inputs (and, last, of the output) when they were saved. */
  versions: number[] | null;
  /** Versions of the tensors in the attributes the rule reads (`rule.attrTensors`). */
  attrVersions: number[] | null = null;
  /** Creation order: a node's inputs always have smaller numbers. */
  readonly seq: number;
  /** Where the op was created (only in anomaly mode). */
  readonly stack: string | undefined;
  /** True once a backward without `retainGraph` has run through this node. */
  freed = false;
  /** The non-leaf tensor this node produced, when it has hooks or retains its gradient. */
  hookTensor: Tensor | null = null;
  /** Which input gradients the current backward wants. */
  needs: readonly boolean[] = NO_NEEDS;
  /** @internal Gradient accumulated for this node's output during a backward. */
  _g: Tensor | null = null;
  /** @internal Traversal mark. */
  _mark = 0;
  /** @internal Whether the current backward needs this node. */
  _needed = false;

  /**
   * Record one op (the engine calls this through `attach`).
   * @param op - the op's name.
   * @param rule - its gradient rule.
   * @param attrs - its attributes.
   * @param inputs - its inputs.
   * @param output - its output.
   * @param ownsInputs - `inputs` is a fresh list that nothing else holds, so a rule that saves the
   *   inputs may keep the list itself instead of a copy.
   */
  constructor(op: string, rule: AnyRule, attrs: unknown, inputs: readonly Tensor[], output: Tensor, ownsInputs = false) {
    this.op = op;
    this.rule = rule;
    this.attrs = attrs;
    const n = inputs.length;
    const saveIn = rule.saveInputs, saveOut = rule.saveOutput;
    // One and two inputs (nearly every op) build their lists as literals: no per-element stores into
    // a holey array, no loop. Version lists hold the saved inputs' versions, then the output's.
    if (n === 1) {
      const a = inputs[0]!;
      this.next = [edgeOf(a)];
      this.inShapes = [a.shape];
      this.inDtypes = [a.dtype];
      this.versions = saveIn
        ? (saveOut ? [a._version.value, output._version.value] : [a._version.value])
        : saveOut ? [output._version.value] : null;
    } else if (n === 2) {
      const a = inputs[0]!, b = inputs[1]!;
      this.next = [edgeOf(a), edgeOf(b)];
      this.inShapes = [a.shape, b.shape];
      this.inDtypes = [a.dtype, b.dtype];
      this.versions = saveIn
        ? (saveOut ? [a._version.value, b._version.value, output._version.value] : [a._version.value, b._version.value])
        : saveOut ? [output._version.value] : null;
    } else {
      const next = new Array<GradNode | Tensor | null>(n);
      const inShapes = new Array<readonly number[]>(n);
      const inDtypes = new Array<DType>(n);
      for (let i = 0; i < n; i++) {
        const t = inputs[i]!;
        next[i] = edgeOf(t);
        inShapes[i] = t.shape;
        inDtypes[i] = t.dtype;
      }
      this.next = next;
      this.inShapes = inShapes;
      this.inDtypes = inDtypes;
      if (saveIn || saveOut) {
        const v: number[] = [];
        if (saveIn) for (let i = 0; i < n; i++) v.push(inputs[i]!._version.value);
        if (saveOut) v.push(output._version.value);
        this.versions = v;
      } else this.versions = null;
    }
    this.outShape = output.shape;
    this.outDtype = output.dtype;
    this.inputs = saveIn ? (ownsInputs ? inputs : inputs.slice()) : EMPTY;
    this.output = (saveOut ? output : null) as Tensor;
    const at = rule.attrTensors;
    if (at !== undefined) {
      const v: number[] = [];
      for (const k of at) v.push((attrs as Record<PropertyKey, Tensor>)[k]!._version.value);
      this.attrVersions = v;
    }
    this.seq = ++seqCounter;
    this.stack = anomalyOn ? captureStack() : undefined;
  }

  /** Drop everything saved for backward. */
  free(): void {
    this.inputs = EMPTY;
    this.output = null as unknown as Tensor;
    this.attrs = null;
    this.versions = null;
    this.attrVersions = null;
    this.next = EMPTY_EDGES;
    this.hookTensor = null;
    this.freed = true;
  }
}

/** What a node's edge to input `t` is: its node, the leaf itself, or `null` when it needs no gradient. */
function edgeOf(t: Tensor): GradNode | Tensor | null {
  return t.requiresGrad ? ((t.gradFn as GradNode | null) ?? t) : null;
}

const EMPTY: readonly Tensor[] = Object.freeze([]) as readonly Tensor[];
const EMPTY_EDGES: readonly (GradNode | Tensor | null)[] = Object.freeze([]) as readonly (GradNode | Tensor | null)[];

/** Per-tensor autograd state, kept in `tensor._autograd`. */
interface TensorState {
  hooks: ((g: Tensor) => Tensor | void)[];
  retain: boolean;
}

function stateOf(t: Tensor): TensorState {
  let s = t._autograd as TensorState | null;
  if (s === null) {
    s = { hooks: [], retain: false };
    t._autograd = s;
  }
  return s;
}

// ------------------------------------------------------------------ recording

/**
 * Attach a node for `op` to `output`. Called by the op observer (built-in ops) and by custom functions.
 * @internal
 */
export function attach(op: string, rule: AnyRule, inputs: readonly Tensor[], output: Tensor, attrs: unknown, ownsInputs = false): GradNode {
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i] === output) throw new Error(`${op}: internal error: an op recorded one of its inputs as its output`);
  }
  if (!isFloat(output.dtype)) {
    throw new TypeError(`${op}: cannot record an op with a ${output.dtype} output for differentiation`);
  }
  const node = new GradNode(op, rule, attrs, inputs, output, ownsInputs);
  output.requiresGrad = true;
  output.gradFn = node;
  if (anomalyOn) checkForward(node, inputs, output);
  return node;
}

setOpObserver({
  record<K extends OpName>(op: K, inputs: readonly Tensor[], output: Tensor, attrs: OpAttrs[K], ownsInputs?: boolean): void {
    attach(op, rules[op] as AnyRule, inputs, output, attrs, ownsInputs === true);
  },
});

// ------------------------------------------------------------------ grad modes

/**
 * Run `fn` with gradient recording off: no op inside is recorded, so nothing inside can be
 * differentiated and no graph memory is held. Use it for evaluation and parameter updates.
 * @param fn - the code to run (synchronous).
 * @returns what `fn` returns.
 * @example
 * ```ts
 * const w = tensor([1, 2]).requiresGrad_();
 * const y = noGrad(() => w.mul(2));
 * y.requiresGrad; // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/**
 * Run `fn` with gradient recording on, even inside {@link noGrad}.
 * @param fn - the code to run (synchronous).
 * @returns what `fn` returns.
 * @example
 * ```ts
 * const w = tensor([1, 2]).requiresGrad_();
 * noGrad(() => enableGrad(() => w.mul(2))).requiresGrad; // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

export { isGradEnabled, setGradEnabled };

// ------------------------------------------------------------------ anomaly mode

let anomalyOn = false;

/**
 * Switch anomaly mode on or off. In anomaly mode every recorded op checks its output, and every
 * gradient rule its results, for NaN and ±Infinity, and throws at the first one, naming the op and
 * the place in your code that created it. Creation sites are captured (`new Error().stack`) only
 * while the mode is on; it slows recording down, so use it to debug.
 * @param on - the new setting.
 * @returns the previous setting.
 * @example
 * ```ts
 * const prev = setDetectAnomaly(true);
 * const x = tensor([4, 9]).requiresGrad_();
 * try { x.sqrt().sum().backward(); } finally { setDetectAnomaly(prev); }
 * x.grad!.toArray(); // [0.25, 0.16666667]
 * ```
 */
export function setDetectAnomaly(on: boolean): boolean {
  const prev = anomalyOn;
  anomalyOn = on;
  return prev;
}

/**
 * Whether anomaly mode is on.
 * @returns the current setting.
 * @example
 * ```ts
 * isAnomalyEnabled(); // false
 * ```
 */
export function isAnomalyEnabled(): boolean {
  return anomalyOn;
}

/**
 * Run `fn` (forward and backward) with anomaly mode on; see {@link setDetectAnomaly}.
 * @param fn - the code to run (synchronous).
 * @returns what `fn` returns.
 * @example
 * ```ts
 * const x = tensor([-1]).requiresGrad_();
 * detectAnomaly(() => x.log().sum().backward()); // throws: anomaly: 'log' produced NaN ...
 * ```
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = setDetectAnomaly(true);
  try {
    return fn();
  } finally {
    setDetectAnomaly(prev);
  }
}

/** Frames inside @gd/tensor and @gd/autograd (but not their tests), dependencies and Node itself. */
const INTERNAL_FRAME = /[\\/]packages[\\/](tensor|autograd)[\\/](src|dist)[\\/](?![^:]*\.test\.)|[\\/]node_modules[\\/]|node:internal|\(native\)/;

function captureStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const raw = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const lines = raw.split('\n').slice(1).map((l) => l.trim()).filter((l) => l.startsWith('at '));
  const user = lines.filter((l) => !INTERNAL_FRAME.test(l));
  return (user.length > 0 ? user : lines).slice(0, 8).join('\n    ');
}

/** 'NaN', 'Infinity' or '-Infinity' for the first non-finite element, or null. */
function firstNonFinite(t: Tensor): { kind: string; index: number } | null {
  if (!isFloat(t.dtype)) return null;
  const d = t.data();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) return { kind: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity', index: i };
  }
  return null;
}

function site(node: GradNode): string {
  return node.stack !== undefined ? `\n  the op was created at:\n    ${node.stack}` : '';
}

function checkForward(node: GradNode, inputs: readonly Tensor[], output: Tensor): void {
  const bad = firstNonFinite(output);
  if (bad === null) return;
  const badIn = inputs.findIndex((t) => firstNonFinite(t) !== null);
  const why = badIn >= 0 ? ` (its input ${badIn} already contained non-finite values)` : '';
  throw new Error(
    `anomaly: '${node.op}' produced ${bad.kind} in forward at flat index ${bad.index} of its output of shape ${fmt(output.shape)}${why}${site(node)}`,
  );
}

function checkBackward(node: GradNode, g: Tensor, i: number): void {
  const bad = firstNonFinite(g);
  if (bad === null) return;
  throw new Error(
    `anomaly: backward of '${node.op}' produced ${bad.kind} in the gradient of its input ${i} (shape ${fmt(g.shape)}, flat index ${bad.index})${site(node)}`,
  );
}

// ------------------------------------------------------------------ hooks and retainGrad

/** What {@link registerHook} returns. */
export interface HookHandle {
  /** Unregister the hook (later backward passes no longer call it). */
  remove(): void;
}

function requireGradFor(op: string, t: Tensor): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  if (!t.requiresGrad) throw new Error(`${op}: tensor of shape ${fmt(t.shape)} does not require grad`);
}

/**
 * Register a gradient hook on `t` (also available as `t.registerHook(fn)`): during backward `fn` is
 * called with the total gradient of `t`; returning a tensor of the same shape replaces the gradient.
 * @param t - a tensor that requires grad (leaf or not).
 * @param fn - the hook.
 * @returns a handle whose `remove()` unregisters the hook.
 * @example
 * ```ts
 * const x = tensor([1, 2]).requiresGrad_();
 * x.registerHook((g) => g.mul(10));
 * x.mul(3).sum().backward();
 * x.grad!.toArray(); // [30, 30]
 * ```
 */
export function registerHook(t: Tensor, fn: (grad: Tensor) => Tensor | void): HookHandle {
  requireGradFor('registerHook', t);
  if (typeof fn !== 'function') throw new TypeError('registerHook: hook must be a function');
  const s = stateOf(t);
  s.hooks.push(fn);
  if (t.gradFn !== null) (t.gradFn as GradNode).hookTensor = t;
  return {
    remove(): void {
      const i = s.hooks.indexOf(fn);
      if (i >= 0) s.hooks.splice(i, 1);
    },
  };
}

/**
 * Keep the gradient of a non-leaf tensor in its `.grad` (also available as `t.retainGrad()`); on a
 * leaf it does nothing (leaves always keep theirs).
 * @param t - a tensor that requires grad.
 * @example
 * ```ts
 * const x = tensor([1, 2]).requiresGrad_();
 * const y = x.mul(2).retainGrad();
 * y.sum().backward();
 * y.grad!.toArray(); // [1, 1]
 * ```
 */
export function retainGrad(t: Tensor): void {
  requireGradFor('retainGrad', t);
  if (t.gradFn === null) return;
  stateOf(t).retain = true;
  (t.gradFn as GradNode).hookTensor = t;
}

function runHooks(t: Tensor, g: Tensor): Tensor {
  const s = t._autograd as TensorState | null;
  if (s === null) return g;
  for (const fn of s.hooks.slice()) {
    const r = fn(g);
    if (r !== undefined && r !== null) {
      if (!(r instanceof Tensor)) throw new TypeError(`registerHook: a hook returned ${typeof r}, expected a Tensor or nothing`);
      if (r.shape.length !== g.shape.length || r.shape.some((n, i) => n !== g.shape[i])) {
        throw new RangeError(`registerHook: a hook returned a gradient of shape ${fmt(r.shape)} for a tensor of shape ${fmt(g.shape)}`);
      }
      g = r;
    }
  }
  return g;
}

/**
 * Store a gradient into `t.grad`, adding to what is there. A first gradient is copied so it never
 * aliases, unless `fresh` says the backward pass owns it outright (then it is adopted as it is).
 */
function accumulateInto(t: Tensor, g: Tensor, fresh: boolean): void {
  if (g.dtype !== t.dtype) g = g.to(t.dtype);
  if (t.grad === null) t.grad = fresh && g.isContiguous() ? g : g.clone();
  else t.grad = t.grad.add(g);
}

// ------------------------------------------------------------------ backward

/** Options of `tensor.backward()`, {@link backward} and {@link gradients}. */
export interface BackwardOptions {
  /** Keep the graph (its saved tensors) so another backward can run through it. Defaults to `createGraph`. */
  retainGraph?: boolean;
  /** Record the backward pass, so the gradients can be differentiated again (higher order). */
  createGraph?: boolean;
}

let markCounter = 0;

function checkFreed(node: GradNode): void {
  if (node.freed) {
    throw new Error(
      `backward: trying to backward through the graph a second time (the '${node.op}' node was freed by an earlier backward); ` +
        'pass { retainGraph: true } to the first backward() (or gradients()) to keep the graph',
    );
  }
}

function checkVersions(node: GradNode): void {
  const av = node.attrVersions;
  if (av !== null) {
    node.rule.attrTensors!.forEach((k, i) => {
      const t = (node.attrs as Record<PropertyKey, Tensor>)[k]!;
      if (t._version.value !== av[i]) {
        throw new Error(
          `backward: the ${String(k)} tensor (shape ${fmt(t.shape)}) of '${node.op}' was modified in place after the op ran ` +
            `(version ${av[i]} at record time, now ${t._version.value})${site(node)}`,
        );
      }
    });
  }
  const v = node.versions;
  if (v === null) return;
  let k = 0;
  const ins = node.inputs;
  for (let i = 0; i < ins.length; i++, k++) {
    const now = ins[i]!._version.value;
    if (now !== v[k]) {
      throw new Error(
        `backward: input ${i} (shape ${fmt(ins[i]!.shape)}) saved by '${node.op}' for its gradient was modified in place ` +
          `(version ${v[k]} at record time, now ${now}); clone it before modifying, or modify it after backward${site(node)}`,
      );
    }
  }
  if (node.rule.saveOutput && node.output !== null) {
    const now = node.output._version.value;
    if (now !== v[k]) {
      throw new Error(
        `backward: the output (shape ${fmt(node.output.shape)}) of '${node.op}', saved for its gradient, was modified in place ` +
          `(version ${v[k]} at record time, now ${now}); clone it before modifying${site(node)}`,
      );
    }
  }
}

/** Nodes reachable from `roots`, marked with a fresh mark. */
// Helpers of `run`, kept at module level so a backward creates no closures.
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function newestFirst(a: GradNode, b: GradNode): number {
  return b.seq - a.seq;
}

type LeafGrad = { g: Tensor; fresh: boolean; builtin: boolean };

function addLeaf(leafGrads: Map<Tensor, LeafGrad>, leaf: Tensor, g: Tensor, builtin = false): void {
  const cur = leafGrads.get(leaf);
  if (cur === undefined) leafGrads.set(leaf, { g, fresh: false, builtin });
  else {
    cur.g = cur.g.add(g);
    cur.fresh = true;
  }
}

/**
 * Ownership of a leaf's single gradient (avoids cloning it into `.grad`): the gradient came from a
 * built-in rule (custom backward functions may return tensors they keep), owns its whole storage, and
 * that storage is neither guarded (a seed, an upstream gradient, a saved input/output or attribute of a
 * node, a leaf) nor shared with another leaf's gradient.
 */
function ownedLeafGrads(leafGrads: Map<Tensor, LeafGrad>, guarded: unknown[]): void {
  // The guarded storages are a plain list (pushing costs no hashing); a small graph is checked by
  // scanning it, a large one through a Set built once.
  const lgs: LeafGrad[] = [];
  for (const [leaf, lg] of leafGrads) {
    guarded.push(leaf.storage);
    lgs.push(lg);
  }
  const n = lgs.length;
  const big = n > 16 || guarded.length * n > 4096;
  const guardSet = big ? new Set<unknown>(guarded) : null;
  let counts: Map<unknown, number> | null = null;
  if (big) {
    counts = new Map();
    for (let i = 0; i < n; i++) counts.set(lgs[i]!.g.storage, (counts.get(lgs[i]!.g.storage) ?? 0) + 1);
  }
  for (let i = 0; i < n; i++) {
    const lg = lgs[i]!;
    const g = lg.g;
    if (lg.fresh || !lg.builtin) continue;
    const st = g.storage;
    if (g.offset !== 0 || st.length !== g.size || !g.isContiguous()) continue;
    let shared = false;
    if (counts !== null) shared = counts.get(st) !== 1;
    else for (let j = 0; j < n && !shared; j++) shared = j !== i && lgs[j]!.g.storage === st;
    if (shared) continue;
    if (guardSet !== null ? guardSet.has(st) : guarded.includes(st)) continue;
    lg.fresh = true;
  }
}

function guardNode(guarded: unknown[], node: GradNode, g: Tensor): void {
  guarded.push(g.storage);
  const ins = node.inputs;
  for (let i = 0; i < ins.length; i++) guarded.push(ins[i]!.storage);
  if (node.output !== null) guarded.push(node.output.storage);
  const keys = node.rule.attrTensors;
  if (keys !== undefined && node.attrs !== null) for (const k of keys) {
    const t = (node.attrs as Record<PropertyKey, unknown>)[k];
    if (t instanceof Tensor) guarded.push(t.storage);
  }
}

function collect(roots: readonly GradNode[]): GradNode[] {
  const mark = ++markCounter;
  const out: GradNode[] = [];
  const stack: GradNode[] = [];
  for (const r of roots) {
    if (r._mark !== mark) { r._mark = mark; stack.push(r); }
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    const next = n.next;
    for (let i = 0; i < next.length; i++) {
      const e = next[i];
      if (e instanceof GradNode && e._mark !== mark) {
        e._mark = mark;
        stack.push(e);
      }
    }
  }
  return out;
}

/**
 * The shared core of `backward` and `gradients`.
 * @param targets - when given, only gradients for these tensors are computed and returned (no `.grad`
 *   is touched); otherwise every leaf that requires grad accumulates into `.grad`.
 */
function run(
  op: string,
  roots: readonly Tensor[],
  rootGrads: readonly (Tensor | undefined | null)[],
  opts: BackwardOptions,
  targets: readonly Tensor[] | null,
): (Tensor | null)[] | null {
  const createGraph = opts.createGraph === true;
  const retainGraph = opts.retainGraph ?? createGraph;
  // Validate roots and their gradients.
  const seeds: Tensor[] = [];
  for (let r = 0; r < roots.length; r++) {
    const t = roots[r]!;
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: output ${r} is not a Tensor`);
    if (!t.requiresGrad) {
      throw new Error(
        `${op}: output ${roots.length > 1 ? `${r} ` : ''}of shape ${fmt(t.shape)} does not require grad: no op that produced it was recorded ` +
          '(mark an input with requiresGrad_(), and do not compute it under noGrad)',
      );
    }
    let g = rootGrads[r];
    if (g === undefined || g === null) {
      if (t.size !== 1) {
        throw new Error(
          `${op}: a gradient can be created implicitly only for an output with one element; output ${roots.length > 1 ? `${r} ` : ''}has shape ${fmt(t.shape)}, pass a gradient of that shape`,
        );
      }
      g = Tensor._empty(t.shape, t.dtype);
      g.storage[0] = 1;
    } else {
      if (!(g instanceof Tensor)) throw new TypeError(`${op}: gradient must be a Tensor`);
      if (!sameShape(g.shape, t.shape)) {
        throw new RangeError(`${op}: gradient of shape ${fmt(g.shape)} does not match the output's shape ${fmt(t.shape)}`);
      }
      if (!isFloat(g.dtype)) throw new TypeError(`${op}: gradient must be floating point, got ${g.dtype}`);
    }
    seeds.push(g);
  }
  if (targets !== null) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (!(t instanceof Tensor)) throw new TypeError(`${op}: input ${i} is not a Tensor`);
      if (!t.requiresGrad) {
        throw new Error(`${op}: input ${i} (shape ${fmt(t.shape)}) does not require grad, so it has no gradient; call requiresGrad_() on it before computing the outputs`);
      }
    }
  }

  const prevGrad = setGradEnabled(createGraph);
  const rootNodes: GradNode[] = [];
  for (const t of roots) if (t.gradFn !== null) rootNodes.push(t.gradFn as GradNode);
  const nodes = collect(rootNodes);
  nodes.sort(newestFirst);
  // Targets: which nodes/leaves we want gradients for.
  const targetIndex = new Map<GradNode | Tensor, number[]>();
  if (targets !== null) {
    targets.forEach((t, i) => {
      const key = (t.gradFn as GradNode | null) ?? t;
      const l = targetIndex.get(key);
      if (l === undefined) targetIndex.set(key, [i]);
      else l.push(i);
    });
    // A node is needed when it is a target or leads to one; `next` points to older nodes, so walk oldest first.
    for (let k = nodes.length - 1; k >= 0; k--) {
      const n = nodes[k]!;
      let needed = targetIndex.has(n);
      const next = n.next;
      for (let i = 0; i < next.length && !needed; i++) {
        const e = next[i];
        if (e instanceof GradNode) needed = e._needed;
        else if (e !== null) needed = targetIndex.has(e);
      }
      n._needed = needed;
    }
  } else {
    for (const n of nodes) n._needed = true;
  }

  const leafGrads = new Map<Tensor, LeafGrad>();
  // Storages a leaf's gradient must not take ownership of (see `ownedLeafGrads`); backward only.
  let guarded: unknown[] | null = null;
  if (targets === null && !createGraph) {
    guarded = [];
    for (let i = 0; i < seeds.length; i++) guarded.push(seeds[i]!.storage);
  }
  const results: (Tensor | null)[] | null = targets !== null ? new Array(targets.length).fill(null) : null;
  try {
    for (let r = 0; r < roots.length; r++) {
      const t = roots[r]!;
      let g = seeds[r]!;
      if (g.dtype !== t.dtype) g = g.to(t.dtype);
      if (t.gradFn === null) {
        if (targets === null || targetIndex.has(t)) addLeaf(leafGrads, t, g);
      } else {
        const n = t.gradFn as GradNode;
        n._g = n._g === null ? g : n._g.add(g);
      }
    }
    for (const node of nodes) {
      let g = node._g;
      node._g = null;
      if (g === null || !node._needed) continue;
      checkFreed(node);
      checkVersions(node);
      const ht = node.hookTensor;
      if (ht !== null) {
        g = runHooks(ht, g);
        const s = ht._autograd as TensorState | null;
        if (s !== null && s.retain && targets === null) accumulateInto(ht, g, false);
      }
      if (targets !== null) {
        const idx = targetIndex.get(node);
        if (idx !== undefined) for (const i of idx) results![i] = g;
      }
      const next = node.next;
      const needs = new Array<boolean>(next.length);
      let any = false;
      for (let i = 0; i < next.length; i++) {
        const e = next[i];
        const want = e instanceof GradNode ? e._needed : e !== null && (targets === null || targetIndex.has(e));
        needs[i] = want;
        if (want) any = true;
      }
      if (any) {
        node.needs = needs;
        if (guarded !== null) guardNode(guarded, node, g);
        const builtin = node.rule.freshGrads === true || (rules as Record<string, AnyRule>)[node.op] === node.rule;
        const grads = node.rule.vjp(g, node);
        for (let i = 0; i < next.length; i++) {
          if (!needs[i]) continue;
          let gi = grads[i];
          if (gi === null || gi === undefined) continue;
          gi = sumToShape(node.op, gi, node.inShapes[i]!, i);
          if (gi.dtype !== node.inDtypes[i]) gi = gi.to(node.inDtypes[i]!);
          if (anomalyOn) checkBackward(node, gi, i);
          const e = next[i]!;
          if (e instanceof GradNode) e._g = e._g === null ? gi : e._g.add(gi);
          else addLeaf(leafGrads, e, gi, builtin);
        }
        node.needs = NO_NEEDS;
      }
      if (!retainGraph) node.free();
    }
    if (guarded !== null) ownedLeafGrads(leafGrads, guarded);
    for (const [leaf, { g, fresh }] of leafGrads) {
      const h = runHooks(leaf, g);
      if (targets === null) accumulateInto(leaf, h, fresh && h === g);
      else for (const i of targetIndex.get(leaf)!) results![i] = h;
    }
  } finally {
    for (const n of nodes) n._g = null;
    setGradEnabled(prevGrad);
  }
  return results;
}

/**
 * Backpropagate from `t`: accumulate the gradient of `t` (times `gradient`) with respect to every
 * leaf that requires grad into the leaf's `.grad`. This is what `t.backward()` calls.
 * @param t - the output to differentiate.
 * @param gradient - the upstream gradient, of `t`'s shape; may be omitted when `t` has one element.
 * @param opts - `retainGraph`, `createGraph`.
 * @example
 * ```ts
 * const x = tensor([1, 2, 3]).requiresGrad_();
 * backward(x.square().sum());
 * x.grad!.toArray(); // [2, 4, 6]
 * ```
 */
export function backward(t: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  run('backward', [t], [gradient], opts ?? {}, null);
}

/** Options of {@link gradients}. */
export interface GradientsOptions extends BackwardOptions {
  /** Upstream gradients, one per output (each may be omitted for one-element outputs). */
  gradOutputs?: readonly (Tensor | undefined | null)[] | Tensor;
  /** Return zeros for an input the outputs do not depend on, instead of throwing. Default true. */
  allowUnused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned instead of accumulated into `.grad`
 * (PyTorch's `torch.autograd.grad`). Inputs may be leaves or intermediate tensors.
 * @param outputs - a tensor or a list of tensors to differentiate (their gradients are summed).
 * @param inputs - the tensors to differentiate with respect to; each must require grad.
 * @param opts - `gradOutputs`, `retainGraph`, `createGraph`, `allowUnused`.
 * @returns one gradient per input, of the input's shape (zeros for unused inputs).
 * @example
 * ```ts
 * const x = tensor([3]).requiresGrad_();
 * const [dx] = gradients(x.pow(3).sum(), [x], { createGraph: true });
 * dx!.toArray();                              // [27]
 * gradients(dx!.sum(), [x])[0]!.toArray();    // [18]
 * ```
 */
export function gradients(outputs: Tensor | readonly Tensor[], inputs: readonly Tensor[] | Tensor, opts: GradientsOptions = {}): Tensor[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const ins = inputs instanceof Tensor ? [inputs] : inputs;
  const go = opts.gradOutputs;
  const gos = go === undefined ? [] : go instanceof Tensor ? [go] : go;
  if (gos.length > outs.length) throw new RangeError(`gradients: got ${gos.length} gradOutputs for ${outs.length} outputs`);
  const res = run('gradients', outs, outs.map((_, i) => gos[i]), opts, ins)!;
  return res.map((g, i) => {
    if (g !== null) return g;
    if (opts.allowUnused === false) throw new Error(`gradients: input ${i} (shape ${fmt(ins[i]!.shape)}) was not used to compute the outputs`);
    return Tensor._empty(ins[i]!.shape, ins[i]!.dtype);
  });
}

/**
 * Clear the gradients of `params` (set `.grad` to `null`).
 * @param params - the tensors.
 * @example
 * ```ts
 * const w = tensor([1, 2]).requiresGrad_();
 * w.square().sum().backward();
 * zeroGrad([w]);
 * w.grad; // null
 * ```
 */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) p.grad = null;
}

setAutogradHooks({
  backward(t, gradient, opts) {
    run('backward', [t], [gradient], opts ?? {}, null);
  },
  retainGrad,
  registerHook,
});
