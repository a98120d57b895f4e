/**
 * The in-memory counterparts of the file functions (bytes in, bytes out), and how the file functions
 * and `fit`'s progress bar behave outside Node: simulated here by hiding `globalThis.process` (a
 * browser) or `process.getBuiltinModule` (a Node older than 20.16) for the duration of one call.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, randn, tensor } from '@gd/tensor';
import { Adam, SGD, StepLR } from '@gd/optim';
import {
  Linear, ReLU, Sequential, mseLoss, fit, ModelCheckpoint, type Module,
  parseCsv, readCsv, encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, writeFileAtomic,
  encodeWeights, decodeWeights, saveWeights, loadWeights, encodeCheckpoint, decodeCheckpoint, saveCheckpoint, loadCheckpoint,
} from './index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gd-inmem-'));
const mlp = (seed: number) => { const g = new Generator(seed); return new Sequential(new Linear(3, 4, { generator: g }), new ReLU(), new Linear(4, 1, { generator: g })); };
const flat = (m: Module): number[] => m.parameters().flatMap((p) => Array.from(p.data()));

/** Run `fn` as if in a browser: no global `process` at all. */
function withoutProcess<T>(fn: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'process')!;
  Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    Object.defineProperty(globalThis, 'process', saved);
  }
}

/** Run `fn` with `process.getBuiltinModule` replaced (undefined: a Node older than 20.16). */
function withGetBuiltinModule<T>(replacement: ((id: string) => unknown) | undefined, fn: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule');
  Object.defineProperty(process, 'getBuiltinModule', { value: replacement, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    if (saved) Object.defineProperty(process, 'getBuiltinModule', saved);
    else delete (process as { getBuiltinModule?: unknown }).getBuiltinModule;
  }
}

describe('in-memory counterparts', () => {
  it('encodeWeights/decodeWeights round-trip, give the bytes saveWeights writes, and leave the model untouched on bad bytes', () => {
    const src = mlp(1);
    const bytes = encodeWeights(src, { note: 'x' });
    const dst = mlp(2);
    expect(flat(dst)).not.toEqual(flat(src));
    expect(decodeWeights(bytes, dst)).toEqual({ note: 'x' });
    expect(flat(dst)).toEqual(flat(src));
    const path = join(tmp(), 'w.safetensors');
    saveWeights(path, src, { note: 'x' });
    expect(Array.from(readFileSync(path))).toEqual(Array.from(bytes));
    // loadWeights reads the bytes decodeWeights reads
    const viaFile = mlp(3);
    loadWeights(path, viaFile);
    expect(flat(viaFile)).toEqual(flat(src));

    const target = mlp(4);
    const before = flat(target);
    expect(() => decodeWeights(bytes.subarray(0, bytes.length - 2), target)).toThrow(/^decodeWeights: decodeSafetensors: .*(truncated|trailing)/);
    const other = new Sequential(new Linear(3, 5), new ReLU(), new Linear(5, 1));
    expect(() => decodeWeights(encodeWeights(other), target)).toThrow(/^decodeWeights: .*0\.weight: shape \[5,3\] in the state dict, \[4,3\] in the model/);
    expect(flat(target)).toEqual(before);
    // non-strict loading of a subset
    expect(() => decodeWeights(encodeSafetensors({ '0.weight': randn([4, 3]) }), target)).toThrow(/^decodeWeights: /);
    decodeWeights(encodeSafetensors({ '0.weight': src.stateDict()['0.weight']! }), target, { strict: false });
    expect(Array.from(target.stateDict()['0.weight']!.data())).toEqual(Array.from(src.stateDict()['0.weight']!.data()));
    expect(() => encodeWeights({} as Module)).toThrow(/^encodeWeights: model must be a Module/);
  });

  it('encodeCheckpoint/decodeCheckpoint restore model, optimizer, scheduler and extra; same bytes as saveCheckpoint; refuse plain weights', () => {
    const x = randn([16, 3], { generator: new Generator(5) });
    const y = x.sum(1, true);
    const a = mlp(1);
    const opt = new Adam(a.parameters(), { lr: 0.01 });
    const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    fit(a, { loss: mseLoss, optimizer: opt, scheduler: sched, data: [x, y], epochs: 2, progress: false });
    const contents = { model: a, optimizer: opt, scheduler: sched, extra: { epoch: 2, tag: 'run' } };
    const bytes = encodeCheckpoint(contents);
    const path = join(tmp(), 'c.safetensors');
    saveCheckpoint(path, contents);
    expect(Array.from(readFileSync(path))).toEqual(Array.from(bytes));

    const b = mlp(9);
    const optB = new Adam(b.parameters(), { lr: 0.5 });
    const schedB = new StepLR(optB, { stepSize: 1, gamma: 0.5 });
    expect(decodeCheckpoint(bytes, { model: b, optimizer: optB, scheduler: schedB })).toEqual({ epoch: 2, tag: 'run' });
    expect(flat(b)).toEqual(flat(a));
    expect(optB.stateDict()).toEqual(opt.stateDict());
    expect(schedB.lastEpoch).toBe(2);
    expect(optB.paramGroups[0]!.lr).toBe(0.0025);
    // the file version reads the same thing
    const c = mlp(10);
    expect(loadCheckpoint(path, { model: c })).toEqual({ epoch: 2, tag: 'run' });
    expect(flat(c)).toEqual(flat(a));

    const target = mlp(11);
    const before = flat(target);
    expect(() => decodeCheckpoint(encodeWeights(a), { model: target })).toThrow(/^decodeCheckpoint: the input is not a checkpoint \(format undefined, expected "gd-checkpoint\/1"\); use decodeWeights for plain weight files$/);
    expect(() => decodeCheckpoint(encodeCheckpoint({ model: a }), { model: target, optimizer: new Adam(target.parameters()) })).toThrow(/^decodeCheckpoint: the input has no optimizer state$/);
    expect(() => decodeCheckpoint(bytes, { model: target, optimizer: new SGD(target.parameters(), { lr: 0.1 }) })).toThrow(/^decodeCheckpoint: the input holds optimizer state of a Adam, not of a SGD$/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 30), { model: target })).toThrow(/^decodeCheckpoint: the input: decodeSafetensors: /);
    expect(flat(target)).toEqual(before);
    expect(() => encodeCheckpoint({ model: null as unknown as Module })).toThrow(/^encodeCheckpoint: contents\.model must be a Module/);
  });

  it('a missing file is reported by the function that was called, with the path', () => {
    const missing = join(tmp(), 'none.safetensors');
    for (const [name, call] of [
      ['loadSafetensors', () => loadSafetensors(missing)], ['loadWeights', () => loadWeights(missing, mlp(1))],
      ['loadCheckpoint', () => loadCheckpoint(missing, { model: mlp(1) })], ['readCsv', () => readCsv(missing)],
    ] as const) {
      expect(call, name).toThrow(new RegExp(`^${name}: cannot read ${missing.replace(/[.\\]/g, '\\$&')}: ENOENT`));
    }
  });

  it('parseCsv is readCsv without the file', () => {
    const text = 'a,label\n0.5,1\n-2,0\n';
    const path = join(tmp(), 'd.csv');
    writeFileSync(path, text);
    expect(readCsv(path)).toEqual(parseCsv(text));
    writeFileSync(path, '1,2\n3,4\n');
    expect(readCsv(path, { header: false })).toEqual({ columns: ['c0', 'c1'], rows: [[1, 2], [3, 4]] });
  });
});

