/**
 * Profiling helper (not part of `pnpm bench`): runs the @gd MLP step of `mlp.ts` `n` times (default
 * 300) without loading any peer library, and prints steps/s. Pass `ts` as the second argument for the
 * TypeScript kernels, `1t` for the wasm backend on one thread. Profile with
 * `node --cpu-prof --import tsx/esm --conditions=source bench/src/mlp_profile.ts 400`.
 * @module
 */
import * as gd from '@gd/tensor';
import '@gd/autograd';
import { Linear, ReLU, Sequential, crossEntropy } from '@gd/nn';
import { SGD } from '@gd/optim';

const B = 64, D = 784, H = 256, C = 10;
const n = Number(process.argv[2] ?? 300);
if (process.argv[3] === 'ts') gd.setBackend(null);
else if (process.argv[3] === '1t') gd.setBackend(gd.createWasmBackend({ threads: 1 }));
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
const step = (): number => {
  opt.zeroGrad();
  const loss = crossEntropy(model.forward(xt), yt);
  loss.backward();
  opt.step();
  return loss.item();
};
for (let i = 0; i < 20; i++) step();
const t0 = performance.now();
let l = 0;
for (let i = 0; i < n; i++) l = step();
const dt = performance.now() - t0;
console.log(`${n} steps: ${(n / dt * 1000).toFixed(1)} steps/s, loss ${l}`);
