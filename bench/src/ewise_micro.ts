// Micro-benchmark of the elementwise / update kernels (ewise): CPU time per call (process.cpuUsage,
// medians of 7 rounds), so figures stay comparable on a loaded machine. Each row is measured in the
// same run as its baseline (the TS kernel, setBackend(null), or the plain JS loop).
//   npx tsx --conditions=source src/ewise_micro.ts
import * as T from '@gd/tensor';

function cpuPerCall(f: () => unknown, minMs = 60): number {
  let reps = 1;
  for (;;) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) f();
    const d = process.cpuUsage(t0);
    const us = d.user + d.system;
    if (us >= minMs * 1000) return us / reps;
    reps *= 2;
  }
}
function median(f: () => unknown): number {
  const xs: number[] = [];
  for (let r = 0; r < 7; r++) xs.push(cpuPerCall(f));
  xs.sort((a, b) => a - b);
  return xs[3]!;
}
const row = (name: string, us: number, elems: number, base?: number) =>
  console.log(`${name.padEnd(44)} ${us.toFixed(1).padStart(9)} µs  ${(elems / us).toFixed(0).padStart(6)} Melem/s${base ? `  ${(base / us).toFixed(2)}× vs baseline` : ''}`);

const wasm = T.getBackend();
const gen = new T.Generator(1);
const n = 1_000_000;
const x = T.randn([n], { generator: gen }), y = T.randn([n], { generator: gen });
for (const [name, f] of [['add 1e6', () => T.add(x, y)], ['mul 1e6', () => T.mul(x, y)], ['exp 1e6', () => T.exp(x)], ['relu 1e6', () => T.relu(x)]] as const) {
  T.setBackend(null);
  const ts = median(f);
  T.setBackend(wasm);
  const w = median(f);
  row(`${name} (op, TS kernel)`, ts, n);
  row(`${name} (op, ${wasm?.name})`, w, n, ts);
}
// Raw kernel on preallocated arrays: tensor storages (resident when the arena is on) vs plain arrays.
const out = T.zeros([n]);
const xs = x.storage as Float32Array, ys = y.storage as Float32Array, os = out.storage as Float32Array;
const px = xs.slice(), py = ys.slice(), po = new Float32Array(n);
row('add 1e6 kernel, tensor storages', median(() => wasm!.elementwise!('add', os, xs, ys)), n);
row('add 1e6 kernel, plain arrays (copied)', median(() => wasm!.elementwise!('add', po, px, py)), n);
row('exp 1e6 kernel, tensor storages', median(() => wasm!.elementwise!('exp', os, xs, null)), n);
// The MLP's SGD update: 200704 + 2560 floats.
const m = 200704;
const s = T.randn([m], { generator: gen }), d = T.randn([m], { generator: gen });
const ss = s.storage as Float32Array, ds = d.storage as Float32Array;
const js = (a: Float32Array, k: number, b: Float32Array) => {
  const len = a.length;
  let j = 0;
  for (; j + 3 < len; j += 4) {
    const a0 = a[j]!, a1 = a[j + 1]!, a2 = a[j + 2]!, a3 = a[j + 3]!;
    a[j] = k * b[j]! + a0; a[j + 1] = k * b[j + 1]! + a1; a[j + 2] = k * b[j + 2]! + a2; a[j + 3] = k * b[j + 3]! + a3;
  }
  for (; j < len; j++) a[j] = k * b[j]! + a[j]!;
};
const base = median(() => js(ss, -1e-9, ds));
row('axpy 200704 JS loop (optim axpy32)', base, m);
row('axpy 200704 kernel, tensor storages', median(() => wasm!.axpy!(ss, -1e-9, ds)), m, base);
const ps = ss.slice(), pd = ds.slice();
row('axpy 200704 kernel, plain arrays (copied)', median(() => wasm!.axpy!(ps, -1e-9, pd)), m, base);
// relu and its gradient on the MLP's hidden layer, and the bias gradient.
const h = T.randn([64, 256], { generator: gen }), g = T.randn([64, 256], { generator: gen });
for (const [name, f] of [
  ['relu [64,256]', () => T.relu(h)],
  ['vjp_relu [64,256] (runKernel)', () => { const o = T.Tensor._empty([64, 256], 'float32'); T.runKernel('vjp_relu', 'x * (y > 0 ? 1 : 0)', o, [g, h]); return o; }],
  ['bias add [64,256] + [256]', () => T.add(h, T.zeros([256]))],
  ['sum(g, 0) [64,256]', () => T.sum(g, 0)],
  ['sum(g, 1) [64,256]', () => T.sum(g, 1)],
] as const) {
  T.setBackend(null);
  const ts = median(f);
  T.setBackend(wasm);
  const w = median(f);
  row(`${name} TS`, ts, 16384);
  row(`${name} ${wasm?.name}`, w, 16384, ts);
}

// One float32 Adam step over the MLP's first-layer weights: the TS loop of scaleByAdam vs the kernel.
{
  const n2 = 200704;
  const mk = () => T.randn([n2], { generator: gen }).storage as Float32Array;
  const g = mk(), m0 = mk(), v0 = mk().map(Math.abs), mm = mk(), vv = mk(), u = mk();
  const c = { c1: 0.1, b1: 0.9, c2: 0.001, b2: 0.999, k: -1e-3 / 0.1, bc2s: Math.sqrt(0.001), eps: 1e-8 };
  const tsAdam = () => {
    for (let j = 0; j < n2; j++) {
      const gj = g[j]!;
      mm[j] = c.c1 * gj + m0[j]! * c.b1;
      vv[j] = c.c2 * gj * gj + v0[j]! * c.b2;
      u[j] = (c.k * mm[j]!) / (Math.sqrt(vv[j]!) / c.bc2s + c.eps);
    }
  };
  const base2 = median(tsAdam);
  row('adam 200704 TS loop', base2, n2);
  row('adam 200704 kernel, tensor storages', median(() => wasm!.adam!({ m: mm, v: vv, u, g, m0, v0, ...c })), n2, base2);
}
