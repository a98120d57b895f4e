/**
 * Tensor storage in WebAssembly memory.
 *
 * Float storages of at least {@link ARENA_MIN_BYTES} live in one shared `WebAssembly.Memory`, the
 * memory the SIMD kernels run in, so a kernel works on them in place instead of copying operands in
 * and results out. The memory is *shared* because growing a shared memory never detaches its buffer:
 * typed arrays made before a growth stay valid, and the helper threads see the same bytes.
 *
 * **Allocation** is by size class: a request is rounded up to the next of four steps per power of
 * two (at most 25 % slack), served from that class's free list (last freed first, so the block is
 * likely still in cache) or else from the top of the arena, which grows the memory when needed.
 *
 * **Freeing needs nothing from the user.** Each storage is registered with a `FinalizationRegistry`;
 * when the garbage collector has found it unreachable, its block returns to its free list. Callbacks
 * of a registry normally run only between tasks, never inside a long synchronous loop (a training
 * loop is one), so in Node the arena also keeps a registry with V8's `cleanupSome`, which runs
 * pending callbacks on demand, and a handle on the collector: when the bytes handed out since the
 * last collection pass a soft limit and no free block fits, it collects and reclaims synchronously.
 * The soft limit adapts so that forced collections take at most about 5 % of the time between them.
 * Where none of that exists (browsers), blocks come back when the event loop turns, and a request
 * the arena cannot serve gets ordinary JS memory: never an error, only the copy-based kernel path.
 *
 * **The one rule for code in this package:** a block can be reclaimed inside any `allocate()` once
 * its storage object (the typed array `allocate` returned) is unreachable. So never keep only a
 * *derived* handle — an address from {@link addressOf}, a `subarray`, a `DataView` — across a call
 * that may allocate (any op); keep the storage itself, or compute the handle right before the
 * kernel that uses it. Scratch requests made inside a backend call (`collect: false`) never collect.
 * @module
 */

const PAGE = 65536;
/** Page 0 stays for the kernels module's own data and the helper threads' control blocks. */
const ARENA_BASE = PAGE;
/** Pages the shared memory may grow to (2 GiB). */
const MAX_PAGES = 32768;
/** Storages smaller than this stay in ordinary JS memory (below it a kernel call costs more than the arithmetic). */
export const ARENA_MIN_BYTES = 1024;
/** The soft limit never drops below this many bytes handed out between forced collections... */
const MIN_SOFT_LIMIT = 128 * 1024 * 1024;
/** ...and never rises above this many. */
const MAX_SOFT_LIMIT = 512 * 1024 * 1024;
/** Growth of the memory happens in steps of at least this many pages (16 MiB), or half again. */
const MIN_GROW_PAGES = 256;

// A tiny hand-assembled module on the shared memory with two functions. V8 runs bulk operations
// on shared memory byte by byte (TypedArray#fill/#set, and wasm's own memory.fill: zeroing 4.5 KB
// took 1.5 us, about 3 GB/s), so zeroing is a loop of 16-byte SIMD stores instead:
//   zero(dst, n)          n a multiple of 64 (a size class): four v128 zero stores per step
//   fill(dst, byte, n)    memory.fill (only for the GD_ARENA_POISON debugging aid)
const leb = (n: number): number[] => {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n !== 0) b |= 0x80; out.push(b); } while (n !== 0);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const fnBody = (code: number[]): number[] => [...leb(code.length), ...code];
const I32 = 0x7f;
const ZERO_V128 = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const BULK_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // types: 0 = (i32, i32, i32) -> (), 1 = (i32, i32) -> ()
  ...section(1, [2, 0x60, 3, I32, I32, I32, 0, 0x60, 2, I32, I32, 0]),
  // import env.memory: shared, min 1 page, max 32768 pages
  ...section(2, [1, 3, 0x65, 0x6e, 0x76, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, 3, 1, ...leb(32768)]),
  // functions: zero (type 1), fill (type 0)
  ...section(3, [2, 1, 0]),
  // exports
  ...section(7, [2,
    4, 0x7a, 0x65, 0x72, 0x6f, 0, 0,
    4, 0x66, 0x69, 0x6c, 0x6c, 0, 1]),
  ...section(10, [2,
    ...fnBody([
      1, 1, I32, // one extra local: end
      0x20, 0, 0x20, 1, 0x6a, 0x21, 2, // end = dst + n
      0x02, 0x40, // block
      0x20, 1, 0x45, 0x0d, 0, // if n == 0 leave
      0x03, 0x40, // loop
      ...[0, 16, 32, 48].flatMap((off) => [0x20, 0, ...ZERO_V128, 0xfd, 0x0b, 4, off]), // v128.store dst+off, 0
      0x20, 0, 0x41, ...[0xc0, 0x00], 0x6a, 0x22, 0, // dst += 64
      0x20, 2, 0x49, 0x0d, 0, // continue while dst < end
      0x0b, 0x0b, 0x0b,
    ]),
    ...fnBody([0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfc, 0x0b, 0, 0x0b]),
  ]),
]);

