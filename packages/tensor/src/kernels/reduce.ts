/**
 * Generated reduction, scan and softmax loops.
 *
 * As with the elementwise kernels, every (op, input dtype, output dtype, loop order) gets its own
 * function built with `new Function`, so V8 sees one monomorphic loop per combination. A reduction is
 * described by an accumulator update (`step`) and a final expression (`fin`); the generator wraps it
 * in one of two loop orders:
 *
 * - **inner** (`'A'`): for each output element, walk the reduced dims and keep the accumulator in a
 *   local variable. Best when the reduced dims hold the smallest stride, e.g. reducing the last axis of
 *   a contiguous tensor, or reducing everything (one flat loop).
 * - **outer** (`'B'`): walk the reduced dims outermost and the kept dims innermost, updating a
 *   `Float64Array` of accumulators, one per output element. Best when a kept dim has the smallest
 *   stride, e.g. summing the rows of a contiguous matrix (`sum(0)`): memory is read in order.
 *
 * Accumulators are JS numbers (float64) in both orders, so float32 sums are computed in float64.
 * @module
 */
import type { TypedArray } from '../dtype.js';

/** How one reduction accumulates. Expressions see `x` (element), `a` (accumulator), `ai` (argument
 * index), `j` (flat index of `x` within the reduced dims), `m` (a per-output parameter), `n` (number of
 * reduced elements) and `p0` (a scalar parameter). */
export interface ReduceSpec {
  /** Initial accumulator value (a JS expression). */
  init: string;
  /** Statement(s) folding `x` into `a` (and `ai` for index reductions). */
  step: string;
  /** Output expression from `a`, `ai`, `m`, `n`, `p0`. */
  fin: string;
  /** Whether the reduction tracks the index of the chosen element (argmax/argmin). */
  index?: boolean;
  /** Whether `step`/`fin` read the per-output parameter `m`. */
  usesM?: boolean;
}

/**
 * The reductions the ops layer uses, as {@link ReduceSpec}s. Keys are kernel names, not op names
 * (`var` folds squared deviations from a given mean; `lse` sums `exp(x - m)`; `norm*` are the p-norms).
 * @example
 * ```ts
 * REDUCE_SPECS.sum.step; // 'a += x;'
 * ```
 */
export const REDUCE_SPECS = {
  sum: { init: '0', step: 'a += x;', fin: 'a' },
  mean: { init: '0', step: 'a += x;', fin: 'a / n' },
  prod: { init: '1', step: 'a *= x;', fin: 'a' },
  prodInt: { init: '1', step: 'a = Math.imul(a, x);', fin: 'a' },
  max: { init: '-Infinity', step: 'if (x > a || x !== x) a = x;', fin: 'a' },
  min: { init: 'Infinity', step: 'if (x < a || x !== x) a = x;', fin: 'a' },
  argmax: { init: '-Infinity', step: 'if (x > a || (x !== x && a === a)) { a = x; ai = j; }', fin: 'ai', index: true },
  argmin: { init: 'Infinity', step: 'if (x < a || (x !== x && a === a)) { a = x; ai = j; }', fin: 'ai', index: true },
  all: { init: '1', step: 'if (x === 0) a = 0;', fin: 'a' },
  any: { init: '0', step: 'if (x !== 0) a = 1;', fin: 'a' },
  /** Sum of squared deviations from `m` (the mean), divided by `max(0, n - p0)` (p0 = correction). */
  var: { init: '0', step: 'const d = x - m; a += d * d;', fin: 'a / Math.max(0, n - p0)', usesM: true },
  /** `m + log(sum(exp(x - m)))`; `m` is the max with infinities replaced by 0. */
  lse: { init: '0', step: 'a += Math.exp(x - m);', fin: 'm + Math.log(a)', usesM: true },
  norm0: { init: '0', step: 'if (x !== 0) a += 1;', fin: 'a' },
  norm1: { init: '0', step: 'a += Math.abs(x);', fin: 'a' },
  norm2: { init: '0', step: 'a += x * x;', fin: 'Math.sqrt(a)' },
  normInf: { init: '0', step: 'const v = Math.abs(x); if (v > a || v !== v) a = v;', fin: 'a' },
  normNegInf: { init: 'Infinity', step: 'const v = Math.abs(x); if (v < a || v !== v) a = v;', fin: 'a' },
  normP: { init: '0', step: 'a += Math.pow(Math.abs(x), p0);', fin: 'Math.pow(a, 1 / p0)' },
} satisfies Record<string, ReduceSpec>;

