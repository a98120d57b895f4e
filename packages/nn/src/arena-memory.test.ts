// Tensors in WebAssembly memory need no dispose(): a training loop of 100 000 steps hands out more
// bytes than the memory can ever hold, and the arena serves every request by reusing blocks of
// collected tensors. The loop runs in a child process (src/__fixtures__/arena-loop.ts) so its
// counters start from zero; a leaky variant checks that the counters do see live tensors.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./__fixtures__/arena-loop.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Stats { enabled: boolean; memoryBytes: number; inUseBytes: number; allocatedBytes: number; reclaimed: number; forcedCollections: number; fallbacks: number }
interface Run { first: number; last: number; s0: Stats; s1: Stats; usPerStep: number }

function loop(...args: string[]): Run {
  const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, GD_BACKEND: '', GD_ARENA: '' },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

const GiB = 2 ** 30, MiB = 2 ** 20;

describe('wasm arena: memory stays bounded without dispose()', () => {
  it('100 000 training steps: more than 2 GiB handed out, every request served from at most 1 GiB of memory', () => {
    const r = loop('100000');
    expect(r.s1.enabled).toBe(true);
    expect(r.last).toBeLessThan(r.first); // it did train
    expect(r.s1.fallbacks).toBe(0); // no request had to leave the arena
    expect(r.s1.allocatedBytes).toBeGreaterThan(2 * GiB); // more than the memory's maximum...
    expect(r.s1.memoryBytes).toBeLessThanOrEqual(GiB); // ...served from a bounded memory
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
});