interface Bulk {
  zero(dst: number, n: number): void;
  fill(dst: number, byte: number, n: number): void;
}

type Registry = FinalizationRegistry<number> & { cleanupSome?: (cb?: (held: number) => void) => void };

/** Counters for tests and benchmarks, see {@link arenaStats}. */
export interface ArenaStats {
  /** Whether storages are being placed in WebAssembly memory at all. */
  enabled: boolean;
  /** Bytes of the shared memory (grows, never shrinks). */
  memoryBytes: number;
  /** Bytes of arena handed out so far (its high-water mark; freed blocks below it are reused). */
  topBytes: number;
  /** Bytes in blocks currently owned by live (or not yet collected) storages. */
  inUseBytes: number;
  /** Bytes in free blocks waiting for reuse. */
  freeBytes: number;
  /** Blocks handed out, in total. */
  allocations: number;
  /** Bytes handed out, in total (blocks counted at their size-class size). */
  allocatedBytes: number;
  /** Blocks returned to a free list, in total. */
  reclaimed: number;
  /** Collections the arena forced to reclaim memory synchronously. */
  forcedCollections: number;
  /** Requests served with ordinary JS memory because the arena could not serve them. */
  fallbacks: number;
  /** Bytes of collected blocks kept out of reuse for good (after a helper thread missed its deadline). */
  retiredBytes: number;
}

class Arena {
  readonly memory: WebAssembly.Memory;
  readonly bulk: Bulk;
  /** Every `SharedArrayBuffer` object the memory has handed out (a new one after each growth). */
  private readonly buffers = new Set<ArrayBufferLike>();
  private buffer: ArrayBufferLike;
  private top = ARENA_BASE;
  private readonly free = new Map<number, number[]>();
  private readonly registry: Registry;
  private readonly collect: (() => void) | null;
  private sinceCollect = 0;
  softLimit = MIN_SOFT_LIMIT;
  /** Set by {@link setArenaLimits}: a fixed soft limit instead of the adaptive one. */
  fixedLimit = 0;
  private lastCollectEnd = 0;
  readonly stats: ArenaStats;

  constructor(memory: WebAssembly.Memory, registryCtor: typeof FinalizationRegistry, collect: (() => void) | null) {
    this.memory = memory;
    this.buffer = memory.buffer;
    this.buffers.add(this.buffer);
    this.bulk = new WebAssembly.Instance(new WebAssembly.Module(BULK_MODULE), { env: { memory } }).exports as unknown as Bulk;
    this.registry = new registryCtor<number>((held) => this.release(held)) as Registry;
    this.collect = collect;
    this.stats = {
      enabled: true, memoryBytes: memory.buffer.byteLength, topBytes: 0, inUseBytes: 0, freeBytes: 0,
      allocations: 0, allocatedBytes: 0, reclaimed: 0, forcedCollections: 0, fallbacks: 0, retiredBytes: 0,
    };
  }