/** A reduction kernel name. */
export type ReduceKernelName = keyof typeof REDUCE_SPECS;

/**
 * An input viewed as kept dims × reduced dims, each group collapsed (size-1 dims dropped, neighbours
 * merged where the strides allow) while keeping its logical row-major order, so the output flat index
 * and the reduced flat index `j` are those of the uncollapsed tensor.
 */
export interface ReducePlan {
  keepShape: number[];
  keepStrides: number[];
  redShape: number[];
  redStrides: number[];
  outSize: number;
  redSize: number;
  /** `'A'`: reduced dims innermost; `'B'`: kept dims innermost. */
  order: 'A' | 'B';
}

function pushDim(shape: number[], strides: number[], n: number, s: number): void {
  const last = shape.length - 1;
  if (last >= 0 && strides[last] === s * n) {
    shape[last]! *= n;
    strides[last] = s;
  } else {
    shape.push(n);
    strides.push(s);
  }
}

/**
 * Split `shape`/`strides` into kept and reduced groups and pick a loop order (see the module docs).
 * @param shape - the input's shape.
 * @param strides - the input's strides (any signs, zeros allowed).
 * @param axes - the reduced axes, sorted and non-negative.
 * @returns the {@link ReducePlan}.
 * @example
 * ```ts
 * planReduce([1000, 1000], [1000, 1], [0]).order; // 'B' (kept dim is contiguous)
 * planReduce([1000, 1000], [1000, 1], [1]).order; // 'A'
 * ```
 */
export function planReduce(shape: readonly number[], strides: readonly number[], axes: readonly number[]): ReducePlan {
  const keepShape: number[] = [];
  const keepStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  let outSize = 1;
  let redSize = 1;
  const reduced = new Array<boolean>(shape.length).fill(false);
  for (const a of axes) reduced[a] = true;
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (reduced[d]) redSize *= n;
    else outSize *= n;
    if (n === 1) continue;
    if (reduced[d]) pushDim(redShape, redStrides, n, strides[d]!);
    else pushDim(keepShape, keepStrides, n, strides[d]!);
  }
  let order: 'A' | 'B' = 'A';
  if (keepShape.length > 0 && redShape.length > 0) {
    const ks = Math.abs(keepStrides[keepStrides.length - 1]!);
    const rs = Math.abs(redStrides[redStrides.length - 1]!);
    // Walk the kept dims innermost when they are the ones laid out closest together in memory and the
    // innermost kept run is long enough to amortise the bookkeeping.
    if (ks !== 0 && (rs === 0 || ks < rs) && keepShape[keepShape.length - 1]! >= 4) order = 'B';
  }
  return { keepShape, keepStrides, redShape, redStrides, outSize, redSize, order };
}

/**
 * A generated reduction kernel: reads `X` from offset `xo` as described by `plan` and writes one
 * value per output element into `O` (row-major). `M` is the per-output parameter array (or `null`),
 * `p0` the scalar parameter.
 */
export type ReduceKernel = (
  X: TypedArray, xo: number, plan: ReducePlan, O: TypedArray | Float64Array, M: Float64Array | null, p0: number,
) => void;

const cache = new Map<string, ReduceKernel>();

/**
 * Build (or fetch) the kernel for `name` reading `inDtype` and writing `outDtype` in loop `order`.
 * The dtypes only key the cache: each combination gets its own function object and type feedback.
 * @param name - a key of {@link REDUCE_SPECS}.
 * @param order - `'A'` or `'B'`, normally `planReduce(...).order`.
 * @param inDtype - the input dtype.
 * @param outDtype - the output dtype (or any other tag for a scratch array).
 * @returns the kernel.
 * @example
 * ```ts
 * const plan = planReduce([2, 3], [3, 1], [1]);
 * const out = new Float64Array(2);
 * getReduceKernel('sum', plan.order, 'float64', 'float64')(new Float64Array([1, 2, 3, 4, 5, 6]), 0, plan, out, null, 0);
 * out; // Float64Array [6, 15]
 * ```
 */
