// Helper threads in a browser (headless Chromium, Debian `/usr/bin/chromium` driven by
// playwright-core): a page bundled from the sources (esbuild) runs every job kind on one thread and
// on the default thread count, served
// - with `Cross-Origin-Opener-Policy: same-origin` + `Cross-Origin-Embedder-Policy: require-corp`:
//   cross-origin isolated, so Web Workers share the kernels' memory; helpers must come up, compute
//   chunks, and give the bits of one thread, and of Node's helper thread (the same cases run here);
// - without them: one thread, quietly, the same bits, and `threads: 2` refused with a message
//   naming `crossOriginIsolated` and both headers;
// - isolated but with a Content-Security-Policy that forbids blob: workers: no error, one thread
//   in the end, the same bits.
// Skips, saying so, when /usr/bin/chromium is absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWasmBackend } from './backend.js';
import { poolTesting } from './pool.js';
import { runCases, THREAD_CASES, type CaseRun } from './__fixtures__/thread-cases.js';
import type { PageReport } from './__fixtures__/browser-threads.page.js';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..', '..', '..');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser thread test skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

// The few parts of playwright-core's API used here (it is a devDependency of docs/, not of this package).
interface Page {
  on(ev: 'pageerror', f: (e: Error) => void): void;
  on(ev: 'console', f: (m: { type(): string; text(): string }) => void): void;
  goto(url: string, opts: { waitUntil: 'load' }): Promise<unknown>;
  waitForFunction(f: () => boolean, arg: undefined, opts: { timeout: number }): Promise<unknown>;
  evaluate<R>(f: () => R | Promise<R>): Promise<R>;
  close(): Promise<void>;
}
interface Browser { newPage(): Promise<Page>; close(): Promise<void> }
interface Playwright { chromium: { launch(opts: { executablePath: string; args: string[] }): Promise<Browser> } }

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

