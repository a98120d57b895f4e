import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from './data.js';
import * as iris from './datasets/iris.js';
import * as breastCancer from './datasets/breast-cancer.js';

const nn = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('dataset modules (generated from data/*.csv)', () => {
  for (const [csv, mod] of [['iris.csv', iris], ['breast_cancer.csv', breastCancer]] as const) {
    it(`${csv}: same columns and bit-identical values, row by row`, () => {
      const table = parseCsv(readFileSync(join(nn, 'data', csv), 'utf8'));
      expect(mod.columns).toEqual(table.columns);
      const width = table.columns.length;
      expect(mod.values.length).toBe(table.rows.length * width);
      const bad: string[] = [];
      table.rows.forEach((row, i) => row.forEach((v, j) => {
        if (!Object.is(mod.values[i * width + j], v)) bad.push(`row ${i + 1} column ${j + 1}: module ${mod.values[i * width + j]}, csv ${v}`);
      }));
      expect(bad).toEqual([]);
    });
  }

  it('the generator reproduces the committed modules (they are up to date with the CSVs)', () => {
    const script = join(nn, 'scripts', 'make-dataset-modules.mjs');
    // exits 1 and names the stale module otherwise
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
