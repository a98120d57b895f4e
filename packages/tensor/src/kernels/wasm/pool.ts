/**
 * Helper threads for large matrix products (Node's `worker_threads`). Each worker instantiates the
 * same kernels module on the same shared `WebAssembly.Memory`, so operands are never copied between
 * threads. A product is cut into chunks (independent gemm calls on slabs of C); the caller publishes
 * them in a job block in shared memory and wakes the helpers, and then every thread, the caller
 * included, claims chunks one at a time with a compare-and-swap until none is left. A helper that
 * wakes late therefore never holds the caller up: the caller takes the chunks nobody claimed, and
 * waits only for chunks a helper has actually started. Workers spin for a moment after a job before
 * they sleep in `Atomics.wait` (products of one training step come a fraction of a millisecond
 * apart, and waking a sleeping thread costs tens of microseconds), and the caller spins on the
 * helpers' chunks before it sleeps too. Workers are `unref`'d, so a program that used them still
 * exits as soon as its own work is done.
 * @module
 */

/** Number of i32 slots in a control block (each helper has one; the first helper's also holds the job). */
export const CTL_SLOTS = 128;
/** Most chunks one product may be cut into. */
export const MAX_CHUNKS = 8;
/** Arguments of one chunk: a gemm call's, without the scratch address (each thread has its own). */
export const CHUNK_ARGS = 11;

// Wake slots, in every helper's block: job tag (negative: quit), the job block's byte address, this
// helper's scratch address, how long to spin before sleeping (µs).
const SEQ = 0, JOB = 1, SCR = 2, SPIN = 3;
// Job slots, in the job block (the first helper's control block): element type, the claim word
// (tag * 16 + next chunk index), the chunk count, a counter bumped after each chunk a helper finishes
// (the caller sleeps on it), a testing delay (ms) a helper sleeps after a claim, per-chunk done tags,
// then the chunks' arguments.
const F64 = 8, CLAIM = 9, COUNT = 10, DONEGEN = 11, DELAY = 12, DONE = 16, ARGS = DONE + MAX_CHUNKS;
/** A slot no one writes, for timed sleeps. */
const IDLE = CTL_SLOTS - 1;

/** Tags are 27-bit job numbers (never 0), so tag * 16 + index fits an i32. */
const TAG_MASK = 0x7ffffff;

