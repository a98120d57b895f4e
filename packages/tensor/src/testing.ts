/**
 * Property-testing support for code built on `@gd/tensor`: fast-check arbitraries for shapes,
 * broadcastable shape lists, tensors and (deliberately awkward) strided views of tensors, plus slow,
 * obviously-correct reference helpers that read tensors element by element through their strides.
 *
 * Import it as `@gd/tensor/testing`. It needs `fast-check` (an optional peer dependency of
 * `@gd/tensor`: install it next to your test runner).
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { stridedViewArb, toNested } from '@gd/tensor/testing';
 *
 * fc.assert(fc.property(stridedViewArb({ dtype: 'float64' }), ({ tensor, expected }) => {
 *   // `tensor` is a view (permuted, stepped, flipped, expanded...) whose elements are `expected`
 *   return JSON.stringify(toNested(tensor.neg().neg())) === JSON.stringify(expected);
 * }), { numRuns: 50 });
 * ```
 * @module @gd/tensor/testing
 */
import fc from 'fast-check';
import { Tensor, type NestedArray } from './tensor.js';
import { type DType, DTYPES, allocate, castScalar } from './dtype.js';

// ------------------------------------------------------------------ shapes

/** Bounds for {@link shapeArb} and {@link broadcastableShapesArb}. */
export interface ShapeArbOptions {
  /** Fewest dimensions (default 0: scalars included). */
  minRank?: number;
  /** Most dimensions (default 4). */
  maxRank?: number;
  /** Smallest size of a dimension (default 1; pass 0 to include empty tensors). */
  minDim?: number;
  /** Largest size of a dimension (default 4). */
  maxDim?: number;
}

