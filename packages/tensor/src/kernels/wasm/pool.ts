/**
 * Helper threads for large kernels: matrix products, and elementwise, broadcasting,
 * optimizer-update and axis-sum kernels on large arrays. In Node they are `worker_threads` workers;
 * in a cross-origin isolated browser page (or a worker of one), classic Web Workers started from a
 * Blob URL. Each one instantiates the same kernels module on the same shared `WebAssembly.Memory`,
 * so operands are never copied between threads, and both kinds run the same loop (written once,
 * below), so results are the same bits everywhere. A call is cut into chunks (independent kernel
 * calls: slabs of C for a product, ranges of elements or rows otherwise); the caller publishes them
 * in a job block in shared memory, with the job's kind (which kernel export every chunk calls), and
 * wakes the helpers, and then every thread, the caller included, claims chunks one at a time with a
 * compare-and-swap until none is left. A helper that wakes late, or has not even started yet (Web
 * Workers start only once the page's thread has returned to its event loop), therefore never holds
 * the caller up: the caller takes the chunks nobody claimed, and waits only for chunks a helper has
 * actually started. Workers spin for a moment after a job before they sleep in `Atomics.wait`
 * (products of one training step come a fraction of a millisecond apart, and waking a sleeping
 * thread costs tens of microseconds), and the caller spins on the helpers' chunks before it sleeps
 * too; where the caller may not block (a browser page's main thread, where `Atomics.wait` throws) it
 * only spins, within the same deadlines. Node workers are `unref`'d, so a program that used them
 * still exits as soon as its own work is done.
 * @module
 */

/** Number of i32 slots in a control block (each helper has one; the first helper's also holds the job). */
export const CTL_SLOTS = 128;
/** Most chunks one job (a product, an elementwise kernel...) may be cut into. */
export const MAX_CHUNKS = 8;
/**
 * Most integer arguments of one chunk (a gemm call's, without the scratch address, which each thread
 * has its own of; the other kinds take fewer, see {@link JobKind}).
 */
export const CHUNK_ARGS = 11;
/** Most float64 arguments a job shares between its chunks (Adam's seven coefficients). */
export const JOB_SCALARS = 7;

/**
 * What the chunks of a job call: each kind is one export of the kernels module. Integer arguments
 * per chunk (byte addresses and counts), then the job's shared float64 scalars:
 * - `gemm_f32`, `gemm_f64`: a gemm call's 11 arguments (m, n, k, a, ars, acs, b, brs, bcs, c, ldc);
 *   the thread's scratch address is appended.
 * - `unary_f32`, `unary_f64`: op, out, x, n.
 * - `binary_f32`, `binary_f64`: op, out, x, y, n.
 * - `binary2d_f32`, `binary2d_f64`: op, out, x, xrs, xcs, y, yrs, ycs, m, n.
 * - `axpy_f32`: s, d, n; scalars k.
 * - `axpby_f32`: out, x, y, n; scalars a, b.
 * - `adam_f32`: m, v, u, g, m0, v0, n; scalars c1, b1, c2, b2, k, bc2s, eps.
 * - `colsum_*`, `rowsum_*`: out, x, m, n, ld; scalars div.
 * - `conv_part`: op, src, dst, csn, csr, geom, p0, planes (a share of an im2col or col2im, conv.as).
 * @example
 * ```ts
 * const kind = JobKind.binary_f32; // chunks call binary_f32(op, out, x, y, n)
 * ```
 */
export const JobKind = {
  gemm_f32: 0, gemm_f64: 1, unary_f32: 2, unary_f64: 3, binary_f32: 4, binary_f64: 5,
  binary2d_f32: 6, binary2d_f64: 7, axpy_f32: 8, axpby_f32: 9, adam_f32: 10,
  colsum_f32: 11, colsum_f64: 12, rowsum_f32: 13, rowsum_f64: 14, conv_part: 15,
} as const;

