/**
 * NumPy-like text for tensors: `tensor([[1, 2], [3, 4]])`, summarised with `...` past 1000 elements.
 * @module
 */
import type { Tensor } from './tensor.js';
import { contiguousData } from './ops/views.js';

const THRESHOLD = 1000;
const EDGE = 3;

function fmtNumber(v: number, dtype: string, sci: boolean, digits: number, allInt: boolean): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (sci) return v.toExponential(digits);
  if (allInt) return `${v}.`;
  return v.toFixed(digits);
}

/** Render `t` as text. */
export function formatTensor(t: Tensor): string {
  const flat = contiguousData(t);
  const summarise = t.size > THRESHOLD;
  let allInt = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < flat.length; i++) {
    const a = Math.abs(flat[i]!);
    if (Number.isFinite(a) && !Number.isInteger(a)) allInt = false;
    if (Number.isFinite(a)) {
      if (a > maxAbs) maxAbs = a;
      if (a > 0 && a < minAbs) minAbs = a;
    }
  }
  const sci = !allInt && (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity));
  const digits = 4;
  const cells: string[] = [];
  for (let i = 0; i < flat.length; i++) cells.push(fmtNumber(flat[i]!, t.dtype, sci, digits, allInt));
  const width = cells.reduce((w, c) => Math.max(w, c.length), 0);
  const strideOf = (dim: number): number => t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const render = (dim: number, start: number, indent: string): string => {
    if (dim === t.ndim) return cells[start]!.padStart(width);
    const n = t.shape[dim]!;
    const parts: string[] = [];
    const step = strideOf(dim);
    const idx = summarise && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    for (const i of idx) parts.push(i === -1 ? '...' : render(dim + 1, start + i * step, `${indent} `));
    const sep = dim === t.ndim - 1 ? ', ' : `,${'\n'.repeat(t.ndim - dim - 1)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  const body = t.ndim === 0 ? cells[0]! : render(0, 0, '       ');
  const extra = t.dtype === 'float32' ? '' : `, dtype=${t.dtype}`;
  return `tensor(${body}${extra}${t.requiresGrad ? ', requiresGrad=true' : ''})`;
}
