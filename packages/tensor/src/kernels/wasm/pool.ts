/**
 * Helper threads for large kernels (Node's `worker_threads`): matrix products, and elementwise,
 * broadcasting, optimizer-update and axis-sum kernels on large arrays. Each worker instantiates the
 * same kernels module on the same shared `WebAssembly.Memory`, so operands are never copied between
 * threads. A call is cut into chunks (independent kernel calls: slabs of C for a product, ranges of
 * elements or rows otherwise); the caller publishes them in a job block in shared memory, with the
 * job's kind (which kernel export every chunk calls), and wakes the helpers, and then every thread,
 * the caller included, claims chunks one at a time with a compare-and-swap until none is left. A
 * helper that wakes late therefore never holds the caller up: the caller takes the chunks nobody
 * claimed, and waits only for chunks a helper has actually started. Workers spin for a moment after
 * a job before they sleep in `Atomics.wait` (products of one training step come a fraction of a
 * millisecond apart, and waking a sleeping thread costs tens of microseconds), and the caller spins
 * on the helpers' chunks before it sleeps too. Workers are `unref`'d, so a program that used them
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
// helper's scratch address, how long to spin before sleeping (µs).
const SEQ = 0, JOB = 1, SCR = 2, SPIN = 3;
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

// CommonJS source run by each worker (eval'd, so no file needs resolving in any package layout).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl: ctlAddr } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, ctlAddr, ${CTL_SLOTS});
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
    void this.worker.terminate();
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
      if (Atomics.load(job, DONE + i) === tag) { poolTesting.helperChunks++; break; }
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
            while (Atomics.load(job, DONE + j) !== tag) Atomics.wait(job, DONEGEN, Atomics.load(job, DONEGEN), 100);
            poolTesting.helperChunks++;
            if (outcome === 'ok') outcome = 'failed';
            continue;
          }
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
