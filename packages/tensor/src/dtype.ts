/**
 * Element types and the rules that combine them.
 * @module
 */
import { ARENA_MIN_BYTES, arenaAllocate } from './kernels/wasm/arena.js';

/** The element types a tensor can hold. `float32` is the default. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The typed array that backs each dtype. */
export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Any backing array a tensor may use. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** All dtypes, in promotion order (a later one wins). */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * True when `x` names a dtype.
 * @param x - any value.
 * @returns whether it is one of `'float32'`, `'float64'`, `'int32'`, `'bool'`.
 * @example
 * ```ts
 * isDType('int32'); // true
 * isDType('int64'); // false
 * ```
 */
export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'float64' || x === 'int32' || x === 'bool';
}

/**
 * Check that `x` names a dtype.
 * @param op - the op name used in the error message.
 * @param x - any value.
 * @returns `x` as a dtype.
 * @throws TypeError naming `op`, the value and the valid dtypes.
 * @example
 * ```ts
 * checkDType('zeros', 'float64'); // 'float64'
 * checkDType('zeros', 'half');    // throws
 * ```
 */
export function checkDType(op: string, x: unknown): DType {
  if (!isDType(x)) throw new TypeError(`${op}: unknown dtype ${JSON.stringify(x)} (expected one of ${DTYPES.join(', ')})`);
  return x;
}

/**
 * True for the floating-point dtypes `float32` and `float64`.
 * @param d - a dtype.
 * @returns whether it is a float dtype.
 * @example
 * ```ts
 * isFloat('int32'); // false
 * ```
 */
export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/**
 * The dtype two tensor operands are promoted to, as in PyTorch: the larger in
 * `bool < int32 < float32 < float64`.
 * @param a - first dtype.
 * @param b - second dtype.
 * @returns the common dtype.
 * @example
 * ```ts
 * promoteTypes('int32', 'float32'); // 'float32'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype of `tensor ⊕ number`. A JS number is a "weak" operand, as a Python scalar is in PyTorch:
 * it never widens a float tensor (float32 + 2.5 is float32), an integer keeps an int tensor int32 (and
 * makes a bool tensor int32), and a fractional number turns an int or bool tensor into float32.
 * @param d - the tensor's dtype.
 * @param s - the number.
 * @returns the common dtype.
 * @example
 * ```ts
 * promoteWithScalar('int32', 2);   // 'int32'
 * promoteWithScalar('int32', 2.5); // 'float32'
 * ```
 */
export function promoteWithScalar(d: DType, s: number): DType {
  if (isFloat(d)) return d;
  if (Number.isInteger(s)) return d === 'bool' ? 'int32' : d;
  return 'float32';
}

/**
 * The dtype arithmetic is computed in: bool counts as int32 (NumPy's `bool + bool -> int`), others
 * are unchanged.
 * @param d - a dtype.
 * @returns the arithmetic dtype.
 * @example
 * ```ts
 * arithmeticType('bool'); // 'int32'
 * ```
 */
export function arithmeticType(d: DType): DType {
  return d === 'bool' ? 'int32' : d;
}

/**
 * The dtype of a floating-point function (exp, sqrt, true division) of `d`: ints and bool give float32.
 * @param d - a dtype.
 * @returns `d` if it is a float dtype, else `'float32'`.
 * @example
 * ```ts
 * floatType('int32'); // 'float32'
 * ```
 */
export function floatType(d: DType): DType {
  return isFloat(d) ? d : 'float32';
}

