/**
 * `@gd/nn` bundles for the browser as it is: esbuild, `platform: 'browser'`, no externals, no shims
 * (an import of a Node built-in would fail the build), and the bundle then runs in a fresh V8
 * context with a browser's globals and no `process`, `require` or `Buffer`: the shipped datasets
 * load, the in-memory save/load functions work, `fit` reports by line, and the file functions say
 * what to use instead. A Node ESM bundle, run from a folder with no `node_modules`, works too, its
 * progress bar falling back to the summary line.
 */
import { describe, expect, it } from 'vitest';
import { build, type Metafile } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createContext, runInContext } from 'node:vm';

const nn = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(nn, 'src', 'index.ts');

/** The export condition that points the workspace packages at their TypeScript sources (read from the manifest). */
function sourceCondition(): string {
  const manifest = JSON.parse(readFileSync(join(nn, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, unknown>> };
  const cond = Object.entries(manifest.exports['.']!).find(([k, v]) => k !== 'types' && typeof v === 'string' && v.endsWith('.ts'));
  if (!cond) throw new Error('browser bundle test: no export condition of @gd/nn points at src/index.ts');
  return cond[0];
}

async function bundle(format: 'esm' | 'iife') {
  return build({
    entryPoints: [entry], bundle: true, platform: 'browser', format, ...(format === 'iife' ? { globalName: 'gdnn' } : {}),
    write: false, outdir: join(nn, 'dist', 'browser-bundle-test'), conditions: [sourceCondition()], metafile: true, logLevel: 'silent',
  });
}

describe('browser bundle of @gd/nn', () => {
  it('builds for the browser with no Node imports, no require shim, no CSV and no cli-progress', async () => {
    const result = await bundle('esm');
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    const meta = result.metafile as Metafile;
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((p) => /\.csv$|cli-progress|[\\/]data[\\/]/.test(p))).toEqual([]);
    expect(inputs.some((p) => p.endsWith('datasets/iris.ts'))).toBe(true);
    const outputs = Object.entries(meta.outputs);
    expect(outputs.map(([p]) => p.split('.').pop())).toEqual(['js']); // one file: no emitted assets
    expect(outputs[0]![1].imports).toEqual([]); // nothing left for a runtime to resolve
    const text = result.outputFiles[0]!.text;
    expect(text).not.toMatch(/\bfrom\s*["']node:|\bimport\(\s*["']node:/);
    expect(text).not.toMatch(/Dynamic require of/); // esbuild's shim for a CommonJS require it could not resolve
    expect(text).not.toMatch(/\.csv\b/);
  });

  it('runs in a context without process: datasets, in-memory weights and checkpoints, fit by line, clear file errors', async () => {
    const result = await bundle('iife');
    const lines: string[] = [];
    const context = createContext({
      console: { log: (s: string) => lines.push(String(s)), warn: () => {}, error: () => {} },
      TextEncoder, TextDecoder, atob, btoa, URL, setTimeout, clearTimeout, queueMicrotask, performance,
      navigator: { hardwareConcurrency: 2 },
    });
    runInContext(result.outputFiles[0]!.text, context);
    const run = (code: string): unknown => JSON.parse(runInContext(`JSON.stringify((() => { ${code} })())`, context) as string);
    expect(run('return [typeof process, typeof require, typeof Buffer]')).toEqual(['undefined', 'undefined', 'undefined']);

    expect(run(`
      const { x, y, classNames } = gdnn.loadIris({ dtype: 'float64' });
      const labels = Array.from(y.data());
      return { shape: x.shape, first: Array.from(x.data().slice(0, 4)), last: Array.from(x.data().slice(-4)), counts: [0, 1, 2].map((c) => labels.filter((v) => v === c).length), classNames };
    `)).toEqual({ shape: [150, 4], first: [5.1, 3.5, 1.4, 0.2], last: [5.9, 3, 5.1, 1.8], counts: [50, 50, 50], classNames: ['setosa', 'versicolor', 'virginica'] });
    expect(run(`const { x, y } = gdnn.loadBreastCancer({ dtype: 'float64' }); return [x.shape, x.get(0, 0), x.get(568, 29), y.sum().item()];`)).toEqual([[569, 30], 17.99, 0.07039, 357]);

    // in-memory weights and checkpoints round-trip; fit with progress 'auto' logs one line through console.log
    expect(run(`
      const { Linear, fit, mseLoss, encodeWeights, decodeWeights, encodeCheckpoint, decodeCheckpoint } = gdnn;
      const x = gdnn.loadIris({ dtype: 'float64' }).x;
      const a = new Linear(4, 1, { dtype: 'float64' });
      const b = new Linear(4, 1, { dtype: 'float64' });
      const y = x.sum(1, true);
      const h = fit(a, { loss: mseLoss, optimizer: { step(c) { return c(); }, zeroGrad() {}, paramGroups: [{ lr: 0, params: a.parameters() }] }, data: [x, y], epochs: 1 });
      decodeWeights(encodeWeights(a), b);
      const c = new Linear(4, 1, { dtype: 'float64' });
      const extra = decodeCheckpoint(encodeCheckpoint({ model: a, extra: { epoch: 7 } }), { model: c });
      return { epochs: h.epochs.length, same: Array.from(b.weight.data()).every((v, i) => v === a.weight.data()[i]) && Array.from(c.bias.data())[0] === a.bias.data()[0], extra };
    `)).toEqual({ epochs: 1, same: true, extra: { epoch: 7 } });
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^fit: 1 epochs, 1 steps, loss /);

    const message = (code: string) => run(`try { ${code}; return 'no error'; } catch (e) { return e.message; }`);
    expect(message(`gdnn.saveWeights('w.safetensors', new gdnn.Linear(2, 1))`)).toBe("saveWeights: writes a file, which needs Node's file system; in a browser use encodeWeights(model, metadata) to get the bytes");
    expect(message(`gdnn.loadCheckpoint('c.safetensors', { model: new gdnn.Linear(2, 1) })`)).toMatch(/^loadCheckpoint: reads a file, which needs Node's file system; in a browser use decodeCheckpoint\(bytes, targets\)/);
    expect(message(`gdnn.readCsv('d.csv')`)).toMatch(/^readCsv: reads a file, which needs Node's file system; in a browser use parseCsv\(text\)/);
    expect(message(`const m = new gdnn.Linear(4, 1); const x = gdnn.loadIris().x; gdnn.fit(m, { loss: gdnn.mseLoss, optimizer: { step() {}, zeroGrad() {}, paramGroups: [] }, data: [x, x.sum(1, true)], progress: 'bar' })`))
      .toMatch(/^fit: progress 'bar' draws on a terminal, which needs Node; in a browser use progress 'line'/);
  });

  it('a Node ESM bundle runs outside any node_modules: files work, the bar falls back to the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-nn-bundle-'));
    const out = join(dir, 'nn.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, conditions: [sourceCondition()], logLevel: 'silent' });
    const script = `
      const nn = await import(${JSON.stringify(pathToFileURL(out).href)});
      const path = ${JSON.stringify(join(dir, 'w.safetensors'))};
      const a = new nn.Linear(4, 1);
      nn.saveWeights(path, a);
      const b = new nn.Linear(4, 1);
      nn.loadWeights(path, b);
      const same = Array.from(b.weight.data()).every((v, i) => v === a.weight.data()[i]);
      const x = nn.loadIris().x;
      nn.fit(a, { loss: nn.mseLoss, optimizer: { step(c) { return c(); }, zeroGrad() {}, paramGroups: [{ lr: 0, params: a.parameters() }] }, data: [x, x.sum(1, true)], progress: 'bar' });
      console.log(JSON.stringify({ same }));
    `;
    // no NODE_PATH either (npx sets one that reaches the workspace's hoisted packages)
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_PATH'));
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/^fit: 1 epochs, 1 steps, loss /);
    expect(JSON.parse(lines[1]!)).toEqual({ same: true });
  });
});
