/**
 * The browser benchmark page: times the MLP 784-256-10 SGD training step (the setup of
 * `mlp_setup.ts`: batch 64, lr 0.01, one fixed batch) for @gd, TensorFlow.js on its wasm backend
 * and jax-js on its wasm device, in interleaved rounds, and publishes the result as
 * `window.benchResult` for the driver (`browser_run.ts`). Query parameters: `reps`, `minMs`,
 * `warmup`, `rounds`, `yieldEvery` (let the event loop run every that many steps, default 1; 0:
 * never), `only` (comma-separated contenders).
 * @module
 */
import * as gd from '@gd/tensor';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as jax from '@jax-js/jax';
import { median, type TimingOptions } from './harness.js';
import { gdStep } from './mlp_setup.js';
import { jaxStep, tfStep } from './mlp_peer_steps.js';

/** What the page reports. */
export interface BrowserBenchResult {
  env: { userAgent: string; crossOriginIsolated: boolean; hardwareConcurrency: number; sharedArrayBuffer: boolean };
  timing: TimingOptions & { rounds: number; yieldEvery: number };
  /** Per contender: how it ran (backend, threads) as the library reports it. */
  info: Record<string, Record<string, unknown>>;
  /** Seconds per step, every repetition of every round. */
  samples: Record<string, number[]>;
  /** Median steps per second. */
  stepsPerSec: Record<string, number>;
  /** Loss before and after the timed steps (it must fall). */
  loss: Record<string, [number, number]>;
  errors: Record<string, string>;
}
declare global { interface Window { benchResult?: BrowserBenchResult; benchError?: string } }

const out = document.getElementById('out')!;
const log = (line: string): void => { out.textContent = (out.textContent === 'running…' ? '' : out.textContent) + line + '\n'; };
const yieldToBrowser = (): Promise<void> => new Promise((ok) => setTimeout(ok, 0));

// A macrotask without setTimeout's 4 ms clamp for nested timers.
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const nextTask = (): Promise<void> => new Promise((ok) => { waiting.push(ok); channel.port2.postMessage(0); });

/**
 * Seconds per call of `fn` for each of `opts.reps` repetitions, as `timeAll` of `harness.ts`
 * (warm-up, a batch lasting at least `minMs`, the same batch for every repetition), except that the
 * page's event loop runs every `yieldEvery` calls, inside the timed region (0: never). A browser
 * runs FinalizationRegistry callbacks, worker messages and the like only between tasks, as a real
 * page's training loop lets it (one animation frame, one chunk of steps at a time).
 */