  /** Whether `buf` is (one of the buffer objects of) this arena's memory. */
  owns(buf: ArrayBufferLike): boolean {
    return buf === this.buffer || this.buffers.has(buf);
  }

  /** The current buffer object (refreshed after a growth made elsewhere, e.g. by a kernel). */
  currentBuffer(): ArrayBufferLike {
    const b = this.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.buffers.add(b);
      this.stats.memoryBytes = b.byteLength;
    }
    return b;
  }

  /** A block of `size` bytes at the top of the arena, growing the memory if needed; -1 when the memory is at its maximum. */
  private bump(size: number): number {
    const end = this.top + size;
    const have = this.currentBuffer().byteLength;
    if (end > have) {
      const needPages = Math.ceil((end - have) / PAGE);
      const curPages = have / PAGE;
      const pages = Math.min(MAX_PAGES - curPages, Math.max(needPages, MIN_GROW_PAGES, curPages >> 1));
      if (pages < needPages) return -1;
      try { this.memory.grow(pages); } catch { return -1; }
      this.currentBuffer();
    }
    const at = this.top;
    this.top = end;
    this.stats.topBytes = end - ARENA_BASE;
    return at;
  }

  /** Byte ranges [start, end) retired for good (see `arenaRetire`); blocks touching them are never reused. */
  private readonly retired: [number, number][] = [];

  /** Keep every block that overlaps [at, at + bytes) out of reuse for good. */
  retire(at: number, bytes: number): void {
    if (bytes > 0) this.retired.push([at, at + bytes]);
  }

  /** Return a block to its free list (the registry's callback; `held` encodes address and size). */
  private release(held: number): void {
    const size = Math.floor(held / 67108864) * 64;
    const at = (held % 67108864) * 64;
    for (const [lo, hi] of this.retired) {
      if (at < hi && lo < at + size) { this.stats.inUseBytes -= size; this.stats.retiredBytes += size; return; }
    }
    let list = this.free.get(size);
    if (list === undefined) { list = []; this.free.set(size, list); }
    list.push(at);
    this.stats.inUseBytes -= size;
    this.stats.freeBytes += size;
    this.stats.reclaimed++;
  }

  /** Run a forced collection and the callbacks it makes due, when the soft limit says it is time. */
  private maybeCollect(force: boolean): void {
    if (this.collect === null || this.registry.cleanupSome === undefined) return;
    if (!force && this.sinceCollect < (this.fixedLimit || this.softLimit)) return;
    const t0 = performance.now();
    this.collect();
    this.registry.cleanupSome();
    const t1 = performance.now();
    const spent = t1 - t0, between = t0 - this.lastCollectEnd;
    // Keep forced collections near 5 % of the time: double the limit when they came too close
    // together, halve it (not below the minimum) when they were far apart.
    if (this.lastCollectEnd > 0) {
      if (between < 20 * spent) this.softLimit = Math.min(this.softLimit * 2, MAX_SOFT_LIMIT);
      else if (between > 200 * spent) this.softLimit = Math.max(MIN_SOFT_LIMIT, this.softLimit / 2);
    }
    this.lastCollectEnd = t1;
    this.sinceCollect = 0;
    this.stats.forcedCollections++;
  }

  /** Byte address of a zero-filled block of at least `bytes`, registered for reclaim with `owner`; -1 if none. */
  /** Debugging aid (`GD_ARENA_POISON=1`): fill storage handed out without zeroing with NaN bytes. */
  poison = false;

  alloc(bytes: number, zero: boolean, collect = true): { at: number; size: number } | null {
    const size = sizeClass(bytes);
    if (!zero && this.poison) {
      const b = this.alloc(bytes, true, collect);
      if (b !== null) this.bulk.fill(b.at, 0xff, bytes);
      return b;
    }
    let list = this.free.get(size);
    if ((list === undefined || list.length === 0) && collect) {
      this.maybeCollect(false);
      list = this.free.get(size);
    }
    if (list !== undefined && list.length > 0) return this.reuse(list, size, zero ? bytes : 0);
    // Fresh memory from the top has never been handed out, so it is still zero.
    let at = this.bump(size);
    if (at < 0) {
      // At the memory's maximum with no free block of this class: first carve the request out of
      // the smallest larger free block (a program that used big tensors and moved on to other
      // sizes would otherwise collect every 16 MiB or get ordinary JS memory, and the slow copying
      // kernel paths, for good).
      const split = this.split(size, zero ? bytes : 0);
      if (split !== null) return split;
    }
    if (at < 0 && this.sinceCollect >= MIN_GROW_PAGES * PAGE && size <= MAX_PAGES * PAGE - ARENA_BASE && collect) {
      // Nothing free fits: collect now, whatever the soft limit says, and retry. (Only after 16 MiB
      // more has been handed out, or asked for, since the last collection, and only for a request
      // the memory could ever hold, so a program living near the ceiling does not collect per request.)
      this.maybeCollect(true);
      list = this.free.get(size);
      if (list !== undefined && list.length > 0) return this.reuse(list, size, zero ? bytes : 0);
      at = this.bump(size);
      if (at < 0) {
        const split = this.split(size, zero ? bytes : 0);
        if (split !== null) return split;
      }
    }
    if (at < 0) {
      // Requests served elsewhere still count towards the next collection: otherwise a program
      // at the ceiling whose old tensors have died would never collect them.
      this.sinceCollect += size;
      this.stats.fallbacks++;
      return null;
    }
    this.sinceCollect += size;
    this.stats.inUseBytes += size;
    this.stats.allocations++;
    this.stats.allocatedBytes += size;
    return { at, size };
  }

  /**
   * A block of class `size` cut from the front of the smallest free block of a larger class; the
   * rest goes back to the free lists as blocks of class sizes (every multiple of 64 is a sum of
   * class sizes, taken largest first). Null when no larger block is free.
   */
  private split(size: number, bytes: number): { at: number; size: number } | null {
    let best = -1;
    for (const [cls, list] of this.free) if (cls > size && list.length > 0 && (best < 0 || cls < best)) best = cls;
    if (best < 0) return null;
    const block = this.reuse(this.free.get(best)!, best, 0);
    // `reuse` counted the whole block as handed out; only `size` of it is.
    this.stats.inUseBytes -= best - size;
    this.stats.allocatedBytes -= best - size;
    this.sinceCollect -= best - size;
    let at = block.at + size, rest = best - size;
    while (rest > 0) {
      const piece = largestClassBelow(rest);
      let list = this.free.get(piece);
      if (list === undefined) { list = []; this.free.set(piece, list); }
      list.push(at);
      this.stats.freeBytes += piece;
      at += piece;
      rest -= piece;
    }
    if (bytes > 0) this.bulk.zero(block.at, size);
    return { at: block.at, size };
  }

  /** Pop a free block of class `size`, zeroing its first `bytes` bytes (0: leave it as it is). */
  private reuse(list: number[], size: number, bytes: number): { at: number; size: number } {
    const at = list.pop()!;
    this.stats.freeBytes -= size;
    if (bytes > 0) this.bulk.zero(at, size); // the whole block: a multiple of 64 bytes
    this.sinceCollect += size;
    this.stats.inUseBytes += size;
    this.stats.allocations++;
    this.stats.allocatedBytes += size;
    return { at, size };
  }

  /** Tie a block to the storage that owns it: when `owner` is collected the block is reused. */
  adopt(owner: object, at: number, size: number): void {
    this.registry.register(owner, (size / 64) * 67108864 + at / 64);
  }

  /** A block never freed (kernel scratch); -1 when the memory is full. */
  permanent(bytes: number): number {
    return this.bump(sizeClass(bytes));
  }
}

