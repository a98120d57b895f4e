/**
 * The WebAssembly SIMD backend: the kernels of the `*.as` files (committed compiled, in `binary.ts`)
 * behind the {@link Backend} interface. Operands are copied into the module's memory, the kernel
 * runs there and the result is copied back, so tensors stay ordinary typed arrays.
 * @module
 */
import type { AdamArgs, Backend, FloatArray, MatmulArgs } from '../backend.js';
import type { ConvGeometry } from '../conv.js';
import { RELAXED, RELAXED_SHARED, SIMD, SIMD_SHARED } from './binary.js';
import { CTL_SLOTS, GemmWorker, JobKind, MAX_CHUNKS, runChunks, threadSupport } from './pool.js';
import { addressOf, arenaAllocate, arenaMemory, arenaPermanent, arenaRetire, arenaShared } from './arena.js';

/** Options for {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Use fused multiply-add (relaxed SIMD) in matmul: `true` requires it (creation fails without it),
   * `false` never uses it, `'auto'` (default) uses it where the runtime supports it.
   */
  fma?: boolean | 'auto';
  /** Products with fewer multiply-adds (`m*n*k`) than this are declined (the TS kernel is faster there). Default 4096. */
  matmulMinWork?: number;
  /**
   * Matrix-vector products (one output column or row) with fewer multiply-adds than this are
   * declined. Default: the smaller of 512 and `matmulMinWork`.
   */
  matvecMinWork?: number;
  /** Elementwise, broadcasting, update and axis-sum kernels on fewer elements than this are declined. Default 2048. */
  elementwiseMinSize?: number;
  /**
   * Threads for large kernels (the caller plus `threads - 1` helper workers on shared memory),
   * at most 8 (a call is cut into at most 8 chunks). Default: 2 on a machine with at least two
   * cores where helper threads can run, else 1. They can run in Node (`worker_threads`) and in a
   * cross-origin isolated browser page (Web Workers; the page needs the headers
   * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`).
   * Asking for more than 1 where they cannot run throws, saying what is missing.
   */
  threads?: number;
  /** Products with fewer multiply-adds than this run on the calling thread alone. Default 2^19 (about 80^3). */
  parallelMinWork?: number;
  /**
   * Elementwise, broadcasting, update and axis-sum kernels whose operands all live in the arena are
   * split between the threads (ranges of elements or rows, one per thread) from this much work on:
   * the element count, weighted by the op's cost (1 for add, mul, relu and the updates; more for
   * exp, log, tanh, sigmoid and Adam, see the design notes). Default 2^17 (131072: from there
   * float32 add with a freshly allocated output stops losing on two quiet cores; on arrays already
   * in cache the split gains from about 32768); `Infinity` keeps them on the calling thread.
   */
  parallelElementwiseMin?: number;
  /**
   * How long to wait for a helper thread before redoing its share on the calling thread and going
   * single-threaded for good. Default 10 s plus 1 ms per 10^5 multiply-adds.
   */
  helperTimeoutMs?: number;
}

/** The exports of the compiled kernels module. */
interface Kernels {
  gemmScratchBytes(e: number): number;
  gemmTileRows(e: number): number;
  hasFma(): number;
  gemm_f32(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, work: number): void;
  gemm_f64(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, work: number): void;
  gemv_f32(m: number, k: number, a: number, ars: number, acs: number, x: number, y: number): void;
  gemv_f64(m: number, k: number, a: number, ars: number, acs: number, x: number, y: number): void;
  binary_f32(op: number, o: number, x: number, y: number, n: number): void;
  binary_f64(op: number, o: number, x: number, y: number, n: number): void;
  exp_f32(o: number, x: number, n: number): void;
  unary_f32(op: number, o: number, x: number, n: number): void;
  unary_f64(op: number, o: number, x: number, n: number): void;
  binary2d_f32(op: number, o: number, x: number, xrs: number, xcs: number, y: number, yrs: number, ycs: number, m: number, n: number): void;
  binary2d_f64(op: number, o: number, x: number, xrs: number, xcs: number, y: number, yrs: number, ycs: number, m: number, n: number): void;
  axpy_f32(s: number, d: number, k: number, n: number): void;
  axpby_f32(o: number, x: number, y: number, a: number, b: number, n: number): void;
  adam_f32(m: number, v: number, u: number, g: number, m0: number, v0: number, n: number,
    c1: number, b1: number, c2: number, b2: number, k: number, bc2s: number, eps: number): void;
  colsum_f32(o: number, x: number, m: number, n: number, ld: number, div: number): void;
  colsum_f64(o: number, x: number, m: number, n: number, ld: number, div: number): void;
  rowsum_f32(o: number, x: number, m: number, n: number, ld: number, div: number): void;
  rowsum_f64(o: number, x: number, m: number, n: number, ld: number, div: number): void;
  im2col_f32(x: number, cols: number, csn: number, csr: number, ...geometry: number[]): void;
  im2col_f64(x: number, cols: number, csn: number, csr: number, ...geometry: number[]): void;
  col2im_f32(cols: number, csn: number, csr: number, out: number, ...geometry: number[]): void;
  col2im_f64(cols: number, csn: number, csr: number, out: number, ...geometry: number[]): void;
  conv_part(op: number, src: number, dst: number, csn: number, csr: number, geom: number, p0: number, planes: number): void;
  maxpool_f32(x: number, vals: number, idx: number, ...geometry: number[]): number;
  maxpool_f64(x: number, vals: number, idx: number, ...geometry: number[]): number;
}

const PAGE = 65536;
/** The first bytes of memory are left to the module's own (empty) static data. */
const ARENA_START = PAGE;
/**
 * Binary kernels by op name (codes of elementwise.as). The `vjp_*` names are @gd/autograd's fused
 * gradient kernels (`x` the incoming gradient): `vjp_relu` is `x * (y > 0 ? 1 : 0)`, `vjp_tanh`
 * `x * (1 - y*y)`, `vjp_sigmoid` `x * (y * (1 - y))` (y the op's output), `vjp_exp` `x * y`, `vjp_log` `x / y`.
 */
const BINARY_OPS: Record<string, number> = {
  add: 0, sub: 1, mul: 2, div: 3, vjp_relu: 4, vjp_tanh: 5, vjp_sigmoid: 6, vjp_exp: 2, vjp_log: 3,
};
/** Binary ops of the broadcasting kernel (binary2d). */
const BROADCAST_OPS: Record<string, number> = { add: 0, sub: 1, mul: 2, div: 3 };
/** Unary kernels by op name; codes below FIRST_APPROX_UNARY are exact (and exist for float64 too). */
const UNARY_OPS: Record<string, number> = {
  neg: 0, abs: 1, relu: 2, sqrt: 3, square: 4, exp: 5, log: 6, tanh: 7, sigmoid: 8,
};
const FIRST_APPROX_UNARY = 5;
/** Operands copied through scratch for a column or row sum may span at most this many bytes. */
const COLSUM_MAX_COPY_BYTES = 8 * 1024 * 1024;
/** Bytes per operand per elementwise chunk (three operands stay well inside a 512 KB L2). */
const ELEMENTWISE_CHUNK_BYTES = 64 * 1024;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  throw new Error('wasm backend: no base64 decoder (atob) in this runtime');
}

let simdChecked: boolean | undefined;