async function timeSteps(fn: () => unknown, opts: TimingOptions, yieldEvery: number): Promise<number[]> {
  let calls = 0;
  const call = async (): Promise<void> => {
    fn();
    if (yieldEvery > 0 && ++calls % yieldEvery === 0) await nextTask();
  };
  const w0 = performance.now();
  for (let i = 0; i < opts.warmup || performance.now() - w0 < opts.minMs / 2; i++) await call();
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await call();
    const dt = performance.now() - t0;
    if (dt >= opts.minMs / 4 || batch > 1 << 24) {
      batch = Math.max(1, Math.ceil((batch * opts.minMs) / Math.max(dt, 1e-3)));
      break;
    }
    batch *= 4;
  }
  const per: number[] = [];
  for (let r = 0; r < opts.reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await call();
    per.push((performance.now() - t0) / 1e3 / batch);
  }
  return per;
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const num = (k: string, d: number): number => (q.has(k) ? Number(q.get(k)) : d);
  const timing = { reps: num('reps', 9), minMs: num('minMs', 200), warmup: num('warmup', 3), rounds: num('rounds', 3), yieldEvery: num('yieldEvery', 1) };
  const only = q.get('only')?.split(',') ?? null;
  const env = {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
  };
  log(`crossOriginIsolated=${env.crossOriginIsolated} hardwareConcurrency=${env.hardwareConcurrency}`);
  const info: BrowserBenchResult['info'] = {};
  const errors: Record<string, string> = {};

  // @gd on its default backend. backendInfo() (where the package has it) says what actually ran:
  // the kernels, the threads started and the chunks helper threads computed during the timed steps.
  type Info = { wasm?: string | null; threads?: { active: number; started: number; running: number } } & Record<string, unknown>;
  const g = gd as unknown as { backendInfo?: () => Info; resetBackendCounters?: () => void };
  const gdReady = async (): Promise<void> => {
    // In a browser the WebAssembly module compiles asynchronously and helper threads (Web Workers)
    // start when the page's event loop runs: give both up to 10 s before timing.
    const waiting = (): boolean => {
      const i = g.backendInfo?.();
      if (!i) return false;
      return i.wasm === 'compiling' || (i.threads !== undefined && i.threads.running < i.threads.active - 1);
    };
    for (let i = 0; i < 200 && waiting(); i++) await new Promise((ok) => setTimeout(ok, 50));
  };
  interface Contender { make: () => Promise<() => number>; before?: () => void; after?: () => Promise<Record<string, unknown>> }
  const contenders: [string, Contender][] = [
    ['@gd', {
      make: async () => { const step = gdStep(); step(); await gdReady(); return step; },
      before: () => g.resetBackendCounters?.(),
      after: async () => (g.backendInfo ? { ...g.backendInfo() } : { backend: gd.getBackend()?.name ?? 'typescript', backendInfo: 'absent' }),
    }],
    ['tfjs-wasm', {
      make: async () => {
        if (tf.getBackend() !== 'wasm') {
          setWasmPaths(new URL('./tfjs/', location.href).href);
          // by default the threaded binary uses half the logical cores; give it all of them, as @gd and jax-js have
          if (env.crossOriginIsolated) setThreadsCount(navigator.hardwareConcurrency);
          if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to start');
          await tf.ready();
        }
        return tfStep(tf);
      },
      after: async () => ({
        backend: tf.getBackend(), threads: getThreadsCount(),
        simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      }),
    }],
    ['jax-js', {
      make: async () => {
        const devices = await jax.init('wasm');
        if (!devices.includes('wasm')) throw new Error(`jax-js: no wasm device (has: ${devices.join(', ')})`);
        jax.defaultDevice('wasm');
        return jaxStep(jax);
      },
      after: async () => ({ device: jax.defaultDevice() }),
    }],
  ];
  const samples: Record<string, number[]> = {};
  const loss: Record<string, [number, number]> = {};
  const per = { reps: Math.max(1, Math.ceil(timing.reps / timing.rounds)), minMs: timing.minMs, warmup: timing.warmup };
  const picked = contenders.filter(([name]) => only === null || only.includes(name));
  for (let r = 0; r < timing.rounds; r++) {
    for (const [name, c] of picked.map((_, i) => picked[(i + r) % picked.length]!)) {
      if (name in errors) continue;
      try {
        const step = await c.make();
        const first = step();
        c.before?.();
        (samples[name] ??= []).push(...(await timeSteps(step, per, timing.yieldEvery)));
        if (c.after) info[name] = await c.after();
        const last = step();
        loss[name] = [loss[name]?.[0] ?? first, last];
        if (!(last < first)) throw new Error(`the loss did not decrease (${first} -> ${last})`);
      } catch (e) {
        errors[name] = e instanceof Error ? e.message.split('\n')[0]! : String(e);
        log(`${name}: ${errors[name]}`);
      }
      await yieldToBrowser();
    }
    log(`round ${r + 1}/${timing.rounds} done`);
  }
  const stepsPerSec = Object.fromEntries(Object.entries(samples).filter(([k]) => !(k in errors)).map(([k, xs]) => [k, 1 / median(xs)]));
  for (const [k, v] of Object.entries(stepsPerSec)) log(`${k.padEnd(10)} ${v.toFixed(1)} steps/s`);
  window.benchResult = { env, timing, info, samples, stepsPerSec, loss, errors };
}

main().catch((e: unknown) => {
  window.benchError = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  log(`error: ${window.benchError}`);
});
