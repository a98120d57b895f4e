// At the arena's budget, a request for a size class with no free block is carved out of a
// larger free block instead of falling back to ordinary JS memory (which would send every kernel
// on that tensor down the copying path), and requests that did fall back count towards the next
// collection (else a program at the ceiling would never collect its dead tensors again). Runs in a child process
// (__fixtures__/arena-ceiling.ts) so the test's own arena stays small.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./__fixtures__/arena-ceiling.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../../../', import.meta.url));

interface Stats { maxBytes: number; memoryBytes: number; topBytes: number; freeBytes: number; fallbacks: number; forcedCollections: number }

describe.skipIf(process.env.GD_ARENA === 'off' || process.env.GD_BACKEND === 'ts')('wasm arena at its budget', () => {
  it('serves other sizes from larger free blocks: no fallback to JS memory, live tensors intact', () => {
    const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
      cwd: root, encoding: 'utf8', maxBuffer: 1 << 20,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { filled: Stats; after: Stats; resident: number; total: number; intact: boolean; collectionsAt300: number };
    expect(r.filled.maxBytes).toBe(512 * 2 ** 20);
    expect(r.filled.memoryBytes).toBe(r.filled.maxBytes); // the memory did reach its budget, not more
    // with no room left at the top for tensors (the last 8 MiB are kept for kernel scratch)
    expect(r.filled.topBytes).toBeGreaterThan(r.filled.maxBytes - 10 * 2 ** 20);
    expect(r.after.memoryBytes).toBe(r.filled.memoryBytes);
    expect(r.after.forcedCollections).toBeGreaterThan(r.filled.forcedCollections); // the big ones were collected
    expect(r.resident).toBe(r.total); // every request after the collection stayed in the arena
    expect(r.after.fallbacks - r.filled.fallbacks).toBeLessThan(300);
    expect(r.intact).toBe(true);
    // Splitting comes before forcing a collection: the last 1200 requests (about 260 MB) collect
    // at the soft limit's pace (128 MiB or more), not every 16 MiB as a request that finds no
    // free block of its class at the ceiling would force.
    expect(r.after.forcedCollections - r.collectionsAt300).toBeLessThanOrEqual(3);
  }, 120_000);
});