describe.skipIf(!haveChromium)('wasm helper threads in headless Chromium', () => {
  let browser: Browser;
  let server: Server;
  let base = '';
  let dir = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gd-browser-threads-'));
    // esbuild is a devDependency of the repository root; playwright-core one of docs/.
    const esbuild = createRequire(path.join(root, 'package.json'))('esbuild') as typeof import('esbuild');
    await esbuild.build({
      entryPoints: [path.join(here, '__fixtures__', 'browser-threads.page.ts')],
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: path.join(dir, 'page.js'), logLevel: 'error',
    });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>threads</title><link rel="icon" href="data:,"><script type="module" src="page.js"></script>\n');
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const [, mode, file = ''] = url.pathname.split('/');
      const body = file === 'page.js' || file === 'index.html' ? readFileSync(path.join(dir, file)) : null;
      if (body === null) { res.writeHead(404).end(); return; }
      const headers: Record<string, string> = { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' };
      if (mode === 'isolated' || mode === 'csp') Object.assign(headers, ISOLATION);
      if (mode === 'csp') headers['content-security-policy'] = "worker-src 'self'";
      res.writeHead(200, headers).end(body);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const { chromium } = createRequire(path.join(root, 'docs', 'package.json'))('playwright-core') as Playwright;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function report(mode: string, query = ''): Promise<PageReport> {
    pageErrors.length = 0;
    const page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${mode}: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`${mode}: ${m.text()}`); });
    try {
      await page.goto(`${base}/${mode}/index.html${query}`, { waitUntil: 'load' });
      await page.waitForFunction(() => 'gdThreads' in window, undefined, { timeout: 20_000 });
      const r = await page.evaluate(() => (window as unknown as { gdThreads: Promise<PageReport> }).gdThreads);
      expect(r.error, `${mode}: the page threw`).toBeNull();
      return r;
    } finally {
      await page.close();
    }
  }

  const hashes = (runs: readonly CaseRun[]): Record<string, string> => Object.fromEntries(runs.map((r) => [r.name, r.hash]));
  let isolatedOne: Record<string, string> = {};

  it('cross-origin isolated: Web Worker helpers start, take chunks of every job kind, and give one thread\'s bits (and Node\'s)', async () => {
    const r = await report('isolated');
    expect(r.isolated).toBe(true);
    expect(r.explicitError).toBeNull();
    const want = Math.min(2, Math.max(1, r.hardwareConcurrency));
    expect(r.threads).toBe(want);
    expect(r.one.length).toBe(THREAD_CASES.length);
    // The wasm kernels took every call (the module compiled, operands resident in shared memory).
    for (const run of [...r.one, ...r.multi, ...r.reserved]) expect(run.ran, `${run.name} ran in wasm`).toBe(true);
    expect(r.diffs, 'multi-thread results differ from one thread').toEqual(THREAD_CASES.map(() => ''));
    expect(r.info.backend).toMatch(/^wasm-simd/);
    expect(r.info.threads.environment).toBe('browser');
    if (want > 1) {
      expect(r.info.threads.running, `helpers running (waited ${r.startMs.toFixed(0)} ms)`).toBe(want - 1);
      expect(r.info.threads.active).toBe(want);
      // With the caller leaving all but the first chunk to them, helpers computed part of every call.
      for (const run of r.reserved) expect(run.helperChunks, `${run.name}: chunks by helpers`).toBeGreaterThan(0);
      expect(r.info.counters.helperChunks).toBeGreaterThan(0);
      expect(r.info.counters.helperFailures).toBe(0);
    }
    isolatedOne = hashes(r.one);
    // The same calls in Node, one thread and two (a worker_threads helper taking its chunks): the same bits.
    const nodeOne = createWasmBackend({ threads: 1, fma: r.fma, parallelMinWork: 0, parallelElementwiseMin: 0 });
    const nodeTwo = createWasmBackend({ threads: 2, fma: r.fma, parallelMinWork: 0, parallelElementwiseMin: 0, helperTimeoutMs: 20_000 });
    const a = runCases(nodeOne);
    poolTesting.reserveForHelpers = true;
    let b: ReturnType<typeof runCases>;
    try { b = runCases(nodeTwo); } finally { poolTesting.reserveForHelpers = false; }
    expect(hashes(a.runs), 'Node, one thread').toEqual(isolatedOne);
    expect(hashes(b.runs), 'Node, two threads').toEqual(isolatedOne);
    for (const run of b.runs) expect(run.helperChunks, `Node ${run.name}: chunks by the helper`).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('not isolated: one thread, quietly, the same bits; threads: 2 is refused naming crossOriginIsolated and both headers', async () => {
    const r = await report('plain');
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.explicitError).toMatch(/threads: 2 needs/);
    expect(r.explicitError).toMatch(/crossOriginIsolated/);
    expect(r.explicitError).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(r.explicitError).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(r.info.threads.environment).toBeNull();
    expect(r.info.threads.unavailable).toMatch(/crossOriginIsolated/);
    expect(r.info.threads.started).toBe(0);
    expect(r.info.counters.parallelJobs).toBe(0);
    expect(r.info.backend).toMatch(/^wasm-simd/);
    expect(r.diffs).toEqual(THREAD_CASES.map(() => ''));
    if (Object.keys(isolatedOne).length > 0) expect(hashes(r.one)).toEqual(isolatedOne);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('isolated, but blob: workers forbidden by the page\'s Content-Security-Policy: no error, one thread, the same bits', async () => {
    const r = await report('csp', '?reserve=0');
    expect(r.isolated).toBe(true);
    expect(r.info.threads.running).toBe(0);
    expect(r.info.threads.active).toBe(1);
    expect(r.diffs).toEqual(THREAD_CASES.map(() => ''));
    if (Object.keys(isolatedOne).length > 0) expect(hashes(r.multi)).toEqual(isolatedOne);
    // The page's own errors only: the browser's report of the blocked worker is a CSP message.
    expect(pageErrors.filter((e) => !/Content Security Policy|Refused to create a worker/i.test(e))).toEqual([]);
  }, 60_000);
});
