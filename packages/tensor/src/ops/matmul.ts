/**
 * Matrix products with `torch.matmul` semantics: `matmul`, and `dot` and `outer` built from it.
 * @module
 */
import { Tensor } from '../tensor.js';
import { type DType, arithmeticType, promoteTypes } from '../dtype.js';
import { fmt, sizeOf } from '../shape.js';
import { record } from '../dispatch.js';
import { getBackend, type FloatArray, type MatmulArgs } from '../kernels/backend.js';
import { matmulFloat, matmulInt32 } from '../kernels/matmul.js';
import { mul, unaryKernel } from './elementwise.js';
import { reshape } from './views.js';

function checkTensor(op: string, x: unknown, pos: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${pos} operand must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

/** The dtype a product of `a` and `b` is computed and returned in: promoted, bool counted as int32. */
function productType(a: DType, b: DType): DType {
  return arithmeticType(promoteTypes(a, b));
}

/** `x` converted (without recording) to `dtype`. */
function as(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : unaryKernel('copy', x, 0, 0, dtype);
}

/**
 * Matrix product with `torch.matmul` semantics.
 *
 * - 1-D · 1-D: the dot product, a 0-d tensor.
 * - 2-D · 2-D: the matrix product `[m,k] @ [k,n] -> [m,n]`.
 * - A 1-D first operand is treated as a row `[1,k]` and a 1-D second operand as a column `[k,1]`;
 *   the added dimension is removed from the result.
 * - Otherwise the leading (batch) dimensions broadcast with NumPy rules:
 *   `[...A, m, k] @ [...B, k, n] -> [...broadcast(A, B), m, n]`.
 *
 * $C_{\dots ij} = \sum_p A_{\dots ip} B_{\dots pj}$. The dtype is the promotion of both operands
 * (bool computes as int32; int32 products wrap around on overflow). Float products accumulate in
 * float64. Transposed or otherwise strided operands are read in place, without a copy.
 *
 * @param a - first operand, at least 1-D.
 * @param b - second operand, at least 1-D.
 * @returns a new contiguous tensor.
 * @throws RangeError when the inner dimensions differ or the batch dimensions do not broadcast.
 * @example
 * ```ts
 * matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toArray(); // [[17], [39]]
 * matmul(tensor([1, 2, 3]), tensor([4, 5, 6])).item();             // 32
 * matmul(randn([10, 2, 3]), randn([3, 4])).shape;                  // [10, 2, 4]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', a, 'first');
  checkTensor('matmul', b, 'second');
  return record('matmul', [a, b], matmulKernel(a, b), {});
}

/**
 * The matrix product of {@link matmul} without recording it for autograd.
 * @internal
 */
export function matmulKernel(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`matmul: both operands must have at least 1 dimension, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const dtype = productType(a.dtype, b.dtype);
  const x = as(a, dtype);
  const y = as(b, dtype);
  if (x.ndim === 2 && y.ndim === 2) return product2d(a, b, x, y, dtype);
  if (x.ndim <= 2 && y.ndim <= 2) return productVec(a, b, x, y, dtype);
  const a1 = x.ndim === 1;
  const b1 = y.ndim === 1;
  // Shapes and strides as matrices: a 1-D `a` is a row, a 1-D `b` a column.
  const aShape = a1 ? [1, x.shape[0]!] : x.shape;
  const aStr = a1 ? [0, x.strides[0]!] : x.strides;
  const bShape = b1 ? [y.shape[0]!, 1] : y.shape;
  const bStr = b1 ? [y.strides[0]!, 0] : y.strides;
  const m = aShape[aShape.length - 2]!;
  const k = aShape[aShape.length - 1]!;
  const k2 = bShape[bShape.length - 2]!;
  const n = bShape[bShape.length - 1]!;
  if (k !== k2) throw new RangeError(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${k} != ${k2})`);
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const nb = Math.max(aBatch.length, bBatch.length);
  const batch: number[] = [];
  const aBS: number[] = [];
  const bBS: number[] = [];
  for (let d = 0; d < nb; d++) {
    const da = d - (nb - aBatch.length);
    const db = d - (nb - bBatch.length);
    const sa = da >= 0 ? aBatch[da]! : 1;
    const sb = db >= 0 ? bBatch[db]! : 1;
    if (sa !== sb && sa !== 1 && sb !== 1) {
      throw new RangeError(`matmul: batch dimensions of shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be broadcast (${sa} != ${sb} at batch dim ${d})`);
    }
    const s = sa === 1 ? sb : sa;
    batch.push(s);
    aBS.push(sa === 1 ? 0 : aStr[da]!);
    bBS.push(sb === 1 ? 0 : bStr[db]!);
  }
  const outShape = [...batch];
  if (!a1) outShape.push(m);
  if (!b1) outShape.push(n);
  const out = Tensor._empty(outShape, dtype);
  const nBatch = sizeOf(batch);
  if (out.size === 0) return out;

  const ars = aStr[aStr.length - 2]!;
  const acs = aStr[aStr.length - 1]!;
  const brs = bStr[bStr.length - 2]!;
  const bcs = bStr[bStr.length - 1]!;
  // When B is shared by every batch and A's batch and row dimensions form one evenly strided run
  // (e.g. [B, T, k] @ [k, n]), the whole batch is one [B*T, k] @ [k, n] product.
  const folded = nBatch > 1 && bBS.every((s) => s === 0) ? foldRows(batch, aBS, m, ars) : null;
  const args: MatmulArgs = {
    m: folded === null ? m : nBatch * m, n, k,
    a: x.storage as FloatArray, aOff: x.offset, aRowStride: folded ?? ars, aColStride: acs,
    b: y.storage as FloatArray, bOff: y.offset, bRowStride: brs, bColStride: bcs,
    c: out.storage as FloatArray, cOff: 0,
  };
  const count = folded === null ? nBatch : 1;
  const isInt = dtype === 'int32';
  const backend = isInt ? null : getBackend();
  const idx = new Array<number>(nb).fill(0);
  for (let t = 0; t < count; t++) {
    if (isInt) matmulInt32(args as unknown as Parameters<typeof matmulInt32>[0]);
    else if (!(backend?.matmul?.(args) ?? false)) matmulFloat(args);
    // advance the batch index (row-major), moving the operand offsets along
    args.cOff += args.m * n;
    for (let d = nb - 1; d >= 0; d--) {
      idx[d]!++;
      args.aOff += aBS[d]!;
      args.bOff += bBS[d]!;
      if (idx[d]! < batch[d]!) break;
      idx[d] = 0;
      args.aOff -= aBS[d]! * batch[d]!;
      args.bOff -= bBS[d]! * batch[d]!;
    }
  }
  return out;
}

