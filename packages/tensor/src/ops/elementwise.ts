/**
 * Elementwise ops: unary maths, broadcasting binary arithmetic, comparisons, logic, `where`, and the
 * in-place updates optimizers use. Forward kernels only; gradients live in `@gd/autograd`.
 * @module
 */
import { Tensor, type TensorLike } from '../tensor.js';
import {
  type DType, allocate, arithmeticType, castScalar, isDType, floatType, isFloat, promoteTypes, promoteWithScalar,
} from '../dtype.js';
import { broadcastShapes, contiguousStrides, fmt } from '../shape.js';
import { NO_ATTRS, isGradEnabled, record, record1, record2, shouldRecord } from '../dispatch.js';
import { type FlatKernel, type Kernel, collapse, getFlatKernel, getKernel } from '../kernels/elementwise.js';
import { getBackend } from '../kernels/backend.js';

// ------------------------------------------------------------------ operands

/**
 * Strides of `t` as seen from a broadcast output of shape `shape`: 0 for the leading dims `t` lacks
 * and for its size-1 dims, its own strides elsewhere.
 * @param t - the operand.
 * @param shape - the broadcast shape (must be one `t` broadcasts to).
 * @returns one stride per dim of `shape`.
 * @example
 * ```ts
 * broadcastStrides(zeros([3, 1]), [2, 3, 4]); // [0, 1, 0]
 * ```
 */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const nd = shape.length;
  const lead = nd - t.shape.length;
  const s = new Array<number>(nd);
  for (let d = 0; d < nd; d++) {
    if (d < lead) s[d] = 0;
    else s[d] = t.shape[d - lead] === 1 ? 0 : t.strides[d - lead]!;
  }
  return s;
}

/**
 * A 0-d tensor holding `v` converted to `dtype` (see `castScalar`).
 * @param v - the value.
 * @param dtype - its dtype.
 * @returns a fresh 0-d tensor.
 * @example
 * ```ts
 * scalar(2.7, 'int32').item(); // 2
 * ```
 */
export function scalar(v: number, dtype: DType): Tensor {
  const t = Tensor._empty([], dtype);
  t.storage[0] = castScalar(dtype, v);
  return t;
}

