/**
 * Loading the peer libraries the benchmarks compare against: TensorFlow.js (core + the cpu and wasm
 * backends) and jax-js (its wasm device; Node has no WebGPU). Both are devDependencies of the bench
 * package only.
 * @module
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the union package does (into the registry tfjs-core shares).
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

const require = createRequire(import.meta.url);
let wasmPathsSet = false;

/**
 * Switch TensorFlow.js to `name` (`cpu` or `wasm`) and wait until it is ready.
 * @param name - Backend name.
 * @returns Nothing; throws when the backend cannot start.
 * @example
 * ```ts
 * await useTf('wasm');
 * ```
 */
export async function useTf(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet) {
    // The wasm binaries ship in the package's dist folder; Node needs a file path, not a URL.
    setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend ${name} failed to start`);
  await tf.ready();
}

/** The jax-js module type. */
export type Jax = typeof import('@jax-js/jax');

let jaxModule: Jax | null | undefined;

/**
 * Load jax-js on its wasm device, or `null` when it cannot run here. Node 20 has no `navigator`
 * global, which jax-js reads; a minimal one is provided.
 * @returns The jax-js module or `null`.
 * @example
 * ```ts
 * const jax = await loadJax();
 * ```
 */
export async function loadJax(): Promise<Jax | null> {
  if (jaxModule !== undefined) return jaxModule;
  try {
    const g = globalThis as { navigator?: unknown };
    if (g.navigator === undefined) g.navigator = { userAgent: 'Node.js', hardwareConcurrency: os.cpus().length };
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error('no wasm device');
    jax.defaultDevice('wasm');
    jaxModule = jax;
  } catch (e) {
    console.error(`jax-js unavailable: ${(e as Error).message}`);
    jaxModule = null;
  }
  return jaxModule;
}
