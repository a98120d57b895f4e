// Builds the four packages (`tsc -b`, in dependency order). Each package keeps tsc's incremental state
// in its own .tsbuild/ folder, outside dist/, so the state is never packed. tsc trusts that state even
// after dist/ was deleted (it would report "up to date" and emit nothing), so the state of a package
// whose dist/ is missing is dropped before building. Extra arguments go to tsc (e.g. --verbose, --force).
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['tensor', 'autograd', 'optim', 'nn'].map((p) => path.join(root, 'packages', p));
for (const dir of packages) {
  if (!existsSync(path.join(dir, 'dist'))) rmSync(path.join(dir, '.tsbuild'), { recursive: true, force: true });
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-b', ...packages, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