/**
 * Whether this runtime can run the WebAssembly SIMD kernels (it validates the plain-SIMD module;
 * the answer is cached).
 * @returns `true` where WebAssembly with 128-bit SIMD is available.
 * @example
 * ```ts
 * const simd = wasmSimdSupported(); // true in Node 20 and current browsers
 * ```
 */
export function wasmSimdSupported(): boolean {
  if (simdChecked !== undefined) return simdChecked;
  try {
    simdChecked = typeof WebAssembly === 'object' && WebAssembly.validate(decode(SIMD));
  } catch {
    simdChecked = false;
  }
  return simdChecked;
}


let relaxedChecked: boolean | undefined;
/** Set when relaxed SIMD validates only behind V8's flag (Node 20): the flag setter. */
let relaxedFlag: { setFlagsFromString(f: string): void } | null = null;

/** Run `fn` (a validation or compilation of a relaxed-SIMD module) with V8's relaxed-SIMD flag on where it needs it, and off again after. */
function withRelaxedSimd<T>(fn: () => T): T {
  if (relaxedFlag === null) return fn();
  relaxedFlag.setFlagsFromString('--experimental-wasm-relaxed-simd');
  try {
    return fn();
  } finally {
    relaxedFlag.setFlagsFromString('--no-experimental-wasm-relaxed-simd');
  }
}

/**
 * Whether the runtime accepts relaxed SIMD (and so fused multiply-add in matmul). In Node, where
 * V8 still keeps relaxed SIMD behind `--experimental-wasm-relaxed-simd`, the flag is switched on
 * (`v8.setFlagsFromString`) only while the module is validated and compiled, and off again after,
 * so the process's other WebAssembly sees the flags it started with. The answer is cached.
 * @returns `true` when the relaxed-SIMD module validates.
 * @example
 * ```ts
 * const fma = wasmRelaxedSimdSupported(); // true in Node 20 on x86-64 with FMA
 * ```
 */
export function wasmRelaxedSimdSupported(): boolean {
  if (relaxedChecked !== undefined) return relaxedChecked;
  const bytes = decode(RELAXED);
  let ok = false;
  try {
    ok = WebAssembly.validate(bytes);
    if (!ok) {
      const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
      const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString(f: string): void } | undefined;
      if (v8) {
        relaxedFlag = v8;
        ok = withRelaxedSimd(() => WebAssembly.validate(bytes));
        if (!ok) relaxedFlag = null;
      }
    }
  } catch {
    ok = false;
  }
  relaxedChecked = ok;
  return ok;
}

/** A lazily compiled kernels module with its memory, a scratch arena that grows on demand, and helper threads. */
class Instance {
  readonly k: Kernels;
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly fma: boolean;
  /** Threads used for large products; drops to 1 for good if a helper thread ever fails. */
  threads: number;
  private workers: GemmWorker[] = [];
  /** Whether this instance runs in the tensor arena's memory (tensors there are used in place). */
  readonly inArena: boolean;
  /** Byte address of the helper threads' control blocks. */
  private readonly ctlBase: number;
  /** In the arena: the scratch block (held here so it is not reclaimed), its address and size. */
  private scratchArr: Float64Array | null = null;
  private scratchAt = 0;
  private scratchBytes = 0;

  constructor(fma: boolean, threads: number, module: WebAssembly.Module, arenaMem: WebAssembly.Memory | null) {
    this.fma = fma;
    this.threads = threads;
    this.inArena = arenaMem !== null;
    const shared = threads > 1;
    this.memory = arenaMem ?? new WebAssembly.Memory(shared ? { initial: 2, maximum: 32768, shared: true } : { initial: 2, maximum: 65536 });
    this.module = module;
    const inst = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.k = inst.exports as unknown as Kernels;
    // Several backends may share the arena's memory, so each takes control blocks of its own there.
    this.ctlBase = arenaMem !== null ? arenaPermanent(8 * CTL_SLOTS * 4) : CTL_BASE;
    if (this.ctlBase < 0) throw new RangeError('wasm backend: no memory for thread control blocks');
  }

  /**
   * The byte address of a scratch region of at least `bytes`, the same region for every call (so a
   * kernel must not keep it across calls). Outside the arena it starts at ARENA_START and the memory
   * grows by at least half again when needed; in the arena it is a block of the arena, replaced by a
   * larger one on demand. Throws when the memory is exhausted.
   */
  reserve(bytes: number): number {
    if (this.inArena) {
      if (this.scratchBytes < bytes) {
        // No forced collection here: callers hold views derived from their operands (see arena.ts).
        const arr = arenaAllocate('float64', Math.ceil(Math.max(bytes, this.scratchBytes * 1.5) / 8), false, false);
        if (arr === null) throw new RangeError(`wasm backend: no memory for ${bytes} bytes of kernel scratch`);
        this.scratchArr = arr as Float64Array;
        this.scratchAt = addressOf(arr);
        this.scratchBytes = arr.byteLength;
      }
      return this.scratchAt;
    }
    const need = ARENA_START + bytes;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      this.memory.grow(Math.ceil((Math.max(need, have * 1.5) - have) / PAGE));
      // Helper threads started before the growth are replaced, so every instance knows the new size.
      this.closeWorkers();
    }
    return ARENA_START;
  }

  /**
   * The helper workers (started on first use). In a browser they come up only once this thread
   * has returned to its event loop; until then the caller takes every chunk (see `runChunks`).
   */
  helpers(): GemmWorker[] {
    if (this.workers.length === 0 && this.threads > 1) {
      const { host, missing } = threadSupport();
      if (host === null) throw new Error(`wasm backend: helper threads need ${missing}`);
      // A helper that fails (one that cannot start: a browser page whose Content-Security-Policy
      // forbids blob: workers, say) makes this instance single-threaded for good, quietly.
      for (let t = 1; t < this.threads; t++) {
        const w: GemmWorker = new GemmWorker(host, this.module, this.memory, this.ctlBase + (t - 1) * CTL_SLOTS * 4, undefined, () => {
          if (this.workers.includes(w)) { this.threads = 1; this.closeWorkers(); }
        });
        this.workers.push(w);
      }
    }
    return this.workers;
  }

  /** Helper workers started, and how many of them are up and running their loop. */
  helperStates(): { started: number; running: number } {
    let running = 0;
    for (const w of this.workers) if (w.running) running++;
    return { started: this.workers.length, running };
  }

  closeWorkers(): void {
    for (const w of this.workers) w.close();
    this.workers = [];
  }
}

/** Instances (and the product's storages) given up after a helper thread missed its deadline (see `matmul`); never released. */
const abandoned: unknown[] = [];

/** The kernel methods of a wasm backend (each one's calls are counted, see {@link wasmCounters}). */
const KERNEL_METHODS = ['matmul', 'elementwise', 'broadcast', 'axpy', 'axpby', 'adam', 'colSum', 'rowSum', 'unfold', 'fold', 'maxPool'] as const;

/** A kernel method of a wasm backend. */
export type KernelMethod = typeof KERNEL_METHODS[number];

const LAST_NONE = 0, LAST_TS = 1, LAST_SIMD = 2, LAST_FMA = 3;

/** Calls of every wasm backend's kernel methods since the last reset (plain integers). */
const kernelCounts = {
  /** Calls run by the wasm kernels with fused multiply-add, and without. */
  fma: 0, simd: 0,
  /** Calls declined (the TypeScript kernel ran instead). */
  declined: 0,
  /** Who ran the latest call: LAST_NONE (no call since the reset), LAST_TS, LAST_SIMD or LAST_FMA. */
  last: LAST_NONE,
  byKernel: Object.fromEntries(KERNEL_METHODS.map((k) => [k, { ran: 0, declined: 0 }])) as Record<KernelMethod, { ran: number; declined: number }>,
};