// Wake slots, in every helper's block: job tag (negative: quit), the job block's byte address, this
// helper's scratch address, how long to spin before sleeping (µs), and the helper's state (0 not
// started yet, 1 running its loop: the worker sets it once it has instantiated the module).
const SEQ = 0, JOB = 1, SCR = 2, SPIN = 3, STATE = 4;
// Job slots, in the job block (the first helper's control block): the job kind, the claim word
// (tag * 16 + next chunk index), the chunk count, a counter bumped after each chunk a helper finishes
// (the caller sleeps on it), a testing delay (ms) a helper sleeps after a claim, per-chunk done tags,
// the chunks' integer arguments, then the job's float64 scalars (two slots each, 8-byte aligned).
const KIND = 8, CLAIM = 9, COUNT = 10, DONEGEN = 11, DELAY = 12, DONE = 16, ARGS = DONE + MAX_CHUNKS;
const SCALARS = ARGS + MAX_CHUNKS * CHUNK_ARGS;
/** A slot no one writes, for timed sleeps. */
const IDLE = CTL_SLOTS - 1;
if (SCALARS % 2 !== 0 || SCALARS + 2 * JOB_SCALARS > IDLE) throw new Error('pool.ts: the job block layout does not fit');

/** Tags are 27-bit job numbers (never 0), so tag * 16 + index fits an i32. */
const TAG_MASK = 0x7ffffff;

// The helper's loop, one function declaration (plain script, no imports), the same for every
// environment: the Node wrapper and the browser wrapper below only hand it the module, the memory
// and the control block's address. (A string, so no file needs resolving in any package layout.)
const HELPER_LOOP = `
function gdHelperLoop(module, memory, ctlAddr) {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const ctl = new Int32Array(memory.buffer, ctlAddr, ${CTL_SLOTS});
  Atomics.store(ctl, ${STATE}, 1);
  let seen = 0, jobAt = -1, job = null, sc = null;
  for (;;) {
    let seq = Atomics.load(ctl, ${SEQ});
    if (seq === seen) {
      const until = performance.now() + ctl[${SPIN}] / 1000;
      while ((seq = Atomics.load(ctl, ${SEQ})) === seen && performance.now() < until);
      if (seq === seen) { Atomics.wait(ctl, ${SEQ}, seen); continue; }
    }
    if (seq < 0) break;
    seen = seq;
    const at = Atomics.load(ctl, ${JOB});
    if (at !== jobAt) {
      jobAt = at;
      job = new Int32Array(memory.buffer, at, ${CTL_SLOTS});
      sc = new Float64Array(memory.buffer, at + ${SCALARS * 4}, ${JOB_SCALARS});
    }
    const work = Atomics.load(ctl, ${SCR});
    for (;;) {
      const c = Atomics.load(job, ${CLAIM});
      if ((c >>> 4) !== seq || (c & 15) >= Atomics.load(job, ${COUNT})) break;
      if (Atomics.compareExchange(job, ${CLAIM}, c, c + 1) !== c) continue;
      // The claim succeeded, so the job is still open and its arguments are intact.
      const i = c & 15, a = ${ARGS} + i * ${CHUNK_ARGS};
      const delay = job[${DELAY}];
      if (delay > 0) Atomics.wait(ctl, ${IDLE}, 0, delay);
      const j = job;
      switch (j[${KIND}]) {
        case ${JobKind.gemm_f32}: case ${JobKind.gemm_f64}:
          (j[${KIND}] === ${JobKind.gemm_f64} ? k.gemm_f64 : k.gemm_f32)(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4], j[a + 5],
            j[a + 6], j[a + 7], j[a + 8], j[a + 9], j[a + 10], work);
          break;
        case ${JobKind.unary_f32}: k.unary_f32(j[a], j[a + 1], j[a + 2], j[a + 3]); break;
        case ${JobKind.unary_f64}: k.unary_f64(j[a], j[a + 1], j[a + 2], j[a + 3]); break;
        case ${JobKind.binary_f32}: k.binary_f32(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4]); break;
        case ${JobKind.binary_f64}: k.binary_f64(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4]); break;
        case ${JobKind.binary2d_f32}: case ${JobKind.binary2d_f64}:
          (j[${KIND}] === ${JobKind.binary2d_f64} ? k.binary2d_f64 : k.binary2d_f32)(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4],
            j[a + 5], j[a + 6], j[a + 7], j[a + 8], j[a + 9]);
          break;
        case ${JobKind.axpy_f32}: k.axpy_f32(j[a], j[a + 1], sc[0], j[a + 2]); break;
        case ${JobKind.axpby_f32}: k.axpby_f32(j[a], j[a + 1], j[a + 2], sc[0], sc[1], j[a + 3]); break;
        case ${JobKind.adam_f32}:
          k.adam_f32(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4], j[a + 5], j[a + 6], sc[0], sc[1], sc[2], sc[3], sc[4], sc[5], sc[6]);
          break;
        case ${JobKind.colsum_f32}: k.colsum_f32(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4], sc[0]); break;
        case ${JobKind.colsum_f64}: k.colsum_f64(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4], sc[0]); break;
        case ${JobKind.rowsum_f32}: k.rowsum_f32(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4], sc[0]); break;
        case ${JobKind.rowsum_f64}: k.rowsum_f64(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4], sc[0]); break;
        case ${JobKind.conv_part}: k.conv_part(j[a], j[a + 1], j[a + 2], j[a + 3], j[a + 4], j[a + 5], j[a + 6], j[a + 7]); break;
        default: throw new Error('wasm helper thread: unknown job kind ' + j[${KIND}]);
      }
      Atomics.store(job, ${DONE} + i, seq);
      Atomics.add(job, ${DONEGEN}, 1);
      Atomics.notify(job, ${DONEGEN});
    }
  }
}
`;

