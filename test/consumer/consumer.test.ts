/**
 * Consumer test: the four packages used the way a user gets them. Packs each package
 * (`pnpm pack`, after the build, which runs here unless `pnpm test` has just run it), installs the
 * tarballs with npm into a fresh project under the system temp directory (outside the workspace, so
 * nothing resolves through workspace links or the `source` condition), then, with that one install:
 *
 * 1. runs a Node ESM training script (`fixture/train.mjs`) and checks that it converges;
 * 2. `require()`s every entry from a CommonJS file (`fixture/require.cjs`) and checks real values;
 * 3. type-checks a consumer importing every entry with strict tsc, lib ES2022, no ambient types,
 *    skipLibCheck off and the `source` condition on, for moduleResolution "nodenext" and "bundler";
 * 4. builds the page `fixture/index.html` with Vite (plain config) and runs it in headless Chromium
 *    served with and without cross-origin isolation: it converges, reports threads when isolated,
 *    keeps WebAssembly memory bounded over 2000 synchronous steps, logs no console errors;
 * 5. bundles the training script with esbuild for Node and runs it, and bundles the page entry
 *    with esbuild and with Rollup (node-resolve, browser: true) for browsers, with no warnings
 *    about Node built-ins, and runs those pages in Chromium too.
 *
 * The tools (vite, esbuild, rollup, typescript, playwright-core) are the workspace's own, run with
 * the temporary project as the working directory. Chromium checks are skipped, with a warning,
 * when /usr/bin/chromium is absent. Set GD_CONSUMER_KEEP=1 to keep the temporary project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { builtinModules, createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The part of playwright-core's API used here (the package is a devDependency of docs/, not of the root). */
