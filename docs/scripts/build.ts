/**
 * Builds the documentation site into docs/site:
 *   1. runs every example with short settings so the lessons' pictures exist (examples/out),
 *   2. typedoc over the four packages + the guides (typedoc.json; warnings are errors),
 *      (typedoc copies the pictures the lessons link to into the site),
 *   3. builds the four packages (tsc -b) and bundles the playground pages with vite into
 *      docs/site/playground, resolving the packages through their published exports (dist).
 * Run from anywhere: `pnpm run docs` (root script; plain `pnpm docs` is pnpm's own "open the npm page" command).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const docsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(docsDir, '..');
const require = createRequire(join(docsDir, 'package.json'));
const bin = (pkg: string, rel: string): string => join(dirname(require.resolve(`${pkg}/package.json`)), rel);
const run = (args: string[]): void => { execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' }); };

// --no-examples: never run them; --examples-if-missing: only when a picture the lessons link to is absent.
const skipExamples = process.argv.includes('--no-examples');
const lessons = readFileSync(join(root, 'docs', 'guides', 'lessons.md'), 'utf8');
const pictures = [...lessons.matchAll(/\]\(\.\.\/\.\.\/(examples\/out\/[^)]+\.svg)\)/g)].map((m) => join(root, m[1]!));
const missing = pictures.filter((p) => !existsSync(p));
const ifMissing = process.argv.includes('--examples-if-missing');
if (!skipExamples && (!ifMissing || missing.length > 0)) {
  console.log('docs: running the examples (quick) for the lessons\' pictures');
  run(['--import', 'tsx', '--conditions=source', 'examples/run-all.ts', '--quick']);
}
console.log('docs: typedoc');
// typedoc empties docs/site first, so it runs before the playground build; if it fails (e.g. an
// export lacks documentation) the playground is still built, and the command fails at the end.
let typedocFailed = false;
try {
  run([bin('typedoc', 'bin/typedoc'), '--options', 'typedoc.json']);
} catch {
  typedocFailed = true;
}
console.log('docs: packages (tsc -b) for the playground');
// like typedoc: a type error is reported at the end, after vite has bundled what tsc emitted
const rootRequire = createRequire(join(root, 'package.json'));
let tscFailed = false;
try {
  run([join(dirname(rootRequire.resolve('typescript/package.json')), 'bin', 'tsc'), '-b', 'packages/tensor', 'packages/autograd', 'packages/optim', 'packages/nn']);
} catch {
  tscFailed = true;
}
console.log('docs: playground (vite)');
run([bin('vite', 'bin/vite.js'), 'build', '--config', 'docs/playground/vite.config.ts', '--logLevel', 'warn']);
if (tscFailed) console.error('docs: tsc -b reported errors (see above); the playground bundles what it emitted');
if (typedocFailed) {
  console.error('docs: typedoc reported errors or warnings (see above); the API pages are incomplete');
}
if (typedocFailed || tscFailed) process.exit(1);
console.log(`docs: site written to ${join(root, 'docs', 'site')}`);
