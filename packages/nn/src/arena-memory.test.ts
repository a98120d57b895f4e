// Tensors in WebAssembly memory need no dispose(): a training loop of 100 000 steps hands out far
// more bytes than the arena's budget, and the arena serves every request by reusing blocks of
// collected tensors. The loops run in child processes (src/__fixtures__/arena-loop.ts and
// arena-adam.ts) so their counters start from zero; a leaky variant checks that the counters do see
// live tensors; with forced collections off, the budget alone bounds the memory.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./__fixtures__/arena-loop.ts', import.meta.url));
const adam = fileURLToPath(new URL('./__fixtures__/arena-adam.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Stats { enabled: boolean; memoryBytes: number; inUseBytes: number; allocatedBytes: number; reclaimed: number; forcedCollections: number; fallbacks: number }
interface Run { first: number; last: number; s0: Stats; s1: Stats; usPerStep: number }

function loop(...args: string[]): Run {
  return child(script, args) as Run;
}

function child(file: string, args: string[]): unknown {
  const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', file, ...args], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, GD_BACKEND: '', GD_ARENA: '' },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as unknown;
}

const GiB = 2 ** 30, MiB = 2 ** 20;

describe('wasm arena: memory stays bounded without dispose()', () => {
  it('100 000 training steps: more than 2 GiB handed out, every request served within the 256 MiB default budget', () => {
    const r = loop('100000');
    expect(r.s1.enabled).toBe(true);
    expect(r.last).toBeLessThan(r.first); // it did train
    expect(r.s1.fallbacks).toBe(0); // no request had to leave the arena
    expect(r.s1.allocatedBytes).toBeGreaterThan(2 * GiB); // far more than the budget...
    expect(r.s1.memoryBytes).toBeLessThanOrEqual(256 * MiB); // ...served from a bounded memory
    expect(r.s1.allocatedBytes - r.s1.inUseBytes).toBeGreaterThan(GiB); // blocks came back for reuse
    expect(r.s1.forcedCollections).toBeGreaterThan(0); // inside one synchronous loop
  }, 600_000);

  it('with a fixed 32 MiB collection limit the memory does not grow after warm-up', () => {
    const r = loop('30000', 'limit=32');
    expect(r.s1.fallbacks).toBe(0);
    expect(r.s1.memoryBytes).toBe(r.s0.memoryBytes);
    expect(r.s1.memoryBytes).toBeLessThan(128 * MiB);
    expect(r.s1.allocatedBytes - r.s0.allocatedBytes).toBeGreaterThan(4 * r.s1.memoryBytes);
  }, 300_000);

  it('the counters catch a leak: keeping every step\'s activation alive keeps its block in use', () => {
    const r = loop('3000', 'leak', 'limit=8');
    // 2 700 steps after warm-up each keep a [16, 16] float32 output (1 KiB) and its graph alive.
    expect(r.s1.inUseBytes - r.s0.inUseBytes).toBeGreaterThan(2700 * 1024);
  }, 120_000);

  it('forced collections off: 3000 Adam steps (16-64-64-1, batch 128) stay within a 64 MiB budget, with the same losses as in JS memory', () => {
    interface AdamRun { first: number; last: number; stats: Stats & { maxBytes: number; growAttempts: number } }
    const r = child(adam, ['3000', 'max=64', 'every=Infinity']) as AdamRun;
    const off = child(adam, ['3000', 'off']) as AdamRun;
    expect(r.stats.maxBytes).toBe(64 * MiB);
    expect(r.stats.memoryBytes).toBeLessThanOrEqual(64 * MiB);
    expect(r.stats.forcedCollections).toBe(0);
    expect(r.stats.fallbacks).toBeGreaterThan(10000); // the loop did ask for far more than the budget
    expect(r.stats.growAttempts).toBeLessThanOrEqual(4);
    expect(off.stats.enabled).toBe(false);
    expect(r.last).toBeLessThan(r.first / 1000); // it trained...
    expect([r.first, r.last]).toEqual([off.first, off.last]); // ...to the same numbers as without the arena
  }, 120_000);
});