describe('outside Node', () => {
  const model = mlp(1);
  const bytes = encodeCheckpoint({ model });
  const cases: [string, string, (path: string) => unknown][] = [
    ['readCsv', 'parseCsv(text)', (p) => readCsv(p)],
    ['writeFileAtomic', 'the bytes directly', (p) => writeFileAtomic(p, new Uint8Array([1]))],
    ['saveSafetensors', 'encodeSafetensors(tensors, metadata)', (p) => saveSafetensors(p, { w: tensor([1]) })],
    ['loadSafetensors', 'decodeSafetensors(bytes)', (p) => loadSafetensors(p)],
    ['saveWeights', 'encodeWeights(model, metadata)', (p) => saveWeights(p, model)],
    ['loadWeights', 'decodeWeights(bytes, model)', (p) => loadWeights(p, model)],
    ['saveCheckpoint', 'encodeCheckpoint(contents)', (p) => saveCheckpoint(p, { model })],
    ['loadCheckpoint', 'decodeCheckpoint(bytes, targets)', (p) => loadCheckpoint(p, { model })],
  ];
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('in a browser (no process): every file function throws naming itself and its in-memory counterpart, and writes nothing', () => {
    const dir = tmp();
    for (const [name, instead, call] of cases) {
      const path = join(dir, `${name}.out`);
      const verb = name.startsWith('load') || name === 'readCsv' ? 'reads' : 'writes';
      expect(() => withoutProcess(() => call(path)), name).toThrow(new RegExp(`^${name}: ${verb} a file, which needs Node's file system; in a browser use ${esc(instead)}`));
      expect(existsSync(path), name).toBe(false);
    }
    // the in-memory functions and the shipped datasets need nothing from Node
    const back = withoutProcess(() => {
      const m = mlp(7);
      decodeCheckpoint(bytes, { model: m });
      return flat(m);
    });
    expect(back).toEqual(flat(model));
    expect(withoutProcess(() => decodeSafetensors(encodeSafetensors({ w: tensor([1, 2]) })).tensors.w!.toArray())).toEqual([1, 2]);
  });

  it('in a Node without process.getBuiltinModule (< 20.16): the error says so and names the counterpart', () => {
    const path = join(tmp(), 'w.safetensors');
    expect(() => withGetBuiltinModule(undefined, () => saveWeights(path, model))).toThrow(
      new RegExp(`^saveWeights: writes a file, which needs Node's file system through process\\.getBuiltinModule \\(Node >= 20\\.16\\); this is Node ${esc(process.versions.node)}\\. Upgrade Node, or use encodeWeights\\(model, metadata\\)`));
    expect(existsSync(path)).toBe(false);
  });
});