/** The largest size class not above `bytes` (a multiple of 64, at least 64). */
function largestClassBelow(bytes: number): number {
  if (bytes <= 1024) return bytes & ~63;
  const e = 31 - Math.clz32(bytes); // 2^e <= bytes < 2^(e+1)
  const step = 2 ** (e - 2);
  return Math.floor(bytes / step) * step;
}

/** Round a request up to its size class: multiples of 64 up to 1 KiB, then four steps per power of two. */
export function sizeClass(bytes: number): number {
  if (bytes <= 1024) return Math.max(64, (bytes + 63) & ~63);
  const e = 31 - Math.clz32(bytes - 1); // 2^e < bytes <= 2^(e+1)
  const step = 2 ** (e - 2);
  return Math.ceil(bytes / step) * step;
}

let arena: Arena | null | undefined;

/** Node's V8 handles (flag setter, a context runner) when running in Node; else null. */
function nodeV8(): { v8: { setFlagsFromString(f: string): void }; vm: { runInNewContext(code: string): unknown } } | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  try {
    const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString(f: string): void } | undefined;
    const vm = proc?.getBuiltinModule?.('node:vm') as { runInNewContext(code: string): unknown } | undefined;
    return v8 && vm ? { v8, vm } : null;
  } catch {
    return null;
  }
}