/** Node's worker: CommonJS, eval'd, gets its start values as `workerData`. */
const NODE_WORKER_SOURCE = `${HELPER_LOOP}
const { workerData } = require('node:worker_threads');
gdHelperLoop(workerData.module, workerData.memory, workerData.ctl);
`;

/**
 * A browser's worker (a classic script from a Blob URL): gets its start values in its first
 * message, then runs the loop for good (it never returns to its event loop; `terminate` ends it).
 */
const BROWSER_WORKER_SOURCE = `${HELPER_LOOP}
self.onmessageerror = function () { throw new Error('wasm helper thread: the kernels module or memory could not be received'); };
self.onmessage = function (e) {
  self.onmessage = null;
  const d = e.data;
  gdHelperLoop(d.module, d.memory, d.ctl);
};
`;

interface NodeWorker { unref(): void; terminate(): Promise<number>; on(ev: string, f: (e: unknown) => void): void }
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

/** A browser `Worker` as far as the pool uses it. */
interface WebWorker {
  postMessage(msg: unknown): void;
  terminate(): void;
  addEventListener(ev: string, f: (e: { message?: string; preventDefault?(): void }) => void): void;
}
type WebWorkerCtor = new (url: string, opts?: { name?: string }) => WebWorker;

/**
 * The `worker_threads.Worker` constructor in Node (without a static import, so bundles for browsers
 * still load), else null.
 * @returns The constructor, or `null` outside Node.
 * @example
 * ```ts
 * const canThread = nodeWorkerCtor() !== null; // true in Node
 * ```
 */
export function nodeWorkerCtor(): WorkerCtor | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  try {
    const wt = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerCtor } | undefined;
    return wt?.Worker ?? null;
  } catch {
    return null;
  }
}

/** A started helper worker, whatever the environment. */
interface HelperHandle { terminate(): void }

/** Where helper threads come from: Node's `worker_threads` or a browser's Web Workers. */
export interface HelperHost {
  /** `'node'` (worker_threads) or `'browser'` (Web Workers from a Blob URL). */
  readonly env: 'node' | 'browser';
  /**
   * Start one helper running the loop on `memory` with the control block at `ctlAddr`; `onError`
   * hears why it failed (it may be called later, from an event).
   */
  spawn(module: WebAssembly.Module, memory: WebAssembly.Memory, ctlAddr: number, onError: (why: string) => void): HelperHandle;
}

