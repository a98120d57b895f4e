/**
 * Browser test of the built docs site in headless Chromium (Debian `chromium` + playwright-core):
 * an API page renders, the playground draws a path, changing the optimizer changes the path,
 * clicking the contour moves the start point, changing a hyperparameter (Adam's β₂) changes the
 * path, a bad value is reported on its row; the classifier page (@gd/nn) trains to a high accuracy
 * and repaints its decision regions; no console errors; saves screenshots.
 *
 * Builds the site first (`docs/scripts/build.ts`). Skips, saying so, when /usr/bin/chromium is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const docsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(docsDir, '..');
const site = join(docsDir, 'site');
const shots = join(site, 'screenshots');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`docs site test skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

const MIME: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) && file !== dir) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    ok({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
  }));
}

function findFile(dir: string, test: (rel: string) => boolean, rel = ''): string | undefined {
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, r)).isDirectory()) {
      const hit = findFile(dir, test, r);
      if (hit) return hit;
    } else if (test(r)) return r;
  }
  return undefined;
}

describe.skipIf(!haveChromium)('docs site in headless chromium', () => {
  let browser: Browser;
  let server: Server;
  let base: string;
  const consoleErrors: string[] = [];
  let buildError: string | null = null;

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${path}: ${m.text()}`); });
    page.on('pageerror', (e) => consoleErrors.push(`${path}: ${e.message}`));
    await page.goto(base + path, { waitUntil: 'load' });
    return page;
  }

  beforeAll(async () => {
    try {
      execFileSync(process.execPath, ['--import', 'tsx', join(docsDir, 'scripts', 'build.ts'), '--examples-if-missing'], { cwd: root, stdio: 'inherit' });
    } catch (e) {
      buildError = `the docs build failed: ${(e as Error).message.split('\n')[0]}`;
    }
    mkdirSync(shots, { recursive: true });
    ({ server, url: base } = await serve(site));
    const require = createRequire(join(docsDir, 'package.json'));
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('the site builds (typedoc: every export documented, no warnings)', () => {
    expect(buildError).toBeNull();
  });

  it('renders an API page of @gd/tensor', async () => {
    // the page of the `tensor` creation function of @gd/tensor (module "@gd/tensor" → file prefix "_gd_tensor")
    const rel = findFile(site, (r) => /^functions\/[^/]*tensor[^/]*\.tensor\.html$/.test(r));
    expect(rel, 'a function page of @gd/tensor in docs/site/functions').toBeDefined();
    const page = await open(`/${rel}`);
    const h1 = await page.locator('h1').first().textContent();
    expect(h1).toMatch(/tensor/i);
    // typedoc renders the signature and our TSDoc summary
    expect(await page.locator('.tsd-signature').count()).toBeGreaterThan(0);
    expect((await page.locator('.tsd-comment').first().textContent())?.trim().length ?? 0).toBeGreaterThan(10);
    await page.screenshot({ path: join(shots, 'api-page.png') });
    await page.close();
  });

  it('renders the lessons guide with its pictures', async () => {
    const rel = findFile(site, (r) => /^documents\/.*lesson.*\.html$/i.test(r));
    expect(rel).toBeDefined();
    const page = await open(`/${rel}`);
    const images = page.locator('img[src$=".svg"]');
    expect(await images.count()).toBeGreaterThanOrEqual(10);
    // every picture loaded (naturalWidth > 0)
    const widths = await images.evaluateAll((els) => els.map((e) => (e as HTMLImageElement).naturalWidth));
    expect(widths.every((w) => w > 0)).toBe(true);
    await page.close();
  });

  it('playground: draws a path, the optimizer changes it, a click moves the start', async () => {
    const page = await open('/playground/index.html');
    await page.waitForFunction(() => window.gdPlayground?.runCount >= 1);
    let st = await page.evaluate(() => window.gdPlayground);
    expect(st.error).toBeNull();
    expect(st.runs.length).toBeGreaterThan(0);
    expect(st.runs[0]!.path.length).toBeGreaterThan(10);

    // the path is on the canvas: pixels of GD's colour (#1f77b4) exist
    const gdPixels = (): Promise<number> => page.evaluate(() => {
      const c = document.getElementById('contour') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - 0x1f) < 8 && Math.abs(d[i + 1]! - 0x77) < 8 && Math.abs(d[i + 2]! - 0xb4) < 8) n++;
      return n;
    });
    const only = async (id: string): Promise<void> => {
      for (const box of await page.locator('input[data-opt]').all()) {
        const want = (await box.getAttribute('data-opt')) === id;
        if ((await box.isChecked()) !== want) await box.setChecked(want);
      }
      const before = await page.evaluate(() => window.gdPlayground.runCount);
      await page.click('#run');
      await page.waitForFunction((b) => window.gdPlayground.runCount > b, before);
    };

    await page.selectOption('#fn', 'rosenbrock');
    await only('gd');
    st = await page.evaluate(() => window.gdPlayground);
    expect(st.fn).toBe('rosenbrock');
    expect(st.runs.map((r) => r.id)).toEqual(['gd']);
    const gdPath = st.runs[0]!.path;
    expect(gdPath[0]).toEqual([-1.5, 2]);
    expect(await gdPixels()).toBeGreaterThan(30);

    await only('adam');
    st = await page.evaluate(() => window.gdPlayground);
    expect(st.runs.map((r) => r.id)).toEqual(['adam']);
    const adamPath = st.runs[0]!.path;
    const diff = Math.max(...adamPath.slice(1, 20).map((p, k) => Math.hypot(p[0] - gdPath[k + 1]![0], p[1] - gdPath[k + 1]![1])));
    expect(diff).toBeGreaterThan(1e-3);
    expect(await gdPixels()).toBeLessThan(5); // GD's path is gone

    // several optimizers side by side
    await page.locator('input[data-opt="momentum"]').setChecked(true);
    await page.locator('input[data-opt="gd"]').setChecked(true);
    st = await page.evaluate(() => window.gdPlayground);
    expect(new Set(st.runs.map((r) => r.id))).toEqual(new Set(['gd', 'momentum', 'adam']));

    // click on the contour: the start point moves there (Rosenbrock window x∈[-2,2], y∈[-1,3])
    const box = (await page.locator('#contour').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.25, box.y + box.height * 0.25);
    await page.waitForFunction(() => window.gdPlayground.runs[0]?.path[0]?.[0] !== -1.5);
    st = await page.evaluate(() => window.gdPlayground);
    expect(st.runs[0]!.path[0]![0]).toBeCloseTo(-1, 1);
    expect(st.runs[0]!.path[0]![1]).toBeCloseTo(2, 1);
    // show one optimizer's hyperparameter row in the screenshot
    await page.click('button[data-more="adam"]');
    expect(await page.locator('#hp-row-adam').isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, 'playground.png'), fullPage: true });
    await page.close();
  });

  it('playground: Adam\'s β₂ changes the path; a bad value is reported on its row; defaults restore it', async () => {
    const page = await open('/playground/index.html');
    await page.waitForFunction(() => window.gdPlayground?.runCount >= 1);
    const rerun = async (action: () => Promise<void>): Promise<Window['gdPlayground']> => {
      const before = await page.evaluate(() => window.gdPlayground.runCount);
      await action();
      await page.waitForFunction((b) => window.gdPlayground.runCount > b, before);
      return page.evaluate(() => window.gdPlayground);
    };
    await rerun(() => page.selectOption('#fn', 'rosenbrock').then(() => undefined));
    for (const box of await page.locator('input[data-opt]').all()) await box.setChecked((await box.getAttribute('data-opt')) === 'adam');
    let st = await rerun(() => page.click('#run'));
    expect(st.runs.map((r) => r.id)).toEqual(['adam']);
    expect(st.choices[0]!.options).toEqual({ betas: [0.9, 0.999], eps: 1e-8, amsgrad: false });
    const original = st.runs[0]!.path;

    // the hyperparameters are hidden until the row's toggle is opened
    const beta2 = page.locator('#hp-adam-betas-1');
    expect(await beta2.isVisible()).toBe(false);
    await page.click('button[data-more="adam"]');
    expect(await beta2.isVisible()).toBe(true);
    expect(await beta2.inputValue()).toBe('0.999');

    await beta2.fill('0.9');
    st = await rerun(() => page.click('#run'));
    expect(st.error).toBeNull();
    expect(st.choices[0]!.options!['betas']).toEqual([0.9, 0.9]);
    const changed = st.runs[0]!.path;
    const diff = Math.max(...changed.slice(1, 100).map((p, k) => Math.hypot(p[0] - original[k + 1]![0], p[1] - original[k + 1]![1])));
    expect(diff).toBeGreaterThan(1e-3);
    expect(await page.locator('button[data-more="adam"]').getAttribute('class')).toMatch(/\bchanged\b/);

    // β₂ outside [0, 1): @gd/optim's Adam refuses it; the message is shown and the row flagged
    await beta2.fill('1.5');
    st = await rerun(() => page.click('#run'));
    expect(st.error).toMatch(/^Adam: invalid betas/);
    expect(st.runs).toEqual([]);
    expect(await page.locator('#summary').textContent()).toContain('invalid betas');
    expect(await page.locator('tr[data-row="adam"]').getAttribute('class')).toMatch(/\bbad\b/);

    // "defaults" restores β₂ = 0.999 and the first path, bit for bit
    st = await rerun(() => page.click('button[data-reset="adam"]'));
    expect(st.error).toBeNull();
    expect(await beta2.inputValue()).toBe('0.999');
    expect(st.runs[0]!.path).toEqual(original);
    expect(await page.locator('tr[data-row="adam"]').getAttribute('class')).not.toMatch(/\bbad\b/);
    await page.screenshot({ path: join(shots, 'playground-hyperparameters.png'), fullPage: true });
    await page.close();
  });

  it('classifier (@gd/nn): training raises the accuracy and repaints the regions; pause stops it; a bad width is reported', async () => {
    const page = await open('/playground/classifier.html');
    await page.waitForFunction(() => window.gdClassifier?.frames >= 1);
    const pixels = (): Promise<number[]> => page.evaluate(() => {
      const c = document.getElementById('regions') as HTMLCanvasElement;
      return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
    });
    await page.selectOption('#dataset', 'moons');
    let st = await page.evaluate(() => window.gdClassifier);
    expect(st.error).toBeNull();
    expect(st.settings!.dataset).toBe('moons');
    expect(st.steps).toBe(0);
    expect(st.accuracy).toBeLessThan(0.9);
    const lossBefore = st.loss;
    const before = await pixels();

    await page.click('#train');
    await page.waitForFunction(() => window.gdClassifier.accuracy >= 0.95 || window.gdClassifier.error !== null, null, { timeout: 60_000 });
    st = await page.evaluate(() => window.gdClassifier);
    expect(st.error).toBeNull();
    expect(st.running).toBe(true);
    expect(st.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(st.loss).toBeLessThan(lossBefore / 2);
    expect(await page.locator('#stats').textContent()).toMatch(/accuracy +(9[5-9]|100)\.\d %/);
    // the decision regions were redrawn: a good share of the canvas changed colour
    const after = await pixels();
    let changed = 0;
    for (let i = 0; i < after.length; i += 4) if (Math.abs(after[i]! - before[i]!) + Math.abs(after[i + 2]! - before[i + 2]!) > 20) changed++;
    expect(changed / (after.length / 4)).toBeGreaterThan(0.05);

    // Pause: no more steps
    await page.click('#train');
    const paused = await page.evaluate(() => window.gdClassifier.steps);
    await page.waitForTimeout(300);
    st = await page.evaluate(() => window.gdClassifier);
    expect(st.running).toBe(false);
    expect(st.steps).toBe(paused);
    await page.screenshot({ path: join(shots, 'classifier.png'), fullPage: true });

    // a width the trainer refuses: the message is shown, nothing trains
    await page.fill('#hidden', '0');
    await page.locator('#hidden').dispatchEvent('change');
    st = await page.evaluate(() => window.gdClassifier);
    expect(st.error).toMatch(/^ClassifierTrainer: hidden width must be an integer in \[1, 256\], got 0/);
    expect(await page.locator('#error').textContent()).toContain('hidden width');
    await page.close();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
