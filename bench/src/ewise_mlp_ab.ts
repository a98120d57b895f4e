/**
 * A/B of the MLP step (784-256-10, batch 64, SGD; as `mlp.ts`) with the wasm backend's elementwise,
 * update and column-sum kernels on, against the same backend restricted to what it had before them
 * (matmul, and elementwise add/sub/mul/div/exp): interleaved rounds in one process, CPU time per step
 * (`process.cpuUsage`), medians. `npx tsx --conditions=source src/ewise_mlp_ab.ts [rounds] [steps]`.
 * @module
 */
import * as gd from '@gd/tensor';
import '@gd/autograd';
import { Linear, ReLU, Sequential, crossEntropy } from '@gd/nn';
import { SGD } from '@gd/optim';

const B = 64, D = 784, H = 256, C = 10;
const rounds = Number(process.argv[2] ?? 7), steps = Number(process.argv[3] ?? 200);
const full = gd.getBackend()!;
const OLD_OPS = new Set(['add', 'sub', 'mul', 'div', 'exp']);
const before: gd.Backend = {
  name: 'before',
  matmul: (a) => full.matmul!(a),
  elementwise: (op, o, x, y) => OLD_OPS.has(op) && (y !== null || op === 'exp') && full.elementwise!(op, o, x, y),
};
const x = new Float32Array(B * D), y = new Int32Array(B);
let s = 12345;
const next = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
for (let i = 0; i < x.length; i++) x[i] = next();
for (let i = 0; i < B; i++) y[i] = Math.floor(next() * C);
gd.manualSeed(0);
const model = new Sequential(new Linear(D, H), new ReLU(), new Linear(H, C));
const opt = new SGD(model.parameters(), { lr: 0.01 });
const xt = gd.tensor(x, { shape: [B, D] });
const yt = gd.tensor(y, { shape: [B], dtype: 'int32' });
const step = (): void => {
  opt.zeroGrad();
  crossEntropy(model.forward(xt), yt).backward();
  opt.step();
};
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