/** Whether helper threads can run here: the host that starts them, or why not. */
export interface ThreadSupport {
  /** The host, or `null` when this runtime cannot run helper threads. */
  host: HelperHost | null;
  /** What is missing (the end of a sentence "threads: 2 needs ..."), or `''` when `host` is set. */
  missing: string;
}

/** The Blob URL of the browser worker's source, made once. */
let browserWorkerUrl: string | null = null;

function nodeHost(Worker: WorkerCtor): HelperHost {
  return {
    env: 'node',
    spawn(module, memory, ctlAddr, onError) {
      const w = new Worker(NODE_WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl: ctlAddr } });
      w.on('error', (e) => onError(String((e as Error)?.message ?? e)));
      w.unref();
      return { terminate: () => { void w.terminate(); } };
    },
  };
}

function browserHost(Worker: WebWorkerCtor): HelperHost {
  return {
    env: 'browser',
    spawn(module, memory, ctlAddr, onError) {
      browserWorkerUrl ??= URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
      const w = new Worker(browserWorkerUrl, { name: 'gd-wasm-helper' });
      // A worker that cannot start (a Content-Security-Policy without blob: in worker-src, say) or
      // that fails later: the pool goes single-threaded quietly, so the event is not reported as an
      // uncaught error of the page.
      w.addEventListener('error', (e) => {
        e.preventDefault?.();
        onError(e.message || 'the Web Worker could not start (does a Content-Security-Policy forbid blob: workers?)');
      });
      w.postMessage({ module, memory, ctl: ctlAddr });
      return { terminate: () => w.terminate() };
    },
  };
}

let support: ThreadSupport | undefined;

/**
 * Whether this runtime can run helper threads, and how: in Node through `worker_threads` (reached
 * with `process.getBuiltinModule`), in a browser through Web Workers when the page is cross-origin
 * isolated (`globalThis.crossOriginIsolated`, which shared memory needs). Checked once.
 * @returns The host, or `null` and what is missing.
 * @example
 * ```ts
 * const { host, missing } = threadSupport();
 * const where = host?.env ?? `no helper threads: needs ${missing}`; // e.g. 'node'
 * ```
 */
export function threadSupport(): ThreadSupport {
  if (support !== undefined) return support;
  const g = globalThis as {
    process?: { versions?: { node?: string } }; crossOriginIsolated?: boolean; Worker?: WebWorkerCtor;
    Blob?: unknown; URL?: { createObjectURL?: unknown };
  };
  const noShared = typeof SharedArrayBuffer === 'undefined';
  if (typeof g.process?.versions?.node === 'string') {
    const Worker = nodeWorkerCtor();
    if (Worker === null) support = { host: null, missing: 'node:worker_threads, reached through process.getBuiltinModule (Node 20.16 or later)' };
    else if (noShared) support = { host: null, missing: 'SharedArrayBuffer, which this Node process lacks' };
    else support = { host: nodeHost(Worker), missing: '' };
  } else if (g.crossOriginIsolated !== true || noShared) {
    support = {
      host: null,
      missing: 'shared memory, which a browser gives only to a cross-origin isolated page (globalThis.crossOriginIsolated is '
        + `${String(g.crossOriginIsolated ?? false)} here): serve the page with the headers `
        + '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" (or "credentialless")',
    };
  } else if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') {
    support = { host: null, missing: 'Web Workers (Worker, Blob and URL.createObjectURL), which this context lacks' };
  } else {
    support = { host: browserHost(g.Worker), missing: '' };
  }
  return support;
}

let blocking: boolean | undefined;

/**
 * Whether this thread may block in `Atomics.wait` (not on a browser page's main thread, where it
 * throws). Checked once, with a wait that returns at once.
 */
