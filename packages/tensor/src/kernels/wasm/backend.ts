/**
 * The WebAssembly SIMD backend: the kernels of the `*.as` files (committed compiled, in `binary.ts`)
 * behind the {@link Backend} interface. Operands are copied into the module's memory, the kernel
 * runs there and the result is copied back, so tensors stay ordinary typed arrays.
 * @module
 */
import type { Backend, FloatArray, MatmulArgs } from '../backend.js';
import { RELAXED, RELAXED_SHARED, SIMD, SIMD_SHARED } from './binary.js';
import { CTL_SLOTS, GemmWorker, nodeWorkerCtor } from './pool.js';

/** Options for {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Use fused multiply-add (relaxed SIMD) in matmul: `true` requires it (creation fails without it),
   * `false` never uses it, `'auto'` (default) uses it where the runtime supports it.
   */
  fma?: boolean | 'auto';
  /** Products with fewer multiply-adds (`m*n*k`) than this are declined (the TS kernel is faster there). Default 4096. */
  matmulMinWork?: number;
  /** Elementwise ops on fewer elements than this are declined. Default 4096. */
  elementwiseMinSize?: number;
  /**
   * Threads for large products (the caller plus `threads - 1` helper workers on shared memory).
   * Default: 2 in Node on a machine with at least two cores, else 1 (browsers: 1).
   */
  threads?: number;
  /** Products with fewer multiply-adds than this run on the calling thread alone. Default 2^21 (about 128^3). */
  parallelMinWork?: number;
  /**
   * How long to wait for a helper thread before redoing its share on the calling thread and going
   * single-threaded for good. Default 10 s plus 1 ms per 10^5 multiply-adds.
   */
  helperTimeoutMs?: number;
}

/** The exports of the compiled kernels module. */
interface Kernels {
  gemmScratchBytes(e: number): number;
  hasFma(): number;
  gemm_f32(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, work: number): void;
  gemm_f64(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, work: number): void;
  binary_f32(op: number, o: number, x: number, y: number, n: number): void;
  binary_f64(op: number, o: number, x: number, y: number, n: number): void;
  exp_f32(o: number, x: number, n: number): void;
}

const PAGE = 65536;
/** The first bytes of memory are left to the module's own (empty) static data. */
const ARENA_START = PAGE;
const BINARY_OPS: Record<string, number> = { add: 0, sub: 1, mul: 2, div: 3 };
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

/**
 * Whether this runtime can run the WebAssembly SIMD kernels (it validates the plain-SIMD module).
 * @returns `true` where WebAssembly with 128-bit SIMD is available.
 * @example
 * ```ts
 * const simd = wasmSimdSupported(); // true in Node 20 and current browsers
 * ```
 */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(decode(SIMD));
  } catch {
    return false;
  }
}

let relaxedChecked: boolean | undefined;

/**
 * Whether the runtime accepts relaxed SIMD (and so fused multiply-add in matmul). In Node, where
 * V8 still keeps relaxed SIMD behind `--experimental-wasm-relaxed-simd`, the flag is switched on
 * first (`v8.setFlagsFromString`, which must run before the module is compiled). The answer is
 * cached.
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
        v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
        ok = WebAssembly.validate(bytes);
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

  constructor(fma: boolean, threads: number, module: WebAssembly.Module) {
    this.fma = fma;
    this.threads = threads;
    const shared = threads > 1;
    this.memory = new WebAssembly.Memory(shared ? { initial: 2, maximum: 32768, shared: true } : { initial: 2, maximum: 65536 });
    this.module = module;
    const inst = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.k = inst.exports as unknown as Kernels;
  }

  /** Make sure `bytes` of arena (past ARENA_START) exist; grows by at least half again to grow rarely. */
  reserve(bytes: number): void {
    const need = ARENA_START + bytes;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      this.memory.grow(Math.ceil((Math.max(need, have * 1.5) - have) / PAGE));
      // Helper threads started before the growth are replaced, so every instance knows the new size.
      this.closeWorkers();
    }
  }

  /** The helper workers (started on first use). */
  helpers(): GemmWorker[] {
    if (this.workers.length === 0 && this.threads > 1) {
      const Worker = nodeWorkerCtor()!;
      for (let t = 1; t < this.threads; t++) this.workers.push(new GemmWorker(Worker, this.module, this.memory, CTL_BASE + (t - 1) * CTL_SLOTS * 4));
    }
    return this.workers;
  }

  closeWorkers(): void {
    for (const w of this.workers) w.close();
    this.workers = [];
  }
}

