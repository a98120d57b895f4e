/**
 * The four packages as they are published: packs them with pnpm (which applies `publishConfig` and
 * turns `workspace:^` into caret ranges), unpacks the tarballs into a project outside the workspace
 * and checks there what a user gets:
 * - the packed manifests: metadata, no in-repo `source` condition, every export target shipped;
 * - the tarball contents: dist/, README.md, LICENSE and package.json only (no tests, fixtures,
 *   source maps, build state or scripts), and the wasm kernels' base64 text exactly once;
 * - the declarations compile in a strict project with `lib: ["ES2022"]`, no `types`, full lib check
 *   and `customConditions: ["source"]`, under node16, nodenext and bundler resolution;
 * - each package README's first ```ts example runs and prints what its `// prints:` comments say;
 * - `require()` of every entry, and the plain error an older Node (no require of ES modules) gets.
 * Needs the packages built (`pnpm run build`, which `pnpm test` runs first).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = ['tensor', 'autograd', 'optim', 'nn'] as const;
type Pkg = (typeof PACKAGES)[number];
/** Entry points (subpaths of the package) a user may import. */
const ENTRIES: Record<Pkg, string[]> = { tensor: ['.', './testing'], autograd: ['.', './testing'], optim: ['.'], nn: ['.'] };
const spec = (p: Pkg, e: string) => (e === '.' ? `@gd/${p}` : `@gd/${p}/${e.slice(2)}`);

let work = '';
let app = '';
const files: Record<string, string[]> = {};
const manifests: Record<string, Record<string, any>> = {};

/** Runs a command, returning its exit status and output (never throws). */
function run(cmd: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...extraEnv }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Every file under `dir`, as paths relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    return d.isDirectory() ? walk(full, base) : [path.relative(base, full)];
  });
}

/** Links a dependency that the workspace already installed into the consumer's node_modules. */
function linkDep(name: string, from: string) {
  const target = realpathSync(path.join(from, 'node_modules', name));
  const at = path.join(app, 'node_modules', name);
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at, 'dir');
}

beforeAll(() => {
  for (const p of PACKAGES) {
    if (!existsSync(path.join(root, 'packages', p, 'dist', 'index.js'))) {
      throw new Error(`packaging test: packages/${p}/dist is missing; run \`npx pnpm@10.34.8 run build\` first`);
    }
  }
  work = mkdtempSync(path.join(tmpdir(), 'gd-packaging-'));
  const tarballs = path.join(work, 'tarballs');
  execFileSync('npx', ['--yes', 'pnpm@10.34.8', '-r', 'pack', '--pack-destination', tarballs], { cwd: root, stdio: 'pipe' });
  app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const p of PACKAGES) {
    const tgz = readdirSync(tarballs).find((f) => f.startsWith(`gd-${p}-`) && f.endsWith('.tgz'));
    if (!tgz) throw new Error(`packaging test: pnpm pack wrote no tarball for @gd/${p} in ${tarballs}`);
    const dir = path.join(app, 'node_modules', '@gd', p);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(tarballs, tgz), '-C', dir, '--strip-components=1']);
    files[p] = walk(dir).sort();
    manifests[p] = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  }
  // Third-party dependencies come from the workspace's install (no network needed).
  linkDep('pure-rand', path.join(root, 'packages/tensor'));
  linkDep('fast-check', path.join(root, 'packages/tensor'));
  linkDep('@types/node', root);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packed manifests', () => {
  it.each(PACKAGES)('@gd/%s: metadata, no source condition, caret ranges for siblings', (p) => {
    const m = manifests[p]!;
    expect(m.name).toBe(`@gd/${p}`);
    expect(m.license).toBe('MIT');
    expect(m.type).toBe('module');
    for (const field of ['description', 'author', 'homepage']) expect(typeof m[field], field).toBe('string');
    expect(m.keywords.length).toBeGreaterThan(2);
    expect(m.repository.directory).toBe(`packages/${p}`);
    expect(m.bugs.url).toMatch(/^https:\/\//);
    expect(m.engines.node).toBe('>=20.16');
    expect(m.publishConfig).toEqual({ access: 'public' });
    expect(m.files).toEqual(['dist']);
    // The in-repo `source` condition points at src/, which is not shipped.
    expect(JSON.stringify(m)).not.toContain('source');
    expect(JSON.stringify(m)).not.toContain('workspace:');
    for (const [dep, range] of Object.entries<string>(m.dependencies ?? {})) {
      if (dep.startsWith('@gd/')) expect(range, dep).toBe(`^${m.version}`);
    }
    expect(m.dependencies?.['fast-check'], 'fast-check is an optional peer, not a dependency').toBeUndefined();
  });

  it.each(PACKAGES)('@gd/%s: every export target is in the tarball', (p) => {
    const m = manifests[p]!;
    expect(Object.keys(m.exports).sort()).toEqual([...ENTRIES[p], './package.json'].sort());
    for (const e of ENTRIES[p]) {
      const conds = m.exports[e];
      expect(Object.keys(conds), e).toEqual(['types', 'import', 'require', 'default']);
      for (const target of Object.values<string>(conds)) expect(files[p], `${e} → ${target}`).toContain(target.slice(2));
    }
    expect(files[p]).toContain(m.main.slice(2));
    expect(files[p]).toContain(m.types.slice(2));
  });

  it('fast-check is an optional peer of the packages whose testing entry uses it', () => {
    for (const p of ['tensor', 'autograd'] as const) {
      expect(manifests[p]!.peerDependencies?.['fast-check']).toBe('^4.0.0');
      expect(manifests[p]!.peerDependenciesMeta?.['fast-check']).toEqual({ optional: true });
    }
    // No main entry loads it: the main entries import without fast-check installed (checked below too).
    for (const p of PACKAGES) {
      const main = path.join(app, 'node_modules/@gd', p, 'dist/index.js');
      expect(readFileSync(main, 'utf8')).not.toContain('fast-check');
    }
  });
});