export function getReduceKernel(name: ReduceKernelName, order: 'A' | 'B', inDtype: string, outDtype: string): ReduceKernel {
  // Looked up by name, then by a number for (order, dtypes): a call builds no key string.
  let byCode = quick.get(name);
  if (byCode === undefined) {
    byCode = [];
    quick.set(name, byCode);
  }
  const code = (order === 'A' ? 0 : 25) + 5 * dtypeIndex(inDtype) + dtypeIndex(outDtype);
  let k = byCode[code];
  if (k === undefined) {
    const key = `${name}|${order}|${inDtype}|${outDtype}`;
    k = cache.get(key);
    if (k === undefined) {
      const spec: ReduceSpec = REDUCE_SPECS[name];
      k = order === 'A' ? buildInner(spec, key) : buildOuter(spec, key);
      cache.set(key, k);
    }
    // Only the four dtypes get a slot; anything else (index 4) is looked up by its string each time.
    if (dtypeIndex(inDtype) < 4 && dtypeIndex(outDtype) < 4) byCode[code] = k;
  }
  return k;
}

const quick = new Map<string, (ReduceKernel | undefined)[]>();

function dtypeIndex(d: string): number {
  return d === 'float32' ? 0 : d === 'float64' ? 1 : d === 'int32' ? 2 : d === 'bool' ? 3 : 4;
}

