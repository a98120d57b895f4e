// Strided matrix operands for the wasm kernel tests (test-only; kept out of dist): one r x c matrix
// laid out in its array in one of several ways, with seeded values in [-1, 1).
import type { FloatArray } from '../../backend.js';
import { xorshift32 } from './xorshift.js';

/** How an r x c operand is laid out in its array. */
export type Layout = 'contiguous' | 'transposed' | 'stepped' | 'negRows' | 'negCols' | 'expandedRows' | 'offsetPadded' | 'sparse';
/** Every layout. */
export const LAYOUTS: readonly Layout[] = ['contiguous', 'transposed', 'stepped', 'negRows', 'negCols', 'expandedRows', 'offsetPadded', 'sparse'];

/** A matrix in an array: element (i, j) is `data[off + i * rs + j * cs]`. */
export interface Operand { data: FloatArray; off: number; rs: number; cs: number }

/**
 * A random r x c operand in the given layout, values uniform in [-1, 1) (rounded to the dtype).
 * `alloc` makes the array (default: an ordinary typed array), e.g. one in the kernels' memory.
 */
export function stridedOperand(layout: Layout, r: number, c: number, f64: boolean, seed: number,
  alloc: (len: number) => FloatArray = (len) => (f64 ? new Float64Array(len) : new Float32Array(len))): Operand {
  let off = 0, rs = c, cs = 1, len = r * c;
  switch (layout) {
    case 'contiguous': break;
    case 'transposed': rs = 1; cs = r; break;
    case 'stepped': rs = 4 * c; cs = 2; len = 4 * r * c; break;
    case 'negRows': off = (r - 1) * c; rs = -c; break;
    case 'negCols': off = c - 1; cs = -1; break;
    case 'expandedRows': rs = 0; len = c; break;
    case 'offsetPadded': off = 7; rs = c + 3; len = 7 + r * (c + 3); break;
    // Far apart rows: the span is much larger than the operand (gathered, not block-copied).
    case 'sparse': rs = 5 * c + 11; len = r * (5 * c + 11); break;
  }
  const data = alloc(len);
  const u = xorshift32(seed);
  for (let i = 0; i < len; i++) data[i] = u() * 2 - 1;
  return { data, off, rs, cs };
}
