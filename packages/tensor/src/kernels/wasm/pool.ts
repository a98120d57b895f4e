/**
 * A helper thread for large matrix products (Node's `worker_threads`). The worker instantiates the
 * same kernels module on the same shared `WebAssembly.Memory`, so operands are never copied between
 * threads: the caller writes a job (a gemm call's arguments) into a control block in that memory,
 * wakes the worker with `Atomics.notify`, computes its own share, then waits (`Atomics.wait`) for the
 * worker's. Workers are `unref`'d, so a program that used them still exits as soon as its own work
 * is done.
 * @module
 */

/** Number of i32 slots in a control block. */
export const CTL_SLOTS = 16;
/** Control block slots: [0] job sequence (negative: quit), [1] 1 for float64, [2..13] gemm args, [15] last job done. */
const SEQ = 0, F64 = 1, ARGS = 2, DONE = 15;

// CommonJS source run by each worker (eval'd, so no file needs resolving in any package layout).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl: ctlAddr } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, ctlAddr, ${CTL_SLOTS});
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq < 0) break;
  if (seq === seen) continue;
  seen = seq;
  const a = ctl.slice(${ARGS}, ${ARGS + 12});
  (ctl[${F64}] ? k.gemm_f64 : k.gemm_f32)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
  Atomics.store(ctl, ${DONE}, seq);
  Atomics.notify(ctl, ${DONE});
}
`;

interface NodeWorker { unref(): void; terminate(): Promise<number>; on(ev: string, f: (e: unknown) => void): void }
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

/** The `worker_threads.Worker` constructor in Node (without a static import, so bundles for browsers still load), else null. */
export function nodeWorkerCtor(): WorkerCtor | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  try {
    const wt = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerCtor } | undefined;
    return wt?.Worker ?? null;
  } catch {
    return null;
  }
}

/** One helper thread sharing a kernels module's memory. */
export class GemmWorker {
  private readonly ctl: Int32Array;
  private readonly worker: NodeWorker;
  private seq = 0;
  private failed: string | null = null;

  /**
   * Start a worker on `memory` (shared) running `module`; `ctlAddr` is the byte address of its
   * control block of {@link CTL_SLOTS} i32s.
   */
  constructor(Worker: WorkerCtor, module: WebAssembly.Module, memory: WebAssembly.Memory, ctlAddr: number) {
    this.ctl = new Int32Array(memory.buffer, ctlAddr, CTL_SLOTS);
    this.ctl.fill(0);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl: ctlAddr } });
    this.worker.on('error', (e) => { this.failed = String((e as Error)?.message ?? e); });
    this.worker.unref();
  }

  /** Hand the worker one gemm call (arguments as the kernels module takes them). */
  start(f64: boolean, args: readonly number[]): void {
    if (this.failed !== null) throw new Error(`matmul: the helper thread failed: ${this.failed}`);
    this.ctl[F64] = f64 ? 1 : 0;
    for (let i = 0; i < 12; i++) this.ctl[ARGS + i] = args[i]!;
    this.seq = (this.seq + 1) & 0x3fffffff || 1;
    Atomics.store(this.ctl, SEQ, this.seq);
    Atomics.notify(this.ctl, SEQ);
  }

  /**
   * Block until the job handed over by {@link start} is done. `timeoutMs` bounds the wait so a dead
   * worker gives an error instead of a hang.
   */
  finish(timeoutMs: number): void {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(this.ctl, DONE);
      if (done === this.seq) return;
      if (Date.now() >= deadline) {
        throw new Error(`matmul: the helper thread did not finish within ${timeoutMs} ms${this.failed ? ` (${this.failed})` : ''}`);
      }
      Atomics.wait(this.ctl, DONE, done, 100);
    }
  }

  /** Ask the worker to quit. */
  close(): void {
    Atomics.store(this.ctl, SEQ, -1);
    Atomics.notify(this.ctl, SEQ);
    void this.worker.terminate();
  }
}