// CommonJS source run by each worker (eval'd, so no file needs resolving in any package layout).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl: ctlAddr } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, ctlAddr, ${CTL_SLOTS});
let seen = 0, jobAt = -1, job = null;
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
  if (at !== jobAt) { jobAt = at; job = new Int32Array(memory.buffer, at, ${CTL_SLOTS}); }
  const work = Atomics.load(ctl, ${SCR});
  for (;;) {
    const c = Atomics.load(job, ${CLAIM});
    if ((c >>> 4) !== seq || (c & 15) >= Atomics.load(job, ${COUNT})) break;
    if (Atomics.compareExchange(job, ${CLAIM}, c, c + 1) !== c) continue;
    // The claim succeeded, so the job is still open and its arguments are intact.
    const i = c & 15, a = ${ARGS} + i * ${CHUNK_ARGS};
    const delay = job[${DELAY}];
    if (delay > 0) Atomics.wait(ctl, ${IDLE}, 0, delay);
    (job[${F64}] ? k.gemm_f64 : k.gemm_f32)(job[a], job[a + 1], job[a + 2], job[a + 3], job[a + 4], job[a + 5],
      job[a + 6], job[a + 7], job[a + 8], job[a + 9], job[a + 10], work);
    Atomics.store(job, ${DONE} + i, seq);
    Atomics.add(job, ${DONEGEN}, 1);
    Atomics.notify(job, ${DONEGEN});
  }
}
`;

interface NodeWorker { unref(): void; terminate(): Promise<number>; on(ev: string, f: (e: unknown) => void): void }
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

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

/**
 * Knobs for tests of the pool (not for production use).
 * @example
 * ```ts
 * poolTesting.helperDelayMs = 50; // helpers sleep 50 ms after each claim
 * ```
 */
export const poolTesting = {
  /** Milliseconds a helper sleeps after claiming a chunk, before computing it (0: none). */
  helperDelayMs: 0,
  /** The caller computes chunk 0 only and leaves the rest to the helpers until the deadline. */
  reserveForHelpers: false,
};

/**
 * Microseconds a worker spins after a job before it sleeps (default). Short on purpose: on a loaded
 * machine a thread that spins longer takes CPU time the other threads of the product need.
 */
export const HELPER_SPIN_US = 200;
/** Microseconds the caller spins on unfinished helper chunks before it sleeps. */
const CALLER_SPIN_US = 50;

/** One helper thread sharing a kernels module's memory. */
export class GemmWorker {
  /** This helper's control block (the first helper's also holds the job). */
  readonly ctl: Int32Array;
  private readonly worker: NodeWorker;
  /** Why the worker failed (its 'error' event), or null. */
  failed: string | null = null;

  /**
   * Start a worker on `memory` (shared) running `module`.
   * @param Worker - The `worker_threads.Worker` constructor.
   * @param module - The compiled kernels module.
   * @param memory - The shared memory the module runs in.
   * @param ctlAddr - Byte address of this helper's control block of {@link CTL_SLOTS} i32s.
   * @param spinUs - How long the worker spins for the next job before sleeping.
   */
  constructor(Worker: WorkerCtor, module: WebAssembly.Module, memory: WebAssembly.Memory, ctlAddr: number, spinUs = HELPER_SPIN_US) {
    this.ctl = new Int32Array(memory.buffer, ctlAddr, CTL_SLOTS);
    this.ctl.fill(0);
    this.ctl[SPIN] = Math.max(0, Math.min(2 ** 30, Math.round(spinUs)));
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl: ctlAddr } });
    this.worker.on('error', (e) => { this.failed = String((e as Error)?.message ?? e); });
    this.worker.unref();
  }

  /**
   * Wake the worker for a job.
   * @param tag - The job's tag (positive, below 2^27).
   * @param jobAt - Byte address of the job block (see {@link runChunks}).
   * @param scratch - Byte address of this helper's gemm scratch.
   */
  post(tag: number, jobAt: number, scratch: number): void {
    if (this.failed !== null) throw new Error(`matmul: the helper thread failed: ${this.failed}`);
    this.ctl[JOB] = jobAt;
    this.ctl[SCR] = scratch;
    Atomics.store(this.ctl, SEQ, tag);
    Atomics.notify(this.ctl, SEQ);
  }

  /** Ask the worker to quit. */
  close(): void {
    Atomics.store(this.ctl, SEQ, -1);
    Atomics.notify(this.ctl, SEQ);
    void this.worker.terminate();
  }
}

let lastTag = 0;

/** How {@link runChunks} went: every chunk done with the helpers' help, or what went wrong. */
export type ChunksOutcome = 'ok' | 'failed' | 'lost';

/**
 * Run the gemm calls `chunks` (each {@link CHUNK_ARGS} numbers: a gemm call's arguments without the
 * scratch address) on the calling thread and `helpers`, each chunk exactly once. Every thread claims
 * chunks until none is left; the caller then waits for the chunks helpers started. Results are
 * complete when this returns, whatever the outcome: a helper that cannot be woken leaves its share
 * to the caller (`'failed'`), and a chunk a helper claimed but did not finish within `timeoutMs` is
 * redone here (`'lost'`: that helper may still write into its scratch and its slab of C, so the
 * caller must stop using this memory for products). A helper that had not even claimed its chunk by
 * then also gives `'failed'` (possible only with {@link poolTesting}).
 * @param helpers - The helper threads (at least one); the first one's control block holds the job.
 * @param f64 - Whether the chunks are float64 products.
 * @param chunks - At most {@link MAX_CHUNKS} argument lists.
 * @param scratch - Scratch addresses: `scratch[0]` the caller's, `scratch[t]` helper t's.
 * @param run - Runs one chunk on the calling thread with the given scratch address.
 * @param timeoutMs - How long to wait for a chunk a helper has claimed.
 * @returns `'ok'`, `'failed'` or `'lost'`.
 * @example
 * ```ts
 * // backend.ts: outcome = runChunks(helpers, !f32, jobs, scratchAt, run, timeout)
 * const outcome: ChunksOutcome = 'ok'; // every chunk finished, helpers included
 * ```
 */
export function runChunks(helpers: readonly GemmWorker[], f64: boolean, chunks: readonly (readonly number[])[], scratch: readonly number[],
  run: (args: readonly number[], work: number) => void, timeoutMs: number): ChunksOutcome {
  const n = chunks.length;
  if (n > MAX_CHUNKS) throw new RangeError(`matmul: ${n} chunks, at most ${MAX_CHUNKS}`);
  const job = helpers[0]!.ctl;
  const jobAt = job.byteOffset;
  const tag = lastTag = (lastTag + 1) & TAG_MASK || 1;
  job[F64] = f64 ? 1 : 0;
  job[DELAY] = poolTesting.helperDelayMs;
  for (let i = 0; i < n; i++) {
    const a = chunks[i]!;
    for (let j = 0; j < CHUNK_ARGS; j++) job[ARGS + i * CHUNK_ARGS + j] = a[j]!;
  }
  Atomics.store(job, COUNT, n);
  // Testing: the caller keeps chunk 0 and leaves the others to the helpers until the deadline.
  const reserve = poolTesting.reserveForHelpers;
  Atomics.store(job, CLAIM, tag * 16 + (reserve ? 1 : 0));
  let outcome: ChunksOutcome = 'ok';
  for (let t = 0; t < helpers.length; t++) {
    try { helpers[t]!.post(tag, jobAt, scratch[t + 1]!); } catch { outcome = 'failed'; }
  }
  const mine: boolean[] = [];
  if (reserve) { run(chunks[0]!, scratch[0]!); mine[0] = true; }
  for (;;) {
    if (reserve) break;
    const c = Atomics.load(job, CLAIM);
    const i = c & 15;
    if (i >= n) break;
    if (Atomics.compareExchange(job, CLAIM, c, c + 1) !== c) continue;
    run(chunks[i]!, scratch[0]!);
    mine[i] = true;
  }
  // Wait for the chunks helpers claimed: spin a little, then sleep on the done counter.
  const t0 = performance.now();
  const spinUntil = t0 + Math.min(CALLER_SPIN_US / 1000, timeoutMs);
  const deadline = t0 + timeoutMs;
  for (let i = 0; i < n; i++) {
    if (mine[i]) continue;
    for (;;) {
      const gen = Atomics.load(job, DONEGEN);
      if (Atomics.load(job, DONE + i) === tag) break;
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
          run(chunks[j]!, scratch[0]!);
          mine[j] = true;
          if (j < claimed) outcome = 'lost';
          else if (outcome === 'ok') outcome = 'failed';
        }
        break;
      }
      if (now >= spinUntil) Atomics.wait(job, DONEGEN, gen, Math.min(100, deadline - now));
    }
  }
  return outcome;
}
