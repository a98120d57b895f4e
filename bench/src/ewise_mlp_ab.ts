/**
 * A/B of the MLP step (784-256-10, batch 64, SGD; as `mlp.ts`) with the wasm backend's elementwise,
 * update and column-sum kernels on, against the same backend restricted to what it had before them
 * (matmul, and elementwise add/sub/mul/div/exp): interleaved rounds in one process, CPU time per step
 * (`process.cpuUsage`), medians. `npx tsx --conditions=source src/ewise_mlp_ab.ts [rounds] [steps]`.
 * @module
 */
import * as gd from '@gd/tensor';
import { gdStep } from './mlp_setup.js';

const rounds = Number(process.argv[2] ?? 7), steps = Number(process.argv[3] ?? 200);
const full = gd.getBackend()!;
const OLD_OPS = new Set(['add', 'sub', 'mul', 'div', 'exp']);
const before: gd.Backend = {
  name: 'before',
  matmul: (a) => full.matmul!(a),
  elementwise: (op, o, x, y) => OLD_OPS.has(op) && (y !== null || op === 'exp') && full.elementwise!(op, o, x, y),
};
const step = gdStep();
const per: Record<string, number[]> = { before: [], after: [] };
const wall: Record<string, number[]> = { before: [], after: [] };
for (let r = 0; r < rounds; r++) {
  for (const [name, be] of [['before', before], ['after', full]] as const) {
    gd.setBackend(be);
    for (let i = 0; i < 10; i++) step();
    const t0 = process.cpuUsage(), w0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const d = process.cpuUsage(t0);
    wall[name]!.push((performance.now() - w0) * 1000 / steps);
    per[name]!.push((d.user + d.system) / steps);
  }
}
const med = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1]!;
const b = med(per.before!), a = med(per.after!);
const bw = med(wall.before!), aw = med(wall.after!);
// CPU time counts every thread of the process (the matmul helper thread included).
console.log(`before: ${b.toFixed(0)} µs CPU/step, ${bw.toFixed(0)} µs wall/step (${(1e6 / bw).toFixed(1)} steps/s)`);
console.log(`after:  ${a.toFixed(0)} µs CPU/step, ${aw.toFixed(0)} µs wall/step (${(1e6 / aw).toFixed(1)} steps/s); ${(b / a).toFixed(2)}x CPU, ${(bw / aw).toFixed(2)}x wall`);