/** One plain `[m,k] @ [k,n]` product (the common case, without the batch bookkeeping). */
function product2d(a: Tensor, b: Tensor, x: Tensor, y: Tensor, dtype: DType): Tensor {
  const m = x.shape[0]!, k = x.shape[1]!, k2 = y.shape[0]!, n = y.shape[1]!;
  if (k !== k2) throw new RangeError(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${k} != ${k2})`);
  const out = Tensor._uninit([m, n], dtype); // every kernel writes all of C (zeros when k = 0)
  if (out.size === 0) return out;
  const args: MatmulArgs = {
    m, n, k,
    a: x.storage as FloatArray, aOff: x.offset, aRowStride: x.strides[0]!, aColStride: x.strides[1]!,
    b: y.storage as FloatArray, bOff: y.offset, bRowStride: y.strides[0]!, bColStride: y.strides[1]!,
    c: out.storage as FloatArray, cOff: 0,
  };
  if (dtype === 'int32') matmulInt32(args as unknown as Parameters<typeof matmulInt32>[0]);
  else if (!(getBackend()?.matmul?.(args) ?? false)) matmulFloat(args);
  return out;
}

/**
 * A product with a 1-D operand and no batch dimensions (`[m,k] @ [k]`, `[k] @ [k,n]`, `[k] @ [k]`):
 * one 2-D product with the vector read as a row or column through its stride, without the batch
 * bookkeeping of the general path.
 */
function productVec(a: Tensor, b: Tensor, x: Tensor, y: Tensor, dtype: DType): Tensor {
  const a1 = x.ndim === 1, b1 = y.ndim === 1;
  const m = a1 ? 1 : x.shape[0]!, k = x.shape[x.ndim - 1]!, k2 = y.shape[0]!, n = b1 ? 1 : y.shape[1]!;
  if (k !== k2) throw new RangeError(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${k} != ${k2})`);
  const out = Tensor._uninit(a1 ? (b1 ? [] : [n]) : [m], dtype); // every kernel writes all of C
  if (out.size === 0) return out;
  const args: MatmulArgs = {
    m, n, k,
    a: x.storage as FloatArray, aOff: x.offset, aRowStride: a1 ? 0 : x.strides[0]!, aColStride: x.strides[x.ndim - 1]!,
    b: y.storage as FloatArray, bOff: y.offset, bRowStride: y.strides[0]!, bColStride: b1 ? 0 : y.strides[1]!,
    c: out.storage as FloatArray, cOff: 0,
  };
  if (dtype === 'int32') matmulInt32(args as unknown as Parameters<typeof matmulInt32>[0]);
  else if (!(getBackend()?.matmul?.(args) ?? false)) matmulFloat(args);
  return out;
}

