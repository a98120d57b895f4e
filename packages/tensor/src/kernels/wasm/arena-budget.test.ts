// The arena's hard budget and its switches, each case in a child process
// (__fixtures__/arena-budget.ts) so that it starts with no arena: a synchronous loop with forced
// collections off stays within the budget (and the requests past it cost no further growth
// attempts), blocks come back between tasks; switched off before the first tensor, nothing lives
// in WebAssembly memory; using the arena leaves no V8 flag switched on for the rest of the process;
// a non-shared fixed memory (runtimes without shared WebAssembly memory) works and stays fixed.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./__fixtures__/arena-budget.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const MiB = 2 ** 20;

interface Stats {
  enabled: boolean; shared: boolean; maxBytes: number; memoryBytes: number; inUseBytes: number; freeBytes: number; allocations: number;
  reclaimed: number; forcedCollections: number; fallbacks: number; growAttempts: number;
}

function run(which: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Record<string, unknown> {
  const out = execFileSync(process.execPath, [...nodeArgs, '--conditions=source', '--import', 'tsx', script, which], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, GD_BACKEND: '', GD_ARENA: '', ...env },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe.skipIf(process.env.GD_BACKEND === 'ts')('wasm arena budget', () => {
  it('a synchronous loop with no forced collections stays within a 32 MiB budget, results right; past it no growth is tried; blocks come back between tasks', () => {
    const r = run('sync-no-collections') as Record<string, Stats> & { correct: boolean };
    expect(r.imported.maxBytes).toBe(32 * MiB);
    expect(r.atBudget.memoryBytes).toBe(32 * MiB); // reached the budget...
    expect(r.end.memoryBytes).toBe(32 * MiB); // ...and never went past it
    expect(r.end.forcedCollections).toBe(0);
    expect(r.correct).toBe(true);
    // 2 700 steps at the budget, each asking for three blocks: all served with JS memory, at the
    // cost of no growth attempt at all (the budget check is a comparison).
    expect(r.end.fallbacks - r.atBudget.fallbacks).toBe(3 * 2700);
    expect(r.end.growAttempts).toBe(r.atBudget.growAttempts);
    expect(r.end.growAttempts).toBeLessThanOrEqual(3);
    expect(r.end.allocations).toBe(r.atBudget.allocations);
    // After the loop yields, the collector's callbacks return the dead blocks...
    expect(r.afterYield.reclaimed).toBeGreaterThan(400);
    expect(r.afterYield.freeBytes).toBeGreaterThan(16 * MiB);
    // ...and the next 30 steps are served from them, without a fallback.
    expect(r.again.fallbacks).toBe(r.afterYield.fallbacks);
    expect(r.again.allocations - r.afterYield.allocations).toBe(90);
    expect(r.again.memoryBytes).toBe(32 * MiB);
  }, 60_000);

  it('configureArena({ enabled: false }) before the first tensor: no WebAssembly memory, storages are ordinary JS memory', () => {
    const r = run('off') as { addresses: number[]; plain: boolean; stats: Stats };
    expect(r.addresses).toEqual([-1, -1, -1]);
    expect(r.plain).toBe(true);
    expect(r.stats.enabled).toBe(false);
    expect(r.stats.memoryBytes).toBe(0);
  }, 60_000);

  it('no V8 flag stays switched on: a new context has no gc, relaxed SIMD no longer validates, yet forced collections and FMA kernels work', () => {
    const r = run('flags') as { afterImport: { memoryBytes: number; gc: string }; fma: boolean; stats: Stats; resident: boolean; correct: boolean; after: Record<string, unknown> };
    expect(r.afterImport).toEqual({ memoryBytes: 0, gc: 'undefined' }); // nothing happens at import
    expect(r.stats.forcedCollections).toBeGreaterThan(0); // gc and cleanupSome were obtained and work
    expect(r.fma).toBe(true);
    expect(r.resident).toBe(true);
    expect(r.correct).toBe(true);
    expect(r.after).toEqual({ gc: 'undefined', cleanupSome: 'undefined', mainGc: 'undefined', relaxedValidates: false });
  }, 60_000);

  it('a flag the program set itself (node --expose-gc) stays set', () => {
    const r = run('flags', {}, ['--expose-gc']) as { after: Record<string, unknown> };
    expect(r.after).toEqual({ gc: 'function', cleanupSome: 'undefined', mainGc: 'function', relaxedValidates: false });
  }, 60_000);

  it('GD_ARENA=unshared: a non-shared memory of the whole budget, reserved up front and never grown; kernels work in place in it', () => {
    const r = run('unshared', { GD_ARENA: 'unshared' }) as { first: Stats; end: Stats; addresses: number[]; sameProduct: boolean; correct: boolean };
    expect(r.first.shared).toBe(false);
    expect(r.first.memoryBytes).toBe(8 * MiB);
    expect(r.addresses.every((a) => a > 0)).toBe(true);
    expect(r.sameProduct).toBe(true);
    expect(r.correct).toBe(true);
    expect(r.end.memoryBytes).toBe(8 * MiB);
    expect(r.end.growAttempts).toBe(0);
    expect(r.end.fallbacks).toBeGreaterThan(0); // the loop did outgrow the budget
  }, 60_000);
});