/** What one wasm backend reports about itself (see {@link wasmBackendState}). */
export interface WasmBackendState {
  /** `'ready'`: its kernels run; `'compiling'`: its module is being compiled asynchronously (a browser's main thread), the TS kernels run meanwhile; `'unavailable'`: they never will. */
  status: 'ready' | 'compiling' | 'unavailable';
  /** Whether its products use fused multiply-add. */
  fma: boolean;
  /** Threads it was created with. */
  configured: number;
  /** Threads it uses now (drops to 1 for good after a helper failure). */
  active: number;
  /** Helper workers started. */
  started: number;
  /** Helper workers that have come up and run their loop. */
  running: number;
}

const backendStates = new WeakMap<object, () => WasmBackendState>();

/**
 * The state of `b` if it is a backend made by {@link createWasmBackend}, else `null`. Compiles its
 * module if no kernel has done so yet (so the answer says what the next kernel call will use).
 * @param b - A backend, or `null`.
 * @returns Its state, or `null`.
 * @example
 * ```ts
 * const st = wasmBackendState(createWasmBackend({ threads: 1 }));
 * st?.configured; // 1
 * ```
 */
export function wasmBackendState(b: Backend | null): WasmBackendState | null {
  const f = b === null ? undefined : backendStates.get(b);
  return f === undefined ? null : f();
}

/**
 * The kernel call counters of all wasm backends since the last {@link resetWasmCounters}: calls run
 * with FMA, without, declined (so the TS kernel ran), per kernel method, and who ran the latest.
 * @returns A copy of the counters.
 * @example
 * ```ts
 * const { declined } = wasmCounters(); // calls that fell back to the TypeScript kernels
 * ```
 */
export function wasmCounters(): { fma: number; simd: number; declined: number; last: 'typescript' | 'wasm-simd' | 'wasm-simd-fma' | null;
  byKernel: Record<KernelMethod, { ran: number; declined: number }> } {
  const c = kernelCounts;
  const byKernel = {} as Record<KernelMethod, { ran: number; declined: number }>;
  for (const k of KERNEL_METHODS) byKernel[k] = { ...c.byKernel[k] };
  const last = c.last === LAST_TS ? 'typescript' : c.last === LAST_SIMD ? 'wasm-simd' : c.last === LAST_FMA ? 'wasm-simd-fma' : null;
  return { fma: c.fma, simd: c.simd, declined: c.declined, last, byKernel };
}

/**
 * Set the counters of {@link wasmCounters} to zero.
 * @example
 * ```ts
 * resetWasmCounters();
 * wasmCounters().declined; // 0
 * ```
 */
export function resetWasmCounters(): void {
  const c = kernelCounts;
  c.fma = 0; c.simd = 0; c.declined = 0; c.last = LAST_NONE;
  for (const k of KERNEL_METHODS) { c.byKernel[k].ran = 0; c.byKernel[k].declined = 0; }
}

/** Control blocks of the helper threads live below the arena. */
const CTL_BASE = 32768;

/** Most threads a backend uses by default (more measured no better on the products of a training step). */
const DEFAULT_THREADS_CAP = 2;

/**
 * Default thread count: where helper threads can run (see `threadSupport`), the cores (Node's
 * `availableParallelism`, a browser's `navigator.hardwareConcurrency`) up to
 * {@link DEFAULT_THREADS_CAP}; else 1.
 */
function defaultThreads(): number {
  const { host } = threadSupport();
  if (host === null) return 1;
  let cores = 1;
  if (host.env === 'node') {
    const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
    const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
    cores = os ? (os.availableParallelism?.() ?? os.cpus().length) : 1;
  } else {
    cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  }
  return Math.min(DEFAULT_THREADS_CAP, Math.max(1, Math.floor(cores) || 1));
}

const align = (n: number): number => (n + 63) & ~63;

/** Where an operand went in wasm memory: the element index of its (0, 0) and its strides. */
interface Placed { base: number; rs: number; cs: number }

/**
 * Copy a strided r x c operand into `dst` (a typed array over wasm memory) at element `at`. When the
 * operand's span in its array is at most twice its size it is copied as one block (keeping its
 * strides, so transposed operands are read transposed by the packing code); otherwise its elements
 * are gathered row-major.
 */
function place(src: FloatArray, off: number, rs: number, cs: number, r: number, c: number, dst: FloatArray, at: number): Placed {
  let lo = off, hi = off;
  if (rs < 0) lo += rs * (r - 1); else hi += rs * (r - 1);
  if (cs < 0) lo += cs * (c - 1); else hi += cs * (c - 1);
  const span = hi - lo + 1;
  if (span <= 2 * r * c) {
    dst.set(src.subarray(lo, hi + 1), at);
    return { base: at + (off - lo), rs, cs };
  }
  let q = at;
  for (let i = 0; i < r; i++) {
    let s = off + i * rs;
    for (let j = 0; j < c; j++, s += cs) dst[q++] = src[s]!;
  }
  return { base: at, rs: c, cs: 1 };
}

/**
 * gemm argument lists (without the scratch address) for `parts` slabs of C: rows of C when m >= n,
 * else columns. Slab edges fall on register-tile boundaries (`rowUnit` rows, 8 columns) so no tile
 * is split between threads.
 */
function splitJobs(m: number, n: number, k: number, A: Placed, B: Placed, cAt: number, E: number, parts: number, rowUnit: number): number[][] {
  const byRows = m >= n;
  const len = byRows ? m : n;
  const unit = byRows ? rowUnit : 8;
  const jobs: number[][] = [];
  let start = 0;
  for (let t = 0; t < parts && start < len; t++) {
    const end = t === parts - 1 ? len : Math.min(len, Math.ceil(((t + 1) * len) / parts / unit) * unit);
    if (end <= start) continue;
    if (byRows) {
      jobs.push([end - start, n, k, (A.base + start * A.rs) * E, A.rs, A.cs, B.base * E, B.rs, B.cs, cAt + start * n * E, n]);
    } else {
      jobs.push([m, end - start, k, A.base * E, A.rs, A.cs, (B.base + start * B.cs) * E, B.rs, B.cs, cAt + start * E, n]);
    }
    start = end;
  }
  return jobs;
}

/**
 * A product with one output column (`n === 1`: y = A x, x the column of B) or one output row
 * (`m === 1`: y = Bᵀ x, x the row of A) through the gemv kernels. The matrix and C are used in
 * place when resident in the kernels' memory, else placed in scratch; x is used in place when
 * resident with unit stride, else gathered contiguous into scratch (k elements). Returns `false`
 * (nothing done) when the scratch cannot be had.
 */
