// In-place float arithmetic reaches the backend: addInPlace / subInPlace with α = ±1 and mulInPlace /
// divInPlace run the out-of-place add/sub/mul/div kernels with the target as output, other α the
// float32 axpy. Each must give the TS kernels' exact bits, on flat tensors and on views the backend
// cannot take (those fall back to the TS kernels).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Backend, type Tensor, createWasmBackend, getBackend, setBackend, tensor } from '../index.js';

let saved: Backend | null = null;
let wasm: Backend;
beforeAll(() => { saved = getBackend(); wasm = createWasmBackend({ threads: 1 }); });
afterAll(() => { setBackend(saved); });

type Op = 'add' | 'sub' | 'mul' | 'div';
const apply = (t: Tensor, op: Op, o: Tensor | number, alpha: number): void => {
  if (op === 'add') t.addInPlace(o, alpha);
  else if (op === 'sub') t.subInPlace(o, alpha);
  else if (op === 'mul') t.mulInPlace(o);
  else t.divInPlace(o);
};

/** The bits of `op` run in place on copies of x and y, on `backend`, with `view` picking the target. */
function run(backend: Backend | null, dtype: 'float32' | 'float64', x: number[], y: number[], op: Op, alpha: number,
  view: (t: Tensor) => Tensor, other: (t: Tensor) => Tensor | number): number[] {
  const prev = getBackend();
  setBackend(backend);
  try {
    const t = tensor(x, { dtype });
    const target = view(t);
    apply(target, op, other(tensor(y, { dtype })), alpha);
    return Array.from(t.data() as Float32Array | Float64Array);
  } finally {
    setBackend(prev);
  }
}

/** A backend that forwards to `inner` and counts the calls of each method it took. */
function counting(inner: Backend, calls: Record<string, number>): Backend {
  return {
    name: 'counting',
    elementwise: (op, out, x, y) => { const ok = inner.elementwise!(op, out, x, y); if (ok) calls[`elementwise:${op}`] = (calls[`elementwise:${op}`] ?? 0) + 1; return ok; },
    axpy: (s, k, d) => { const ok = inner.axpy!(s, k, d); if (ok) calls.axpy = (calls.axpy ?? 0) + 1; return ok; },
    broadcast: (...a) => { const ok = inner.broadcast!(...a); if (ok) calls.broadcast = (calls.broadcast ?? 0) + 1; return ok; },
  };
}

const values = (n: number, seed: number): number[] => {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s / 2 ** 32 - 0.5) * 8; });
};

describe('in-place float ops on the backend', () => {
  it('give the TS kernels\' bits on flat tensors, and reach the backend', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [op, alpha] of [['add', 1], ['sub', 1], ['add', -1], ['add', 0.3], ['sub', 2.5], ['mul', 1], ['div', 1]] as [Op, number][]) {
        const n = 3001;
        const x = values(n, 7), y = values(n, 11).map((v) => (op === 'div' ? v + 9 : v));
        const ref = run(null, dtype, x, y, op, alpha, (t) => t, (t) => t);
        const calls: Record<string, number> = {};
        const got = run(counting(wasm, calls), dtype, x, y, op, alpha, (t) => t, (t) => t);
        expect(got, `${dtype} ${op} α=${alpha}`).toEqual(ref);
        // The route taken: ±1 and mul/div through elementwise, other α through the float32 axpy.
        const viaAxpy = (op === 'add' || op === 'sub') && alpha !== 1 && !(op === 'add' && alpha === -1);
        if (viaAxpy) expect(calls.axpy ?? 0, `${dtype} ${op} α=${alpha}`).toBe(dtype === 'float32' ? 1 : 0);
        else expect(Object.keys(calls).filter((k) => k.startsWith('elementwise:')).length, `${dtype} ${op} α=${alpha}`).toBe(1);
      }
    }
  });

  it('give the TS kernels\' bits on views, broadcast operands, numbers and self-aliasing (property)', () => {
    fc.assert(fc.property(
      fc.constantFrom('float32' as const, 'float64' as const),
      fc.constantFrom<Op>('add', 'sub', 'mul', 'div'),
      fc.constantFrom(1, -1, 0.5, -3),
      fc.integer({ min: 45, max: 80 }), fc.integer({ min: 45, max: 80 }),
      fc.constantFrom('flat', 'transposed', 'row-slice', 'self', 'row-bias', 'number'),
      fc.integer({ min: 1, max: 1000 }),
      (dtype, op, alpha, m, n, kind, seed) => {
        const x = values(m * n, seed), y = values(m * n, seed + 1).map((v) => (op === 'div' ? v + 9 : v));
        const view = (t: Tensor): Tensor => {
          const t2 = t.reshape([m, n]);
          if (kind === 'transposed') return t2.T;
          if (kind === 'row-slice') return t2.narrow(0, 1, m - 1);
          return t2;
        };
        const other = (o: Tensor): Tensor | number => {
          const o2 = o.reshape([m, n]);
          if (kind === 'transposed') return o2.T;
          if (kind === 'row-slice') return o2.narrow(0, 0, m - 1);
          if (kind === 'row-bias') return o2.select(0, 0);
          if (kind === 'number') return op === 'div' ? 2.5 : 0.75;
          return o2;
        };
        // 'self': the target is also the operand (x ∘= x).
        const pickOther = kind === 'self' ? null : other;
        const runIt = (be: Backend | null): number[] => {
          const prev = getBackend();
          setBackend(be);
          try {
            const t = tensor(x, { dtype });
            const target = view(t);
            apply(target, op, pickOther === null ? target : pickOther(tensor(y, { dtype })), alpha);
            return Array.from(t.data() as Float32Array | Float64Array);
          } finally {
            setBackend(prev);
          }
        };
        expect(runIt(wasm)).toEqual(runIt(null));
      }), { numRuns: 60 });
  });

  it('still refuses what it refused', () => {
    setBackend(wasm);
    try {
      const i = tensor(values(4096, 3).map(Math.round), { dtype: 'int32' });
      expect(() => i.divInPlace(tensor(values(4096, 4), { dtype: 'int32' }))).toThrow(/divInPlace/);
      expect(() => i.addInPlace(tensor(values(4096, 5)), 0.5)).toThrow(/addInPlace/);
      const f = tensor(values(4096, 6));
      expect(() => f.addInPlace(tensor(values(10, 7)))).toThrow(/addInPlace.*4096.*10|addInPlace.*10.*4096/);
    } finally {
      setBackend(saved);
    }
  });
});