interface Page {
  on(event: 'console', f: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', f: (e: Error) => void): void;
  goto(url: string, opts: { waitUntil: 'load' }): Promise<unknown>;
  waitForFunction(f: () => boolean, arg: undefined, opts: { timeout: number }): Promise<unknown>;
  evaluate<T>(f: () => T): Promise<T>;
  close(): Promise<void>;
}
interface Browser { newPage(): Promise<Page>; close(): Promise<void> }
interface Chromium { launch(opts: { executablePath: string; args: string[] }): Promise<Browser> }

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const PNPM = ['pnpm@10.34.8'];
const PACKAGES = ['tensor', 'autograd', 'optim', 'nn'] as const;
const MiB = 1024 * 1024;
/** The optional peer of the testing entries, installed by the consumer as a user of those entries would. */
const FAST_CHECK = '4.10.2';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const fixture = join(here, 'fixture');
const rootRequire = createRequire(join(root, 'package.json'));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`consumer test: the Chromium checks are skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

/** Every spelling of a Node built-in module (`fs`, `node:fs`, `fs/promises`, …). */
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const mentionsBuiltin = (text: string): boolean =>
  /\bnode:[a-z_/]+/.test(text) || [...BUILTINS].some((b) => new RegExp(`["'\`]${b.replace('/', '\\/')}["'\`]`).test(text));

interface Run { status: number | null; stdout: string; stderr: string }
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', ...env }, maxBuffer: 64 * MiB, timeout: 240_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? `\n${r.error.message}` : '') };
}
/** Every non-empty line a run printed (with `--logLevel warn`, the warnings). */
const printed = (r: Run): string[] => `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
const tail = (r: Run, n = 2000): string => `exit ${r.status}\n${(r.stdout + '\n' + r.stderr).trim().slice(-n)}`;
/** The last line of stdout that parses as JSON. */
function jsonLine(r: Run): any {
  const lines = r.stdout.trim().split('\n').reverse();
  for (const l of lines) { try { return JSON.parse(l); } catch { /* not JSON */ } }
  throw new Error(`no JSON line in the output:\n${tail(r)}`);
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };
/** A static server of `dir`; with `isolate`, every response carries COOP/COEP (cross-origin isolation). */
function serve(dir: string, isolate: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) && file !== dir) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    const headers: Record<string, string> = isolate ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
    if (!existsSync(file)) { res.writeHead(404, headers).end('not found'); return; }
    res.writeHead(200, { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    ok({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
  }));
}

interface PageRun { result: any; errors: string[] }

describe('consumer project: packed tarballs installed outside the workspace', () => {
  let project = '';
  let setupError: string | null = null;
  let withoutFastCheck: Run | null = null;
  const timings: Record<string, number> = {};
  let browser: Browser | undefined;
  const t0 = Date.now();

  function time<T>(label: string, f: () => T): T {
    const s = Date.now();
    try { return f(); } finally { timings[label] = (Date.now() - s) / 1000; }
  }

  async function openPage(dir: string, isolate: boolean): Promise<PageRun> {
    const { server, url } = await serve(dir, isolate);
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${url}/index.html`, { waitUntil: 'load' });
      try {
        await page.waitForFunction(() => (globalThis as { __gdResult?: unknown }).__gdResult !== undefined, undefined, { timeout: 90_000 });
      } catch (e) {
        // e.g. the bundle did not load: say what the console said
        return { result: { error: `the page did not finish (${String((e as Error).message).split('\n')[0]}); console: ${errors.join(' | ') || 'nothing'}` }, errors };
      }
      const result = await page.evaluate(() => (globalThis as { __gdResult?: unknown }).__gdResult);
      return { result, errors };
    } finally {
      await page.close();
      server.close();
    }
  }

  function checkPage(label: string, { result, errors }: PageRun, isolate: boolean): void {
    expect(result.error, `${label}: the page threw`).toBeUndefined();
    expect(errors, `${label}: console errors`).toEqual([]);
    expect(result.crossOriginIsolated, `${label}: crossOriginIsolated`).toBe(isolate);
    expect(result.train.firstLoss, `${label}: first epoch loss`).toBeGreaterThan(0.5);
    expect(result.train.loss, `${label}: final loss`).toBeLessThan(0.25);
    expect(result.train.accuracy, `${label}: accuracy on two spirals`).toBeGreaterThan(0.9);
    expect(result.memory.lastLoss, `${label}: 2000-step MLP loss`).toBeLessThan(result.memory.firstLoss);
    expect(result.memory.maxMemoryMiB, `${label}: WebAssembly memory over 2000 steps (MiB)`).toBeLessThan(256);
    const info = result.backendInfo;
    expect(info.backend, `${label}: backendInfo().backend`).toMatch(/^wasm-simd/);
    if (isolate) {
      // the calling thread plus at least one helper that came up and computed chunks of a product
      expect(info.threads.environment, `${label}: thread environment`).toBe('browser');
      expect(info.threads.active, `${label}: threads in use under COOP/COEP`).toBeGreaterThan(1);
      expect(1 + info.threads.running, `${label}: running threads under COOP/COEP`).toBeGreaterThan(1);
      expect(info.helperChunks, `${label}: chunks computed by helper threads`).toBeGreaterThan(0);
    } else {
      // no SharedArrayBuffer without isolation: one thread, and backendInfo says why
      expect(info.threads.active, `${label}: threads in use without isolation`).toBe(1);
      expect(info.threads.running, `${label}: helper threads without isolation`).toBe(0);
      expect(info.threads.unavailable, `${label}: why threads are unavailable`).toBeTruthy();
    }
  }

  beforeAll(async () => {
    const packs = mkdtempSync(join(tmpdir(), 'gd-consumer-packs-'));
    try {
      // `pnpm test` has just built the packages (and other test files read dist/ meanwhile): build
      // only when this file runs on its own
      if (process.env['npm_lifecycle_event'] !== 'test') {
        const build = time('build', () => run('npx', [...PNPM, 'run', 'build'], root));
        if (build.status !== 0) throw new Error(`pnpm run build failed: ${tail(build, 4000)}`);
      }
      for (const p of PACKAGES) {
        if (!existsSync(join(root, 'packages', p, 'dist', 'index.js'))) throw new Error(`packages/${p}/dist is missing: run \`npx pnpm@10.34.8 run build\` first`);
      }
      time('pack', () => {
        for (const p of PACKAGES) {
          const pack = run('npx', [...PNPM, 'pack', '--pack-destination', packs], join(root, 'packages', p));
          if (pack.status !== 0) throw new Error(`pnpm pack of @gd/${p} failed: ${tail(pack, 4000)}`);
        }
      });
      const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f));
      if (tarballs.length !== PACKAGES.length) throw new Error(`pnpm pack produced ${tarballs.length} tarballs, expected ${PACKAGES.length}: ${tarballs.join(', ')}`);
      project = mkdtempSync(join(tmpdir(), 'gd-consumer-'));
      cpSync(fixture, project, { recursive: true });
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'gd-consumer', private: true, type: 'module' }, null, 2));
      const install = time('npm install', () => run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], project));
      if (install.status !== 0) throw new Error(`npm install of the tarballs failed: ${tail(install)}`);
      // the main entries must load without the optional peer fast-check (only the testing entries use it)
      withoutFastCheck = run(process.execPath, ['--input-type=module', '-e',
        `for (const m of ['@gd/tensor', '@gd/autograd', '@gd/optim', '@gd/nn']) await import(m); console.log('loaded')`], project);
      const peer = time('npm install fast-check', () => run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `fast-check@${FAST_CHECK}`], project));
      if (peer.status !== 0) throw new Error(`npm install fast-check failed: ${tail(peer)}`);
    } catch (e) {
      setupError = String((e as Error).message ?? e);
    } finally {
      rmSync(packs, { recursive: true, force: true });
    }
    if (haveChromium && !setupError) {
      const docsRequire = createRequire(join(root, 'docs', 'package.json'));
      const { chromium } = docsRequire('playwright-core') as { chromium: Chromium };
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }).catch((e: Error) => {
        setupError = `${CHROMIUM} did not start: ${e.message}`;
        return undefined;
      });
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    console.log(`consumer test timings (s): ${JSON.stringify(timings)}; total ${((Date.now() - t0) / 1000).toFixed(1)} s${project ? `; project ${project}` : ''}`);
    if (project && !process.env['GD_CONSUMER_KEEP']) rmSync(project, { recursive: true, force: true });
  });

  it('packs and installs the four tarballs with npm', () => {
    expect(setupError).toBeNull();
    for (const p of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(project, 'node_modules', '@gd', p, 'package.json'), 'utf8'));
      expect(manifest.name).toBe(`@gd/${p}`);
      // no workspace protocol left in what was published
      expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace:');
    }
  });

  it('loads the main entries without the optional peer fast-check', () => {
    expect(setupError).toBeNull();
    expect(withoutFastCheck?.status, withoutFastCheck ? tail(withoutFastCheck) : '').toBe(0);
    expect(withoutFastCheck?.stdout.trim()).toBe('loaded');
  });

  it('runs a Node ESM training script that converges', () => {
    expect(setupError).toBeNull();
    const r = time('node esm', () => run(process.execPath, ['train.mjs'], project));
    expect(r.status, tail(r)).toBe(0);
    const out = jsonLine(r);
    console.log(`node ESM training: ${JSON.stringify(out)}`);
    expect(out.spirals.lastLoss).toBeLessThan(out.spirals.firstLoss / 3);
    expect(out.spirals.accuracy).toBeGreaterThan(0.95);
    expect(out.irisError).toBeNull();
    expect(out.iris.n).toBe(150);
    expect(out.iris.lastLoss).toBeLessThan(out.iris.firstLoss / 2);
    expect(out.iris.accuracy).toBeGreaterThan(0.9);
  });

  it('require()s every entry from CommonJS and computes with it', () => {
    expect(setupError).toBeNull();
    const r = time('require', () => run(process.execPath, ['require.cjs'], project));
    expect(r.status, tail(r)).toBe(0);
    const { entries, results } = jsonLine(r);
    for (const [spec, n] of Object.entries(entries)) expect(n, `require('${spec}')`).toBeGreaterThan(0);
    for (const spec of ['@gd/tensor', '@gd/tensor/testing', '@gd/autograd', '@gd/autograd/testing', '@gd/optim', '@gd/nn']) expect(entries).toHaveProperty([spec]);
    expect(results).toEqual({
      sum: 3, matmul: [17, 39], grad: 6, sgdStep: 0, linearParams: 2, linearOut: [4, 2], mse: 2,
      testingShapeArb: 'function', autogradTestingArb: 'function',
    });
  });

  for (const resolution of ['nodenext', 'bundler'] as const) {
    it(`type-checks a strict consumer of every entry (moduleResolution ${resolution}, source condition on)`, () => {
      expect(setupError).toBeNull();
      // one namespace import per export subpath the installed packages declare, plus the typed use in consumer.ts
      const specs: string[] = [];
      for (const p of PACKAGES) {
        const manifest = JSON.parse(readFileSync(join(project, 'node_modules', '@gd', p, 'package.json'), 'utf8'));
        for (const sub of Object.keys(manifest.exports ?? { '.': null })) {
          if (sub.includes('*') || sub.endsWith('.json')) continue;
          specs.push(sub === '.' ? `@gd/${p}` : `@gd/${p}/${sub.slice(2)}`);
        }
      }
      writeFileSync(join(project, 'entries.ts'), specs.map((s, i) => `import * as e${i} from '${s}';`).join('\n') + `\nexport const entries = [${specs.map((_, i) => `e${i}`).join(', ')}];\n`);
      const compilerOptions = {
        strict: true, target: 'ES2022', lib: ['ES2022'], types: [], skipLibCheck: false, noEmit: true,
        module: resolution === 'nodenext' ? 'nodenext' : 'esnext', moduleResolution: resolution, customConditions: ['source'],
        noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true,
      };
      const config = `tsconfig.${resolution}.json`;
      const files = ['consumer.ts', 'entries.ts', ...(resolution === 'nodenext' ? ['consumer-cjs.cts'] : [])];
      writeFileSync(join(project, config), JSON.stringify({ compilerOptions, files }, null, 2));
      const r = time(`tsc ${resolution}`, () => run(process.execPath, [rootRequire.resolve('typescript/bin/tsc'), '-p', config], project));
      expect.soft(r.status, `tsc -p ${config}: ${tail(r, 4000)}`).toBe(0);
      // the declarations came from the packages' dist, not from shipped TypeScript sources
      const listed = run(process.execPath, [rootRequire.resolve('typescript/bin/tsc'), '-p', config, '--listFilesOnly'], project);
      const ours = listed.stdout.split('\n').filter((f) => f.includes('/node_modules/@gd/'));
      expect(ours.length).toBeGreaterThan(0);
      expect(ours.filter((f) => !f.endsWith('.d.ts')), 'raw TypeScript sources reached the consumer').toEqual([]);
    });
  }

  it('bundles the training script with esbuild for Node (ESM) and runs it', async () => {
    expect(setupError).toBeNull();
    const esbuild = await import(rootRequire.resolve('esbuild')) as typeof import('esbuild');
    const s = Date.now();
    const result = await esbuild.build({
      absWorkingDir: project, entryPoints: ['train.mjs'], bundle: true, platform: 'node', format: 'esm',
      outfile: 'dist-node/train.mjs', logLevel: 'silent',
    }).catch((e: { errors?: { text: string }[] }) => { throw new Error(`esbuild (node) failed: ${(e.errors ?? []).map((m) => m.text).join('; ') || String(e)}`); });
    timings['esbuild node'] = (Date.now() - s) / 1000;
    expect(result.warnings.map((w) => w.text), 'esbuild (node) warnings').toEqual([]);
    // self-contained: run from a directory with no node_modules anywhere above it
    const alone = mkdtempSync(join(tmpdir(), 'gd-consumer-bundle-'));
    cpSync(join(project, 'dist-node', 'train.mjs'), join(alone, 'train.mjs'));
    const r = time('node bundle', () => run(process.execPath, ['train.mjs'], alone));
    rmSync(alone, { recursive: true, force: true });
    expect(r.status, tail(r)).toBe(0);
    const out = jsonLine(r);
    expect(out.spirals.accuracy).toBeGreaterThan(0.95);
    expect(out.irisError).toBeNull();
    expect(out.iris.accuracy).toBeGreaterThan(0.9);
  });

  describe('browser', () => {
    const builds: Record<string, { dir: string; error: string | null; warnings: string[] }> = {};

    let browserSetupError: string | null = null;
    beforeAll(async () => {
      if (setupError) return;
      try { await buildPages(); } catch (e) { browserSetupError = String((e as Error).stack ?? e); }
    }, 300_000);

    async function buildPages(): Promise<void> {
      // Vite: plain vite.config.js in the project, the workspace's vite CLI
      const vite = time('vite build', () => run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], project));
      builds['vite'] = { dir: join(project, 'dist-vite'), error: vite.status === 0 ? null : tail(vite, 4000), warnings: vite.status === 0 ? printed(vite) : [] };
      const html = readFileSync(join(fixture, 'index.html'), 'utf8').replace('/src/main.js', './main.js');
      // esbuild for browsers
      const esbuild = await import(rootRequire.resolve('esbuild')) as typeof import('esbuild');
      const esDir = join(project, 'dist-esbuild');
      let s = Date.now();
      try {
        const r = await esbuild.build({ absWorkingDir: project, entryPoints: ['src/main.js'], bundle: true, platform: 'browser', format: 'esm', outdir: esDir, logLevel: 'silent', metafile: true });
        // an import left external would reach the browser as a bare specifier
        const externals = Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => `external import left in the bundle: "${i.path}"`));
        builds['esbuild'] = { dir: esDir, error: null, warnings: [...r.warnings.map((w) => w.text), ...externals] };
      } catch (e) {
        const errs = (e as { errors?: { text: string }[] }).errors;
        builds['esbuild'] = { dir: esDir, error: errs ? errs.map((m) => m.text).join('\n') : String(e), warnings: ((e as { warnings?: { text: string }[] }).warnings ?? []).map((w) => w.text) };
      }
      timings['esbuild browser'] = (Date.now() - s) / 1000;
      mkdirSync(esDir, { recursive: true });
      writeFileSync(join(esDir, 'index.html'), html);
      // Rollup with node-resolve (browser: true)
      const { rollup } = await import(rootRequire.resolve('rollup')) as typeof import('rollup');
      const nodeResolve = (await import(rootRequire.resolve('@rollup/plugin-node-resolve')) as { default: typeof import('@rollup/plugin-node-resolve').default }).default;
      const rDir = join(project, 'dist-rollup');
      const warnings: string[] = [];
      s = Date.now();
      try {
        const bundle = await rollup({
          input: join(project, 'src', 'main.js'),
          plugins: [nodeResolve({ browser: true, rootDir: project })],
          onwarn: (w) => { warnings.push(`${w.code}: ${w.message}`); },
        });
        const { output } = await bundle.write({ dir: rDir, format: 'es' });
        // node-resolve marks built-ins external without a warning: find imports of anything but our own chunks
        const own = new Set(output.map((o) => o.fileName));
        for (const o of output) {
          if (o.type !== 'chunk') continue;
          for (const i of [...o.imports, ...o.dynamicImports]) if (!own.has(i)) warnings.push(`external import left in the bundle: "${i}"`);
        }
        await bundle.close();
        builds['rollup'] = { dir: rDir, error: null, warnings };
      } catch (e) {
        builds['rollup'] = { dir: rDir, error: String((e as Error).message ?? e), warnings };
      }
      timings['rollup browser'] = (Date.now() - s) / 1000;
      mkdirSync(rDir, { recursive: true });
      writeFileSync(join(rDir, 'index.html'), html);
    }

    for (const bundler of ['vite', 'esbuild', 'rollup'] as const) {
      it(`${bundler} builds the page entry with no warnings about Node built-ins`, () => {
        expect(setupError).toBeNull();
        expect(browserSetupError).toBeNull();
        const b = builds[bundler]!;
        expect(b.error, `${bundler} build failed`).toBeNull();
        expect(b.warnings.filter(mentionsBuiltin), `${bundler}: warnings about Node built-ins`).toEqual([]);
        const circular = b.warnings.filter((w) => w.startsWith('CIRCULAR_DEPENDENCY'));
        const other = b.warnings.filter((w) => !w.startsWith('CIRCULAR_DEPENDENCY'));
        if (circular.length) console.warn(`${bundler}: ${circular.length} circular-dependency warnings (first: ${circular[0]})`);
        if (other.length) console.warn(`${bundler} warnings:\n${other.join('\n')}`);
      });

      for (const isolate of [false, true]) {
        const label = `${bundler} page ${isolate ? 'with' : 'without'} COOP/COEP`;
        it.skipIf(!haveChromium)(`${label}: trains, reports threads, bounded memory, no console errors`, async () => {
          expect(setupError).toBeNull();
          expect(browserSetupError).toBeNull();
          expect(builds[bundler]!.error, `${bundler} build failed`).toBeNull();
          const s = Date.now();
          const page = await openPage(builds[bundler]!.dir, isolate);
          timings[label] = (Date.now() - s) / 1000;
          console.log(`${label}: ${JSON.stringify(page.result)}${page.errors.length ? ` console errors: ${page.errors.join(' | ')}` : ''}`);
          checkPage(label, page, isolate);
        }, 180_000);
      }
    }
  });
});
