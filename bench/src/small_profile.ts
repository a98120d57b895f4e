/**
 * Profiling helper for per-op overhead (not part of `pnpm bench`): times `exp(mul(add(a, b), c))` on
 * [8,8] float32 tensors, with the tape off (no input requires grad) and on (`a` requires grad), and
 * the full `sum(...).backward()`, and `add(mul(a, 2), 1)` (tape on: ops with a JS number). Prints
 * medians of CPU time per op (`process.cpuUsage()`).
 * Usage: `node --import tsx/esm --conditions=source bench/src/small_profile.ts [reps] [ts] [only]`,
 * where `only` is one of `plain`, `tape`, `grad`, `scalar` (for profiling one loop).
 * @module
 */
import * as gd from '@gd/tensor';
import '@gd/autograd';

const reps = Number(process.argv[2] ?? 15);
if (process.argv[3] === 'ts') gd.setBackend(null);
const only = process.argv[4];
const rnd = (n: number, seed: number): Float32Array => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; a[i] = s / 2147483648 - 1; }
  return a;
};
const A = rnd(64, 1), B = rnd(64, 2), C = rnd(64, 3);
const a = gd.tensor(A, { shape: [8, 8] }), b = gd.tensor(B, { shape: [8, 8] }), c = gd.tensor(C, { shape: [8, 8] });
const ag = gd.tensor(A, { shape: [8, 8] }).requiresGrad_();
const sum = (t: gd.Tensor): gd.Tensor => (t as unknown as { sum(): gd.Tensor }).sum();

const cases: Record<string, { ops: number; iters: number; fn: () => unknown }> = {
  plain: { ops: 3, iters: 100000, fn: () => gd.exp(gd.mul(gd.add(a, b), c)) },
  tape: { ops: 3, iters: 100000, fn: () => gd.exp(gd.mul(gd.add(ag, b), c)) },
  grad: { ops: 1, iters: 10000, fn: () => { ag.grad = null; sum(gd.exp(gd.mul(gd.add(ag, b), c))).backward(); return ag.grad; } },
  scalar: { ops: 2, iters: 100000, fn: () => gd.add(gd.mul(ag, 2), 1) },
};

function cpu(): number { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }
const median = (xs: number[]): number => { const s = [...xs].sort((p, q) => p - q); return s[s.length >> 1]!; };
const results: Record<string, number[]> = {};
const names = only !== undefined ? [only] : Object.keys(cases);
for (const name of names) { const c = cases[name]!; for (let i = 0; i < c.iters; i++) c.fn(); results[name] = []; }
for (let r = 0; r < reps; r++) {
  for (const name of names) {
    const c = cases[name]!;
    const t0 = cpu();
    for (let i = 0; i < c.iters; i++) c.fn();
    results[name]!.push(((cpu() - t0) / c.iters / c.ops) * 1e6);
  }
}
for (const name of names) console.log(`${name.padEnd(6)} ${median(results[name]!).toFixed(3)} µs/${name === 'grad' ? 'call' : 'op'} (min ${Math.min(...results[name]!).toFixed(3)})`);
