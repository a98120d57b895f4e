/**
 * Small helpers shared by the examples: the `--quick` switch (short settings for CI and the docs
 * build), running a module as a script, and formatting numbers.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Options every example's `main` accepts. */
export interface ExampleOptions {
  /** Short settings (fewer steps/epochs): `--quick` on the command line or `GD_QUICK=1`. */
  quick?: boolean;
  /** Where the summary lines go (default `console.log`). */
  log?: (line: string) => void;
}

/** `true` when `--quick` was passed or `GD_QUICK=1` is set. */
export function quickFromArgs(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--quick') || process.env['GD_QUICK'] === '1';
}

/** Whether the module with this `import.meta.url` is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && resolve(entry) === fileURLToPath(metaUrl);
}

/** Runs an example's `main` when its file is executed directly, reporting failures with exit code 1. */
export function runIfMain(metaUrl: string, main: (opts: ExampleOptions) => Promise<unknown>): void {
  if (!isMain(metaUrl)) return;
  main({ quick: quickFromArgs() }).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}

/** A number with `digits` significant digits (exponent form when tiny or huge). */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}