/**
 * The row stride of A's `[...batch, m]` dimensions viewed as one dimension, or null when their
 * strides do not allow it (size-1 dimensions are ignored).
 */
function foldRows(batch: readonly number[], aBS: readonly number[], m: number, ars: number): number | null {
  const sizes = [...batch, m];
  const strides = [...aBS, ars];
  let stride: number | null = null;
  let expected = 0;
  for (let d = sizes.length - 1; d >= 0; d--) {
    if (sizes[d] === 1) continue;
    if (stride === null) stride = strides[d]!;
    else if (strides[d] !== expected) return null;
    expected = strides[d]! * sizes[d]!;
  }
  return stride ?? 0;
}

/**
 * Dot product of two 1-D tensors of the same length: $\sum_i a_i b_i$, as a 0-d tensor.
 * Built on {@link matmul}, so it is differentiable.
 *
 * @param a - a 1-D tensor.
 * @param b - a 1-D tensor of the same length.
 * @returns a 0-d tensor (dtype promoted as in {@link matmul}).
 * @throws RangeError when either operand is not 1-D or the lengths differ.
 * @example
 * ```ts
 * dot(tensor([1, 2, 3]), tensor([4, 5, 6])).item(); // 32
 * ```
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor('dot', a, 'first');
  checkTensor('dot', b, 'second');
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new RangeError(`dot: expected two 1-D tensors, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`dot: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${a.shape[0]} != ${b.shape[0]})`);
  }
  return matmul(a, b);
}

/**
 * Outer product of two 1-D tensors: `out[i, j] = a[i] * b[j]`, shape `[a.length, b.length]`.
 * Built from `reshape` and a broadcasting `mul`, so it is differentiable.
 *
 * @param a - a 1-D tensor of length n.
 * @param b - a 1-D tensor of length m.
 * @returns a new `[n, m]` tensor (dtype promoted as `mul` promotes).
 * @throws RangeError when either operand is not 1-D.
 * @example
 * ```ts
 * outer(tensor([1, 2]), tensor([3, 4, 5])).toArray(); // [[3, 4, 5], [6, 8, 10]]
 * ```
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor('outer', a, 'first');
  checkTensor('outer', b, 'second');
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new RangeError(`outer: expected two 1-D tensors, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  return mul(reshape(a, [a.shape[0]!, 1]), reshape(b, [1, b.shape[0]!]));
}