function matvec(w: Instance, args: MatmulArgs, E: number): boolean {
  const { m, n, k } = args;
  const byCol = n === 1;
  const rows = byCol ? m : n;
  const mat = byCol ? args.a : args.b, matOff = byCol ? args.aOff : args.bOff;
  const mrs = byCol ? args.aRowStride : args.bColStride, mcs = byCol ? args.aColStride : args.bRowStride;
  const vec = byCol ? args.b : args.a, vecOff = byCol ? args.bOff : args.aOff;
  const vs = byCol ? args.bRowStride : args.aColStride;
  if (k === 0) { args.c.fill(0, args.cOff, args.cOff + rows); return true; }
  const matRes = w.inArena ? addressOf(mat) : -1;
  const vecRes = w.inArena && vs === 1 ? addressOf(vec) : -1;
  const cRes = w.inArena ? addressOf(args.c) : -1;
  const gemv = E === 4 ? w.k.gemv_f32 : w.k.gemv_f64;
  if (matRes >= 0 && vecRes >= 0 && cRes >= 0) {
    // All in place: no scratch, no view of the memory.
    gemv(rows, k, matRes + matOff * E, mrs, mcs, vecRes + vecOff * E, cRes + args.cOff * E);
    return true;
  }
  const matBytes = matRes >= 0 ? 0 : align(placeSize(mrs, mcs, rows, k) * E);
  const vecBytes = vecRes >= 0 ? 0 : align(k * E);
  let base: number;
  try { base = w.reserve(matBytes + vecBytes + (cRes >= 0 ? 0 : rows * E)); } catch { return false; }
  const view: FloatArray = E === 4 ? new Float32Array(w.memory.buffer) : new Float64Array(w.memory.buffer);
  const A = matRes >= 0 ? { base: matRes / E + matOff, rs: mrs, cs: mcs } : place(mat, matOff, mrs, mcs, rows, k, view, base / E);
  const xAt = vecRes >= 0 ? vecRes + vecOff * E : base + matBytes;
  if (vecRes < 0) {
    const at = xAt / E;
    if (vs === 1) view.set(vec.subarray(vecOff, vecOff + k), at);
    else for (let p = 0, s = vecOff; p < k; p++, s += vs) view[at + p] = vec[s]!;
  }
  const yAt = cRes >= 0 ? cRes + args.cOff * E : base + matBytes + vecBytes;
  gemv(rows, k, A.base * E, A.rs, A.cs, xAt, yAt);
  if (cRes < 0) args.c.set(view.subarray(yAt / E, yAt / E + rows), args.cOff);
  return true;
}

/** Elements of arena an operand may take (its span, or r*c when gathered). */
function placeSize(rs: number, cs: number, r: number, c: number): number {
  const span = Math.abs(rs) * (r - 1) + Math.abs(cs) * (c - 1) + 1;
  return span <= 2 * r * c ? span : r * c;
}

/** The kernels' memory buffer last checked by {@link residentIn}, and whether the arena owns it. */
let probedBuffer: ArrayBufferLike | null = null;
let probedResident = false;

/**
 * Whether tensors the arena placed in WebAssembly memory live in `w`'s memory (then `addressOf`
 * gives addresses a kernel of `w` can use directly). Checked through `addressOf` itself on a view of
 * `w`'s memory, and cached per buffer object.
 */
function residentIn(w: Instance): boolean {
  const buf = w.memory.buffer;
  if (buf !== probedBuffer) {
    probedBuffer = buf;
    probedResident = addressOf(new Uint8Array(buf, 0, 1)) >= 0;
  }
  return probedResident;
}

/**
 * Run a kernel over `n` elements of the same-length arrays `arrs` (bit i of `reads` set: array i is
 * read; of `writes`: written). Arrays resident in the kernels' memory are used in place; the others
 * pass through scratch in chunks small enough to stay in cache (so memory traffic is that of one JS
 * loop). `fn` gets the byte address of every array's current chunk and the chunk's length.
 * Returns `false` (having done nothing) when the scratch cannot be had.
 */
function streamed(w: Instance, E: number, n: number, arrs: readonly FloatArray[], reads: number, writes: number,
  fn: (at: number[], len: number) => void, par?: (at: readonly number[]) => boolean): boolean {
  const k = arrs.length;
  const at = new Array<number>(k);
  const resident = residentIn(w);
  let copied = 0;
  for (let i = 0; i < k; i++) {
    at[i] = resident ? addressOf(arrs[i]!) : -1;
    if (at[i]! < 0) copied++;
  }
  if (copied === 0) {
    // All resident: split between the threads when large enough and no written array partly
    // overlaps another (chunks run in any order, so only exact aliasing keeps one-thread results).
    if (par === undefined || !splittable(at, E, n, writes) || !par(at)) fn(at, n);
    return true;
  }
  const chunk = Math.min(n, ELEMENTWISE_CHUNK_BYTES / E);
  const bytes = align(chunk * E);
  let base: number;
  try { base = w.reserve(copied * bytes); } catch { return false; }
  const view: FloatArray = E === 4 ? new Float32Array(w.memory.buffer) : new Float64Array(w.memory.buffer);
  const slot = new Array<number>(k);
  for (let i = 0, next = base; i < k; i++) {
    if (at[i]! < 0) { slot[i] = next; next += bytes; } else slot[i] = -1;
  }
  const cur = new Array<number>(k);
  for (let s = 0; s < n; s += chunk) {
    const len = Math.min(chunk, n - s);
    for (let i = 0; i < k; i++) {
      const sl = slot[i]!;
      if (sl < 0) cur[i] = at[i]! + s * E;
      else {
        cur[i] = sl;
        if (reads & (1 << i)) view.set(arrs[i]!.subarray(s, s + len), sl / E);
      }
    }
    fn(cur, len);
    for (let i = 0; i < k; i++) {
      const sl = slot[i]!;
      if (sl >= 0 && writes & (1 << i)) arrs[i]!.set(view.subarray(sl / E, sl / E + len), s);
    }
  }
  return true;
}

/**
 * Whether the split of a streamed kernel between threads is allowed: false when an array written
 * (bit i of `writes`) overlaps another array without starting at the same address.
 */
function splittable(at: readonly number[], E: number, n: number, writes: number): boolean {
  const bytes = n * E;
  for (let i = 0; i < at.length; i++) {
    if (!(writes & (1 << i))) continue;
    for (let j = 0; j < at.length; j++) {
      if (j !== i && at[j] !== at[i] && at[j]! < at[i]! + bytes && at[i]! < at[j]! + bytes) return false;
    }
  }
  return true;
}

/**
 * Relative cost per element of the elementwise kernels (add = 1), for the threshold of splitting them
 * between threads: float32 approximations cost several adds, float32 gradients computed in float64
 * two. Ops not listed cost 1.
 */
const EW_COST: Record<string, number> = { exp: 4, log: 4, tanh: 4, sigmoid: 4, sqrt: 2, vjp_tanh: 2, vjp_sigmoid: 2 };
/** Relative cost per element of one Adam step (six arrays, a square root and a division in float64). */
const ADAM_COST = 4;

/** The element type of float arrays that all share one: 4 (float32), 8 (float64) or 0 (mixed, or not float). */
function commonWidth(arrs: readonly (FloatArray | null)[]): number {
  const f32 = arrs[0] instanceof Float32Array;
  if (!f32 && !(arrs[0] instanceof Float64Array)) return 0;
  for (let i = 1; i < arrs.length; i++) {
    const a = arrs[i];
    if (a !== null && (f32 ? !(a instanceof Float32Array) : !(a instanceof Float64Array))) return 0;
  }
  return f32 ? 4 : 8;
}

/**
 * A broadcasting operand: `arr[off + i*rs + j*cs]` for row i, column j (`cs` 0 or 1, `rs` >= 0).
 * `at` is the resident byte address of `arr` (of its element 0, as `addressOf` gives it) or -1.
 */
