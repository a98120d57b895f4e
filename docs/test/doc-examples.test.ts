/**
 * Every `@example` in the packages' TSDoc type-checks against the real packages and runs; trailing
 * literal comments (`x.shape; // [2, 3]`) are checked against the values. Also checks that
 * typedoc.json documents exactly the entry points the packages export.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GEN_DIR, ROOT, compilerOptions, entryPoints, generate, leadingLiteral, typeCheck } from './doc-examples.js';

const options = compilerOptions();
const examples = generate(options);
const diagnostics = typeCheck(examples, options);
afterAll(() => rmSync(GEN_DIR, { recursive: true, force: true }));

describe('TSDoc @example snippets', () => {
  it('finds the snippets (at least the tensor package has some)', () => {
    expect(examples.length).toBeGreaterThan(10);
  });

  it.each(examples.map((e) => [e.where, e] as const))('%s type-checks', (_where, ex) => {
    expect(diagnostics.get(ex.where), `${ex.where}\n${ex.code}`).toEqual([]);
  });

  it.each(examples.map((e) => [e.where, e] as const))('%s runs (and its commented values hold)', async (_where, ex) => {
    const mod = (await import(ex.file)) as Record<string, () => Promise<void>>;
    await mod[ex.fn]!();
  });
});

describe('the snippet value checker', () => {
  it('reads a literal at the start of a comment and ignores prose', () => {
    expect(leadingLiteral(' [3, 2], no copy')).toBe('[3, 2]');
    expect(leadingLiteral(' 27')).toBe('27');
    expect(leadingLiteral(" 'float64'")).toBe('"float64"');
    expect(leadingLiteral(' [[1, 2], [3, 4]] (a view)')).toBe('[[1, 2], [3, 4]]');
    expect(leadingLiteral(' -1.5e-3')).toBe('-1.5e-3');
    expect(leadingLiteral(' e.g. [1, 2]')).toBeUndefined();
    expect(leadingLiteral(' [x, y]')).toBeUndefined();
    expect(leadingLiteral(' 2x faster')).toBeUndefined();
    expect(leadingLiteral(' true')).toBe('true');
  });
});

describe('typedoc.json', () => {
  it('lists exactly the entry points of the packages\' exports maps', () => {
    const cfg = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
    const exported = entryPoints().map((e) => relative(ROOT, e.source)).sort();
    expect([...cfg.entryPoints].sort()).toEqual(exported);
  });

  it('its tsconfig compiles exactly those entry points', () => {
    const ts = JSON.parse(readFileSync(join(ROOT, 'docs', 'tsconfig.typedoc.json'), 'utf8')) as { include: string[] };
    const included = ts.include.map((p) => relative(ROOT, join(ROOT, 'docs', p))).sort();
    expect(included).toEqual(entryPoints().map((e) => relative(ROOT, e.source)).sort());
  });
});