function createArena(): Arena | null {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.GD_BACKEND === 'ts' || env?.GD_ARENA === 'off') return null;
  if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer === 'undefined' || typeof FinalizationRegistry === 'undefined') return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
    let registryCtor: typeof FinalizationRegistry = FinalizationRegistry;
    let collect: (() => void) | null = null;
    const node = nodeV8();
    if (node) {
      // V8 keeps `FinalizationRegistry.prototype.cleanupSome` and the `gc` function behind flags.
      // Flags only affect contexts created after they are set, so both come from a fresh context.
      node.v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
      node.v8.setFlagsFromString('--expose-gc');
      const got = node.vm.runInNewContext('({ R: FinalizationRegistry, gc: typeof gc === "function" ? gc : null })') as {
        R: typeof FinalizationRegistry; gc: (() => void) | null;
      };
      if (typeof (got.R.prototype as { cleanupSome?: unknown }).cleanupSome === 'function' && got.gc !== null) {
        registryCtor = got.R;
        const gc = got.gc;
        collect = () => gc();
      }
    }
    const a = new Arena(memory, registryCtor, collect);
    a.poison = env?.GD_ARENA_POISON === '1';
    return a;
  } catch {
    return null;
  }
}

function getArena(): Arena | null {
  if (arena === undefined) arena = createArena();
  return arena;
}

/**
 * The shared memory tensors live in, or `null` when this runtime keeps them in ordinary JS memory
 * (no shared memory or no WebAssembly, or `GD_BACKEND=ts` / `GD_ARENA=off` in the environment).
 * @returns The memory, created on first use.
 * @example
 * ```ts
 * const mem = arenaMemory(); // a shared WebAssembly.Memory in Node 20
 * ```
 */
export function arenaMemory(): WebAssembly.Memory | null {
  return getArena()?.memory ?? null;
}

/**
 * Float storage in the arena, or `null` when it cannot be placed there (the caller then allocates
 * ordinary JS memory). The block returns to the arena when the array is collected.
 * @param dtype - `'float32'` or `'float64'`.
 * @param length - Elements.
 * @param zero - Zero-fill it (default); `false` leaves a reused block's old contents, for callers
 *   that write every element before anyone reads one.
 * @param collect - Whether this request may force a collection (default). Kernels that hold
 *   derived views of their operands (scratch requests inside a backend call) pass `false`.
 * @returns A typed array over the shared memory, or `null`.
 * @example
 * ```ts
 * const a = arenaAllocate('float32', 4096); // Float32Array over WebAssembly memory (or null)
 * ```
 */
