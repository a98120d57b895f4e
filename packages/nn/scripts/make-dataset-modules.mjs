#!/usr/bin/env node
/**
 * Turns the CSVs in packages/nn/data/ (the source of truth) into TypeScript modules under
 * packages/nn/src/datasets/, so that `loadIris()` and `loadBreastCancer()` need no file access and
 * work in any bundle or browser.
 *
 * Each module holds the column names and the values as one flat, row-major number array (each row
 * is the features, then the label), one CSV line per source line. Every value is written as the
 * shortest decimal that reads back as the same double (`String(Number(field))`), so the module and
 * the CSV give bit-identical numbers.
 *
 *   node packages/nn/scripts/make-dataset-modules.mjs          # (re)write the modules
 *   node packages/nn/scripts/make-dataset-modules.mjs --check  # exit 1 if a module is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nn = join(dirname(fileURLToPath(import.meta.url)), '..');

/** CSV file in data/ → module in src/datasets/. */
export const DATASETS = [
  { csv: 'iris.csv', module: 'iris.ts' },
  { csv: 'breast_cancer.csv', module: 'breast-cancer.ts' },
];

/**
 * The module text for one CSV.
 * @param {string} csvName - the file's name in data/ (quoted in the module's header comment).
 * @param {string} text - the CSV's contents: a header line, then numeric lines.
 * @returns {string}
 */
export function renderModule(csvName, text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error(`make-dataset-modules: ${csvName} has no data lines`);
  const columns = lines[0].split(',').map((s) => s.trim());
  const body = lines.slice(1).map((line, i) => {
    const fields = line.split(',').map((s) => s.trim());
    if (fields.length !== columns.length) throw new Error(`make-dataset-modules: ${csvName} line ${i + 2} has ${fields.length} fields, expected ${columns.length}`);
    return fields.map((f, c) => {
      const v = Number(f);
      if (f === '' || !Number.isFinite(v)) throw new Error(`make-dataset-modules: ${csvName} line ${i + 2}, column ${c + 1}: ${JSON.stringify(f)} is not a finite number`);
      return String(v);
    }).join(',');
  });
  return [
    `// Generated from packages/nn/data/${csvName} by packages/nn/scripts/make-dataset-modules.mjs; do not edit.`,
    '',
    '/** Column names: the features, then the label. */',
    `export const columns: readonly string[] = ${JSON.stringify(columns)};`,
    '',
    `/** ${body.length} rows × ${columns.length} values, row-major (each row is the features, then the label). */`,
    'export const values: readonly number[] = [',
    ...body.map((row) => `${row},`),
    '];',
    '',
  ].join('\n');
}

function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { csv, module } of DATASETS) {
    const out = join(nn, 'src', 'datasets', module);
    const text = renderModule(csv, readFileSync(join(nn, 'data', csv), 'utf8'));
    let current = null;
    try { current = readFileSync(out, 'utf8'); } catch { /* not written yet */ }
    if (current === text) continue;
    if (check) {
      console.error(`make-dataset-modules: src/datasets/${module} is out of date with data/${csv}; run node packages/nn/scripts/make-dataset-modules.mjs`);
      stale++;
    } else {
      writeFileSync(out, text);
      console.log(`wrote src/datasets/${module} (${text.length} bytes)`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