function mayBlock(): boolean {
  if (blocking === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

/**
 * Knobs for tests of the pool (not for production use).
 * @example
 * ```ts
 * poolTesting.helperDelayMs = 50; // helpers sleep 50 ms after each claim
 * const before = poolTesting.helperChunks; // compare after a call: did a helper take part?
 * ```
 */
export const poolTesting = {
  /** Milliseconds a helper sleeps after claiming a chunk, before computing it (0: none). */
  helperDelayMs: 0,
  /** The caller computes chunk 0 only and leaves the rest to the helpers until the deadline. */
  reserveForHelpers: false,
  /** Chunks finished by helper threads so far (every job kind; a counter for tests to read). */
  helperChunks: 0,
};

/**
 * Counters of the pool since the last reset (`resetBackendCounters` of kernels/backend.ts): plain
 * integers bumped by {@link runChunks}, read by `backendInfo`.
 * @example
 * ```ts
 * const jobs = poolCounters.parallelJobs; // calls split between threads so far
 * ```
 */
export const poolCounters = {
  /** Calls of {@link runChunks}: kernel calls split between threads. */
  parallelJobs: 0,
  /** Chunks computed by helper threads. */
  helperChunks: 0,
  /** Chunks computed by the calling thread (its own claims and any it took over at a deadline). */
  callerChunks: 0,
  /** Jobs in which a helper could not be woken or missed its deadline (the backend then goes single-threaded). */
  helperFailures: 0,
};

/**
 * Microseconds a worker spins after a job before it sleeps (default). Short on purpose: on a loaded
 * machine a thread that spins longer takes CPU time the other threads of the product need.
 */
export const HELPER_SPIN_US = 200;
/** Microseconds the caller spins on unfinished helper chunks before it sleeps. */
const CALLER_SPIN_US = 50;

/** One helper thread sharing a kernels module's memory (for every {@link JobKind}, despite its name). */
export class GemmWorker {
  /** This helper's control block (the first helper's also holds the job). */
  readonly ctl: Int32Array;
  private readonly worker: HelperHandle;
  /** Why the worker failed (its 'error' event), or null. */
  failed: string | null = null;

  /**
   * Start a worker on `memory` (shared) running `module`.
   * @param host - Where the worker comes from (see {@link threadSupport}).
   * @param module - The compiled kernels module.
   * @param memory - The shared memory the module runs in.
   * @param ctlAddr - Byte address of this helper's control block of {@link CTL_SLOTS} i32s.
   * @param spinUs - How long the worker spins for the next job before sleeping.
   * @param onFail - Called (from an event, so never inside {@link runChunks}) when the worker fails,
   *   e.g. cannot start; afterwards {@link post} throws.
   */
  constructor(host: HelperHost, module: WebAssembly.Module, memory: WebAssembly.Memory, ctlAddr: number, spinUs = HELPER_SPIN_US,
    onFail?: (why: string) => void) {
    this.ctl = new Int32Array(memory.buffer, ctlAddr, CTL_SLOTS);
    this.ctl.fill(0);
    this.ctl[SPIN] = Math.max(0, Math.min(2 ** 30, Math.round(spinUs)));
    this.worker = host.spawn(module, memory, ctlAddr, (why) => {
      if (this.failed !== null) return;
      this.failed = why;
      onFail?.(why);
    });
  }

  /** Whether the worker has come up (instantiated the module and entered its loop) and has not failed. */
  get running(): boolean {
    return this.failed === null && Atomics.load(this.ctl, STATE) === 1;
  }

  /**
   * Wake the worker for a job.
   * @param tag - The job's tag (positive, below 2^27).
   * @param jobAt - Byte address of the job block (see {@link runChunks}).
   * @param scratch - Byte address of this helper's gemm scratch (unused by other job kinds).
   */
  post(tag: number, jobAt: number, scratch: number): void {
    if (this.failed !== null) throw new Error(`wasm backend: the helper thread failed: ${this.failed}`);
    this.ctl[JOB] = jobAt;
    this.ctl[SCR] = scratch;
    Atomics.store(this.ctl, SEQ, tag);
    Atomics.notify(this.ctl, SEQ);
  }

  /** Ask the worker to quit. */
  close(): void {
    Atomics.store(this.ctl, SEQ, -1);
    Atomics.notify(this.ctl, SEQ);
    this.worker.terminate();
  }
}

let lastTag = 0;

/** How {@link runChunks} went: every chunk done with the helpers' help, or what went wrong. */
export type ChunksOutcome = 'ok' | 'failed' | 'lost';

/**
 * Run the kernel calls `chunks` (each up to {@link CHUNK_ARGS} integers: the arguments of one call of
 * the job kind's export, see {@link JobKind}) on the calling thread and `helpers`, each chunk exactly
 * once. Every thread claims chunks until none is left; the caller then waits for the chunks helpers
 * started. Results are complete when this returns, whatever the outcome: a helper that cannot be
 * woken leaves its share to the caller (`'failed'`), and a chunk a helper claimed but did not finish
 * within `timeoutMs` is redone here (`'lost'`: that helper may still write into its scratch and its
 * part of the output, so the caller must stop using this memory for kernels). A helper that had not
 * even claimed its chunk by then also gives `'failed'` (possible only with {@link poolTesting}).
 * @param helpers - The helper threads (at least one); the first one's control block holds the job.
 * @param kind - A {@link JobKind}, or a boolean for a product: `true` float64 gemm, `false` float32.
 * @param chunks - At most {@link MAX_CHUNKS} argument lists.
 * @param scratch - Scratch addresses: `scratch[0]` the caller's, `scratch[t]` helper t's (gemm only;
 *   other kinds ignore them).
 * @param run - Runs one chunk on the calling thread with the given scratch address.
 * @param timeoutMs - How long to wait for a chunk a helper has claimed.
 * @param scalars - The job's float64 arguments (at most {@link JOB_SCALARS}), shared by its chunks.
 * @param redoClaimed - Whether a chunk a helper claimed but did not finish by the deadline may be
 *   redone here (default true). Pass false when running a chunk twice is wrong (it writes data it
 *   also reads: an in-place update, or col2im's sums): the caller then waits for that helper past
 *   the deadline instead, and the outcome is `'failed'` (slow, never `'lost'`).
 * @returns `'ok'`, `'failed'` or `'lost'`.
 * @example
 * ```ts
 * // backend.ts: outcome = runChunks(helpers, !f32, jobs, scratchAt, run, timeout)
 * // or, for an axpy cut in two: runChunks(helpers, JobKind.axpy_f32, [[s, d, 4096], [s + 16384, d + 16384, 4000]],
 * //   [0, 0], run, timeout, [k])
 * const outcome: ChunksOutcome = 'ok'; // every chunk finished, helpers included
 * ```
 */
export function runChunks(helpers: readonly GemmWorker[], kind: number | boolean, chunks: readonly (readonly number[])[], scratch: readonly number[],
  run: (args: readonly number[], work: number) => void, timeoutMs: number, scalars: readonly number[] = [], redoClaimed = true): ChunksOutcome {
  const n = chunks.length;
  if (n > MAX_CHUNKS) throw new RangeError(`wasm backend: ${n} chunks, at most ${MAX_CHUNKS}`);
  if (scalars.length > JOB_SCALARS) throw new RangeError(`wasm backend: ${scalars.length} job scalars, at most ${JOB_SCALARS}`);
  const job = helpers[0]!.ctl;
  const jobAt = job.byteOffset;
  if (jobAt % 8 !== 0) throw new RangeError(`wasm backend: job block at ${jobAt} is not 8-byte aligned`);
  const tag = lastTag = (lastTag + 1) & TAG_MASK || 1;
  job[KIND] = typeof kind === 'boolean' ? (kind ? JobKind.gemm_f64 : JobKind.gemm_f32) : kind;
  job[DELAY] = poolTesting.helperDelayMs;
  for (let i = 0; i < n; i++) {
    const a = chunks[i]!;
    if (a.length > CHUNK_ARGS) throw new RangeError(`wasm backend: ${a.length} arguments in chunk ${i}, at most ${CHUNK_ARGS}`);
    for (let j = 0; j < a.length; j++) job[ARGS + i * CHUNK_ARGS + j] = a[j]!;
  }
  if (scalars.length > 0) {
    const sc = new Float64Array(job.buffer, jobAt + SCALARS * 4, JOB_SCALARS);
    for (let j = 0; j < scalars.length; j++) sc[j] = scalars[j]!;
  }
  Atomics.store(job, COUNT, n);
  // Testing: the caller keeps chunk 0 and leaves the others to the helpers until the deadline.
  const reserve = poolTesting.reserveForHelpers;
  Atomics.store(job, CLAIM, tag * 16 + (reserve ? 1 : 0));
  let outcome: ChunksOutcome = 'ok';
  poolCounters.parallelJobs++;
  for (let t = 0; t < helpers.length; t++) {
    try { helpers[t]!.post(tag, jobAt, scratch[t + 1]!); } catch { outcome = 'failed'; }
  }
  const mine: boolean[] = [];
  if (reserve) { run(chunks[0]!, scratch[0]!); mine[0] = true; poolCounters.callerChunks++; }
  for (;;) {
    if (reserve) break;
    const c = Atomics.load(job, CLAIM);
    const i = c & 15;
    if (i >= n) break;
    if (Atomics.compareExchange(job, CLAIM, c, c + 1) !== c) continue;
    run(chunks[i]!, scratch[0]!);
    mine[i] = true;
    poolCounters.callerChunks++;
  }
  // Wait for the chunks helpers claimed: spin a little, then sleep on the done counter (or, where
  // this thread may not block, go on spinning).
  const block = mayBlock();
  const t0 = performance.now();
  const spinUntil = t0 + Math.min(CALLER_SPIN_US / 1000, timeoutMs);
  const deadline = t0 + timeoutMs;
  for (let i = 0; i < n; i++) {
    if (mine[i]) continue;
    for (;;) {
      const gen = Atomics.load(job, DONEGEN);
      if (Atomics.load(job, DONE + i) === tag) { poolTesting.helperChunks++; poolCounters.helperChunks++; break; }
      const now = performance.now();
      if (now >= deadline) {
        // Too late. Close the job to further claims; chunks nobody claimed are done here (the
        // helpers were merely slow), and so are claimed but unfinished ones, with the caller's own
        // scratch: their helper may still be at work ('lost').
        let c = Atomics.load(job, CLAIM);
        while ((c & 15) !== 15) {
          const seen = Atomics.compareExchange(job, CLAIM, c, tag * 16 + 15);
          if (seen === c) break;
          c = seen;
        }
        const claimed = Math.min(c & 15, n);
        for (let j = i; j < n; j++) {
          if (mine[j] || Atomics.load(job, DONE + j) === tag) continue;
          if (j < claimed && !redoClaimed) {
            // A second run of this chunk would apply it twice: wait for its helper however long.
            while (Atomics.load(job, DONE + j) !== tag) if (block) Atomics.wait(job, DONEGEN, Atomics.load(job, DONEGEN), 100);
            poolTesting.helperChunks++;
            poolCounters.helperChunks++;
            if (outcome === 'ok') outcome = 'failed';
            continue;
          }
          run(chunks[j]!, scratch[0]!);
          mine[j] = true;
          poolCounters.callerChunks++;
          if (j < claimed) outcome = 'lost';
          else if (outcome === 'ok') outcome = 'failed';
        }
        break;
      }
      if (block && now >= spinUntil) Atomics.wait(job, DONEGEN, gen, Math.min(100, deadline - now));
    }
  }
  if (outcome !== 'ok') poolCounters.helperFailures++;
  return outcome;
}