export function arenaAllocate(dtype: 'float32' | 'float64', length: number, zero = true, collect = true): Float32Array | Float64Array | null {
  const a = getArena();
  if (a === null) return null;
  const E = dtype === 'float64' ? 8 : 4;
  const block = a.alloc(length * E, zero, collect);
  if (block === null) return null;
  const buf = a.currentBuffer();
  const arr = dtype === 'float64' ? new Float64Array(buf, block.at, length) : new Float32Array(buf, block.at, length);
  a.adopt(arr, block.at, block.size);
  return arr;
}

/**
 * A block of arena memory that is never freed (for kernel scratch space): its byte address, or -1
 * when there is no arena or it is full.
 * @param bytes - Size of the block.
 * @returns The byte address (64-byte aligned) or -1.
 * @example
 * ```ts
 * const at = arenaPermanent(65536); // e.g. 131072
 * ```
 */
export function arenaPermanent(bytes: number): number {
  return getArena()?.permanent(bytes) ?? -1;
}

/**
 * The byte address of `arr`'s first element in the kernels' WebAssembly memory, or -1 when `arr`
 * lives in ordinary JS memory (then a kernel must copy it in, or decline).
 * @param arr - Any typed array.
 * @returns The byte address, or -1.
 * @example
 * ```ts
 * addressOf(new Float32Array(4)); // -1: ordinary JS memory
 * ```
 */
export function addressOf(arr: ArrayBufferView): number {
  const a = arena;
  if (a === undefined || a === null) return -1;
  return a.owns(arr.buffer) ? arr.byteOffset : -1;
}

/**
 * Keep the blocks under the byte range of `arr` (a typed array over the arena memory, a view
 * included) out of reuse for good: when their storages are collected the blocks are dropped instead
 * of returned to a free list. For a helper thread that missed its deadline and may still write
 * there, so that no later tensor is handed that memory. Does nothing for ordinary JS memory.
 * @param arr - A typed array (or view) over the arena memory.
 * @example
 * ```ts
 * arenaRetire(allocate('float32', 4096)); // its block will never be reused
 * ```
 */
export function arenaRetire(arr: ArrayBufferView): void {
  const at = addressOf(arr);
  if (at >= 0) arena!.retire(at, arr.byteLength);
}

/**
 * Fix how many bytes the arena hands out between two forced collections (in Node, where it can
 * force them). By default the limit adapts between 128 and 512 MiB so that forced collections take
 * about 5 % of the time; a fixed smaller limit keeps the memory smaller at the price of more
 * collections. `0` restores the adaptive limit.
 * @param opts - `collectEveryBytes`: the fixed limit in bytes, or 0.
 * @example
 * ```ts
 * setArenaLimits({ collectEveryBytes: 64 * 2 ** 20 }); // collect after every 64 MiB handed out
 * setArenaLimits({ collectEveryBytes: 0 });            // back to the adaptive default
 * ```
 */
export function setArenaLimits(opts: { collectEveryBytes: number }): void {
  const v = opts.collectEveryBytes;
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`setArenaLimits: collectEveryBytes must be a finite number >= 0, got ${String(v)}`);
  const a = getArena();
  if (a !== null) a.fixedLimit = v;
}

/**
 * Counters of the arena: memory size, bytes in use and free, blocks reclaimed, forced collections.
 * @returns A snapshot (all zero and `enabled: false` when tensors live in ordinary JS memory).
 * @example
 * ```ts
 * const { enabled, inUseBytes } = arenaStats();
 * ```
 */
export function arenaStats(): ArenaStats {
  const a = getArena();
  if (a === null) {
    return { enabled: false, memoryBytes: 0, topBytes: 0, inUseBytes: 0, freeBytes: 0, allocations: 0, allocatedBytes: 0, reclaimed: 0, forcedCollections: 0, fallbacks: 0, retiredBytes: 0 };
  }
  a.currentBuffer();
  return { ...a.stats };
}
