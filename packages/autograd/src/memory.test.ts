// The tape holds nothing after backward: 100 000 small training steps keep the heap flat. Runs the
// loop in a child `node --expose-gc` (src/__fixtures__/heap-loop.ts) so it can force collections, and
// checks the measurement itself by running a leaky variant that keeps every graph alive.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./__fixtures__/heap-loop.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

function loop(steps: number, leak = false): { growth: number; first: number; last: number; h0: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', '--conditions=source', '--import', 'tsx', script, String(steps), ...(leak ? ['leak'] : [])], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('memory', () => {
  it('100 000 training steps keep the heap flat (growth after warm-up < 2 MB, i.e. < 21 bytes per step)', () => {
    const r = loop(100_000);
    expect(r.last).toBeLessThan(r.first); // it did train
    expect(r.growth).toBeLessThan(2_000_000);
  }, 300_000);

  it('the measurement catches a leak: keeping 3 000 graphs alive grows the heap by megabytes', () => {
    const r = loop(3_000, true);
    expect(r.growth).toBeGreaterThan(3_000_000);
  }, 120_000);
});