function rankBounds(op: string, opts: ShapeArbOptions): { minRank: number; maxRank: number; minDim: number; maxDim: number } {
  const { minRank = 0, maxRank = 4, minDim = 1, maxDim = 4 } = opts;
  for (const [k, v] of [['minRank', minRank], ['maxRank', maxRank], ['minDim', minDim], ['maxDim', maxDim]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${k} must be a non-negative integer, got ${v}`);
  }
  if (minRank > maxRank) throw new RangeError(`${op}: minRank ${minRank} exceeds maxRank ${maxRank}`);
  if (minDim > maxDim) throw new RangeError(`${op}: minDim ${minDim} exceeds maxDim ${maxDim}`);
  return { minRank, maxRank, minDim, maxDim };
}

/**
 * Random tensor shapes: `minRank..maxRank` dimensions, each of size `minDim..maxDim`.
 *
 * @param opts - rank and size bounds (defaults: rank 0 to 4, sizes 1 to 4).
 * @returns an arbitrary of shapes (plain `number[]`), shrinking towards fewer and smaller dimensions.
 * @example
 * ```ts
 * fc.assert(fc.property(shapeArb({ maxRank: 3 }), (shape) => zeros(shape).shape.length === shape.length));
 * ```
 */
export function shapeArb(opts: ShapeArbOptions = {}): fc.Arbitrary<number[]> {
  const { minRank, maxRank, minDim, maxDim } = rankBounds('shapeArb', opts);
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * `n` shapes that broadcast together (NumPy rules). A full shape is drawn with {@link shapeArb};
 * each operand then drops a random number of leading dimensions and has some of the rest replaced
 * by 1, so size-1 dimensions and missing leading dimensions both occur.
 *
 * @param n - how many shapes (at least 1).
 * @param opts - bounds of the full shape.
 * @returns an arbitrary of `n`-element arrays of shapes; {@link referenceBroadcast} gives their result shape.
 * @example
 * ```ts
 * fc.assert(fc.property(broadcastableShapesArb(2), ([a, b]) =>
 *   add(zeros(a), zeros(b)).shape.join() === referenceBroadcast(a, b)!.join()));
 * ```
 */
export function broadcastableShapesArb(n: number, opts: ShapeArbOptions = {}): fc.Arbitrary<number[][]> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`broadcastableShapesArb: n must be a positive integer, got ${n}`);
  return shapeArb(opts).chain((full) => {
    const r = full.length;
    const operand = fc.tuple(
      fc.integer({ min: 0, max: r }),
      fc.array(fc.nat(3).map((k) => k === 0), { minLength: r, maxLength: r }),
    ).map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
    return fc.tuple(...Array.from({ length: n }, () => operand));
  });
}

// ------------------------------------------------------------------ values and tensors

/** Options for {@link tensorArb}, {@link valuesArb} and {@link stridedViewArb}. */
export interface TensorArbOptions {
  /** A fixed shape or an arbitrary of shapes (default `shapeArb()`). */
  shape?: readonly number[] | fc.Arbitrary<number[]>;
  /** One dtype, or a list to draw from (default `float32`). */
  dtype?: DType | readonly DType[];
  /** Smallest value (default -10). Ints use `ceil(min)`. */
  min?: number;
  /** Largest value (default 10). Ints use `floor(max)`. */
  max?: number;
  /** Keep every value finite (default true). With `false`, float tensors may also hold NaN and ±Infinity. */
  noNaN?: boolean;
}

/**
 * Arbitrary dtypes.
 * @param dtypes - the dtypes to draw from (default all four).
 * @returns an arbitrary of dtype names.
 * @example
 * ```ts
 * fc.sample(dtypeArb(['float32', 'int32']), 3); // e.g. ['int32', 'float32', 'float32']
 * ```
 */
export function dtypeArb(dtypes: readonly DType[] = DTYPES): fc.Arbitrary<DType> {
  if (dtypes.length === 0) throw new RangeError('dtypeArb: need at least one dtype');
  return fc.constantFrom(...dtypes);
}

function scalarArb(dtype: DType, opts: TensorArbOptions): fc.Arbitrary<number> {
  const min = opts.min ?? -10;
  const max = opts.max ?? 10;
  if (!(min <= max)) throw new RangeError(`tensorArb: min ${min} must not exceed max ${max}`);
  switch (dtype) {
    case 'bool':
      return fc.boolean().map((b) => (b ? 1 : 0));
    case 'int32': {
      const lo = Math.max(Math.ceil(min), -(2 ** 31));
      const hi = Math.min(Math.floor(max), 2 ** 31 - 1);
      if (lo > hi) throw new RangeError(`tensorArb: no integer lies in [${min}, ${max}]`);
      return fc.integer({ min: lo, max: hi });
    }
    default: {
      const finite = fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
        .map((v) => (dtype === 'float32' ? Math.fround(v) : v));
      if (opts.noNaN === false) {
        return fc.oneof({ arbitrary: finite, weight: 8 }, { arbitrary: fc.constantFrom(NaN, Infinity, -Infinity), weight: 1 });
      }
      return finite;
    }
  }
}

function resolveShape(opts: TensorArbOptions): fc.Arbitrary<number[]> {
  if (opts.shape === undefined) return shapeArb();
  if (Array.isArray(opts.shape)) return fc.constant((opts.shape as readonly number[]).slice());
  return opts.shape as fc.Arbitrary<number[]>;
}

function resolveDType(opts: TensorArbOptions): fc.Arbitrary<DType> {
  const d = opts.dtype ?? 'float32';
  return typeof d === 'string' ? fc.constant(d) : dtypeArb(d);
}

/**
 * `size` values valid for `dtype` (bool as 0/1), bounded by `opts.min`/`opts.max`.
 * @param size - how many values.
 * @param dtype - what they must fit (float32 values are rounded to float32).
 * @param opts - bounds and the NaN switch.
 * @returns an arbitrary of flat JS arrays.
 * @example
 * ```ts
 * fc.sample(valuesArb(3, 'int32', { min: 0, max: 9 }), 1); // e.g. [[4, 0, 9]]
 * ```
 */
export function valuesArb(size: number, dtype: DType, opts: TensorArbOptions = {}): fc.Arbitrary<number[]> {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`valuesArb: size must be a non-negative integer, got ${size}`);
  return fc.array(scalarArb(dtype, opts), { minLength: size, maxLength: size });
}

/**
 * Contiguous tensors with random shape, dtype and bounded values.
 *
 * @param opts - shape (fixed or arbitrary), dtype(s), value bounds, NaN switch.
 * @returns an arbitrary of fresh contiguous tensors (use {@link viewOfArb} to get views of them).
 * @example
 * ```ts
 * fc.assert(fc.property(tensorArb({ dtype: 'float64', min: 0, max: 1 }), (t) =>
 *   t.sqrt().le(1).toArray() !== null));
 * ```
 */
export function tensorArb(opts: TensorArbOptions = {}): fc.Arbitrary<Tensor> {
  return fc.tuple(resolveShape(opts), resolveDType(opts)).chain(([shape, dtype]) =>
    valuesArb(sizeOfShape(shape), dtype, opts).map((vals) => fromFlat(shape, dtype, vals)));
}

/** A fresh contiguous tensor from flat row-major values, built without any op under test. */
function fromFlat(shape: readonly number[], dtype: DType, vals: readonly number[]): Tensor {
  const data = allocate(dtype, vals.length);
  for (let i = 0; i < vals.length; i++) data[i] = castScalar(dtype, vals[i]!);
  return Tensor._fromData(data, shape, dtype);
}

// ------------------------------------------------------------------ strided views

/** How {@link stridedViewArb} lays a tensor out in memory. */
export type ViewKind = 'contiguous' | 'offset' | 'permuted' | 'stepped' | 'negative' | 'expanded' | 'mixed';

/** Every {@link ViewKind}. */
export const VIEW_KINDS: readonly ViewKind[] = ['contiguous', 'offset', 'permuted', 'stepped', 'negative', 'expanded', 'mixed'];

/** What {@link stridedViewArb} and {@link viewOfArb} produce. */
export interface ViewCase {
  /** The view: it has the requested shape and dtype and holds `expected`. */
  tensor: Tensor;
  /** Its elements as nested JS arrays (booleans for bool tensors), for comparison. */
  expected: NestedArray;
  /** Its elements in row-major order (bool as 0/1). */
  values: number[];
  /** The layout that was used. */
  kind: ViewKind;
}

interface Layout {
  kind: ViewKind;
  /** Expanded dims of the full shape (the view holds one value along each). */
  expanded: boolean[];
  /** How many leading (expanded) dims are created by `expand` instead of existing in the base. */
  dropLead: number;
  /** `perm[i]` is the base dim that becomes view dim i (over the non-dropped dims). */
  perm: number[];
  /** Slice step per base dim (never 0). */
  steps: number[];
  padLow: number[];
  padHigh: number[];
  /** Junk elements before the base in storage (makes the offset non-zero). */
  pre: number;
}

function layoutArb(shape: readonly number[], kinds: readonly ViewKind[]): fc.Arbitrary<Layout> {
  const r = shape.length;
  // 'expanded' broadcasts each dim with probability 1/2, 'mixed' with 1/4.
  const flags = (oneIn: number): fc.Arbitrary<boolean[]> =>
    oneIn > 0 ? fc.array(fc.nat(oneIn - 1).map((k) => k === 0), { minLength: r, maxLength: r }) : fc.constant(new Array<boolean>(r).fill(false));
  return fc.constantFrom(...kinds).chain((kind) => {
    const all = kind === 'mixed';
    return flags(kind === 'expanded' ? 2 : all ? 4 : 0).chain((expanded) => {
      let lead = 0;
      while (lead < r && expanded[lead]) lead++;
      return fc.integer({ min: 0, max: lead }).chain((dropLead) => {
        const r2 = r - dropLead;
        const ids = Array.from({ length: r2 }, (_, i) => i);
        const stepSign = kind === 'negative' ? fc.constant(-1) : all ? fc.constantFrom(1, -1) : fc.constant(1);
        const stepped = kind === 'stepped' || kind === 'negative' || all;
        const stepArb = stepped
          ? fc.tuple(stepSign, fc.integer({ min: 1, max: 3 })).map(([s, k]) => s * k)
          : fc.constant(1);
        const padArb = stepped ? fc.integer({ min: 0, max: 2 }) : fc.constant(0);
        return fc.record({
          kind: fc.constant(kind),
          expanded: fc.constant(expanded),
          dropLead: fc.constant(dropLead),
          perm: kind === 'permuted' || all ? fc.shuffledSubarray(ids, { minLength: r2, maxLength: r2 }) : fc.constant(ids),
          steps: fc.array(stepArb, { minLength: r2, maxLength: r2 }),
          padLow: fc.array(padArb, { minLength: r2, maxLength: r2 }),
          padHigh: fc.array(padArb, { minLength: r2, maxLength: r2 }),
          pre: kind === 'offset' || all ? fc.integer({ min: 1, max: 5 }) : fc.constant(0),
        });
      });
    });
  });
}

function junk(dtype: DType): number {
  return dtype === 'bool' ? 1 : dtype === 'int32' ? 30583 : NaN;
}

/** Build the view described by `layout` holding `flat` (row-major over `shape`). */
function buildView(shape: readonly number[], dtype: DType, flat: readonly number[], layout: Layout): ViewCase {
  const r = shape.length;
  const { expanded, dropLead, perm, steps, padLow, padHigh, pre } = layout;
  // Inner shape: expanded dims collapse to 1, dropped leading dims disappear.
  const inner = shape.map((n, i) => (expanded[i] ? 1 : n)).slice(dropLead);
  const r2 = inner.length;
  // Base dim perm[i] holds view dim i.
  const baseLen = new Array<number>(r2);
  for (let i = 0; i < r2; i++) baseLen[perm[i]!] = inner[i]!;
  const baseShape: number[] = [];
  const specs: [number, number | null, number][] = [];
  for (let j = 0; j < r2; j++) {
    const len = baseLen[j]!;
    const st = steps[j]!;
    const span = len > 0 ? (len - 1) * Math.abs(st) + 1 : 0;
    baseShape.push(padLow[j]! + span + padHigh[j]!);
    if (len === 0) specs.push([padLow[j]!, padLow[j]!, st]);
    else if (st > 0) specs.push([padLow[j]!, padLow[j]! + len * st, st]);
    else {
      const a = padLow[j]! + span - 1;
      const stop = a + len * st;
      specs.push([a, stop < 0 ? null : stop, st]);
    }
  }
  const total = sizeOfShape(baseShape);
  const storage = allocate(dtype, pre + total);
  storage.fill(junk(dtype));
  const flatBase = Tensor._fromData(storage, [pre + total], dtype);
  let v = flatBase.narrow(0, pre, total).view(baseShape).slice(...specs).permute(perm);
  if (!sameShape(v.shape, inner)) {
    throw new Error(`stridedViewArb: built a view of shape ${JSON.stringify(v.shape)}, wanted ${JSON.stringify(inner)} (layout ${JSON.stringify(layout)})`);
  }
  // Write each value straight into storage through the view's strides.
  const fullStrides = rowMajorStrides(shape);
  forEachIndex(inner, (idx) => {
    let p = v.offset;
    let src = 0;
    for (let d = 0; d < r2; d++) {
      p += idx[d]! * v.strides[d]!;
      src += idx[d]! * fullStrides[d + dropLead]!;
    }
    storage[p] = castScalar(dtype, flat[src]!);
  });
  if (r2 !== r || expanded.some((e) => e)) v = v.expand(shape.slice());
  if (!sameShape(v.shape, shape)) {
    throw new Error(`stridedViewArb: expanded to shape ${JSON.stringify(v.shape)}, wanted ${JSON.stringify(shape)}`);
  }
  // Expected values: expanded dims repeat their index-0 element.
  const values: number[] = [];
  forEachIndex(shape, (idx) => {
    let src = 0;
    for (let d = 0; d < r; d++) src += (expanded[d] ? 0 : idx[d]!) * fullStrides[d]!;
    values.push(castScalar(dtype, flat[src]!));
  });
  return { tensor: v, expected: nestFlat(shape, values, dtype === 'bool'), values, kind: layout.kind };
}

/** Options for the view arbitraries. */
export interface ViewArbOptions {
  /** Which layouts to draw from (default all of {@link VIEW_KINDS}). */
  kinds?: readonly ViewKind[];
}

/**
 * Tensors of a given logical shape, dtype and values that are laid out awkwardly in memory: a
 * contiguous tensor, one at a non-zero offset, a permuted view, a stepped slice, a negative-step
 * slice, an expanded (stride-0) view, or all of these at once. Storage outside the view holds junk
 * (NaN for floats), so an op that reads past the view's elements gives itself away.
 *
 * For the `expanded` and `mixed` kinds some dimensions are broadcast: the values along them repeat,
 * and `expected`/`values` say so. Expanded views cannot be written in place; use
 * `{ kinds: [...] }` without `'expanded'` and `'mixed'` for in-place tests.
 *
 * @param opts - shape, dtype(s), value bounds (as {@link tensorArb}) and the kinds of layout.
 * @returns an arbitrary of {@link ViewCase}s.
 * @example
 * ```ts
 * fc.assert(fc.property(stridedViewArb({ shape: [2, 3], kinds: ['negative'] }), ({ tensor, values }) =>
 *   tensor.strides.some((s) => s < 0) && tensor.data().every((x, i) => x === values[i])));
 * ```
 */
export function stridedViewArb(opts: TensorArbOptions & ViewArbOptions = {}): fc.Arbitrary<ViewCase> {
  const kinds = checkKinds('stridedViewArb', opts.kinds);
  return fc.tuple(resolveShape(opts), resolveDType(opts)).chain(([shape, dtype]) =>
    fc.tuple(valuesArb(sizeOfShape(shape), dtype, opts), layoutArb(shape, kinds))
      .map(([vals, layout]) => buildView(shape, dtype, vals, layout)));
}

/**
 * Views of the tensors another arbitrary produces: same shape, dtype and (except along expanded
 * dimensions, see {@link stridedViewArb}) the same values, in a random memory layout.
 *
 * @param arb - an arbitrary of tensors, e.g. {@link tensorArb}.
 * @param opts - the kinds of layout to draw from.
 * @returns an arbitrary of {@link ViewCase}s.
 * @example
 * ```ts
 * fc.assert(fc.property(viewOfArb(tensorArb({ shape: [3, 2] })), ({ tensor, expected }) =>
 *   JSON.stringify(tensor.toArray()) === JSON.stringify(expected)));
 * ```
 */
export function viewOfArb(arb: fc.Arbitrary<Tensor>, opts: ViewArbOptions = {}): fc.Arbitrary<ViewCase> {
  const kinds = checkKinds('viewOfArb', opts.kinds);
  return arb.chain((t) => {
    const flat = toFlat(t);
    return layoutArb(t.shape, kinds).map((layout) => buildView(t.shape, t.dtype, flat, layout));
  });
}

function checkKinds(op: string, kinds: readonly ViewKind[] | undefined): readonly ViewKind[] {
  const k = kinds ?? VIEW_KINDS;
  if (k.length === 0) throw new RangeError(`${op}: kinds must not be empty`);
  for (const x of k) if (!VIEW_KINDS.includes(x)) throw new RangeError(`${op}: unknown view kind ${JSON.stringify(x)} (expected one of ${VIEW_KINDS.join(', ')})`);
  return k;
}

// ------------------------------------------------------------------ reference helpers

function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/**
 * Call `fn` with every multi-index of `shape` in row-major order (the last index varies fastest),
 * and the running count. A scalar shape `[]` gives one call with `[]`; a shape with a 0 gives none.
 *
 * @param shape - the index space.
 * @param fn - receives a fresh index array and its row-major position.
 * @returns nothing.
 * @example
 * ```ts
 * const seen: string[] = [];
 * forEachIndex([2, 2], (i) => seen.push(i.join()));
 * seen; // ['0,0', '0,1', '1,0', '1,1']
 * ```
 */
export function forEachIndex(shape: readonly number[], fn: (idx: number[], k: number) => void): void {
  const total = sizeOfShape(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < total; k++) {
    fn(idx.slice(), k);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/**
 * The element of `t` at a multi-index, read from storage through `offset` and `strides` with no
 * kernel involved (a reference for tests).
 *
 * @param t - any tensor or view.
 * @param idx - one non-negative index per dimension.
 * @returns the stored number (0/1 for bool).
 * @example
 * ```ts
 * readAt(tensor([[1, 2], [3, 4]]).T, [0, 1]); // 3
 * ```
 */
export function readAt(t: Tensor, idx: readonly number[]): number {
  if (idx.length !== t.ndim) throw new RangeError(`readAt: expected ${t.ndim} indices, got ${idx.length}`);
  let p = t.offset;
  for (let d = 0; d < idx.length; d++) {
    if (!(idx[d]! >= 0 && idx[d]! < t.shape[d]!)) throw new RangeError(`readAt: index ${idx[d]} out of range for dim ${d} of size ${t.shape[d]}`);
    p += idx[d]! * t.strides[d]!;
  }
  return t.storage[p]!;
}

/**
 * The elements of `t` in row-major order, read one by one through its strides (reference reader).
 * @param t - any tensor or view.
 * @returns a plain array of numbers (0/1 for bool).
 * @example
 * ```ts
 * toFlat(tensor([[1, 2], [3, 4]]).T); // [1, 3, 2, 4]
 * ```
 */
export function toFlat(t: Tensor): number[] {
  const out: number[] = [];
  forEachIndex(t.shape, (idx) => out.push(readAt(t, idx)));
  return out;
}

/**
 * The elements of `t` as nested JS arrays, read through its strides without any kernel (a
 * reference for `toArray`). Bool tensors give booleans; a 0-d tensor gives a number.
 * @param t - any tensor or view.
 * @returns nested arrays matching `t.shape`.
 * @example
 * ```ts
 * toNested(tensor([[1, 2], [3, 4]]).flip(0)); // [[3, 4], [1, 2]]
 * ```
 */
export function toNested(t: Tensor): NestedArray {
  return nestFlat(t.shape, toFlat(t), t.dtype === 'bool');
}

/**
 * Nest flat row-major values into arrays of `shape`.
 * @param shape - target shape; its size must equal `flat.length`.
 * @param flat - the values.
 * @param asBool - give booleans (non-zero → true) instead of numbers.
 * @returns nested arrays (a number or boolean for shape `[]`).
 * @example
 * ```ts
 * nestFlat([2, 2], [1, 2, 3, 4]); // [[1, 2], [3, 4]]
 * ```
 */
export function nestFlat(shape: readonly number[], flat: readonly number[], asBool = false): NestedArray {
  if (sizeOfShape(shape) !== flat.length) throw new RangeError(`nestFlat: shape ${JSON.stringify(shape)} needs ${sizeOfShape(shape)} values, got ${flat.length}`);
  const strides = rowMajorStrides(shape);
  const build = (d: number, start: number): NestedArray => {
    if (d === shape.length) return asBool ? flat[start] !== 0 : flat[start]!;
    return Array.from({ length: shape[d]! }, (_, i) => build(d + 1, start + i * strides[d]!));
  };
  return build(0, 0);
}

/**
 * Build nested arrays of `shape` from a function of the multi-index (for writing references).
 * @param shape - the shape.
 * @param fn - the value at each index.
 * @returns nested arrays.
 * @example
 * ```ts
 * nestedFromFn([2, 3], ([i, j]) => 10 * i! + j!); // [[0, 1, 2], [10, 11, 12]]
 * ```
 */
export function nestedFromFn(shape: readonly number[], fn: (idx: number[]) => number | boolean): NestedArray {
  const build = (prefix: number[]): NestedArray => {
    if (prefix.length === shape.length) return fn(prefix);
    return Array.from({ length: shape[prefix.length]! }, (_, i) => build([...prefix, i]));
  };
  return build([]);
}

/**
 * The element of nested arrays at a multi-index.
 * @param x - nested arrays (or a scalar for `idx = []`).
 * @param idx - the index.
 * @returns the number or boolean found there.
 * @example
 * ```ts
 * nestedGet([[1, 2], [3, 4]], [1, 0]); // 3
 * ```
 */
export function nestedGet(x: NestedArray, idx: readonly number[]): number | boolean {
  let cur: NestedArray = x;
  for (const i of idx) {
    if (!Array.isArray(cur) || i < 0 || i >= cur.length) throw new RangeError(`nestedGet: index ${JSON.stringify(idx)} does not exist`);
    cur = cur[i]!;
  }
  if (Array.isArray(cur)) throw new RangeError(`nestedGet: index ${JSON.stringify(idx)} stops above the leaves`);
  return cur;
}

/**
 * The shape `shapes` broadcast to, computed the slow way (pad every shape with leading 1s, then
 * each dimension must agree or be 1), or `null` when they do not broadcast.
 * @param shapes - any number of shapes.
 * @returns the broadcast shape, or `null`.
 * @example
 * ```ts
 * referenceBroadcast([3, 1], [4]);  // [3, 4]
 * referenceBroadcast([2], [3]);     // null
 * ```
 */
export function referenceBroadcast(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const padded = shapes.map((s) => [...new Array<number>(rank - s.length).fill(1), ...s]);
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    const sizes = new Set(padded.map((s) => s[d]!).filter((n) => n !== 1));
    if (sizes.size > 1) return null;
    out.push(sizes.size === 0 ? 1 : [...sizes][0]!);
  }
  return out;
}

/**
 * Map an index of a broadcast result back to the operand of shape `shape` that was broadcast into
 * it (drop extra leading dims; size-1 dims read index 0).
 * @param idx - an index of the broadcast result.
 * @param shape - the operand's shape.
 * @returns the operand's index.
 * @example
 * ```ts
 * broadcastIndex([2, 3], [1, 4]); // [0, 3]
 * broadcastIndex([2, 3], [4]);    // [3]
 * ```
 */
export function broadcastIndex(idx: readonly number[], shape: readonly number[]): number[] {
  const lead = idx.length - shape.length;
  if (lead < 0) throw new RangeError(`broadcastIndex: index of rank ${idx.length} cannot address shape ${JSON.stringify(shape)}`);
  return shape.map((n, d) => (n === 1 ? 0 : idx[d + lead]!));
}

/** Tolerances for {@link nestedMismatch} (|a - e| <= atol + rtol * |e|). */
export interface Tolerance {
  /** Relative tolerance (default 0: exact). */
  rtol?: number;
  /** Absolute tolerance (default 0: exact). */
  atol?: number;
}

/**
 * Compare nested arrays element by element: NaN matches NaN, infinities must match exactly,
 * other numbers within `atol + rtol * |expected|`, booleans exactly, and the shapes must agree.
 *
 * @param actual - what the code under test produced (e.g. `t.toArray()`).
 * @param expected - the reference.
 * @param tol - tolerances (default exact).
 * @returns `null` when they match, else a description of the first difference (index and values).
 * @example
 * ```ts
 * nestedMismatch([[1, 2]], [[1, 2.0001]], { atol: 1e-3 }); // null
 * nestedMismatch([1, 2], [1, 3]);                        // 'at [1]: got 2, expected 3'
 * ```
 */
export function nestedMismatch(actual: NestedArray, expected: NestedArray, tol: Tolerance = {}): string | null {
  const rtol = tol.rtol ?? 0;
  const atol = tol.atol ?? 0;
  const walk = (a: NestedArray, e: NestedArray, path: number[]): string | null => {
    const at = `at [${path.join(',')}]`;
    if (Array.isArray(e)) {
      if (!Array.isArray(a)) return `${at}: got ${JSON.stringify(a)}, expected an array of length ${e.length}`;
      if (a.length !== e.length) return `${at}: got length ${a.length}, expected ${e.length}`;
      for (let i = 0; i < e.length; i++) {
        const m = walk(a[i]!, e[i]!, [...path, i]);
        if (m !== null) return m;
      }
      return null;
    }
    if (Array.isArray(a)) return `${at}: got an array, expected ${String(e)}`;
    if (typeof e === 'boolean' || typeof a === 'boolean') {
      return a === e ? null : `${at}: got ${String(a)}, expected ${String(e)}`;
    }
    if (Number.isNaN(e)) return Number.isNaN(a) ? null : `${at}: got ${a}, expected NaN`;
    if (!Number.isFinite(e)) return a === e ? null : `${at}: got ${a}, expected ${e}`;
    return Math.abs(a - e) <= atol + rtol * Math.abs(e) ? null : `${at}: got ${a}, expected ${e}`;
  };
  return walk(actual, expected, []);
}
