/**
 * Profiling helper (not part of `pnpm bench`): runs the @gd MLP step of `mlp.ts` `n` times (default
 * 300) without loading any peer library, and prints steps/s. Pass `ts` as the second argument for the
 * TypeScript kernels, `1t` for the wasm backend on one thread. Profile with
 * `node --cpu-prof --import tsx/esm --conditions=source bench/src/mlp_profile.ts 400`.
 * @module
 */
import * as gd from '@gd/tensor';
import { gdStep } from './mlp_setup.js';

const n = Number(process.argv[2] ?? 300);
if (process.argv[3] === 'ts') gd.setBackend(null);
else if (process.argv[3] === '1t') gd.setBackend(gd.createWasmBackend({ threads: 1 }));
const step = gdStep();
for (let i = 0; i < 20; i++) step();
const t0 = performance.now();
let l = 0;
for (let i = 0; i < n; i++) l = step();
const dt = performance.now() - t0;
console.log(`${n} steps: ${(n / dt * 1000).toFixed(1)} steps/s, loss ${l}`);