describe('ModelCheckpoint with write', () => {
  it('hands the checkpoint bytes and the filled-in path to write, with no file system (browser)', () => {
    const x = randn([8, 3], { generator: new Generator(3) });
    const model = mlp(4);
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const saved: [string, Uint8Array][] = [];
    const ckpt = new ModelCheckpoint({ path: 'run/{epoch}.ckpt', write: (bytes, path) => saved.push([path, bytes]) });
    withoutProcess(() => fit(model, { loss: mseLoss, optimizer: opt, data: [x, x.sum(1, true)], epochs: 3, callbacks: [ckpt], progress: false }));
    expect(saved.map(([p]) => p)).toEqual(['run/0.ckpt', 'run/1.ckpt', 'run/2.ckpt']);
    const back = mlp(5);
    const backOpt = new SGD(back.parameters(), { lr: 0.01 });
    expect(decodeCheckpoint(saved[2]![1], { model: back, optimizer: backOpt })).toEqual({ epoch: 2, step: 3 });
    expect(flat(back)).toEqual(flat(model));
    // without write, the browser gets saveCheckpoint's message
    const plain = new ModelCheckpoint({ path: 'x.ckpt' });
    expect(() => withoutProcess(() => fit(model, { loss: mseLoss, optimizer: opt, data: [x, x.sum(1, true)], epochs: 1, callbacks: [plain], progress: false })))
      .toThrow(/^saveCheckpoint: writes a file, which needs Node's file system; in a browser use encodeCheckpoint\(contents\)/);
    expect(() => new ModelCheckpoint({ path: 'x', write: 'yes' as unknown as () => void })).toThrow(/^ModelCheckpoint: write must be a function \(bytes, path\) => void, got string/);
  });
});

describe("fit's progress outside a terminal", () => {
  const x = randn([8, 3], { generator: new Generator(1) });
  const y = x.sum(1, true);
  const run = (progress: 'auto' | 'bar' | 'line' | false, lines: string[]) =>
    fit(mlp(2), { loss: mseLoss, optimizer: new SGD(mlp(2).parameters(), { lr: 0.01 }), data: [x, y], epochs: 2, progress, log: (s) => lines.push(s) });

  it("in a browser: 'auto' prints the final line, 'bar' is refused naming fit and the alternatives", () => {
    const lines: string[] = [];
    withoutProcess(() => run('auto', lines));
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^fit: 2 epochs, 2 steps, loss \S+, lr 0\.0100, [\d.]+s$/);
    expect(() => withoutProcess(() => run('bar', lines))).toThrow(/^fit: progress 'bar' draws on a terminal, which needs Node; in a browser use progress 'line' \(one summary line through the log option\) or false$/);
    withoutProcess(() => run(false, lines));
    expect(lines.length).toBe(1);
  });

  it("in Node without a loadable cli-progress (a bundle without node_modules): 'bar' falls back to the final line", () => {
    const real = process.getBuiltinModule.bind(process) as (id: string) => unknown;
    const requested: string[] = [];
    const noPackages = (id: string) => id === 'node:module'
      ? { createRequire: () => (name: string) => { requested.push(name); throw new Error(`Cannot find module '${name}'`); } }
      : real(id);
    const written: string[] = [];
    const write = process.stdout.write;
    const lines: string[] = [];
    try {
      process.stdout.write = ((chunk: string) => { written.push(String(chunk)); return true; }) as typeof process.stdout.write;
      withGetBuiltinModule(noPackages, () => run('bar', lines));
    } finally {
      process.stdout.write = write;
    }
    expect(requested).toEqual(['cli-progress']);
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^fit: 2 epochs, 2 steps, loss /);
    expect(written.join('')).toBe('');
  });

  it('refuses an unknown progress mode', () => {
    expect(() => run('bars' as 'bar', [])).toThrow(/^fit: progress must be 'auto', 'bar', 'line' or false, got "bars"/);
  });
});