function checkOperand(op: string, x: unknown, pos: string): void {
  if (!(x instanceof Tensor) && typeof x !== 'number') {
    throw new TypeError(`${op}: ${pos} operand must be a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
  }
}

/** The common dtype of two operands (numbers are weak, see `promoteWithScalar`). */
function resultType(a: TensorLike, b: TensorLike): DType {
  if (a instanceof Tensor && b instanceof Tensor) return promoteTypes(a.dtype, b.dtype);
  if (a instanceof Tensor) return promoteWithScalar(a.dtype, b as number);
  if (b instanceof Tensor) return promoteWithScalar(b.dtype, a as number);
  return Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32';
}

/**
 * Refuse a JS integer an int32 operand cannot hold: converting it would wrap it (2^32 + 5 becomes 5),
 * and comparisons, `maximum`, `where` or fills would then silently answer for another number
 * (PyTorch raises the same way).
 */
function checkInt32Scalar(op: string, v: number, dtype: DType): void {
  if (dtype === 'int32' && !(v >= -2147483648 && v <= 2147483647)) {
    throw new RangeError(`${op}: scalar ${v} is outside the int32 range [-2147483648, 2147483647] of the int32 operand; cast the tensor to a float dtype first`);
  }
}

function asTensor(x: TensorLike, dtype: DType, op: string): Tensor {
  if (x instanceof Tensor) return x;
  checkInt32Scalar(op, x, dtype);
  return scalar(x, dtype);
}

// Ops a backend may take over (see kernels/backend.ts) when every operand is one flat contiguous run:
// arithmetic, unary maths, and @gd/autograd's fused gradient kernels of the same names.
const WASM_OPS = new Set([
  'add', 'sub', 'mul', 'div', 'neg', 'abs', 'relu', 'sqrt', 'square', 'exp', 'log', 'tanh', 'sigmoid',
  'vjp_relu', 'vjp_tanh', 'vjp_sigmoid', 'vjp_exp', 'vjp_log',
]);
// Binary ops a backend may take over with one operand broadcast (a scalar, a bias row, a column).
const WASM_BROADCAST_OPS = new Set(['add', 'sub', 'mul', 'div']);
const BACKEND_MIN = 2048;

/**
 * A broadcasting binary op over a collapsed 1-d or 2-d iteration space (row-major output, operands
 * with column stride 0 or 1) handed to the backend's `broadcast` kernel; false when it does not apply.
 */
function tryBroadcast(key: string, out: Tensor, inputs: readonly Tensor[], cs: number[], cstr: number[][]): boolean {
  const be = getBackend();
  if (be === null || be.broadcast === undefined || inputs.length !== 2 || (out.dtype !== 'float32' && out.dtype !== 'float64')) return false;
  const a = inputs[0]!, b = inputs[1]!;
  if (a.dtype !== out.dtype || b.dtype !== out.dtype) return false;
  const two = cs.length === 2;
  const m = two ? cs[0]! : 1, n = two ? cs[1]! : cs[0]!;
  const os = cstr[0]!, as = cstr[1]!, bs = cstr[2]!;
  if (two ? os[0] !== n || os[1] !== 1 : os[0] !== 1) return false;
  const ars = two ? as[0]! : 0, acs = two ? as[1]! : as[0]!;
  const brs = two ? bs[0]! : 0, bcs = two ? bs[1]! : bs[0]!;
  const o = (out.storage as Float32Array | Float64Array).subarray(out.offset, out.offset + m * n);
  return be.broadcast(key, o, a.storage as Float32Array | Float64Array, a.offset, ars, acs,
    b.storage as Float32Array | Float64Array, b.offset, brs, bcs, m, n);
}

function tryBackend(key: string, out: Tensor, inputs: readonly Tensor[], n: number, cstr: number[][]): boolean {
  const be = getBackend();
  if (be === null || be.elementwise === undefined || (out.dtype !== 'float32' && out.dtype !== 'float64')) return false;
  for (let i = 0; i < cstr.length; i++) if (cstr[i]![0] !== 1) return false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.dtype !== out.dtype) return false;
  const view = (t: Tensor) => (t.storage as Float32Array | Float64Array).subarray(t.offset, t.offset + n);
  return be.elementwise(key, view(out), view(inputs[0]!), inputs.length > 1 ? view(inputs[1]!) : null);
}

/** Whether a tensor of this shape and strides is laid out row-major without gaps (size-1 dims ignored). */
function isRowMajor(shape: readonly number[], strides: readonly number[]): boolean {
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    if (n !== 1 && strides[d] !== acc) return false;
    acc *= n;
  }
  return true;
}

/** Whether every stride is 0 (each element of the view is the same storage slot). */
function isSingleValue(strides: readonly number[]): boolean {
  for (let d = 0; d < strides.length; d++) if (strides[d] !== 0) return false;
  return true;
}

function dtypeCode(d: DType): number {
  return d === 'float32' ? 0 : d === 'float64' ? 1 : d === 'int32' ? 2 : 3;
}

/**
 * The common case of {@link runKernel} without any per-call arrays or strings: a row-major output and
 * inputs that are each row-major with the output's size (so element j of each is element j of the
 * output) or a single value (broadcast). Returns false (having done nothing) otherwise, or for
 * large operands a backend may want.
 */
function runFlat(key: string, expr: string, out: Tensor, inputs: readonly Tensor[], p0: number, p1: number): boolean {
  const n = out.size;
  const arity = inputs.length;
  if (arity === 0 || arity > 3 || n >= BACKEND_MIN || !isRowMajor(out.shape, out.strides)) return false;
  let mask = 0;
  let code = dtypeCode(out.dtype) + 4 * arity;
  for (let i = 0; i < arity; i++) {
    const t = inputs[i]!;
    // One value read once: a one-element tensor, or (n > 0) one expanded with every stride 0, such
    // as the gradient `sum` passes back.
    if (t.size === 1 || (n > 0 && t.size === n && isSingleValue(t.strides))) mask |= 1 << i;
    else if (t.size !== n || !isRowMajor(t.shape, t.strides)) return false;
    code = code * 4 + dtypeCode(t.dtype);
  }
  code = code * 8 + mask;
  const k = getFlatKernel(key, code, arity, expr, mask);
  const a = inputs[0]!;
  const b = arity > 1 ? inputs[1]! : null;
  const c = arity > 2 ? inputs[2]! : null;
  k(n, out.storage, out.offset, a.storage, a.offset, b === null ? null : b.storage, b === null ? 0 : b.offset,
    c === null ? null : c.storage, c === null ? 0 : c.offset, p0, p1);
  return true;
}

/**
 * Run a generated kernel writing into `out` (any strides) from inputs broadcast to `out.shape`.
 * `expr` is a JS expression over `x`, `y`, `z` (the inputs) and `p0`, `p1`; `key` names the op
 * and, with the dtypes, identifies the cached kernel.
 * @param key - the op's kernel name (one expression per key).
 * @param expr - the expression computed per element.
 * @param out - where results go (written through its strides).
 * @param inputs - up to three operands that broadcast to `out.shape`.
 * @param p0 - first scalar parameter.
 * @param p1 - second scalar parameter.
 * @returns nothing; `out` is filled.
 * @example
 * ```ts
 * const out = zeros([3]);
 * runKernel('axpy2', 'p0 * x + y', out, [tensor([1, 2, 3]), tensor(1)], 2);
 * out.toArray(); // [3, 5, 7]
 * ```
 * @internal
 */
export function runKernel(key: string, expr: string, out: Tensor, inputs: readonly Tensor[], p0 = 0, p1 = 0): void {
  if (runFlat(key, expr, out, inputs, p0, p1)) return;
  const shape = out.shape;
  const strides = [out.strides as number[], ...inputs.map((t) => broadcastStrides(t, shape))];
  const [cs, cstr] = collapse(shape, strides);
  if (cs.length === 1 && cs[0]! >= BACKEND_MIN && WASM_OPS.has(key) && tryBackend(key, out, inputs, cs[0]!, cstr)) return;
  if (cs.length <= 2 && out.size >= BACKEND_MIN && WASM_BROADCAST_OPS.has(key) && tryBroadcast(key, out, inputs, cs, cstr)) return;
  if (key === 'copy' && cs.length > 1 && copyRows(out, inputs, cs, cstr)) return;
  const k = generalKernel(key, expr, out, inputs);
  k(cs, out.storage, out.offset, cstr[0]!, inputs.map((t) => t.storage), inputs.map((t) => t.offset), cstr.slice(1), p0, p1);
}

/**
 * A same-dtype copy between different storages whose innermost (collapsed) axis is contiguous on
 * both sides and at least 32 long (a permuted view with whole rows, e.g. [O, N, L] → [N, O, L]):
 * one `TypedArray.set` per row, several times faster than the element loop. False when it does not apply.
 */
function copyRows(out: Tensor, inputs: readonly Tensor[], cs: number[], cstr: number[][]): boolean {
  const x = inputs[0]!;
  const nd = cs.length;
  const len = cs[nd - 1]!;
  const os = cstr[0]!, xs = cstr[1]!;
  if (inputs.length !== 1 || x.dtype !== out.dtype || x.storage === out.storage || len < 32 || os[nd - 1] !== 1 || xs[nd - 1] !== 1) return false;
  const src = x.storage, dst = out.storage;
  const idx = new Array<number>(nd - 1).fill(0);
  let so = x.offset, doff = out.offset;
  const rows = out.size / len;
  for (let r = 0; r < rows; r++) {
    dst.set(src.subarray(so, so + len), doff);
    for (let d = nd - 2; d >= 0; d--) {
      so += xs[d]!; doff += os[d]!;
      if (++idx[d]! < cs[d]!) break;
      so -= xs[d]! * cs[d]!; doff -= os[d]! * cs[d]!; idx[d] = 0;
    }
  }
  return true;
}

// General (strided) kernels by op key, then by an integer code of the dtypes (as in `runFlat`), so
// a call builds and hashes no key string.
const generalCache = new Map<string, Map<number, Kernel>>();

function generalKernel(key: string, expr: string, out: Tensor, inputs: readonly Tensor[]): Kernel {
  let byCode = generalCache.get(key);
  if (byCode === undefined) {
    byCode = new Map();
    generalCache.set(key, byCode);
  }
  let code = dtypeCode(out.dtype) + 4 * inputs.length;
  for (let i = 0; i < inputs.length; i++) code = code * 4 + dtypeCode(inputs[i]!.dtype);
  let k = byCode.get(code);
  if (k === undefined) {
    k = getKernel(`${key}|${out.dtype}|${inputs.map((t) => t.dtype).join(',')}`, inputs.length, expr);
    byCode.set(code, k);
  }
  return k;
}

// ------------------------------------------------------------------ unary

type UnaryName =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'rsqrt' | 'square'
  | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'softplus' | 'clamp' | 'floor' | 'ceil' | 'round'
  | 'not' | 'copy' | 'toBool';

/** Expression (over `x`, parameters `p0`, `p1`) and how the output dtype follows the input's. */
const UNARY: Record<UnaryName, { expr: string; out: 'same' | 'float' | 'bool' | 'arith' }> = {
  neg: { expr: '-x', out: 'arith' },
  abs: { expr: 'Math.abs(x)', out: 'arith' },
  sign: { expr: 'sign(x)', out: 'arith' },
  exp: { expr: 'Math.exp(x)', out: 'float' },
  log: { expr: 'Math.log(x)', out: 'float' },
  log1p: { expr: 'Math.log1p(x)', out: 'float' },
  expm1: { expr: 'Math.expm1(x)', out: 'float' },
  sqrt: { expr: 'Math.sqrt(x)', out: 'float' },
  rsqrt: { expr: '1 / Math.sqrt(x)', out: 'float' },
  square: { expr: 'x * x', out: 'arith' },
  sin: { expr: 'Math.sin(x)', out: 'float' },
  cos: { expr: 'Math.cos(x)', out: 'float' },
  tanh: { expr: 'Math.tanh(x)', out: 'float' },
  sigmoid: { expr: 'sigm(x)', out: 'float' },
  relu: { expr: '((x > 0 || x !== x) ? x : 0)', out: 'arith' },
  softplus: { expr: 'softplus(x, p0, p1)', out: 'float' },
  clamp: { expr: '(x < p0 ? p0 : x > p1 ? p1 : x)', out: 'arith' },
  floor: { expr: 'Math.floor(x)', out: 'same' },
  ceil: { expr: 'Math.ceil(x)', out: 'same' },
  round: { expr: 'roundEven(x)', out: 'same' },
  not: { expr: '(x === 0 ? 1 : 0)', out: 'bool' },
  copy: { expr: 'x', out: 'same' },
  toBool: { expr: '(x !== 0 ? 1 : 0)', out: 'bool' },
};

function unaryOutType(kind: 'same' | 'float' | 'bool' | 'arith', d: DType): DType {
  switch (kind) {
    case 'same': return d;
    case 'float': return floatType(d);
    case 'bool': return 'bool';
    case 'arith': return arithmeticType(d);
  }
}

/** Compute a unary op into a fresh contiguous tensor (no recording). @internal */
export function unaryKernel(name: UnaryName, x: Tensor, p0 = 0, p1 = 0, outDtype?: DType): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  const spec = UNARY[name];
  const out = Tensor._uninit(x.shape, outDtype ?? unaryOutType(spec.out, x.dtype)); // every element is written
  // int32 squares wrap exactly (x * x in float64 rounds past 2^53; see INT32_EXACT).
  if (name === 'square' && out.dtype === 'int32') runKernel('squareInt32', 'Math.imul(x, x)', out, [x]);
  else runKernel(name, spec.expr, out, [x], p0, p1);
  return out;
}

type RecordedUnary = 'neg' | 'abs' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'rsqrt' | 'square' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu';

function recordedUnary(name: RecordedUnary, x: Tensor): Tensor {
  const out = x instanceof Tensor ? fastUnary(FAST_UNARY[name], x) : null;
  return record1(name, x, out ?? unaryKernel(name, x), NO_ATTRS);
}

// ------------------------------------------------------------------ small-tensor fast path

// On a small tensor an op's bookkeeping costs more than its arithmetic (an [8,8] add computes in
// about 0.1 µs), so the recorded unary and binary ops take a short path for their commonest case:
// float operands of one dtype, the same shape and a row-major layout, and fewer than BACKEND_MIN elements
// (larger ones leave the arithmetic to the general path and the backend). That path checks nothing
// else, shares the operand's shape array (and its strides when they are exactly row-major) with the
// output instead of copying them, fetches its flat kernel once per op and dtype, and builds the
// inputs list and attributes only when the op is recorded. Its storage is not zero-filled first
// (every element is written). Anything else takes the general path.
const FAST_MAX = BACKEND_MIN - 1;

/** An op's flat kernels for the fast path, built on first use (float32 may use its own expression). */
interface FastOp {
  readonly key: string;
  readonly expr: string;
  readonly key32: string;
  readonly expr32: string;
  readonly arity: number;
  /** By `2 * mask + (float64 ? 1 : 0)`, `mask` saying which inputs are single values (as in `runFlat`). */
  readonly kernels: (FlatKernel | undefined)[];
}

function fastOp(key: string, expr: string, arity: number, key32 = key, expr32 = expr): FastOp {
  return { key, expr, key32, expr32, arity, kernels: [] };
}

/**
 * The kernel of `op` for dtype `f64 ? float64 : float32` with single-value inputs `mask` (the one
 * `runKernel` would build: same key and code).
 */
function fastKernel(op: FastOp, f64: boolean, mask: number): FlatKernel {
  const slot = 2 * mask + (f64 ? 1 : 0);
  let k = op.kernels[slot];
  if (k === undefined) {
    const d = f64 ? 1 : 0;
    let code = d + 4 * op.arity;
    for (let i = 0; i < op.arity; i++) code = code * 4 + d;
    k = f64 ? getFlatKernel(op.key, code * 8 + mask, op.arity, op.expr, mask) : getFlatKernel(op.key32, code * 8 + mask, op.arity, op.expr32, mask);
    op.kernels[slot] = k;
  }
  return k;
}

// Float32 results of exp, tanh and sigmoid use `expf`, `tanhf`, `sigmf` (kernels/elementwise.ts):
// the same float32 values as with Math.exp / Math.tanh, but up to twice as fast.
const FAST_UNARY: Record<RecordedUnary, FastOp> = {
  neg: fastOp('neg', UNARY.neg.expr, 1), abs: fastOp('abs', UNARY.abs.expr, 1),
  exp: fastOp('exp', UNARY.exp.expr, 1, 'expF32', 'expf(x)'), log: fastOp('log', UNARY.log.expr, 1),
  log1p: fastOp('log1p', UNARY.log1p.expr, 1), expm1: fastOp('expm1', UNARY.expm1.expr, 1),
  sqrt: fastOp('sqrt', UNARY.sqrt.expr, 1), rsqrt: fastOp('rsqrt', UNARY.rsqrt.expr, 1),
  square: fastOp('square', UNARY.square.expr, 1), sin: fastOp('sin', UNARY.sin.expr, 1),
  cos: fastOp('cos', UNARY.cos.expr, 1), tanh: fastOp('tanh', UNARY.tanh.expr, 1, 'tanhF32', 'tanhf(x)'),
  sigmoid: fastOp('sigmoid', UNARY.sigmoid.expr, 1, 'sigmoidF32', 'sigmf(x)'), relu: fastOp('relu', UNARY.relu.expr, 1),
};

/** Strides for a fresh row-major tensor of `t`'s shape: `t`'s own when they are exactly those. */
function rowMajorStrides(t: Tensor): readonly number[] {
  const shape = t.shape, strides = t.strides;
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (strides[d] !== acc) return contiguousStrides(shape);
    acc *= shape[d]!;
  }
  return strides;
}

/** A unary op on a small row-major float tensor, or null when the general path must run. */
function fastUnary(op: FastOp, x: Tensor): Tensor | null {
  const dtype = x.dtype;
  const n = x.size;
  if ((dtype !== 'float32' && dtype !== 'float64') || n > FAST_MAX || !isRowMajor(x.shape, x.strides)) return null;
  const out = Tensor._wrap(allocate(dtype, n, false), x.shape, rowMajorStrides(x), dtype, n);
  fastKernel(op, dtype === 'float64', 0)(n, out.storage, 0, x.storage, x.offset, null, 0, null, 0, 0, 0);
  return out;
}

/**
 * A binary op on two small float tensors of one dtype, or null when the general path must run: both
 * row-major of one shape, or one of them a single element (a 0-d tensor, a `[1]` bias...) of no more
 * dims than the other, which is row-major (the result has the other's shape; the single element is
 * read once).
 */
function fastBinary(op: FastOp, a: Tensor, b: Tensor): Tensor | null {
  const dtype = a.dtype;
  if ((dtype !== 'float32' && dtype !== 'float64') || b.dtype !== dtype) return null;
  const n = a.size, m = b.size;
  const shape = a.shape, bs = b.shape;
  const f64 = dtype === 'float64';
  if (n === m && n <= FAST_MAX) {
    let same = shape === bs;
    if (!same && shape.length === bs.length) {
      same = true;
      for (let d = 0; d < shape.length && same; d++) same = shape[d] === bs[d];
    }
    if (same) {
      if (!isRowMajor(shape, a.strides) || !isRowMajor(shape, b.strides)) return null;
      const out = Tensor._wrap(allocate(dtype, n, false), shape, rowMajorStrides(a), dtype, n);
      fastKernel(op, f64, 0)(n, out.storage, 0, a.storage, a.offset, b.storage, b.offset, null, 0, 0, 0);
      return out;
    }
  }
  if (m === 1 && bs.length <= shape.length && n <= FAST_MAX && isRowMajor(shape, a.strides)) {
    const out = Tensor._wrap(allocate(dtype, n, false), shape, rowMajorStrides(a), dtype, n);
    fastKernel(op, f64, 2)(n, out.storage, 0, a.storage, a.offset, b.storage, b.offset, null, 0, 0, 0);
    return out;
  }
  if (n === 1 && shape.length <= bs.length && m <= FAST_MAX && isRowMajor(bs, b.strides)) {
    const out = Tensor._wrap(allocate(dtype, m, false), bs, rowMajorStrides(b), dtype, m);
    fastKernel(op, f64, 1)(m, out.storage, 0, a.storage, a.offset, b.storage, b.offset, null, 0, 0, 0);
    return out;
  }
  return null;
}

// The number operand of the scalar fast path, stored (so rounded to float32) where the kernel reads it.
const SCALAR_F32 = new Float32Array(1);
const SCALAR_F64 = new Float64Array(1);

/**
 * A binary op between a small row-major float tensor `t` and a JS number `v` (first operand when
 * `numberFirst`), or null when the general path must run. A number never changes a float tensor's
 * dtype, so the result has `t`'s dtype and shape; the number is read once, from a one-element scratch.
 */
function fastScalar(op: FastOp, t: Tensor, v: number, numberFirst: boolean): Tensor | null {
  const dtype = t.dtype;
  const n = t.size;
  if ((dtype !== 'float32' && dtype !== 'float64') || n > FAST_MAX || !isRowMajor(t.shape, t.strides)) return null;
  const f64 = dtype === 'float64';
  const s = f64 ? SCALAR_F64 : SCALAR_F32;
  s[0] = v;
  const out = Tensor._wrap(allocate(dtype, n, false), t.shape, rowMajorStrides(t), dtype, n);
  if (numberFirst) fastKernel(op, f64, 1)(n, out.storage, 0, s, 0, t.storage, t.offset, null, 0, 0, 0);
  else fastKernel(op, f64, 2)(n, out.storage, 0, t.storage, t.offset, s, 0, null, 0, 0, 0);
  return out;
}

/**
 * Elementwise negation `-x`.
 * @param x - the input (bool computes in int32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * neg(tensor([1, -2])).toArray(); // [-1, 2]
 * ```
 */
export const neg = (x: Tensor): Tensor => recordedUnary('neg', x);
/**
 * Elementwise absolute value `|x|` (its gradient at 0 is 0).
 * @param x - the input (bool computes in int32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * abs(tensor([-1.5, 2])).toArray(); // [1.5, 2]
 * ```
 */
export const abs = (x: Tensor): Tensor => recordedUnary('abs', x);
/**
 * Elementwise exponential `e^x`.
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * exp(tensor([0, 1], { dtype: 'float64' })).toArray(); // [1, 2.718281828459045]
 * ```
 */
export const exp = (x: Tensor): Tensor => recordedUnary('exp', x);
/**
 * Elementwise natural logarithm `ln x` (`-Infinity` at 0, NaN below).
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * log(tensor([1, Math.E], { dtype: 'float64' })).toArray(); // [0, 1]
 * ```
 */
export const log = (x: Tensor): Tensor => recordedUnary('log', x);
/**
 * Elementwise `ln(1 + x)`, accurate for tiny `x` where `log(1 + x)` would round to 0.
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * log1p(tensor([1e-10], { dtype: 'float64' })).item(); // 9.9999999995e-11
 * ```
 */
export const log1p = (x: Tensor): Tensor => recordedUnary('log1p', x);
/**
 * Elementwise `e^x - 1`, accurate for tiny `x`.
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * expm1(tensor([1e-10], { dtype: 'float64' })).item(); // 1.00000000005e-10
 * ```
 */
export const expm1 = (x: Tensor): Tensor => recordedUnary('expm1', x);
/**
 * Elementwise square root `√x` (NaN below 0).
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * sqrt(tensor([4, 2.25])).toArray(); // [2, 1.5]
 * ```
 */
export const sqrt = (x: Tensor): Tensor => recordedUnary('sqrt', x);
/**
 * Elementwise reciprocal square root `1 / √x`.
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * rsqrt(tensor([4, 0.25])).toArray(); // [0.5, 2]
 * ```
 */
export const rsqrt = (x: Tensor): Tensor => recordedUnary('rsqrt', x);
/**
 * Elementwise square `x²`.
 * @param x - the input (bool computes in int32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * square(tensor([-3, 0.5])).toArray(); // [9, 0.25]
 * ```
 */
export const square = (x: Tensor): Tensor => recordedUnary('square', x);
/**
 * Elementwise sine (radians).
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * sin(tensor([0, Math.PI / 2], { dtype: 'float64' })).toArray(); // [0, 1]
 * ```
 */
export const sin = (x: Tensor): Tensor => recordedUnary('sin', x);
/**
 * Elementwise cosine (radians).
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * cos(tensor([0, Math.PI], { dtype: 'float64' })).toArray(); // [1, -1]
 * ```
 */
export const cos = (x: Tensor): Tensor => recordedUnary('cos', x);
/**
 * Elementwise hyperbolic tangent `(e^x - e^-x) / (e^x + e^-x)`.
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * tanh(tensor([0, 100])).toArray(); // [0, 1]
 * ```
 */
export const tanh = (x: Tensor): Tensor => recordedUnary('tanh', x);
/**
 * Elementwise logistic sigmoid `σ(x) = 1 / (1 + e^-x)`, computed without overflow for large `|x|`.
 * @param x - the input (ints compute in float32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * sigmoid(tensor([0, -1000])).toArray(); // [0.5, 0]
 * ```
 */
export const sigmoid = (x: Tensor): Tensor => recordedUnary('sigmoid', x);
/**
 * Elementwise `max(x, 0)`; NaN stays NaN, and the gradient at 0 is 0 (as PyTorch).
 * @param x - the input (bool computes in int32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * relu(tensor([-1, 0, 2])).toArray(); // [0, 0, 2]
 * ```
 */
export const relu = (x: Tensor): Tensor => recordedUnary('relu', x);
/**
 * Elementwise sign: -1, 0 or 1 (NaN stays NaN). Not differentiable.
 * @param x - the input (bool computes in int32).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * sign(tensor([-2, 0, 3])).toArray(); // [-1, 0, 1]
 * ```
 */
export const sign = (x: Tensor): Tensor => unaryKernel('sign', x);
/**
 * Elementwise round down. Keeps the dtype. Not differentiable.
 * @param x - the input (any dtype).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * floor(tensor([-1.5, 1.5])).toArray(); // [-2, 1]
 * ```
 */
export const floor = (x: Tensor): Tensor => unaryKernel('floor', x);
/**
 * Elementwise round up. Keeps the dtype. Not differentiable.
 * @param x - the input (any dtype).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * ceil(tensor([-1.5, 1.5])).toArray(); // [-1, 2]
 * ```
 */
export const ceil = (x: Tensor): Tensor => unaryKernel('ceil', x);
/**
 * Elementwise round half to even (banker's rounding, as PyTorch and NumPy). Not differentiable.
 * @param x - the input (any dtype).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * round(tensor([0.5, 1.5, 2.5, -0.5])).toArray(); // [0, 2, 2, -0]
 * ```
 */
export const round = (x: Tensor): Tensor => unaryKernel('round', x);
/**
 * Elementwise logical not: true where `x` is 0 (NaN counts as true, i.e. non-zero).
 * @param x - the input (any dtype).
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * logicalNot(tensor([0, 2])).toArray(); // [true, false]
 * ```
 */
export const logicalNot = (x: Tensor): Tensor => unaryKernel('not', x);

/**
 * Elementwise softplus `log(1 + e^(βx)) / β`, a smooth ReLU; returns `x` itself where `βx > threshold`
 * (PyTorch's defaults: β = 1, threshold 20).
 * @param x - the input (ints compute in float32).
 * @param beta - the sharpness β > 0.
 * @param threshold - above this `βx` the result is `x`.
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * softplus(tensor([0, 30]), 1, 20).toArray(); // [0.6931471824645996, 30]
 * ```
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  if (!(beta > 0)) throw new RangeError(`softplus: beta must be positive, got ${beta}`);
  const out = unaryKernel('softplus', x, beta, threshold);
  return record('softplus', [x], out, { beta, threshold });
}

/**
 * Limit every element to `[min, max]` (either bound may be omitted; NaN stays NaN). The gradient
 * passes where `min <= x <= max`. Fractional bounds turn an int tensor into float32.
 * @param x - the input.
 * @param min - lower bound.
 * @param max - upper bound.
 * @returns a new tensor of the same shape.
 * @example
 * ```ts
 * clamp(tensor([-2, 0.5, 3]), 0, 1).toArray(); // [0, 0.5, 1]
 * ```
 */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`clamp: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (min === undefined && max === undefined) throw new RangeError('clamp: at least one of min and max must be given');
  if (min !== undefined && max !== undefined && min > max) throw new RangeError(`clamp: min ${min} is greater than max ${max}`);
  if (Number.isNaN(min) || Number.isNaN(max)) throw new RangeError(`clamp: bounds must not be NaN (min ${min}, max ${max})`);
  let dtype = arithmeticType(x.dtype);
  if (!isFloat(dtype) && ((min !== undefined && !Number.isInteger(min)) || (max !== undefined && !Number.isInteger(max)))) dtype = 'float32';
  const out = unaryKernel('clamp', x, min ?? -Infinity, max ?? Infinity, dtype);
  return record('clamp', [x], out, { min, max });
}

/**
 * A copy of `x` converted to `dtype` (floats truncate toward zero into int32; non-zero and NaN are
 * true in bool); returns `x` itself when the dtype already matches. Float-to-float casts are
 * differentiable.
 * @param x - the input.
 * @param dtype - the target dtype.
 * @returns `x`, or a new tensor.
 * @example
 * ```ts
 * cast(tensor([1.7, -1.7, 0]), 'int32').toArray(); // [1, -1, 0]
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`cast: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (!isDType(dtype)) throw new TypeError(`cast: unknown dtype ${String(dtype)} (expected float32, float64, int32 or bool)`);
  if (x.dtype === dtype) return x;
  const out = unaryKernel(dtype === 'bool' ? 'toBool' : 'copy', x, 0, 0, dtype);
  if (isFloat(dtype) && isFloat(x.dtype)) return record('cast', [x], out, { dtype });
  return out;
}

// ------------------------------------------------------------------ binary

type BinaryName =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';

const BINARY: Record<BinaryName, { expr: string; out: 'promote' | 'float' | 'bool' }> = {
  add: { expr: 'x + y', out: 'promote' },
  sub: { expr: 'x - y', out: 'promote' },
  mul: { expr: 'x * y', out: 'promote' },
  div: { expr: 'x / y', out: 'float' },
  pow: { expr: 'Math.pow(x, y)', out: 'promote' },
  maximum: { expr: '(x > y || x !== x) ? x : y', out: 'promote' },
  minimum: { expr: '(x < y || x !== x) ? x : y', out: 'promote' },
  eq: { expr: '(x === y ? 1 : 0)', out: 'bool' },
  ne: { expr: '(x !== y ? 1 : 0)', out: 'bool' },
  lt: { expr: '(x < y ? 1 : 0)', out: 'bool' },
  le: { expr: '(x <= y ? 1 : 0)', out: 'bool' },
  gt: { expr: '(x > y ? 1 : 0)', out: 'bool' },
  ge: { expr: '(x >= y ? 1 : 0)', out: 'bool' },
  // Non-zero is true, NaN included (as in Python); JS's `&&` would treat NaN as false.
  and: { expr: '((x !== 0 && y !== 0) ? 1 : 0)', out: 'bool' },
  or: { expr: '((x !== 0 || y !== 0) ? 1 : 0)', out: 'bool' },
};

/**
 * int32 products and powers wrap around exactly like 32-bit two's-complement arithmetic (as in
 * PyTorch). `x * y` in float64 is not exact once |x·y| > 2^53, so its low 32 bits would be wrong;
 * `Math.imul` (and squaring with it) keeps exactly the low 32 bits. Exponents are non-negative here.
 */
const INT32_EXACT: Partial<Record<BinaryName, { key: string; expr: string }>> = {
  mul: { key: 'mulInt32', expr: 'Math.imul(x, y)' },
  pow: {
    key: 'powInt32',
    expr: '((b, e) => { let r = 1; while (e > 0) { if (e & 1) r = Math.imul(r, b); b = Math.imul(b, b); e >>>= 1; } return r; })(x, y)',
  },
};

/** Compute a broadcasting binary op into a fresh tensor (no recording). @internal */
export function binaryKernel(name: BinaryName, a: TensorLike, b: TensorLike): [Tensor, Tensor, Tensor] {
  checkOperand(name, a, 'first');
  checkOperand(name, b, 'second');
  const common = resultType(a, b);
  const ta = asTensor(a, common, name);
  const tb = asTensor(b, common, name);
  const shape = broadcastShapes(name, ta.shape, tb.shape);
  const spec = BINARY[name];
  const outType = spec.out === 'bool' ? 'bool' : spec.out === 'float' ? floatType(common) : arithmeticType(common);
  if (name === 'pow' && !isFloat(outType) && tb.size > 0) {
    const e = tb.data();
    for (let i = 0; i < e.length; i++) {
      if (e[i]! < 0) throw new RangeError(`pow: integer tensors cannot be raised to negative integer powers (exponent ${e[i]})`);
    }
  }
  const out = Tensor._uninit(shape, outType); // every element is written
  const int = outType === 'int32' ? INT32_EXACT[name as 'mul' | 'pow'] : undefined;
  if (int !== undefined) runKernel(int.key, int.expr, out, [ta, tb]);
  else runKernel(name, spec.expr, out, [ta, tb]);
  return [out, ta, tb];
}

type RecordedBinary = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

const FAST_BINARY: Record<RecordedBinary, FastOp> = {
  add: fastOp('add', BINARY.add.expr, 2), sub: fastOp('sub', BINARY.sub.expr, 2), mul: fastOp('mul', BINARY.mul.expr, 2),
  div: fastOp('div', BINARY.div.expr, 2), pow: fastOp('pow', BINARY.pow.expr, 2),
  maximum: fastOp('maximum', BINARY.maximum.expr, 2), minimum: fastOp('minimum', BINARY.minimum.expr, 2),
};

function recordedBinary(name: RecordedBinary, a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor) {
    if (b instanceof Tensor) {
      const out = fastBinary(FAST_BINARY[name], a, b);
      if (out !== null) return record2(name, a, b, out, NO_ATTRS);
    } else if (typeof b === 'number') {
      const out = fastScalar(FAST_BINARY[name], a, b, false);
      // The number becomes a 0-d tensor only when the op is recorded (as the general path makes it).
      if (out !== null) return a.requiresGrad && isGradEnabled() ? record2(name, a, scalar(b, a.dtype), out, NO_ATTRS) : out;
    }
  } else if (typeof a === 'number' && b instanceof Tensor) {
    const out = fastScalar(FAST_BINARY[name], b, a, true);
    if (out !== null) return b.requiresGrad && isGradEnabled() ? record2(name, scalar(a, b.dtype), b, out, NO_ATTRS) : out;
  }
  const [out, ta, tb] = binaryKernel(name, a, b);
  return record2(name, ta, tb, out, NO_ATTRS);
}

/**
 * Elementwise `a + α·b`, broadcasting (NumPy rules) and promoting dtypes; a JS number is a weak
 * scalar (float32 + 2.5 stays float32, int32 + 2 stays int32, int32 + 2.5 is float32).
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @param alpha - scale of `b` (default 1).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * add(tensor([[1], [2]]), tensor([10, 20])).toArray(); // [[11, 21], [12, 22]]
 * add(tensor([1, 2]), tensor([1, 1]), 0.5).toArray();   // [1.5, 2.5]
 * ```
 */
export function add(a: TensorLike, b: TensorLike, alpha?: number): Tensor {
  return recordedBinary('add', a, alpha === undefined || alpha === 1 ? b : mul(b, alpha));
}
/**
 * Elementwise `a - α·b`, broadcasting and promoting like {@link add}.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @param alpha - scale of `b` (default 1).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * sub(tensor([5, 5]), tensor([1, 2])).toArray(); // [4, 3]
 * ```
 */
export function sub(a: TensorLike, b: TensorLike, alpha?: number): Tensor {
  return recordedBinary('sub', a, alpha === undefined || alpha === 1 ? b : mul(b, alpha));
}
/**
 * Elementwise product `a · b`, broadcasting (NumPy rules) and promoting dtypes (a JS number is a weak scalar).
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * mul(tensor([[1], [2]]), tensor([10, 20])).toArray(); // [[10, 20], [20, 40]]
 * ```
 */
export const mul = (a: TensorLike, b: TensorLike): Tensor => recordedBinary('mul', a, b);
/**
 * Elementwise true division `a / b`, broadcasting; integer operands give float32.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * div(tensor([7, -7], { dtype: 'int32' }), 2).toArray(); // [3.5, -3.5]
 * ```
 */
export const div = (a: TensorLike, b: TensorLike): Tensor => recordedBinary('div', a, b);
/**
 * Elementwise power `a^b`, broadcasting; base and exponent are both differentiable. Int tensors refuse negative integer exponents.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * pow(tensor([2, 3]), 2).toArray(); // [4, 9]
 * ```
 */
export const pow = (a: TensorLike, b: TensorLike): Tensor => recordedBinary('pow', a, b);
/**
 * Elementwise maximum, broadcasting; NaN propagates, and at ties the gradient is split evenly (as PyTorch).
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * maximum(tensor([1, 5]), 3).toArray(); // [3, 5]
 * ```
 */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => recordedBinary('maximum', a, b);
/**
 * Elementwise minimum, broadcasting; NaN propagates, and at ties the gradient is split evenly (as PyTorch).
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * minimum(tensor([1, 5]), 3).toArray(); // [1, 3]
 * ```
 */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => recordedBinary('minimum', a, b);
/**
 * Elementwise `a == b` as a bool tensor, broadcasting (NaN equals nothing).
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * eq(tensor([1, 2]), 2).toArray(); // [false, true]
 * ```
 */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binaryKernel('eq', a, b)[0];
/**
 * Elementwise `a != b` as a bool tensor, broadcasting.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * ne(tensor([1, 2]), 2).toArray(); // [true, false]
 * ```
 */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binaryKernel('ne', a, b)[0];
/**
 * Elementwise `a < b` as a bool tensor, broadcasting.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * lt(tensor([1, 2]), 2).toArray(); // [true, false]
 * ```
 */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binaryKernel('lt', a, b)[0];
/**
 * Elementwise `a <= b` as a bool tensor, broadcasting.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * le(tensor([1, 3]), 2).toArray(); // [true, false]
 * ```
 */
export const le = (a: TensorLike, b: TensorLike): Tensor => binaryKernel('le', a, b)[0];
/**
 * Elementwise `a > b` as a bool tensor, broadcasting.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * gt(tensor([1, 3]), 2).toArray(); // [false, true]
 * ```
 */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binaryKernel('gt', a, b)[0];
/**
 * Elementwise `a >= b` as a bool tensor, broadcasting.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * ge(tensor([1, 2]), 2).toArray(); // [false, true]
 * ```
 */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binaryKernel('ge', a, b)[0];
/**
 * Elementwise logical and (non-zero, NaN included, is true), broadcasting; gives bool.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * logicalAnd(tensor([0, 1, 2]), tensor([1, 1, 0])).toArray(); // [false, true, false]
 * ```
 */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binaryKernel('and', a, b)[0];
/**
 * Elementwise logical or (non-zero, NaN included, is true), broadcasting; gives bool.
 * @param a - first operand (tensor or number).
 * @param b - second operand (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * logicalOr(tensor([0, 0, 2]), tensor([0, 1, 0])).toArray(); // [false, true, true]
 * ```
 */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binaryKernel('or', a, b)[0];

// ------------------------------------------------------------------ where / maskedFill

function checkMask(op: string, mask: Tensor): void {
  if (!(mask instanceof Tensor)) throw new TypeError(`${op}: condition must be a Tensor`);
  if (mask.dtype !== 'bool') throw new TypeError(`${op}: condition must have dtype bool, got ${mask.dtype}`);
}

/**
 * Pick `a` where `cond` is true and `b` elsewhere; all three broadcast together and `a`, `b`
 * promote like {@link add}. Differentiable in `a` and `b`.
 * @param cond - a bool tensor.
 * @param a - values where true (tensor or number).
 * @param b - values where false (tensor or number).
 * @returns a new tensor of the broadcast shape.
 * @example
 * ```ts
 * where(tensor([true, false]), tensor([1, 2]), 0).toArray(); // [1, 0]
 * ```
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkMask('where', cond);
  checkOperand('where', a, 'second');
  checkOperand('where', b, 'third');
  const common = resultType(a, b);
  const ta = asTensor(a, common, 'where');
  const tb = asTensor(b, common, 'where');
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const out = Tensor._empty(shape, common);
  runKernel('where', '(x ? y : z)', out, [cond, ta, tb]);
  return record('where', [ta, tb], out, { cond });
}

/**
 * `x` with `value` wherever `mask` (broadcast to `x`'s shape) is true. A fractional value turns an
 * int tensor into float32.
 * @param x - the input.
 * @param mask - a bool tensor broadcastable to `x`.
 * @param value - the fill value.
 * @returns a new tensor of `x`'s shape.
 * @example
 * ```ts
 * maskedFill(tensor([1, 2, 3]), tensor([false, true, false]), -1).toArray(); // [1, -1, 3]
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  checkMask('maskedFill', mask);
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  if (shape.length !== x.shape.length || shape.some((n, i) => n !== x.shape[i])) {
    throw new RangeError(`maskedFill: mask of shape ${fmt(mask.shape)} does not broadcast to the tensor's shape ${fmt(x.shape)}`);
  }
  const dtype = promoteWithScalar(x.dtype, value);
  checkInt32Scalar('maskedFill', value, arithmeticType(dtype));
  const out = Tensor._empty(x.shape, dtype);
  runKernel('maskedFill', '(y ? p0 : x)', out, [x, mask], castScalar(dtype, value));
  return record('maskedFill', [x], out, { mask, value });
}

// ------------------------------------------------------------------ in place

function checkInPlaceTarget(op: string, t: Tensor): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: target must be a Tensor`);
  if (t.requiresGrad && isGradEnabled() && shouldRecord([t])) {
    throw new Error(`${op}: in-place update of a tensor that requires grad; wrap it in noGrad(() => ...) or use the out-of-place op`);
  }
  for (let d = 0; d < t.ndim; d++) {
    if (t.strides[d] === 0 && t.shape[d]! > 1) {
      throw new Error(`${op}: cannot write in place into an expanded tensor (shape ${fmt(t.shape)}, strides ${fmt(t.strides)}); call contiguous() first`);
    }
  }
}

function checkInPlaceOperand(op: string, t: Tensor, other: Tensor): void {
  const shape = broadcastShapes(op, t.shape, other.shape);
  if (shape.length !== t.ndim || shape.some((n, i) => n !== t.shape[i])) {
    throw new RangeError(`${op}: operand of shape ${fmt(other.shape)} does not broadcast to the target's shape ${fmt(t.shape)}`);
  }
  if (!isFloat(t.dtype) && isFloat(other.dtype)) {
    throw new TypeError(`${op}: cannot write a ${other.dtype} result into a ${t.dtype} tensor in place`);
  }
}

/** Arithmetic results are int32 at least, so they cannot be stored in a bool tensor. */
function refuseBool(op: string, t: Tensor): void {
  if (t.dtype === 'bool') throw new TypeError(`${op}: cannot do arithmetic in place on a bool tensor (its result is not bool); use copyFrom or cast first`);
}

/** A JS-number operand or parameter of an int32 target must be an integer, or the result is a float. */
function checkIntScalar(op: string, t: Tensor, what: string, v: number): void {
  if (!isFloat(t.dtype) && !Number.isInteger(v)) {
    throw new TypeError(`${op}: cannot write a float result (${what} ${v}) into a ${t.dtype} tensor in place`);
  }
}

/** Tensor operand of an in-place op on `t`: numbers become 0-d tensors of `t`'s dtype (checked). */
function inPlaceOperand(op: string, t: Tensor, x: TensorLike, pos: string): Tensor {
  checkOperand(op, x, pos);
  if (typeof x === 'number') {
    checkIntScalar(op, t, 'scalar', x);
    checkInt32Scalar(op, x, t.dtype);
    return scalar(x, t.dtype);
  }
  checkInPlaceOperand(op, t, x);
  return unalias(t, x);
}

/**
 * An operand sharing storage with the in-place target is read while the target is written. That is
 * only safe when each output element reads exactly the element it overwrites; otherwise (a flipped,
 * shifted or broadcast view of the target) copy the operand first so the result is as if it were
 * read entirely before the write.
 */
function unalias(t: Tensor, o: Tensor): Tensor {
  if (o.storage !== t.storage || o.size === 0) return o;
  const s = broadcastStrides(o, t.shape);
  let same = o.offset === t.offset;
  for (let d = 0; same && d < t.ndim; d++) if (t.shape[d] !== 1 && s[d] !== t.strides[d]) same = false;
  if (same) return o;
  const c = Tensor._empty(o.shape, o.dtype);
  runKernel('copy', 'x', c, [o]);
  return c;
}

function bump(t: Tensor): void {
  t._version.value++;
}

/** `t = t ∘ other` in place for ∘ in mul, div, maximum. @internal */
export function binaryInPlace(name: 'mul' | 'div' | 'maximum', t: Tensor, other: TensorLike): void {
  const op = `${name}InPlace`;
  checkInPlaceTarget(op, t);
  refuseBool(op, t);
  if (name === 'div' && !isFloat(t.dtype)) throw new TypeError(`${op}: true division cannot be stored in a ${t.dtype} tensor`);
  const o = inPlaceOperand(op, t, other, 'second');
  if (name === 'mul' && t.dtype === 'int32') runKernel('mulInPlaceInt32', 'Math.imul(x, y)', t, [t, o]);
  // Float mul and div run the out-of-place kernels with the target as output (the same expression per
  // element, so the same bits), which lets a backend take large flat or bias-shaped ones.
  else if (name !== 'maximum' && isFloat(t.dtype)) runKernel(name, BINARY[name].expr, t, [t, o]);
  else runKernel(op, BINARY[name].expr, t, [t, o]);
  bump(t);
}

/** `t += alpha * other` in place. @internal */
export function addInPlace(t: Tensor, other: TensorLike, alpha: number, op = 'addInPlace'): void {
  checkInPlaceTarget(op, t);
  refuseBool(op, t);
  if (typeof alpha !== 'number') throw new TypeError(`${op}: alpha must be a number, got ${typeof alpha}`);
  checkIntScalar(op, t, 'alpha', alpha);
  const o = inPlaceOperand(op, t, other, 'second');
  if (isFloat(t.dtype) && (alpha === 1 || alpha === -1)) {
    // x + 1·y and x + (−1)·y are x + y and x − y exactly: the out-of-place kernels, which a backend
    // may take over (see binaryInPlace).
    runKernel(alpha === 1 ? 'add' : 'sub', alpha === 1 ? BINARY.add.expr : BINARY.sub.expr, t, [t, o]);
  } else if (!(t.dtype === 'float32' && axpyInPlace(t, o, alpha))) {
    runKernel('addInPlace', 'x + p0 * y', t, [t, o], alpha);
  }
  bump(t);
}

/**
 * `t += alpha·o` by the backend's float32 axpy when both are whole contiguous float32 storages of the
 * same size (at least BACKEND_MIN elements). The backend computes α·y + x in float64 and rounds once
 * to float32, which is what the TS kernel's `x + p0 * y` does. False when it does not apply.
 */
function axpyInPlace(t: Tensor, o: Tensor, alpha: number): boolean {
  const be = getBackend();
  if (be === null || be.axpy === undefined || o.dtype !== 'float32' || t.size < BACKEND_MIN || o.size !== t.size) return false;
  if (t.offset !== 0 || o.offset !== 0 || t.storage.length !== t.size || o.storage.length !== o.size) return false;
  if (!isRowMajor(t.shape, t.strides) || !isRowMajor(o.shape, o.strides)) return false;
  for (let d = 0; d < t.ndim; d++) if (o.shape[d] !== t.shape[d]) return false;
  return be.axpy(t.storage as Float32Array, alpha, o.storage as Float32Array);
}

/** `t += value * a * b` or `t += value * a / b` in place. @internal */
export function ternaryInPlace(name: 'addcmul' | 'addcdiv', t: Tensor, a: TensorLike, b: TensorLike, value: number): void {
  const op = `${name}InPlace`;
  checkInPlaceTarget(op, t);
  refuseBool(op, t);
  if (name === 'addcdiv' && !isFloat(t.dtype)) throw new TypeError(`${op}: true division cannot be stored in a ${t.dtype} tensor`);
  checkIntScalar(op, t, 'value', value);
  const ta = inPlaceOperand(op, t, a, 'first');
  const tb = inPlaceOperand(op, t, b, 'second');
  runKernel(op, name === 'addcmul' ? 'x + p0 * y * z' : 'x + p0 * y / z', t, [t, ta, tb], value);
  bump(t);
}

/** `t += weight * (end - t)` in place. @internal */
export function lerpInPlace(t: Tensor, end: TensorLike, weight: number): void {
  checkInPlaceTarget('lerpInPlace', t);
  refuseBool('lerpInPlace', t);
  checkIntScalar('lerpInPlace', t, 'weight', weight);
  const te = inPlaceOperand('lerpInPlace', t, end, 'end');
  runKernel('lerpInPlace', 'x + p0 * (y - x)', t, [t, te], weight);
  bump(t);
}

/**
 * Copy `src` (broadcast, cast) into `t`. A tensor source is converted like `cast` (floats truncate
 * into int32); a number must be representable in `t`'s dtype. @internal
 */
export function copyInPlace(t: Tensor, src: TensorLike, op = 'copyFrom'): void {
  checkInPlaceTarget(op, t);
  checkOperand(op, src, 'source');
  if (typeof src === 'number' && t.dtype === 'int32' && !Number.isInteger(src)) {
    throw new TypeError(`${op}: value ${src} cannot be stored in a int32 tensor (not an integer)`);
  }
  let s = asTensor(src, t.dtype, op);
  const shape = broadcastShapes(op, t.shape, s.shape);
  if (shape.length !== t.ndim || shape.some((n, i) => n !== t.shape[i])) {
    throw new RangeError(`${op}: source of shape ${fmt(s.shape)} does not broadcast to the target's shape ${fmt(t.shape)}`);
  }
  s = unalias(t, s);
  // Kernels are cached by key and dtypes, so the bool conversion needs a key of its own.
  if (t.dtype === 'bool') runKernel('copyToBool', '(x !== 0 ? 1 : 0)', t, [s]);
  else runKernel('copy', 'x', t, [s]);
  bump(t);
}

/** Apply a unary op in place. @internal */
export function unaryInPlace(name: 'clamp' | 'sqrt' | 'sign', t: Tensor, p0 = 0, p1 = 0): void {
  const op = `${name}InPlace`;
  checkInPlaceTarget(op, t);
  if (name === 'clamp') {
    refuseBool(op, t);
    if (Number.isNaN(p0) || Number.isNaN(p1)) throw new RangeError(`${op}: bounds must not be NaN (min ${p0}, max ${p1})`);
    if (p0 > p1) throw new RangeError(`${op}: min ${p0} is greater than max ${p1}`);
    if (Number.isFinite(p0)) checkIntScalar(op, t, 'min', p0);
    if (Number.isFinite(p1)) checkIntScalar(op, t, 'max', p1);
  }
  if (name === 'sqrt' && !isFloat(t.dtype)) throw new TypeError(`${op}: needs a floating-point tensor, got ${t.dtype}`);
  runKernel(op, UNARY[name].expr, t, [t], p0, p1);
  bump(t);
}
