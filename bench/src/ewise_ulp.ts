// Measures the largest error (in float32 ulp, against float64 Math.*) of the wasm float32 exp, log, tanh
// and sigmoid kernels on 2^20 uniform inputs per range: `npx tsx --conditions=source src/ewise_ulp.ts`.
import { createWasmBackend } from '@gd/tensor';
const w = createWasmBackend({ threads: 1, fma: false });
const ulp32 = (v: number) => { const a = Math.abs(v); return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23); };
const ref: Record<string, (v: number) => number> = { exp: Math.exp, log: Math.log, tanh: Math.tanh, sigmoid: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))) };
const ranges: Record<string, [number, number][]> = { exp: [[-104, 89], [-1, 1]], log: [[0, 1e-37], [0, 2], [0, 1e30]], tanh: [[-10, 10], [-0.7, 0.7]], sigmoid: [[-105, 20], [-3, 3]] };
let s = 12345;
const r = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
for (const op of Object.keys(ref)) {
  let worst = 0, at = 0, relw = 0;
  for (const [lo, hi] of ranges[op]!) {
    const n = 1 << 20;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * r();
    const o = new Float32Array(n);
    if (!w.elementwise!(op, o, x, null)) throw new Error('declined');
    for (let i = 0; i < n; i++) {
      const want = ref[op]!(x[i]!);
      if (!Number.isFinite(Math.fround(want))) continue;
      const e = Math.abs(o[i]! - want) / ulp32(want);
      if (e > worst) { worst = e; at = x[i]!; }
      if (want !== 0 && Math.abs(want) > 1e-37) relw = Math.max(relw, Math.abs(o[i]! - want) / Math.abs(want));
    }
  }
  console.log(op, 'max ulp', worst.toFixed(3), 'at', at, 'max rel (normal results)', relw.toExponential(2));
}