/** Control blocks of the helper threads live below the arena. */
const CTL_BASE = 32768;

/** Default thread count: 2 in Node with worker_threads, shared memory and at least two cores; else 1. */
function defaultThreads(): number {
  if (typeof SharedArrayBuffer === 'undefined' || nodeWorkerCtor() === null) return 1;
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
  const cores = os ? (os.availableParallelism?.() ?? os.cpus().length) : 1;
  return Math.min(2, Math.max(1, cores));
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
 * gemm argument lists for `parts` slabs of C: rows of C when m >= n, else columns. Slab edges fall
 * on register-tile boundaries (4 rows, 8 columns) so no tile is split between threads.
 */
function splitJobs(m: number, n: number, k: number, A: Placed, B: Placed, cAt: number, E: number, parts: number, scratch0: number, scratch: number): number[][] {
  const byRows = m >= n;
  const len = byRows ? m : n;
  const unit = byRows ? 4 : 8;
  const jobs: number[][] = [];
  let start = 0;
  for (let t = 0; t < parts && start < len; t++) {
    const end = t === parts - 1 ? len : Math.min(len, Math.ceil(((t + 1) * len) / parts / unit) * unit);
    if (end <= start) continue;
    const work = scratch0 + t * scratch;
    if (byRows) {
      jobs.push([end - start, n, k, (A.base + start * A.rs) * E, A.rs, A.cs, B.base * E, B.rs, B.cs, cAt + start * n * E, n, work]);
    } else {
      jobs.push([m, end - start, k, A.base * E, A.rs, A.cs, (B.base + start * B.cs) * E, B.rs, B.cs, cAt + start * E, n, work]);
    }
    start = end;
  }
  return jobs;
}

/** Elements of arena an operand may take (its span, or r*c when gathered). */
function placeSize(rs: number, cs: number, r: number, c: number): number {
  const span = Math.abs(rs) * (r - 1) + Math.abs(cs) * (c - 1) + 1;
  return span <= 2 * r * c ? span : r * c;
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
  const minSize = opts.elementwiseMinSize ?? 4096;
  const parallelMin = opts.parallelMinWork ?? 2 ** 21;
  let threads = Math.max(1, Math.floor(opts.threads ?? defaultThreads()));
  if (threads > 1 && (typeof SharedArrayBuffer === 'undefined' || nodeWorkerCtor() === null)) {
    throw new Error(`createWasmBackend: threads: ${threads} needs SharedArrayBuffer and node:worker_threads`);
  }
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
      const m = new WebAssembly.Module(bytes);
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
      const module = moduleFor(fma, t > 1);
      if (module === null) return null;
      try {
        inst = new Instance(fma, t, module);
        return inst;
      } catch {
        // e.g. no shared memory here: try one thread; failing that, the TS kernels stay in charge.
      }
    }
    broken = true;
    return null;
  };

  return {
    get name(): string { return useFma() ? 'wasm-simd-fma' : 'wasm-simd'; },
    get fma(): boolean { return useFma(); },
    get threads(): number { return inst?.threads ?? threads; },
    matmul(args: MatmulArgs): boolean {
      const { m, n, k } = args;
      if (m * n * k < minWork || m === 0 || n === 0) return false;
      const f32 = args.c instanceof Float32Array;
      if (f32 ? !(args.a instanceof Float32Array && args.b instanceof Float32Array)
        : !(args.c instanceof Float64Array && args.a instanceof Float64Array && args.b instanceof Float64Array)) return false;
      const w = get();
      if (w === null) return false;
      const E = f32 ? 4 : 8;
      const parts = m * n * k >= parallelMin ? w.threads : 1;  // (w.threads drops to 1 after a helper failure)
      const scratch = align(w.k.gemmScratchBytes(E));
      const aBytes = align(placeSize(args.aRowStride, args.aColStride, m, k) * E);
      const bBytes = align(placeSize(args.bRowStride, args.bColStride, k, n) * E);
      const cBytes = align(m * n * E);
      // Past the memory's maximum the product is left to the TS kernel rather than failing.
      try { w.reserve(parts * scratch + aBytes + bBytes + cBytes); } catch { return false; }
      const buf = w.memory.buffer;
      const view: FloatArray = f32 ? new Float32Array(buf) : new Float64Array(buf);
      const aAt = ARENA_START + parts * scratch, bAt = aAt + aBytes, cAt = bAt + bBytes;
      const A = place(args.a, args.aOff, args.aRowStride, args.aColStride, m, k, view, aAt / E);
      const B = place(args.b, args.bOff, args.bRowStride, args.bColStride, k, n, view, bAt / E);
      const gemm = f32 ? w.k.gemm_f32 : w.k.gemm_f64;
      if (parts === 1) {
        gemm(m, n, k, A.base * E, A.rs, A.cs, B.base * E, B.rs, B.cs, cAt, n, ARENA_START);
      } else {
        // Split the longer side of C into `parts` slabs (whole register tiles); each thread packs its
        // own panels in its own scratch. Part 0 runs here, the others on the helper threads.
        const jobs = splitJobs(m, n, k, A, B, cAt, E, parts, ARENA_START, scratch);
        const run = (j: number[]): void => gemm(j[0]!, j[1]!, j[2]!, j[3]!, j[4]!, j[5]!, j[6]!, j[7]!, j[8]!, j[9]!, j[10]!, j[11]!);
        // A helper that cannot start, or does not answer within a generous deadline, loses its job
        // to this thread and the backend continues single-threaded: a slower answer, never a hang.
        const handed: boolean[] = [];
        let helpers: GemmWorker[] = [];
        try { helpers = w.helpers(); } catch { w.threads = 1; }
        for (let t = 1; t < jobs.length; t++) {
          try { helpers[t - 1]!.start(!f32, jobs[t]!); handed[t] = true; } catch { handed[t] = false; }
        }
        run(jobs[0]!);
        const timeout = opts.helperTimeoutMs ?? 10_000 + (m * n * k) / 1e5;
        let lost = false;
        for (let t = 1; t < jobs.length; t++) {
          let done = handed[t]!;
          if (done) { try { helpers[t - 1]!.finish(timeout); } catch { done = false; lost = true; } }
          // Redo the job here with this thread's own scratch (a late helper may still use its own).
          if (!done) { w.threads = 1; run([...jobs[t]!.slice(0, 11), ARENA_START]); }
        }
        if (w.threads === 1) {
          w.closeWorkers();
          // A helper that missed its deadline might still be writing into this memory: later
          // calls get a fresh single-threaded instance with memory of its own.
          if (lost) { inst = null; threads = 1; }
        }
      }
      args.c.set(view.subarray(cAt / E, cAt / E + m * n), args.cOff);
      return true;
    },
    elementwise(op: string, out: FloatArray, x: FloatArray, y: FloatArray | null): boolean {
      const n = out.length;
      if (n < minSize || x.length !== n || (y !== null && y.length !== n)) return false;
      const f32 = out instanceof Float32Array;
      if (f32 ? !(x instanceof Float32Array && (y === null || y instanceof Float32Array))
        : !(out instanceof Float64Array && x instanceof Float64Array && (y === null || y instanceof Float64Array))) return false;
      const code = BINARY_OPS[op];
      const unaryExp = op === 'exp' && y === null && f32;
      if (!unaryExp && (code === undefined || y === null)) return false;
      const w = get();
      if (w === null) return false;
      const E = f32 ? 4 : 8;
      // Work through the arrays in chunks small enough that the copies in and out of wasm memory
      // stay in cache: memory traffic is then that of one JS loop (read x and y, write out).
      const chunk = Math.min(n, ELEMENTWISE_CHUNK_BYTES / E);
      const bytes = align(chunk * E);
      try { w.reserve(3 * bytes); } catch { return false; }
      const view: FloatArray = f32 ? new Float32Array(w.memory.buffer) : new Float64Array(w.memory.buffer);
      const xAt = ARENA_START, yAt = xAt + bytes, oAt = yAt + bytes;
      const xi = xAt / E, yi = yAt / E, oi = oAt / E;
      const bin = f32 ? w.k.binary_f32 : w.k.binary_f64;
      for (let s = 0; s < n; s += chunk) {
        const len = Math.min(chunk, n - s);
        view.set(x.subarray(s, s + len), xi);
        if (unaryExp) {
          w.k.exp_f32(oAt, xAt, len);
        } else {
          view.set(y!.subarray(s, s + len), yi);
          bin(code!, oAt, xAt, yAt, len);
        }
        out.set(view.subarray(oi, oi + len), s);
      }
      return true;
    },
  };
}
