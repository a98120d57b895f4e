/**
 * The browser benchmark: bundles `browser.html` with Vite (the @gd packages through their
 * published exports, as a user's project would get them; they are built first), serves it twice —
 * cross-origin isolated (COOP/COEP headers, so SharedArrayBuffer and threads are available to @gd
 * and to TensorFlow.js's threaded wasm binary) and plain (one thread) — opens each in headless
 * Chromium, prints a table (median steps/s, @gd over the best peer) and writes the results as JSON.
 *
 *   pnpm bench:browser [--reps 9] [--min-ms 200] [--rounds 3] [--yield-every 1] [--only @gd,jax-js]
 *                      [--modes isolated,plain] [--json <file>] [--chromium <path>]
 * @module
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserBenchResult } from './browser.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = resolve(here, '..');
const root = resolve(benchDir, '..');
const require = createRequire(join(benchDir, 'package.json'));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`bench:browser: --${name} needs a value`);
  return v;
}
function positive(name: string, fallback: number): number {
  const v = Number(arg(name, String(fallback)));
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`bench:browser: --${name} must be a positive number, got ${arg(name, '')}`);
  return v;
}

const reps = positive('reps', 9), minMs = positive('min-ms', 200), rounds = positive('rounds', 3);
const yieldEvery = Number(arg('yield-every', '1'));
if (!Number.isInteger(yieldEvery) || yieldEvery < 0) throw new RangeError(`bench:browser: --yield-every must be an integer >= 0, got ${arg('yield-every', '')}`);
const only = arg('only', '');
const wantModes = arg('modes', 'isolated,plain').split(',');
const chromiumPath = arg('chromium', '/usr/bin/chromium');
const outDir = join(benchDir, 'node_modules', '.cache', 'browser-bench');
const jsonPath = resolve(arg('json', join(outDir, 'result.json')));
if (!existsSync(chromiumPath)) throw new Error(`bench:browser: no Chromium at ${chromiumPath} (apt-get install -y chromium, or pass --chromium <path>)`);

// 1. build the packages and bundle the page
console.log('bench:browser: building the packages (tsc -b) and the page (vite)');
const tsc = join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-b', 'packages/tensor', 'packages/autograd', 'packages/optim', 'packages/nn'], { cwd: root, stdio: 'inherit' });
const { build } = await import('vite');
const site = join(outDir, 'site');
await build({
  configFile: false,
  root: here,
  base: './',
  logLevel: 'warn',
  build: { outDir: site, emptyOutDir: true, target: 'es2022', rollupOptions: { input: join(here, 'browser.html') } },
});
// TensorFlow.js fetches its wasm binaries (plain, SIMD, threaded SIMD) from the path the page sets
const tfjsDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
mkdirSync(join(site, 'tfjs'), { recursive: true });
for (const f of readdirSync(tfjsDist)) if (f.endsWith('.wasm')) copyFileSync(join(tfjsDist, f), join(site, 'tfjs', f));

// 2. serve it with and without cross-origin isolation
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };
function serve(dir: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let file = normalize(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!file.startsWith(dir + sep) && file !== dir) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end('not found'); return; }
    const headers: Record<string, string> = { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    res.writeHead(200, headers);
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    ok({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` });
  }));
}

// 3. run the page in Chromium, once per mode
const { chromium } = require('playwright-core') as typeof import('playwright-core');
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const version = browser.version();
const cpu = /model name\s*:\s*(.+)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1]?.trim() ?? 'unknown';
const modes = [
  { id: 'isolated', label: 'cross-origin isolated (threads allowed)', isolated: true },
  { id: 'plain', label: 'not isolated (one thread)', isolated: false },
].filter((m) => wantModes.includes(m.id));
if (modes.length === 0) throw new RangeError(`bench:browser: --modes must name isolated and/or plain, got ${wantModes.join(',')}`);
const results: Record<string, BrowserBenchResult & { consoleErrors: string[] }> = {};
try {
  for (const mode of modes) {
    const { server, url } = await serve(site, mode.isolated);
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    console.log(`bench:browser: ${mode.label} …`);
    try {
      await page.goto(`${url}/browser.html?reps=${reps}&minMs=${minMs}&rounds=${rounds}&yieldEvery=${yieldEvery}${only ? `&only=${encodeURIComponent(only)}` : ''}`);
      await page.waitForFunction(() => window.benchResult !== undefined || window.benchError !== undefined, null, { timeout: 15 * 60_000, polling: 500 });
      const error = await page.evaluate(() => window.benchError);
      if (error) throw new Error(`bench:browser: the page failed (${mode.id}): ${error}`);
      results[mode.id] = { ...(await page.evaluate(() => window.benchResult!)), consoleErrors };
    } finally {
      await context.close();
      server.close();
    }
  }
} finally {
  await browser.close();
}

// 4. report
const names = ['@gd', 'tfjs-wasm', 'jax-js'];
const pad = (s: string, n: number): string => s.padStart(n);
console.log(`\nMLP 784-256-10 SGD training step, batch 64 (steps/s, median) — Chromium ${version}, ${cpu}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`${'mode'.padEnd(42)}${names.map((n) => pad(n, 12)).join('')}${pad('@gd / best peer', 18)}`);
const summary: Record<string, { stepsPerSec: Record<string, number>; ratio: number | null }> = {};
for (const mode of modes) {
  const r = results[mode.id]!;
  const cells = names.map((n) => (n in r.stepsPerSec ? r.stepsPerSec[n]!.toFixed(1) : 'n/a'));
  const peers = names.slice(1).map((n) => r.stepsPerSec[n]).filter((v): v is number => v !== undefined);
  const ours = r.stepsPerSec['@gd'];
  const ratio = ours !== undefined && peers.length ? ours / Math.max(...peers) : null;
  summary[mode.id] = { stepsPerSec: r.stepsPerSec, ratio };
  console.log(`${mode.label.padEnd(42)}${cells.map((c) => pad(c, 12)).join('')}${pad(ratio === null ? 'n/a' : `${ratio.toFixed(2)}×`, 18)}`);
}
for (const mode of modes) {
  const r = results[mode.id]!;
  const g = r.info['@gd'] as { backend?: string; threads?: Record<string, unknown>; counters?: Record<string, unknown> } | undefined;
  const t = r.info['tfjs-wasm'] as { threads?: number } | undefined;
  const counters = g?.counters ? ` parallelJobs=${String(g.counters['parallelJobs'])} helperChunks=${String(g.counters['helperChunks'])}` : '';
  console.log(`${mode.id}: crossOriginIsolated=${r.env.crossOriginIsolated}, hardwareConcurrency=${r.env.hardwareConcurrency}; `
    + `@gd ${g?.backend ?? '?'} threads ${JSON.stringify(g?.threads ?? 'unknown')}${counters}; tfjs-wasm threads ${t?.threads ?? '?'}`);
  for (const [k, v] of Object.entries(r.errors)) console.log(`  ${mode.id} / ${k}: ${v}`);
  for (const e of r.consoleErrors) console.log(`  ${mode.id} / console error: ${e}`);
}
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(jsonPath, JSON.stringify({ date: new Date().toISOString(), chromium: version, cpu, timing: { reps, minMs, rounds, yieldEvery }, summary, results }, null, 2) + '\n');
console.log(`\nbench:browser: results written to ${jsonPath}`);