describe('tarball contents', () => {
  it.each(PACKAGES)('@gd/%s ships dist/, README.md, LICENSE and package.json only', (p) => {
    const list = files[p]!;
    expect(list).toContain('README.md');
    expect(list).toContain('LICENSE');
    const outside = list.filter((f) => !f.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json', 'CHANGELOG.md'].includes(f));
    expect(outside).toEqual([]);
    const unwanted = list.filter((f) => /\.test\.|__fixtures__|(^|\/)fixtures\/|\.tsbuildinfo$|\.map$|\.py$|\.ts$(?<!\.d\.ts)|\.mjs$|\.as$/.test(f));
    expect(unwanted).toEqual([]);
    expect(readFileSync(path.join(app, 'node_modules/@gd', p, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('the wasm kernels are in the tensor tarball exactly once, and nowhere else', () => {
    const binary = readFileSync(path.join(root, 'packages/tensor/src/kernels/wasm/binary.ts'), 'utf8');
    const blobs = [...binary.matchAll(/^export const (\w+): string = '([A-Za-z0-9+/=]{1000,})';$/gm)];
    expect(blobs.map((b) => b[1])).toEqual(['SIMD', 'RELAXED', 'SIMD_SHARED', 'RELAXED_SHARED']);
    for (const p of PACKAGES) {
      const text = files[p]!.map((f) => readFileSync(path.join(app, 'node_modules/@gd', p, f), 'latin1')).join('\n');
      for (const [, name, b64] of blobs) expect(text.split(b64!).length - 1, `${name} in @gd/${p}`).toBe(p === 'tensor' ? 1 : 0);
    }
    const dts = readFileSync(path.join(app, 'node_modules/@gd/tensor/dist/kernels/wasm/binary.d.ts'), 'utf8');
    expect(dts).toContain('export declare const SIMD: string;');
    expect(dts.length).toBeLessThan(4096);
  });
});

/** The first ```ts block of a package README. */
function readmeExample(p: Pkg): string {
  const readme = readFileSync(path.join(app, 'node_modules/@gd', p, 'README.md'), 'utf8');
  const m = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error(`packages/${p}/README.md has no \`\`\`ts example`);
  return m[1]!;
}

describe('declarations in a strict consumer (lib ES2022 only, no types, lib check on)', () => {
  const modes = [
    { name: 'node16', module: 'Node16', moduleResolution: 'Node16' },
    { name: 'nodenext', module: 'NodeNext', moduleResolution: 'NodeNext' },
    { name: 'bundler', module: 'ESNext', moduleResolution: 'Bundler' },
  ];
  beforeAll(() => {
    const imports = PACKAGES.flatMap((p) => ENTRIES[p].map((e, i) => `import * as ${p}${i} from '${spec(p, e)}';`));
    const names = PACKAGES.flatMap((p) => ENTRIES[p].map((_, i) => `${p}${i}`));
    writeFileSync(path.join(app, 'entries.ts'), `${imports.join('\n')}\nexport const entries: object[] = [${names.join(', ')}];\n`);
    // The README examples print with console, which lib ES2022 does not declare.
    writeFileSync(path.join(app, 'console.d.ts'), 'declare const console: { log(...args: unknown[]): void };\n');
    for (const p of PACKAGES) writeFileSync(path.join(app, `readme-${p}.ts`), readmeExample(p));
  });

  it.each(modes)('$name resolution', ({ name, module, moduleResolution }) => {
    const config = {
      compilerOptions: {
        strict: true, noEmit: true, target: 'ES2022', lib: ['ES2022'], types: [], skipLibCheck: false,
        module, moduleResolution, customConditions: ['source'], noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true,
      },
      files: ['entries.ts', 'console.d.ts', ...PACKAGES.map((p) => `readme-${p}.ts`)],
    };
    writeFileSync(path.join(app, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
    const r = run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`, '--listFiles'], app);
    const errors = r.stdout.split('\n').filter((l) => l.includes('error TS'));
    expect(errors).toEqual([]);
    expect(r.status).toBe(0);
    // It really read the published declarations (not sources): no .ts file of a package but .d.ts.
    const fromPackages = r.stdout.split('\n').filter((l) => l.includes('/node_modules/@gd/'));
    expect(fromPackages.length).toBeGreaterThan(20);
    expect(fromPackages.filter((l) => !l.endsWith('.d.ts'))).toEqual([]);
  }, 60_000);
});

describe('README examples run against the packed packages', () => {
  it.each(PACKAGES)('@gd/%s', (p) => {
    const code = readmeExample(p);
    const expected = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1]!.trim());
    expect(expected.length).toBeGreaterThan(0);
    const file = path.join(app, `readme-run-${p}.ts`);
    writeFileSync(file, code);
    const r = run(path.join(root, 'node_modules/.bin/tsx'), [file], app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(expected);
  }, 60_000);
});

describe('require()', () => {
  const cjs = (body: string) => {
    const file = path.join(app, `check-${Math.random().toString(36).slice(2)}.cjs`);
    writeFileSync(file, body);
    return file;
  };

  it('every entry loads with require() and is the same module import() gives', () => {
    const requires = PACKAGES.flatMap((p) => ENTRIES[p].map((e) => spec(p, e)));
    const file = path.join(app, 'require-all.mjs');
    writeFileSync(file, [
      "import { createRequire } from 'node:module';",
      'const require = createRequire(import.meta.url);',
      `for (const id of ${JSON.stringify(requires)}) {`,
      '  const viaRequire = require(id);',
      '  const viaImport = await import(id);',
      "  if (viaRequire !== viaImport) throw new Error(id + ': require() and import() gave different objects');",
      '}',
      "const t = require('@gd/tensor');",
      'console.log(t.tensor([1, 2]).sum().item());',
      "console.log(typeof require('@gd/nn').Linear, typeof require('@gd/optim').Adam, typeof require('@gd/autograd').grad);",
    ].join('\n'));
    const r = run(process.execPath, [file], app);
    expect(r.stderr).toBe(''); // no ExperimentalWarning: the require happens inside node_modules
    expect(r.stdout.trim().split('\n')).toEqual(['3', 'function function function']);
  });

  it('from a CommonJS file', () => {
    const r = run(process.execPath, [cjs("const { tensor } = require('@gd/tensor'); console.log(tensor([[1, 2], [3, 4]]).sum().item());")], app);
    expect(r.out.trim()).toBe('10');
  });

  it('a Node that cannot require ES modules gets a plain "ESM only" error', () => {
    const file = cjs("try { require('@gd/nn'); } catch (e) { console.log(e.message); console.log(e.cause?.code); }");
    const r = run(process.execPath, ['--no-experimental-require-module', file], app);
    const [message, cause] = r.stdout.trim().split('\n');
    expect(message).toMatch(/^@gd\/nn is ESM only: this Node \(v[\d.]+\) cannot require\(\) an ES module\. Load it with import/);
    expect(message).toContain('or use Node >= 20.19');
    expect(cause).toBe('ERR_REQUIRE_ESM');
  });

  it('the main entries load without fast-check, --conditions=source included', () => {
    rmSync(path.join(app, 'node_modules/fast-check'));
    try {
      const file = path.join(app, 'no-fast-check.mjs');
      writeFileSync(file, "for (const p of ['tensor', 'autograd', 'optim', 'nn']) await import('@gd/' + p);\nawait import('@gd/tensor/testing').then(() => console.log('loaded'), (e) => console.log(e.code));\n");
      const r = run(process.execPath, ['--conditions=source', file], app);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('ERR_MODULE_NOT_FOUND');
    } finally {
      linkDep('fast-check', path.join(root, 'packages/tensor'));
    }
  });
});