function fnName(key: string): string {
  return 'reduce_' + key.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Reduced dims innermost: one accumulator in a local per output element. */
function buildInner(spec: ReduceSpec, key: string): ReduceKernel {
  const idx = spec.index === true;
  const body = `
"use strict";
return function ${fnName(key)}(X, xo, plan, O, M, p0) {
  const os = plan.keepShape, ost = plan.keepStrides, rs = plan.redShape, rst = plan.redStrides;
  const outSize = plan.outSize, n = plan.redSize;
  const ond = os.length, rnd = rs.length;
  const r0 = rnd > 0 ? rs[rnd - 1] : 1;
  const t0 = rnd > 0 ? rst[rnd - 1] : 0;
  let router = n === 0 ? 0 : 1;
  for (let d = 0; d < rnd - 1; d++) router *= rs[d];
  const ridx = new Int32Array(rnd + 1);
  const oidx = new Int32Array(ond + 1);
  let base = xo;
  for (let o = 0; o < outSize; o++) {
    ${spec.usesM ? 'const m = M[o];' : ''}
    let a = ${spec.init};
    ${idx ? 'let ai = 0; let j = 0;' : ''}
    let p = base;
    for (let k = 0; k < router; k++) {
      if (t0 === 1) {
        for (let i = 0; i < r0; i++) { const x = X[p + i]; ${spec.step} ${idx ? 'j++;' : ''} }
      } else {
        for (let i = 0; i < r0; i++) { const x = X[p + i * t0]; ${spec.step} ${idx ? 'j++;' : ''} }
      }
      for (let d = rnd - 2; d >= 0; d--) {
        ridx[d]++; p += rst[d];
        if (ridx[d] < rs[d]) break;
        ridx[d] = 0; p -= rst[d] * rs[d];
      }
    }
    O[o] = ${spec.fin};
    for (let d = ond - 1; d >= 0; d--) {
      oidx[d]++; base += ost[d];
      if (oidx[d] < os[d]) break;
      oidx[d] = 0; base -= ost[d] * os[d];
    }
  }
};`;
  return new Function(body)() as ReduceKernel;
}

/** Kept dims innermost: an array of accumulators updated while memory is read in order. */
function buildOuter(spec: ReduceSpec, key: string): ReduceKernel {
  const idx = spec.index === true;
  const body = `
"use strict";
return function ${fnName(key)}(X, xo, plan, O, M, p0) {
  const os = plan.keepShape, ost = plan.keepStrides, rs = plan.redShape, rst = plan.redStrides;
  const outSize = plan.outSize, n = plan.redSize;
  const ond = os.length, rnd = rs.length;
  const A = new Float64Array(outSize).fill(${spec.init});
  ${idx ? 'const AI = new Int32Array(outSize);' : ''}
  const o0 = os[ond - 1], s0 = ost[ond - 1];
  let oouter = 1;
  for (let d = 0; d < ond - 1; d++) oouter *= os[d];
  const ridx = new Int32Array(rnd + 1);
  const oidx = new Int32Array(ond + 1);
  let pr = xo;
  for (let j = 0; j < n; j++) {
    let p = pr;
    let o = 0;
    for (let k = 0; k < oouter; k++) {
      if (s0 === 1) {
        for (let i = 0; i < o0; i++, o++) {
          const x = X[p + i];
          ${spec.usesM ? 'const m = M[o];' : ''}
          let a = A[o];
          ${idx ? 'let ai = AI[o];' : ''}
          ${spec.step}
          A[o] = a;
          ${idx ? 'AI[o] = ai;' : ''}
        }
      } else {
        for (let i = 0; i < o0; i++, o++) {
          const x = X[p + i * s0];
          ${spec.usesM ? 'const m = M[o];' : ''}
          let a = A[o];
          ${idx ? 'let ai = AI[o];' : ''}
          ${spec.step}
          A[o] = a;
          ${idx ? 'AI[o] = ai;' : ''}
        }
      }
      for (let d = ond - 2; d >= 0; d--) {
        oidx[d]++; p += ost[d];
        if (oidx[d] < os[d]) break;
        oidx[d] = 0; p -= ost[d] * os[d];
      }
    }
    for (let d = rnd - 1; d >= 0; d--) {
      ridx[d]++; pr += rst[d];
      if (ridx[d] < rs[d]) break;
      ridx[d] = 0; pr -= rst[d] * rs[d];
    }
  }
  for (let o = 0; o < outSize; o++) {
    const a = A[o];
    ${idx ? 'const ai = AI[o];' : ''}
    ${spec.usesM ? 'const m = M[o];' : ''}
    O[o] = ${spec.fin};
  }
};`;
  return new Function(body)() as ReduceKernel;
}

// ------------------------------------------------------------------ along one axis

/**
 * A tensor seen as rows along one axis: the other dims (collapsed, with input and output strides) are
 * walked by an odometer, and each row is `len` elements with input stride `t` and output stride `u`.
 */
export interface RowPlan {
  /** Collapsed shape of the dims other than the axis. */
  outerShape: number[];
  /** Input strides of those dims. */
  inStrides: number[];
  /** Output strides of those dims. */
  outStrides: number[];
  /** Length of the axis. */
  len: number;
  /** Input stride along the axis. */
  t: number;
  /** Output stride along the axis. */
  u: number;
  /**
   * `'row'`: finish one row before the next (best when the axis has the smallest stride);
   * `'col'`: advance every row one step at a time, with per-row state in arrays, so memory is read
   * in order when another dim has the smaller stride (e.g. `softmax(x, 0)` of a contiguous matrix).
   */
  order: 'row' | 'col';
}

/** A generated per-row kernel (cumsum, softmax, logSoftmax). */
export type RowKernel = (X: TypedArray, xo: number, O: TypedArray, oo: number, plan: RowPlan) => void;

/**
 * Per-row kernels in `'row'` order: code run once per row, seeing `X`, `O`, the row's input and output
 * starts `p` and `q`, the strides `t`, `u`, the length `len` and a float64 scratch `S` of length `len`.
 */
const ROW_BODIES = {
  cumsum: `
      let s = 0;
      for (let i = 0; i < len; i++) { s += X[p + i * t]; O[q + i * u] = s; }`,
  cumsumInt: `
      let s = 0;
      for (let i = 0; i < len; i++) { s = (s + X[p + i * t]) | 0; O[q + i * u] = s; }`,
  softmax: `
      let m = -Infinity;
      for (let i = 0; i < len; i++) { const x = X[p + i * t]; if (x > m || x !== x) m = x; }
      let s = 0;
      for (let i = 0; i < len; i++) { const e = Math.exp(X[p + i * t] - m); S[i] = e; s += e; }
      const r = 1 / s;
      for (let i = 0; i < len; i++) O[q + i * u] = S[i] * r;`,
  logSoftmax: `
      let m = -Infinity;
      for (let i = 0; i < len; i++) { const x = X[p + i * t]; if (x > m || x !== x) m = x; }
      let s = 0;
      for (let i = 0; i < len; i++) s += Math.exp(X[p + i * t] - m);
      const c = m + Math.log(s);
      for (let i = 0; i < len; i++) O[q + i * u] = X[p + i * t] - c;`,
};

/**
 * The same kernels in `'col'` order: `init` runs once (per-row state arrays indexed by the row number
 * `o`), then each pass visits every element with `x` (its value), `o` and `Q` (its output position),
 * the axis running outermost; `between[k]` runs after pass `k` over every row `o`.
 */
const COL_BODIES: Record<RowKernelName, { init: string; passes: string[]; between: string[] }> = {
  cumsum: { init: 'const A = new Float64Array(outer);', passes: ['A[o] += x; O[Q] = A[o];'], between: [] },
  cumsumInt: { init: 'const A = new Int32Array(outer);', passes: ['A[o] = (A[o] + x) | 0; O[Q] = A[o];'], between: [] },
  softmax: {
    init: 'const M = new Float64Array(outer).fill(-Infinity); const A = new Float64Array(outer);',
    passes: ['const m = M[o]; if (x > m || x !== x) M[o] = x;', 'const e = Math.exp(x - M[o]); A[o] += e; O[Q] = e;', 'O[Q] *= A[o];'],
    between: ['', 'A[o] = 1 / A[o];'],
  },
  logSoftmax: {
    init: 'const M = new Float64Array(outer).fill(-Infinity); const A = new Float64Array(outer);',
    passes: ['const m = M[o]; if (x > m || x !== x) M[o] = x;', 'A[o] += Math.exp(x - M[o]);', 'O[Q] = x - A[o];'],
    between: ['', 'A[o] = M[o] + Math.log(A[o]);'],
  },
};

/** A per-row kernel name. */
export type RowKernelName = keyof typeof ROW_BODIES;

const rowCache = new Map<string, RowKernel>();

/**
 * Build (or fetch) the per-row kernel `name` for the given dtypes and loop order.
 * @param name - which kernel.
 * @param order - `'row'` or `'col'` (see {@link RowPlan.order}).
 * @param inDtype - the input dtype (keys the cache only).
 * @param outDtype - the output dtype (keys the cache only).
 * @returns a function computing the op from a {@link RowPlan}.
 * @example
 * ```ts
 * const k = getRowKernel('cumsum', 'row', 'float64', 'float64');
 * const out = new Float64Array(3);
 * k(new Float64Array([1, 2, 3]), 0, out, 0, { outerShape: [], inStrides: [], outStrides: [], len: 3, t: 1, u: 1, order: 'row' });
 * out; // Float64Array [1, 3, 6]
 * ```
 */
export function getRowKernel(name: RowKernelName, order: 'row' | 'col', inDtype: string, outDtype: string): RowKernel {
  const key = `${name}|${order}|${inDtype}|${outDtype}`;
  let k = rowCache.get(key);
  if (k === undefined) {
    const head = `
"use strict";
return function ${'row_' + key.replace(/[^A-Za-z0-9_]/g, '_')}(X, xo, O, oo, plan) {
  const os = plan.outerShape, ist = plan.inStrides, ost = plan.outStrides, len = plan.len, t = plan.t, u = plan.u;
  const nd = os.length;
  let outer = 1;
  for (let d = 0; d < nd; d++) outer *= os[d];
  if (len === 0 || outer === 0) return;
  const idx = new Int32Array(nd + 1);`;
    const odometer = (p: string, q: string, last: string): string => `
    for (let d = ${last}; d >= 0; d--) {
      idx[d]++; ${p} += ist[d]; ${q} += ost[d];
      if (idx[d] < os[d]) break;
      idx[d] = 0; ${p} -= ist[d] * os[d]; ${q} -= ost[d] * os[d];
    }`;
    let body: string;
    if (order === 'row') {
      body = `${head}
  const S = ${name === 'softmax' ? 'new Float64Array(len)' : 'null'};
  let p = xo, q = oo;
  for (let k = 0; k < outer; k++) {
    {${ROW_BODIES[name]}
    }${odometer('p', 'q', 'nd - 1')}
  }
};`;
    } else {
      const spec = COL_BODIES[name];
      const pass = (stmt: string) => `
  for (let i = 0; i < len; i++) {
    let p = xo + i * t, q = oo + i * u, o = 0;
    for (let k = 0; k < router; k++) {
      for (let r = 0; r < n0; r++, o++) { const x = X[p + r * s0]; const Q = q + r * v0; ${stmt} }${odometer('p', 'q', 'nd - 2')}
    }
  }`;
      body = `${head}
  const n0 = os[nd - 1], s0 = ist[nd - 1], v0 = ost[nd - 1];
  const router = outer / n0;
  ${spec.init}
  ${spec.passes.map((st, i) => pass(st) + (spec.between[i] ? `\n  for (let o = 0; o < outer; o++) { ${spec.between[i]} }` : '')).join('\n')}
};`;
    }
    k = new Function(body)() as RowKernel;
    rowCache.set(key, k);
  }
  return k;
}