// Small typed arrays above V8's on-heap limit (64 bytes) each get their own off-heap ArrayBuffer,
// which costs about a microsecond to create and to collect, more than a small op's arithmetic.
// Storage between SLAB_MIN and SLAB_MAX bytes is instead a view into a shared 16 KiB slab, bump-
// allocated and never reused (so it is zero-filled); a slab is freed when every view into it is.
const SLAB_MIN = 64;
const SLAB_MAX = 1024;
const SLAB_BYTES = 16384;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function slabAlloc(bytes: number): number {
  const need = (bytes + 7) & ~7;
  if (slabUsed + need > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += need;
  return at;
}

/**
 * Allocate zero-filled storage for `length` elements of `dtype`. The one place storage is
 * allocated: float storages of at least 1 KiB come from the WebAssembly arena where the runtime
 * allows it (kernels then work on them in place), others from ordinary JS memory.
 * @param dtype - the element type.
 * @param length - the number of elements.
 * @param zero - `false` lets arena storage keep a reused block's old contents (only for callers that
 *   write every element before reading any); ordinary JS memory is always zero-filled.
 * @returns a new typed array (`Float32Array`, `Float64Array`, `Int32Array` or `Uint8Array` for bool).
 * @example
 * ```ts
 * allocate('int32', 3).length; // 3
 * ```
 */
export function allocate<D extends DType>(dtype: D, length: number, zero = true): TypedArrayFor[D] {
  const bytes = length * (dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4);
  if (bytes >= ARENA_MIN_BYTES && (dtype === 'float32' || dtype === 'float64')) {
    // Float storage lives in WebAssembly memory where the runtime allows it (see kernels/wasm/arena.ts).
    const a = arenaAllocate(dtype, length, zero);
    if (a !== null) return a as TypedArrayFor[D];
  }
  if (bytes > SLAB_MIN && bytes <= SLAB_MAX) {
    // Small storage is carved from a shared zero-filled slab (see `SLAB_BYTES`).
    const at = slabAlloc(bytes);
    switch (dtype) {
      case 'float32': return new Float32Array(slab, at, length) as TypedArrayFor[D];
      case 'float64': return new Float64Array(slab, at, length) as TypedArrayFor[D];
      case 'int32': return new Int32Array(slab, at, length) as TypedArrayFor[D];
      case 'bool': return new Uint8Array(slab, at, length) as TypedArrayFor[D];
    }
  }
  switch (dtype) {
    case 'float32': return new Float32Array(length) as TypedArrayFor[D];
    case 'float64': return new Float64Array(length) as TypedArrayFor[D];
    case 'int32': return new Int32Array(length) as TypedArrayFor[D];
    case 'bool': return new Uint8Array(length) as TypedArrayFor[D];
  }
  throw new TypeError(`allocate: unknown dtype ${String(dtype)}`);
}

/**
 * The dtype matching a typed array, or `undefined` for anything else.
 * @param a - any value.
 * @returns the dtype or `undefined`.
 * @example
 * ```ts
 * dtypeOfArray(new Float64Array(2)); // 'float64'
 * dtypeOfArray([1, 2]);              // undefined
 * ```
 */
export function dtypeOfArray(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return undefined;
}

/**
 * Converts a JS value to what a `dtype` slot stores: truncation toward zero for int32 (wrapping
 * modulo 2^32, NaN and ±Infinity give 0, as a typed-array store does), 0/1 for bool (non-zero and
 * NaN are true, as in Python), float32 rounding.
 *
 * @param dtype - the slot's dtype.
 * @param v - a number or boolean.
 * @returns the number the slot will hold.
 * @example
 * ```ts
 * castScalar('int32', -2.7); // -2
 * castScalar('bool', NaN);   // 1
 * castScalar('float32', 0.1) === Math.fround(0.1); // true
 * ```
 */
export function castScalar(dtype: DType, v: number | boolean): number {
  const x = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  if (dtype === 'bool') return x !== 0 ? 1 : 0;
  if (dtype === 'int32') return Math.trunc(x) | 0;
  if (dtype === 'float32') return Math.fround(x);
  return x;
}

/**
 * Like {@link castScalar}, but refuses a value an int32 slot cannot hold (NaN, ±Infinity, or outside
 * `[-2^31, 2^31)` after truncation) instead of silently storing something else. Used when creating
 * tensors from user data.
 *
 * @param op - the op name for the error message.
 * @param dtype - the slot's dtype.
 * @param v - a number or boolean.
 * @returns the number the slot will hold.
 * @throws RangeError naming `op` and the value.
 * @example
 * ```ts
 * castScalarChecked('full', 'int32', 7.9); // 7
 * castScalarChecked('full', 'int32', NaN); // throws "full: value NaN cannot be stored in int32 ..."
 * ```
 */
export function castScalarChecked(op: string, dtype: DType, v: number | boolean): number {
  if (dtype === 'int32' && typeof v === 'number') {
    const t = Math.trunc(v);
    if (!(t >= -2147483648 && t <= 2147483647)) {
      throw new RangeError(`${op}: value ${v} cannot be stored in int32 (not finite or outside [-2147483648, 2147483647])`);
    }
  }
  return castScalar(dtype, v);
}
