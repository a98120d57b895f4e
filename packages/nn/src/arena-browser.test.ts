// In headless Chromium (Debian /usr/bin/chromium driven by playwright-core): 2000 synchronous Adam
// steps of a 16-64-64-1 MLP (batch 64, __fixtures__/arena-browser.ts, bundled with esbuild from the
// TypeScript sources). In a browser no collection can be forced and no finalization callback runs
// inside a synchronous loop, so it is the arena's budget alone that keeps the WebAssembly memory
// bounded: served with COOP/COEP (cross-origin isolated) and without (where the arena still gets a
// shared memory), the memory stays under 256 MiB while the loop asks for more than that, and the
// loss goes down; with the arena switched off from code, nothing lives in WebAssembly memory. Prints
// steps/s of each. Skips, saying so, when /usr/bin/chromium is absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The little of playwright-core this test uses (it is a devDependency of docs/, loaded from there,
// so its types are not visible from this package).
interface Page {
  on(event: 'pageerror', cb: (e: Error) => void): void;
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: () => boolean, arg: undefined, opts: { timeout: number }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}
interface Browser { newPage(): Promise<Page>; close(): Promise<void> }
interface Chromium { launch(opts: { executablePath: string; args: string[] }): Promise<Browser> }

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = fileURLToPath(new URL('./__fixtures__/arena-browser.ts', import.meta.url));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`arena browser test skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);
const MiB = 2 ** 20;

interface Stats { enabled: boolean; shared: boolean; maxBytes: number; memoryBytes: number; allocatedBytes: number; fallbacks: number; growAttempts: number }
interface Run { coi: boolean; first: number; last: number; stepsPerSec: number; s0: Stats; s1: Stats }

/** The export condition under which the workspace packages point at their TypeScript sources. */
function sourceCondition(): string {
  const pkg = JSON.parse(readFileSync(`${root}packages/tensor/package.json`, 'utf8')) as { exports: Record<string, Record<string, unknown>> };
  const cond = Object.entries(pkg.exports['.']!).find(([, v]) => v === './src/index.ts')?.[0];
  if (cond === undefined) throw new Error('arena browser test: no export condition of @gd/tensor points at ./src/index.ts');
  return cond;
}

describe.skipIf(!haveChromium)('wasm arena in Chromium: bounded by its budget in a synchronous loop', () => {
  let browser: Browser;
  let server: Server;
  let base = '';
  let isolate = true;

  beforeAll(async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [entry], bundle: true, format: 'esm', write: false, platform: 'browser', target: 'es2022', conditions: [sourceCondition()], logLevel: 'error',
    });
    const js = out.outputFiles[0]!.text;
    server = createServer((req, res) => {
      const headers: Record<string, string> = isolate ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
      if ((req.url ?? '').startsWith('/page.js')) res.writeHead(200, { 'content-type': 'text/javascript', ...headers }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html', ...headers }).end('<!doctype html><title>loading</title><script type="module" src="/page.js"></script>');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const { chromium } = createRequire(`${root}docs/package.json`)('playwright-core') as { chromium: Chromium };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function train(coi: boolean, query: string): Promise<Run> {
    isolate = coi;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    try {
      await page.goto(`${base}/${query}`);
      await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 20_000 });
      const r = await page.evaluate((n: number) => (globalThis as unknown as { gdRun(n: number): Promise<Run> }).gdRun(n), 2000);
      expect(errors).toEqual([]);
      return r;
    } finally {
      await page.close();
    }
  }

  const report: string[] = [];
  afterAll(() => { if (report.length > 0) console.log(`arena in Chromium, 2000 synchronous Adam steps (16-64-64-1, batch 64):\n  ${report.join('\n  ')}`); });

  for (const coi of [true, false]) {
    it(`${coi ? 'cross-origin isolated' : 'not isolated'}: WebAssembly memory stays under 256 MiB (the 128 MiB default budget) and the loss goes down`, async () => {
      const r = await train(coi, '');
      report.push(`${coi ? 'COOP/COEP   ' : 'no COOP/COEP'} arena on : ${r.stepsPerSec.toFixed(0)} steps/s, memory ${(r.s1.memoryBytes / MiB).toFixed(0)} MiB, ${r.s1.fallbacks} requests in JS memory`);
      expect(r.coi).toBe(coi);
      expect(r.s1.enabled).toBe(true);
      expect(r.s1.shared).toBe(true); // a shared memory even without isolation
      expect(r.s1.maxBytes).toBe(128 * MiB);
      expect(r.s1.memoryBytes).toBeLessThan(256 * MiB);
      expect(r.s1.memoryBytes).toBeLessThanOrEqual(r.s1.maxBytes);
      // The loop asked for more than the budget: what it got past the budget was ordinary JS
      // memory, with no growth attempt per request.
      expect(r.s1.fallbacks).toBeGreaterThan(0);
      expect(r.s1.growAttempts).toBeLessThanOrEqual(8);
      expect(r.s1.allocatedBytes + r.s1.fallbacks * 1024).toBeGreaterThan(r.s1.maxBytes);
      expect(r.last).toBeLessThan(r.first / 100);
    }, 60_000);
  }

  it('configureArena({ enabled: false }) from the page: nothing in WebAssembly memory, the loss goes down', async () => {
    const r = await train(true, '?arena=off');
    report.push(`COOP/COEP    arena off: ${r.stepsPerSec.toFixed(0)} steps/s`);
    expect(r.s1.enabled).toBe(false);
    expect(r.s1.memoryBytes).toBe(0);
    expect(r.last).toBeLessThan(r.first / 100);
  }, 60_000);
});