interface Operand { arr: FloatArray; off: number; rs: number; cs: number; at: number }

/** Elements an operand spans over rows [0, r) and columns [0, c). */
function spanOf(o: Operand, r: number, c: number): number {
  return (r - 1) * o.rs + (c - 1) * o.cs + 1;
}

/**
 * Create a WebAssembly SIMD backend. The module is compiled on first use; if that fails (no SIMD,
 * or relaxed SIMD was required and is missing) creation throws.
 * @param opts - FMA use and the size thresholds below which the TypeScript kernels run.
 * @returns A {@link Backend} to pass to `setBackend`.
 * @example
 * ```ts
 * import { createWasmBackend, matmul, randn, setBackend } from '@gd/tensor';
 * const prev = setBackend(createWasmBackend({ fma: false, threads: 1 }));
 * matmul(randn([64, 64]), randn([64, 64])).shape; // [64, 64]
 * setBackend(prev);
 * ```
 */
export function createWasmBackend(opts: WasmBackendOptions = {}): Backend & { readonly fma: boolean; readonly threads: number } {
  if (!wasmSimdSupported()) throw new Error('createWasmBackend: this runtime has no WebAssembly SIMD');
  const want = opts.fma ?? 'auto';
  if (want === true && !wasmRelaxedSimdSupported()) {
    throw new Error('createWasmBackend: fma: true needs relaxed SIMD, which this runtime lacks');
  }
  const minWork = opts.matmulMinWork ?? 4096;
  const matvecMin = opts.matvecMinWork ?? Math.min(512, minWork);
  const minSize = opts.elementwiseMinSize ?? 2048;
  const parallelMin = opts.parallelMinWork ?? 2 ** 19;
  const parallelEwMin = opts.parallelElementwiseMin ?? 2 ** 17;
  if (!(parallelEwMin >= 0)) throw new RangeError(`createWasmBackend: parallelElementwiseMin must be a number >= 0, got ${String(opts.parallelElementwiseMin)}`);
  let threads = Math.min(MAX_CHUNKS, Math.max(1, Math.floor(opts.threads ?? defaultThreads())));
  if (threads > 1) {
    const { host, missing } = threadSupport();
    if (host === null) throw new Error(`createWasmBackend: threads: ${threads} needs ${missing}`);
  }
  const configured = threads;
  let inst: Instance | null = null;
  // With 'auto', relaxed SIMD is probed (and in Node its V8 flag set) only when a kernel first runs,
  // so importing the package has no side effect.
  const useFma = (): boolean => (inst ? inst.fma : want === true || (want === 'auto' && wasmRelaxedSimdSupported()));
  // Compiled modules by variant. Browsers refuse to compile modules over a few KB synchronously on
  // the main thread; then the backend declines (TS kernels run) while an asynchronous compile runs,
  // and the wasm kernels take over once it has finished.
  const modules = new Map<string, WebAssembly.Module>();
  const pending = new Set<string>();
  let broken = false;
  const moduleFor = (fma: boolean, shared: boolean): WebAssembly.Module | null => {
    const key = `${fma}${shared}`;
    const have = modules.get(key);
    if (have) return have;
    const bytes = decode(shared ? (fma ? RELAXED_SHARED : SIMD_SHARED) : (fma ? RELAXED : SIMD));
    try {
      const m = fma ? withRelaxedSimd(() => new WebAssembly.Module(bytes)) : new WebAssembly.Module(bytes);
      modules.set(key, m);
      return m;
    } catch {
      if (!pending.has(key)) {
        pending.add(key);
        WebAssembly.compile(bytes).then((m) => { modules.set(key, m); }, () => { broken = true; });
      }
      return null;
    }
  };
  const get = (): Instance | null => {
    if (inst !== null || broken) return inst;
    const fma = useFma();
    for (const t of threads > 1 ? [threads, 1] : [1]) {
      // Tensors live in the arena memory where there is one: the kernels run in it (shared, or a
      // fixed non-shared one where the runtime has no shared memory).
      const arenaMem = arenaMemory() as WebAssembly.Memory | null;
      const module = moduleFor(fma, t > 1 || (arenaMem !== null && arenaShared()));
      if (module === null) return null;
      try {
        inst = new Instance(fma, t, module, arenaMem);
        return inst;
      } catch {
        // e.g. no shared memory here: try one thread; failing that, the TS kernels stay in charge.
      }
    }
    broken = true;
    return null;
  };

  const backend = {
    get name(): string { return useFma() ? 'wasm-simd-fma' : 'wasm-simd'; },
    get fma(): boolean { return useFma(); },
    get threads(): number { return inst?.threads ?? threads; },
    matmul(args: MatmulArgs): boolean {
      const { m, n, k } = args;
      if (m * n * k < (n === 1 || m === 1 ? matvecMin : minWork) || m === 0 || n === 0) return false;
      const f32 = args.c instanceof Float32Array;
      if (f32 ? !(args.a instanceof Float32Array && args.b instanceof Float32Array)
        : !(args.c instanceof Float64Array && args.a instanceof Float64Array && args.b instanceof Float64Array)) return false;
      const w = get();
      if (w === null) return false;
      // One output column or row: a matrix-vector product (gemv.as), not the blocked gemm.
      if (n === 1 || m === 1) return matvec(w, args, f32 ? 4 : 8);
      const E = f32 ? 4 : 8;
      const parts = m * n * k >= parallelMin ? w.threads : 1;  // (w.threads drops to 1 after a helper failure)
      const scratch = align(w.k.gemmScratchBytes(E));
      // Operands resident in the arena are read in place and C is written in place; the others are
      // copied into scratch (and C copied out). `args` holds the storages, so their blocks stay put.
      const aRes = w.inArena ? addressOf(args.a) : -1;
      const bRes = w.inArena ? addressOf(args.b) : -1;
      const cRes = w.inArena ? addressOf(args.c) : -1;
      const aBytes = aRes >= 0 ? 0 : align(placeSize(args.aRowStride, args.aColStride, m, k) * E);
      const bBytes = bRes >= 0 ? 0 : align(placeSize(args.bRowStride, args.bColStride, k, n) * E);
      const cBytes = cRes >= 0 ? 0 : align(m * n * E);
      // Past the memory's maximum the product is left to the TS kernel rather than failing.
      let base: number;
      try { base = w.reserve(parts * scratch + aBytes + bBytes + cBytes); } catch { return false; }
      const buf = w.memory.buffer;
      const view: FloatArray = f32 ? new Float32Array(buf) : new Float64Array(buf);
      const aAt = base + parts * scratch, bAt = aAt + aBytes;
      const cAt = cRes >= 0 ? cRes + args.cOff * E : bAt + bBytes;
      const A = aRes >= 0 ? { base: aRes / E + args.aOff, rs: args.aRowStride, cs: args.aColStride }
        : place(args.a, args.aOff, args.aRowStride, args.aColStride, m, k, view, aAt / E);
      const B = bRes >= 0 ? { base: bRes / E + args.bOff, rs: args.bRowStride, cs: args.bColStride }
        : place(args.b, args.bOff, args.bRowStride, args.bColStride, k, n, view, bAt / E);
      const gemm = f32 ? w.k.gemm_f32 : w.k.gemm_f64;
      if (parts === 1) {
        gemm(m, n, k, A.base * E, A.rs, A.cs, B.base * E, B.rs, B.cs, cAt, n, base);
      } else {
        // Cut C into slabs of whole register tiles (rows when m >= n, else columns); every thread,
        // this one included, claims slabs until none is left (pool.ts), packing its own panels in
        // its own scratch (thread t's at base + t * scratch).
        const jobs = splitJobs(m, n, k, A, B, cAt, E, Math.min(parts, MAX_CHUNKS), w.k.gemmTileRows(E));
        const run = (j: readonly number[], work: number): void => gemm(j[0]!, j[1]!, j[2]!, j[3]!, j[4]!, j[5]!, j[6]!, j[7]!, j[8]!, j[9]!, j[10]!, work);
        // A helper that cannot start, or does not finish a slab it took within a generous deadline,
        // loses it to this thread and the backend continues single-threaded: a slower answer, not a
        // hang. (A helper that late may still write its slab of C afterwards, with the same values
        // unless A or B were changed in place meanwhile; its storages are kept, see `abandoned`.)
        let helpers: GemmWorker[] = [];
        try { helpers = w.helpers(); } catch { w.threads = 1; }
        const timeout = opts.helperTimeoutMs ?? 10_000 + (m * n * k) / 1e5;
        let outcome = 'failed';
        if (helpers.length > 0) {
          const scratchAt = Array.from({ length: parts }, (_, t) => base + t * scratch);
          outcome = runChunks(helpers.slice(0, parts - 1), !f32, jobs, scratchAt, run, timeout);
        } else {
          for (const j of jobs) run(j, base);
        }
        if (outcome !== 'ok') {
          w.threads = 1;
          w.closeWorkers();
          // A helper that missed its deadline might still read A and B and write its scratch and C:
          // later calls get a fresh single-threaded instance, and the old one (with its scratch
          // block) and the three storages are kept for good, so no block it may touch is handed
          // to another tensor.
          if (outcome === 'lost') { abandoned.push(w, args.a, args.b, args.c); inst = null; threads = 1; }
        }
      }
      if (cRes < 0) args.c.set(view.subarray(cAt / E, cAt / E + m * n), args.cOff);
      return true;
    },
    elementwise(op: string, out: FloatArray, x: FloatArray, y: FloatArray | null): boolean {
      const n = out.length;
      if (n < minSize || x.length !== n || (y !== null && y.length !== n)) return false;
      const E = commonWidth([out, x, y]);
      if (E === 0) return false;
      const code = y === null ? UNARY_OPS[op] : BINARY_OPS[op];
      if (code === undefined || (y === null && E === 8 && code >= FIRST_APPROX_UNARY)) return false;
      const w = get();
      if (w === null) return false;
      const work = n * (EW_COST[op] ?? 1);
      if (y === null) {
        const un = E === 4 ? w.k.unary_f32 : w.k.unary_f64;
        return streamed(w, E, n, [out, x], 2, 1, (a, len) => un(code, a[0]!, a[1]!, len),
          (a) => parallel(w, E === 4 ? JobKind.unary_f32 : JobKind.unary_f64, n, work, 16,
            (s, len) => [code, a[0]! + s * E, a[1]! + s * E, len], (c) => un(c[0]!, c[1]!, c[2]!, c[3]!), [out, x], [], a[0] === a[1]));
      }
      const bin = E === 4 ? w.k.binary_f32 : w.k.binary_f64;
      return streamed(w, E, n, [out, x, y], 6, 1, (a, len) => bin(code, a[0]!, a[1]!, a[2]!, len),
        (a) => parallel(w, E === 4 ? JobKind.binary_f32 : JobKind.binary_f64, n, work, 16,
          (s, len) => [code, a[0]! + s * E, a[1]! + s * E, a[2]! + s * E, len], (c) => bin(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!), [out, x, y],
          [], a[0] === a[1] || a[0] === a[2]));
    },
    broadcast(op: string, out: FloatArray, x: FloatArray, xOff: number, xRowStride: number, xColStride: number,
      y: FloatArray, yOff: number, yRowStride: number, yColStride: number, m: number, n: number): boolean {
      const code = BROADCAST_OPS[op];
      const size = m * n;
      if (code === undefined || size < minSize || out.length < size) return false;
      if (xRowStride < 0 || yRowStride < 0 || (xColStride !== 0 && xColStride !== 1) || (yColStride !== 0 && yColStride !== 1)) return false;
      if (xColStride === 0 && yColStride === 0) return false;
      const E = commonWidth([out, x, y]);
      if (E === 0) return false;
      const w = get();
      if (w === null) return false;
      const X: Operand = { arr: x, off: xOff, rs: m === 1 ? 0 : xRowStride, cs: xColStride, at: -1 };
      const Y: Operand = { arr: y, off: yOff, rs: m === 1 ? 0 : yRowStride, cs: yColStride, at: -1 };
      if (xOff < 0 || yOff < 0 || xOff + spanOf(X, m, n) > x.length || yOff + spanOf(Y, m, n) > y.length) return false;
      const kern = E === 4 ? w.k.binary2d_f32 : w.k.binary2d_f64;
      const resident = residentIn(w);
      const oAt = resident ? addressOf(out) : -1;
      X.at = resident ? addressOf(x) : -1;
      Y.at = resident ? addressOf(y) : -1;
      if (oAt >= 0 && X.at >= 0 && Y.at >= 0) {
        const xa = X.at + xOff * E, ya = Y.at + yOff * E;
        // Split between threads: by rows (thread t gets rows [r0, r1)), or for one row by columns;
        // not when the output partly overlaps an operand (chunks run in any order).
        const disjoint = (o: Operand, a: number): boolean => (a === oAt && o.cs === 1 && (o.rs === n || m === 1))
          || a + spanOf(o, m, n) * E <= oAt || oAt + size * E <= a;
        const run = (c: readonly number[]): void => kern(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!);
        const kind = E === 4 ? JobKind.binary2d_f32 : JobKind.binary2d_f64;
        const split = !disjoint(X, xa) || !disjoint(Y, ya) ? false
          : m > 1 ? parallel(w, kind, m, size, n >= 16 ? 1 : 16,
            (r, R) => [code, oAt + r * n * E, xa + r * X.rs * E, X.rs, X.cs, ya + r * Y.rs * E, Y.rs, Y.cs, R, n], run, [out, x, y], [], xa === oAt || ya === oAt)
            : parallel(w, kind, n, size, 16,
              (c, C) => [code, oAt + c * E, xa + c * X.cs * E, X.rs, X.cs, ya + c * Y.cs * E, Y.rs, Y.cs, 1, C], run, [out, x, y], [], xa === oAt || ya === oAt);
        if (!split) kern(code, oAt, xa, X.rs, X.cs, ya, Y.rs, Y.cs, m, n);
        return true;
      }
      // Through scratch, in pieces: whole rows while a row fits a chunk, else slices of one row.
      const chunk = ELEMENTWISE_CHUNK_BYTES / E;
      const rows = n <= chunk ? Math.max(1, Math.floor(chunk / n)) : 1;
      const cols = Math.min(n, chunk);
      const r0max = Math.min(rows, m);
      const slotBytes = (o: Operand): number => (o.at >= 0 ? 0 : align(spanOf(o, r0max, cols) * E));
      const xBytes = slotBytes(X), yBytes = slotBytes(Y), oBytes = oAt >= 0 ? 0 : align(r0max * cols * E);
      let base: number;
      try { base = w.reserve(xBytes + yBytes + oBytes); } catch { return false; }
      const view: FloatArray = E === 4 ? new Float32Array(w.memory.buffer) : new Float64Array(w.memory.buffer);
      const xSlot = base, ySlot = xSlot + xBytes, oSlot = ySlot + yBytes;
      // Byte address of operand `o`'s element (r, c) for this piece: in place, or copied to `slot`.
      const place = (o: Operand, slot: number, r: number, c: number, R: number, C: number): number => {
        const first = o.off + r * o.rs + c * o.cs;
        if (o.at >= 0) return o.at + first * E;
        view.set(o.arr.subarray(first, first + spanOf(o, R, C)), slot / E);
        return slot;
      };
      for (let r = 0; r < m; r += rows) {
        const R = Math.min(rows, m - r);
        for (let c = 0; c < n; c += cols) {
          const C = Math.min(cols, n - c);
          const xa = place(X, xSlot, r, c, R, C), ya = place(Y, ySlot, r, c, R, C);
          const first = r * n + c;
          const oa = oAt >= 0 ? oAt + first * E : oSlot;
          kern(code, oa, xa, X.rs, X.cs, ya, Y.rs, Y.cs, R, C);
          if (oAt < 0) out.set(view.subarray(oSlot / E, oSlot / E + R * C), first);
        }
      }
      return true;
    },
    axpy(s: FloatArray, k: number, d: FloatArray): boolean {
      const n = s.length;
      if (n < minSize || d.length !== n || !(s instanceof Float32Array) || !(d instanceof Float32Array)) return false;
      const w = get();
      if (w === null) return false;
      return streamed(w, 4, n, [s, d], 3, 1, (a, len) => w.k.axpy_f32(a[0]!, a[1]!, k, len),
        (a) => parallel(w, JobKind.axpy_f32, n, n, 16, (i, len) => [a[0]! + i * 4, a[1]! + i * 4, len],
          (c) => w.k.axpy_f32(c[0]!, c[1]!, k, c[2]!), [s, d], [k], true));
    },
    axpby(out: FloatArray, a: number, x: FloatArray, b: number, y: FloatArray): boolean {
      const n = out.length;
      if (n < minSize || x.length !== n || y.length !== n || commonWidth([out, x, y]) !== 4) return false;
      const w = get();
      if (w === null) return false;
      return streamed(w, 4, n, [out, x, y], 6, 1, (at, len) => w.k.axpby_f32(at[0]!, at[1]!, at[2]!, a, b, len),
        (at) => parallel(w, JobKind.axpby_f32, n, n, 16, (i, len) => [at[0]! + i * 4, at[1]! + i * 4, at[2]! + i * 4, len],
          (c) => w.k.axpby_f32(c[0]!, c[1]!, c[2]!, a, b, c[3]!), [out, x, y], [a, b], at[0] === at[1] || at[0] === at[2]));
    },
    adam(args: AdamArgs): boolean {
      const { m, v, u, g, m0, v0 } = args;
      const n = m.length;
      if (n < minSize || !(m instanceof Float32Array) || commonWidth([m, v, u, g, m0, v0]) !== 4) return false;
      if (v.length !== n || u.length !== n || g.length !== n || m0.length !== n || v0.length !== n) return false;
      const w = get();
      if (w === null) return false;
      const { c1, b1, c2, b2, k, bc2s, eps } = args;
      return streamed(w, 4, n, [m, v, u, g, m0, v0], 56, 7,
        (a, len) => w.k.adam_f32(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, len, c1, b1, c2, b2, k, bc2s, eps),
        (a) => parallel(w, JobKind.adam_f32, n, n * ADAM_COST, 16, (i, len) => [...a.map((p) => p + i * 4), len],
          (c) => w.k.adam_f32(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c1, b1, c2, b2, k, bc2s, eps),
          [m, v, u, g, m0, v0], [c1, b1, c2, b2, k, bc2s, eps], true));
    },
    colSum(out: FloatArray, x: FloatArray, xOff: number, m: number, n: number, ld: number, div = 1): boolean {
      return axisSum(false, out, x, xOff, m, n, ld, div);
    },
    rowSum(out: FloatArray, x: FloatArray, xOff: number, m: number, n: number, ld: number, div = 1): boolean {
      return axisSum(true, out, x, xOff, m, n, ld, div);
    },
    unfold(g: ConvGeometry, x: FloatArray, xOff: number, cols: FloatArray, cOff: number, cs: readonly number[]): boolean {
      return convMove(true, g, x, xOff, cols, cOff, cs);
    },
    fold(g: ConvGeometry, cols: FloatArray, cOff: number, cs: readonly number[], out: FloatArray): boolean {
      return convMove(false, g, cols, cOff, out, 0, cs);
    },
    maxPool(g: ConvGeometry, x: FloatArray, xOff: number, values: FloatArray, index: Int32Array): boolean {
      // The input and the values are used in place (arena-resident); the indices (int32, not in the
      // arena) are written to scratch and copied out.
      const m = g.n * g.c * g.ho * g.wo;
      if (m < minSize || xOff < 0 || xOff + g.n * g.c * g.h * g.w > x.length || values.length < m || index.length < m) return false;
      const E = commonWidth([x, values]);
      if (E === 0) return false;
      const w = get();
      if (w === null || !residentIn(w)) return false;
      if (addressOf(x) < 0 || addressOf(values) < 0) return false;
      let iAt: number;
      try { iAt = w.reserve(m * 4); } catch { return false; }
      const xAt = addressOf(x), vAt = addressOf(values);
      const ok = (E === 4 ? w.k.maxpool_f32 : w.k.maxpool_f64)(xAt + xOff * E, vAt, iAt,
        g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.ho, g.wo);
      if (ok === 0) return false;
      index.set(new Int32Array(w.memory.buffer, iAt, m));
      return true;
    },
  };

  // Every kernel method counts its calls (run here, or declined so that the TS kernel runs).
  for (const key of KERNEL_METHODS) {
    const f = backend[key] as (...a: unknown[]) => boolean;
    const slot = kernelCounts.byKernel[key];
    (backend as Record<string, unknown>)[key] = (...a: unknown[]): boolean => {
      if (f(...a)) {
        slot.ran++;
        if (inst !== null ? inst.fma : useFma()) { kernelCounts.fma++; kernelCounts.last = LAST_FMA; } else { kernelCounts.simd++; kernelCounts.last = LAST_SIMD; }
        return true;
      }
      slot.declined++;
      kernelCounts.declined++;
      kernelCounts.last = LAST_TS;
      return false;
    };
  }
  backendStates.set(backend, () => {
    const w = get();
    const helpers = w?.helperStates() ?? { started: 0, running: 0 };
    return {
      status: w !== null ? 'ready' : broken ? 'unavailable' : 'compiling',
      fma: w !== null ? w.fma : useFma(),
      configured,
      active: w?.threads ?? threads,
      ...helpers,
    };
  });
  return backend;

  /**
   * im2col (`toCols`) of the contiguous image `src[sOff..]` into the columns `dst[dOff..]` (strides
   * `cs`), or col2im of the columns `src[sOff..]` (strides `cs`) into the contiguous image `dst`
   * (conv.as). The columns need unit stride along their last axis and both
   * arrays must be resident in the arena (else the TS kernel runs: a copy through scratch would cost
   * as much as the kernel).
   */
  function convMove(toCols: boolean, g: ConvGeometry, src: FloatArray, sOff: number, dst: FloatArray, dOff: number, cs: readonly number[]): boolean {
    const rows = g.c * g.kh * g.kw, l = g.ho * g.wo;
    const [csn, csr, csl] = cs as [number, number, number];
    if (g.n * rows * l < minSize || csl !== 1 || !(csn >= 0 && csr >= 0) || sOff < 0 || dOff < 0) return false;
    const img = g.n * g.c * g.h * g.w, colSpan = (g.n - 1) * csn + (rows - 1) * csr + l;
    if ((toCols ? sOff + img > src.length || dOff + colSpan > dst.length : sOff + colSpan > src.length || img > dst.length)) return false;
    const E = commonWidth([src, dst]);
    if (E === 0) return false;
    const w = get();
    if (w === null || !residentIn(w)) return false;
    const sAt = addressOf(src), dAt = addressOf(dst);
    if (sAt < 0 || dAt < 0) return false;
    const geo = [g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.ho, g.wo];
    const sA = sAt + sOff * E, dA = dAt + dOff * E;
    // Large ones are split between the threads by planes (sample, channel): disjoint columns and
    // disjoint image planes. The geometry goes to the helpers through 56 bytes of scratch.
    if (w.threads > 1 && g.n * g.c >= 2 && g.n * rows * l >= parallelEwMin) {
      let gAt = -1;
      try { gAt = w.reserve(64); } catch { gAt = -1; }
      if (gAt >= 0) {
        new Int32Array(w.memory.buffer, gAt, geo.length).set(geo);
        const op = (toCols ? 0 : 1) | (E === 8 ? 2 : 0);
        if (parallel(w, JobKind.conv_part, g.n * g.c, g.n * rows * l, 1, (p, len) => [op, sA, dA, csn, csr, gAt, p, len],
          (c) => w.k.conv_part(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!), [src, dst], [], !toCols)) return true;
      }
    }
    if (toCols) (E === 4 ? w.k.im2col_f32 : w.k.im2col_f64)(sA, dA, csn, csr, ...geo);
    else (E === 4 ? w.k.col2im_f32 : w.k.col2im_f64)(sA, csn, csr, dA, ...geo);
    return true;
  }

  /** Column (`rows` false) or row sums, divided by `div`, of the row-major m x n matrix `x[xOff + i*ld + j]` into `out`. */
  function axisSum(rows: boolean, out: FloatArray, x: FloatArray, xOff: number, m: number, n: number, ld: number, div: number): boolean {
    const outLen = rows ? m : n;
    if (m * n < minSize || m < 1 || n < 1 || ld < n || out.length < outLen || xOff < 0) return false;
    const E = commonWidth([out, x]);
    if (E === 0) return false;
    const span = (m - 1) * ld + n;
    if (xOff + span > x.length) return false;
    const w = get();
    if (w === null) return false;
    const kern = rows ? (E === 4 ? w.k.rowsum_f32 : w.k.rowsum_f64) : (E === 4 ? w.k.colsum_f32 : w.k.colsum_f64);
    const resident = residentIn(w);
    let xAt = resident ? addressOf(x) : -1;
    let oAt = resident ? addressOf(out) : -1;
    const copyX = xAt < 0, copyO = oAt < 0;
    if (copyX || copyO) {
      const xBytes = copyX ? align(span * E) : 0;
      if (xBytes > COLSUM_MAX_COPY_BYTES) return false;
      let base: number;
      try { base = w.reserve(xBytes + align(outLen * E)); } catch { return false; }
      const view: FloatArray = E === 4 ? new Float32Array(w.memory.buffer) : new Float64Array(w.memory.buffer);
      if (copyX) { view.set(x.subarray(xOff, xOff + span), base / E); xAt = base; } else xAt += xOff * E;
      if (copyO) oAt = base + xBytes;
      kern(oAt, xAt, m, n, ld, div);
      if (copyO) out.set(view.subarray(oAt / E, oAt / E + outLen));
      return true;
    }
    const xa = xAt + xOff * E;
    // Split between threads: row sums by rows, column sums by columns (each sum keeps its order);
    // not when the output overlaps the matrix.
    const run = (c: readonly number[]): void => kern(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, div);
    const split = !(oAt + outLen * E <= xa || xa + span * E <= oAt) ? false
      : rows ? parallel(w, E === 4 ? JobKind.rowsum_f32 : JobKind.rowsum_f64, m, m * n, 1,
        (i, len) => [oAt + i * E, xa + i * ld * E, len, n, ld], run, [out, x], [div])
        : parallel(w, E === 4 ? JobKind.colsum_f32 : JobKind.colsum_f64, n, m * n, 16,
          (j, len) => [oAt + j * E, xa + j * E, m, len, ld], run, [out, x], [div]);
    if (!split) kern(oAt, xa, m, n, ld, div);
    return true;
  }

  /**
   * Run a kernel over `n` elements (or rows, or columns) cut into one range per thread, range edges
   * on multiples of `unit`, on the calling thread and the helper threads (pool.ts). Returns `false`,
   * having done nothing, when the call should stay on this thread: one thread, `work` under the
   * threshold, fewer than two units, or helpers that cannot be started (then one thread for good).
   * `chunk(start, len)` gives one range's integer kernel arguments (see `JobKind`), `run` runs such
   * a list here; `keep` are the storages involved, kept for good if a helper misses its deadline
   * (it may still write them), and `scalars` the kernel's float64 arguments. `inPlace`: a chunk
   * reads what it writes (an output at an input's address, axpy, Adam, col2im's sums), so a chunk a
   * late helper started must not be run again here (it would be applied twice): the caller waits
   * for it instead (see `runChunks`).
   */
  function parallel(w: Instance, kind: number, n: number, work: number, unit: number,
    chunk: (start: number, len: number) => number[], run: (args: readonly number[]) => void,
    keep: readonly unknown[], scalars: readonly number[] = [], inPlace = false): boolean {
    if (w.threads < 2 || work < parallelEwMin || n < 2 * unit) return false;
    let helpers: GemmWorker[];
    try { helpers = w.helpers(); } catch { w.threads = 1; return false; }
    // One range per thread: more, smaller ranges (2 or 4 per thread, so that a thread slowed by
    // another process would leave more of them to the other) measured no better, loaded or quiet.
    const parts = Math.min(w.threads, helpers.length + 1, MAX_CHUNKS);
    if (parts < 2) return false;
    const chunks: number[][] = [];
    for (let t = 1, start = 0; t <= parts; t++) {
      const end = t === parts ? n : Math.min(n, Math.round((n * t) / parts / unit) * unit);
      if (end > start) { chunks.push(chunk(start, end - start)); start = end; }
    }
    const timeout = opts.helperTimeoutMs ?? 10_000 + work / 1e5;
    const outcome = runChunks(helpers.slice(0, parts - 1), kind, chunks, new Array<number>(parts).fill(0), run, timeout, scalars, !inPlace);
    if (outcome !== 'ok') {
      // As for products (see matmul): one thread from now on; after a missed deadline a fresh
      // instance, and this one and the storages kept, since the late helper may still write them.
      w.threads = 1;
      w.closeWorkers();
      if (outcome === 'lost') {
        abandoned.push(w, ...keep);
        // `keep` may hold views (subarrays), which do not keep their storage alive: the blocks
        // under them are retired from the arena, so no later tensor gets memory the helper may write.
        for (const k of keep) if (ArrayBuffer.isView(k)) arenaRetire(k);
        inst = null;
        threads = 1;
      }
    }
    return true;
  }
}
