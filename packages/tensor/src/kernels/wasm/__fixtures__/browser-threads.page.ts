// The page of browser-threads.test.ts (bundled with esbuild, run in headless Chromium): runs every
// job kind (thread-cases.ts) on a one-thread backend and on a backend with the default thread
// count, compares the results bit for bit, and leaves a report in `window.gdThreads` (a promise).
// `?reserve=0` skips the pass in which the caller leaves every chunk but the first to the helpers
// (for a page where no helper can start: that pass would wait for them until its deadline).
import * as T from '../../../index.js';
import { poolTesting } from '../pool.js';
import { firstDifference, runCases, THREAD_CASES, type CaseRun } from './thread-cases.js';

/** What the page reports. */
export interface PageReport {
  isolated: boolean;
  hardwareConcurrency: number;
  /** The default thread count of a backend created without `threads`. */
  threads: number;
  /** The message of `createWasmBackend({ threads: 2 })`, or `null` when it did not throw. */
  explicitError: string | null;
  fma: boolean;
  /** Milliseconds until the helpers were running (or until the wait gave up). */
  startMs: number;
  one: CaseRun[];
  multi: CaseRun[];
  /** The pass in which helpers must take every chunk but the first (empty with `?reserve=0`). */
  reserved: CaseRun[];
  /** Per case, where the multi-thread results differ from one thread's ('' when the same bits), both passes. */
  diffs: string[];
  info: T.BackendInfo;
  error: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

/** Wait (yielding to the event loop, where workers start and modules compile) until `ok()` or `ms` passed. */
async function until(ok: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!ok() && performance.now() < end) await sleep(10);
}

/** Install `be`, run one call so that its module compiles (asynchronously on this thread), and wait for it. */
async function warm(be: T.Backend): Promise<void> {
  const prev = T.setBackend(be);
  try {
    const c = THREAD_CASES[0]!;
    c.run(be, c.make());
    await until(() => T.backendInfo().wasm !== 'compiling', 20_000);
  } finally {
    T.setBackend(prev);
  }
}

async function main(): Promise<PageReport> {
  const reserve = new URLSearchParams(location.search).get('reserve') !== '0';
  let explicitError: string | null = null;
  try {
    T.createWasmBackend({ threads: 2 });
  } catch (e) {
    explicitError = (e as Error).message;
  }
  const opts = { parallelMinWork: 0, parallelElementwiseMin: 0, helperTimeoutMs: 20_000 };
  const multi = T.createWasmBackend(opts);
  const one = T.createWasmBackend({ ...opts, threads: 1, fma: multi.fma });
  await warm(one);
  await warm(multi);
  T.setBackend(multi);
  // Helper workers start with the first split call, and come up once this thread yields.
  const t0 = performance.now();
  // (A helper that fails to start makes the backend single-threaded: then there is nothing to wait for.)
  await until(() => T.backendInfo().threads.running >= multi.threads - 1, 10_000);
  const startMs = performance.now() - t0;
  const a = runCases(one), b = runCases(multi);
  let c: ReturnType<typeof runCases> = { runs: [], results: [] };
  if (reserve && multi.threads > 1) {
    poolTesting.reserveForHelpers = true;
    try { c = runCases(multi); } finally { poolTesting.reserveForHelpers = false; }
  }
  const diffs = a.results.map((r, i) => [firstDifference(b.results[i]!, r), c.results[i] ? firstDifference(c.results[i]!, r) : '']
    .filter((d) => d !== '').join('; '));
  return {
    isolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    threads: multi.threads,
    explicitError,
    fma: multi.fma,
    startMs,
    one: a.runs,
    multi: b.runs,
    reserved: c.runs,
    diffs,
    info: T.backendInfo(),
    error: null,
  };
}

(window as unknown as { gdThreads: Promise<PageReport> }).gdThreads = main().catch((e: unknown) => ({ error: String((e as Error)?.stack ?? e) }) as PageReport);
