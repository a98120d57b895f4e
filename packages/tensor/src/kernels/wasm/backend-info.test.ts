// backendInfo() and resetBackendCounters(): which backend runs the kernels, threads configured vs
// started vs running, and counters that move when kernels run (by backend, fallbacks to the
// TypeScript kernels, split calls, chunks by helpers and by the caller); GD_BACKEND=ts and
// setBackend(null) report the TypeScript kernels; a Node without worker_threads says what is missing.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../../index.js';
import { createWasmBackend } from './backend.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const index = path.join(here, '..', '..', 'index.ts');
const initial = T.getBackend();
afterEach(() => { T.setBackend(initial); });

/** Sleep `ms` on this thread (helper threads come up meanwhile). */
const nap = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };

/** Run a script with tsx in a fresh Node (extra environment `env`); its stdout's last line as JSON. */
function runScript(lines: string[], env: Record<string, string> = {}): unknown {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gd-info-'));
  const script = path.join(dir, 'info.mts');
  writeFileSync(script, lines.join('\n'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000, cwd: here, env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe.skipIf(T.getBackend() === null)('backendInfo with the wasm backend', () => {
  it('counts the calls the wasm kernels ran and those declined to the TypeScript kernels, per kernel; reset zeroes them', () => {
    const be = createWasmBackend({ threads: 1 });
    T.setBackend(be);
    T.resetBackendCounters();
    let c = T.backendInfo().counters;
    expect(c.kernelCalls).toEqual({ 'wasm-simd-fma': 0, 'wasm-simd': 0, typescript: 0 });
    expect(c.lastCall).toBeNull();
    const x = T.randn([20_000]), y = T.randn([20_000]);
    T.add(x, y);
    T.mul(x, y);
    c = T.backendInfo().counters;
    const name = be.name as 'wasm-simd' | 'wasm-simd-fma';
    expect(c.kernelCalls[name]).toBe(2);
    expect(c.byKernel.elementwise).toEqual({ ran: 2, declined: 0 });
    expect(c.lastCall).toBe(name);
    // Under a backend's size threshold the call is declined: the TS kernel runs.
    T.setBackend(createWasmBackend({ threads: 1, elementwiseMinSize: 1e6 }));
    T.add(x, y);
    T.setBackend(be);
    c = T.backendInfo().counters;
    // (add asks the flat kernel, then the broadcasting one: both declined.)
    expect(c.byKernel.elementwise).toEqual({ ran: 2, declined: 1 });
    expect(c.byKernel.broadcast).toEqual({ ran: 0, declined: 1 });
    expect(c.kernelCalls.typescript).toBe(2);
    expect(c.fallbacks).toBe(2);
    expect(c.kernelCalls[name]).toBe(2);
    expect(c.lastCall).toBe('typescript');
    T.matmul(T.randn([64, 64]), T.randn([64, 64]));
    c = T.backendInfo().counters;
    expect(c.byKernel.matmul.ran).toBe(1);
    expect(c.kernelCalls[name]).toBe(3);
    expect(c.parallelJobs).toBe(0); // one thread: nothing split
    T.resetBackendCounters();
    c = T.backendInfo().counters;
    expect(c.kernelCalls).toEqual({ 'wasm-simd-fma': 0, 'wasm-simd': 0, typescript: 0 });
    expect(c.byKernel.matmul).toEqual({ ran: 0, declined: 0 });
    expect(c.lastCall).toBeNull();
  });

  it('reports the backend that runs, SIMD and FMA, and one thread configured for threads: 1', () => {
    const be = createWasmBackend({ threads: 1, fma: false });
    T.setBackend(be);
    const info = T.backendInfo();
    expect(info.backend).toBe('wasm-simd');
    expect(info.installed).toBe('wasm-simd');
    expect(info.wasm).toBe('ready');
    expect(info.simd).toBe(true);
    expect(info.fma).toBe(false);
    expect(info.threads).toMatchObject({ environment: 'node', unavailable: null, configured: 1, active: 1, started: 0, running: 0 });
    expect(info.arena).toEqual(T.arenaStats());
  });

  it('a large product on two threads in Node: the helper starts, comes up, and computes chunks', () => {
    const be = createWasmBackend({ threads: 2 });
    T.setBackend(be);
    const a = T.randn([256, 256]), b = T.randn([256, 256]); // 2^24 multiply-adds: over parallelMinWork
    T.matmul(a, b); // starts the helper
    expect(T.backendInfo().threads.started).toBe(1);
    for (let i = 0; i < 200 && T.backendInfo().threads.running < 1; i++) nap(10);
    T.resetBackendCounters();
    for (let i = 0; i < 8; i++) T.matmul(a, b);
    const info = T.backendInfo();
    expect(info.threads).toMatchObject({ environment: 'node', configured: 2, active: 2, started: 1, running: 1 });
    expect(info.counters.parallelJobs).toBe(8);
    expect(info.counters.helperChunks).toBeGreaterThan(0);
    expect(info.counters.helperChunks + info.counters.callerChunks).toBe(16); // two slabs per product
    expect(info.counters.helperFailures).toBe(0);
    expect(info.counters.byKernel.matmul.ran).toBe(8);
  });
});

describe('backendInfo with the TypeScript kernels', () => {
  it('setBackend(null): the TypeScript backend, no threads, and counters that do not move', () => {
    T.setBackend(null);
    T.resetBackendCounters();
    T.matmul(T.randn([64, 64]), T.randn([64, 64]));
    T.add(T.randn([20_000]), T.randn([20_000]));
    const info = T.backendInfo();
    expect(info.backend).toBe('typescript');
    expect(info.installed).toBeNull();
    expect(info.wasm).toBeNull();
    expect(info.fma).toBe(false);
    expect(info.threads).toMatchObject({ configured: 1, active: 1, started: 0, running: 0 });
    expect(info.counters.kernelCalls).toEqual({ 'wasm-simd-fma': 0, 'wasm-simd': 0, typescript: 0 });
    expect(info.counters.lastCall).toBeNull();
  });

  it('a custom backend is reported by its name', () => {
    T.setBackend({ name: 'mine' });
    expect(T.backendInfo()).toMatchObject({ backend: 'mine', installed: 'mine', wasm: null });
  });

  it('GD_BACKEND=ts: the TypeScript backend is what runs', () => {
    const r = runScript([
      `import * as T from ${JSON.stringify(index)};`,
      `T.matmul(T.randn([64, 64]), T.randn([64, 64]));`,
      `const i = T.backendInfo();`,
      `console.log(JSON.stringify({ backend: i.backend, installed: i.installed, calls: i.counters.kernelCalls }));`,
    ], { GD_BACKEND: 'ts' });
    expect(r).toEqual({ backend: 'typescript', installed: null, calls: { 'wasm-simd-fma': 0, 'wasm-simd': 0, typescript: 0 } });
  }, 70_000);

  it('a Node without worker_threads: one thread by default, quietly; threads: 2 names what is missing', () => {
    const r = runScript([
      `(process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;`,
      `const T = await import(${JSON.stringify(index)});`,
      `let error = '';`,
      `try { T.createWasmBackend({ threads: 2 }); } catch (e) { error = (e as Error).message; }`,
      `const i = T.backendInfo();`,
      `console.log(JSON.stringify({ threads: T.createWasmBackend().threads, error, env: i.threads.environment, why: i.threads.unavailable }));`,
    ]) as { threads: number; error: string; env: string | null; why: string };
    expect(r.threads).toBe(1);
    expect(r.error).toMatch(/^createWasmBackend: threads: 2 needs node:worker_threads/);
    expect(r.env).toBeNull();
    expect(r.why).toMatch(/worker_threads/);
  }, 70_000);
});
