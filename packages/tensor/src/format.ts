/**
 * NumPy-like text for tensors: `tensor([[1, 2], [3, 4]])`, summarised with `...` past 1000 elements.
 * @module
 */
import type { Tensor } from './tensor.js';

const THRESHOLD = 1000;
const EDGE = 3;

function fmtNumber(v: number, dtype: string, sci: boolean, digits: number, allInt: boolean): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  // toFixed/toExponential drop the sign of -0; PyTorch and NumPy print it.
  const neg0 = Object.is(v, -0) ? '-' : '';
  if (sci) return neg0 + v.toExponential(digits);
  if (allInt) return `${neg0}${v}.`;
  return neg0 + v.toFixed(digits);
}

/** For each dim, the indices shown: all of them, or the first and last `EDGE` with -1 marking the gap. */
function shownIndices(shape: readonly number[], summarise: boolean): number[][] {
  return shape.map((n) => (summarise && n > 2 * EDGE
    ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
    : [...Array(n).keys()]));
}

/**
 * Render `t` as text, NumPy style. Tensors of more than 1000 elements are summarised: each dimension
 * longer than 6 shows its first and last 3 entries around `...`. Only the shown elements are read
 * (straight through the strides), so printing a huge tensor or view is cheap; the number format
 * (integer-valued, fixed or scientific) is chosen from the shown elements.
 *
 * @param t - any tensor or view.
 * @returns text like `tensor([[1., 2.], [3., 4.]])`, with `dtype=` for non-float32 and `requiresGrad=true` when set.
 * @example
 * ```ts
 * tensor([1.5, -2]).toString(); // 'tensor([ 1.5000, -2.0000])' (Tensor.toString calls formatTensor)
 * ```
 */
export function formatTensor(t: Tensor): string {
  const summarise = t.size > THRESHOLD;
  const shown = shownIndices(t.shape, summarise);
  // Gather the shown elements (row-major over the shown index lists), reading through the strides.
  const vals: number[] = [];
  const gather = (dim: number, pos: number): void => {
    if (dim === t.ndim) { vals.push(t.storage[pos]!); return; }
    for (const i of shown[dim]!) if (i >= 0) gather(dim + 1, pos + i * t.strides[dim]!);
  };
  if (t.size > 0) gather(0, t.offset);
  let allInt = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (const v of vals) {
    const a = Math.abs(v);
    if (!Number.isFinite(a)) continue;
    if (!Number.isInteger(a)) allInt = false;
    if (a > maxAbs) maxAbs = a;
    if (a > 0 && a < minAbs) minAbs = a;
  }
  const sci = !allInt && (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity));
  const digits = 4;
  const cells = vals.map((v) => fmtNumber(v, t.dtype, sci, digits, allInt));
  const width = cells.reduce((w, c) => Math.max(w, c.length), 0);
  let k = 0;
  const render = (dim: number, indent: string): string => {
    if (dim === t.ndim) return cells[k++]!.padStart(width);
    const parts: string[] = [];
    for (const i of shown[dim]!) parts.push(i === -1 ? '...' : render(dim + 1, `${indent} `));
    const sep = dim === t.ndim - 1 ? ', ' : `,${'\n'.repeat(t.ndim - dim - 1)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  // An empty tensor of rank > 1 prints as `[]` plus its shape (PyTorch's `size=`), which nested
  // brackets alone could not show.
  const emptyShape = t.size === 0 && t.ndim > 1 ? `, shape=[${t.shape.join(', ')}]` : '';
  const body = t.ndim === 0 ? cells[0]! : emptyShape !== '' ? '[]' : render(0, '       ');
  const extra = `${emptyShape}${t.dtype === 'float32' ? '' : `, dtype=${t.dtype}`}`;
  return `tensor(${body}${extra}${t.requiresGrad ? ', requiresGrad=true' : ''})`;
}
