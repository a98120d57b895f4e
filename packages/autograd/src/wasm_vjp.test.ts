// The WebAssembly backend runs the fused gradient kernels of a few rules by name (`vjp_relu`,
// `vjp_tanh`, `vjp_sigmoid`, `vjp_exp`, `vjp_log`: see @gd/tensor's wasm backend). Their gradients
// must have the same bits as the rules' TypeScript loops, on both compiled variants; this also
// catches a rule whose formula changed while its kernel name stayed.
import { describe, expect, it } from 'vitest';
import * as T from '@gd/tensor';
import { type Backend, createWasmBackend, getBackend, setBackend, wasmRelaxedSimdSupported } from '@gd/tensor';
import './index.js'; // installs the tape

const VARIANTS: [string, Backend][] = [['simd', createWasmBackend({ fma: false, threads: 1 })]];
if (wasmRelaxedSimdSupported()) VARIANTS.push(['relaxed simd', createWasmBackend({ fma: true, threads: 1 })]);

function values(n: number, seed: number, scale: number): number[] {
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    out.push(i % 97 === 0 ? 0 : (u - 0.5) * 2 * scale);
  }
  return out;
}

describe.each(VARIANTS)('wasm gradient kernels (%s)', (_name, wasm) => {
  it('relu, tanh, sigmoid, exp, log backward: same bits as with the TypeScript kernels', () => {
    const calls: string[] = [];
    const be: Backend = { name: 'spy', elementwise: (op, o, x, y) => { const ok = wasm.elementwise!(op, o, x, y); if (ok) calls.push(op); return ok; } };
    const prev = getBackend();
    try {
      for (const dtype of ['float32', 'float64'] as const) {
        const n = 16387; // not a multiple of the vector width nor of the copy chunk
        const xs = values(n, 11, 4), gs = values(n, 12, 4);
        gs[5] = Infinity; gs[6] = NaN; xs[5] = -1; xs[6] = 2; // inf * 0 -> NaN, NaN stays NaN
        for (const op of ['relu', 'tanh', 'sigmoid', 'exp', 'log'] as const) {
          const g = T.tensor(gs, { dtype });
          // The forward pass always runs on the TS kernels, so both backward passes see the same
          // saved output (the wasm exp/tanh/sigmoid differ from Math.* in the last bits).
          const run = (b: Backend | null): Float32Array | Float64Array => {
            const x = T.tensor(op === 'log' ? xs.map((v) => Math.abs(v) + 1e-3) : xs, { dtype, requiresGrad: true });
            setBackend(null);
            const L = T[op](x).mul(g).sum();
            setBackend(b);
            L.backward();
            return x.grad!.data() as Float32Array | Float64Array;
          };
          const want = run(null);
          calls.length = 0;
          const got = run(be);
          expect(calls, `${op} ${dtype}`).toContain(`vjp_${op}`);
          for (let i = 0; i < n; i++) {
            const a = got[i]!, b = want[i]!;
            if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) throw new Error(`d${op} ${dtype}[${i}]: ${a} vs ${b}`);
          }
        }
      }
    } finally {
      setBackend(prev);
    }
  });
});
