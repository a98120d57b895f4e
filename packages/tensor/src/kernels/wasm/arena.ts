/**
 * Tensor storage in WebAssembly memory.
 *
 * Float storages of at least {@link ARENA_MIN_BYTES} live in one `WebAssembly.Memory`, the memory
 * the SIMD kernels run in, so a kernel works on them in place instead of copying operands in and
 * results out.
 *
 * **The memory** is *shared* wherever the runtime can make one (Node, and browsers, cross-origin
 * isolated or not: Chromium constructs a shared `WebAssembly.Memory` on a page without COOP/COEP
 * too, it only hides the `SharedArrayBuffer` constructor and refuses to post the memory to a
 * worker). Growing a shared memory never detaches its buffer, so typed arrays made before a growth
 * stay valid; the memory starts small and grows (by half again, at least 16 MiB) up to the budget.
 * Where a shared memory cannot be made, the arena takes a non-shared memory of the whole budget,
 * reserved up front and never grown (growing it would detach every typed array over it).
 *
 * **The budget** ({@link configureArena}'s `maxBytes`) is a hard limit on the memory's size, never
 * exceeded: 256 MiB in Node, 128 MiB elsewhere (see `defaultMaxBytes`). The last eighth of it (at
 * most 8 MiB) is kept for the kernels' scratch space, so that kernels on tensors the arena could not
 * place still find room to copy their operands in. When the budget is reached and no free block
 * fits, a request gets ordinary JS memory (the kernels then take their copying path; never an
 * error). That path is cheap by construction: reaching the top of the budget is a comparison (the
 * memory is grown only when the grown size fits the budget, and a growth the runtime refuses lowers
 * the budget to the current size, so it is tried once), and a search of the larger free blocks runs
 * only when one of them is known to be large enough.
 *
 * **Allocation** is by size class: a request is rounded up to the next of four steps per power of
 * two (at most 25 % slack), served from that class's free list (last freed first, so the block is
 * likely still in cache), else from the top of the arena, else (top at the budget) cut from the
 * smallest larger free block; the rest of that block goes back to the free lists in class-size
 * pieces. Free blocks are not merged: a training loop asks for the same sizes every step, so its
 * steady state is served from the lists of those classes.
 *
 * **Freeing needs nothing from the user.** Each storage is registered with a `FinalizationRegistry`;
 * once the garbage collector has found it unreachable, its block returns to its free list. Callbacks
 * of a registry run only between tasks, never inside a synchronous loop (nor can anything else tell
 * synchronously that an object died: a `WeakRef` keeps its target alive until the current job
 * ends). So:
 * - In a browser, an asynchronous training loop (an `await` or a `requestAnimationFrame` per step)
 *   gets its blocks back between steps and runs in a small steady memory; a synchronous loop fills
 *   the budget, then runs on ordinary JS memory until it yields, when the blocks come back.
 * - In Node, V8's `cleanupSome` (which runs pending callbacks on demand) and `gc` let the arena
 *   reclaim synchronously, as a *speed* aid: when the bytes handed out since the last collection pass
 *   a soft limit (adapting between 128 and 512 MiB, at most three quarters of the budget, so
 *   that forced collections take about 5 % of the time) and no free block fits, or when the budget is reached, it
 *   collects and reclaims. What bounds the memory is the budget, with or without collections
 *   (`collectEveryBytes: Infinity` turns them off). Both functions sit behind V8 flags, which only
 *   affect contexts created after they are set: on first use of the arena (never at import) the
 *   flags are switched on, both functions are taken from a fresh `vm` context, and the flags are
 *   switched back, so contexts the program creates later see no `gc`.
 *
 * **Switching:** `configureArena({ enabled: false })` (or `GD_ARENA=off`, or `GD_BACKEND=ts`, in the
 * environment) keeps new storages in ordinary JS memory. Switching off after tensors exist is safe:
 * they stay where they are and stay valid, only new storages go to JS memory.
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
/** The largest budget: 2 GiB, what the kernels' modules declare as their memory's maximum. */
const MAX_PAGES = 32768;
/** The smallest budget accepted by {@link configureArena}. */
const MIN_BUDGET = 1024 * 1024;
/** Storages smaller than this stay in ordinary JS memory (below it a kernel call costs more than the arithmetic). */
export const ARENA_MIN_BYTES = 1024;
/** The soft limit never drops below this many bytes handed out between forced collections... */
const MIN_SOFT_LIMIT = 128 * 1024 * 1024;
/** ...and never rises above this many (nor above three quarters of the budget). */
const MAX_SOFT_LIMIT = 512 * 1024 * 1024;
/** Growth of the memory happens in steps of at least this many pages (16 MiB), or half again. */
const MIN_GROW_PAGES = 256;
/** At most this much of the budget (and at most an eighth of it) is kept for kernel scratch. */
const SCRATCH_RESERVE = 8 * 1024 * 1024;
/** At the budget, a collection is forced after this many bytes were asked for since the last one (doubling while they reclaim little). */
const FULL_COLLECT_BYTES = MIN_GROW_PAGES * PAGE;

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
const bulkModule = (shared: boolean, maxPages: number): Uint8Array<ArrayBuffer> => new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // types: 0 = (i32, i32, i32) -> (), 1 = (i32, i32) -> ()
  ...section(1, [2, 0x60, 3, I32, I32, I32, 0, 0x60, 2, I32, I32, 0]),
  // import env.memory: min 1 page, a maximum (limits flag 3: shared, 1: not shared)
  ...section(2, [1, 3, 0x65, 0x6e, 0x76, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, shared ? 3 : 1, 1, ...leb(maxPages)]),
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
  /** Whether new storages are being placed in WebAssembly memory. */
  enabled: boolean;
  /** Whether the memory is a shared one (grows on demand) rather than a fixed non-shared one; false before it exists. */
  shared: boolean;
  /** The budget: bytes the memory may grow to (see {@link configureArena}). */
  maxBytes: number;
  /** Bytes of the memory (grows, never shrinks; 0 before the first storage). */
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
  /** Milliseconds spent in those collections (and the callbacks they made due). */
  collectMs: number;
  /** Requests served with ordinary JS memory because the arena could not serve them. */
  fallbacks: number;
  /** Calls to `memory.grow` (each succeeded, except at most one the runtime refused). */
  growAttempts: number;
  /** Bytes of collected blocks kept out of reuse for good (after a helper thread missed its deadline). */
  retiredBytes: number;
}

/** Options of {@link configureArena}; each one left out keeps its current value. */
export interface ArenaOptions {
  /** Place new float storages in WebAssembly memory (default `true`, `false` with `GD_ARENA=off`). */
  enabled?: boolean;
  /** The budget: bytes the memory may grow to, from 1 MiB to 2 GiB (default 256 MiB in Node, 128 MiB elsewhere). */
  maxBytes?: number;
  /** Bytes handed out between forced collections (Node only): `0` adapts (default), `Infinity` never forces one. */
  collectEveryBytes?: number;
}

class Arena {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  readonly bulk: Bulk;
  /** Every buffer object the memory has handed out (a shared memory makes a new one after each growth). */
  private readonly buffers = new Set<ArrayBufferLike>();
  private buffer: ArrayBufferLike;
  private top = ARENA_BASE;
  /** The budget in bytes (top never passes it) and the lower limit for tensor storages (the rest is scratch room). */
  private limit = 0;
  private tensorLimit = 0;
  /** The memory's declared maximum, in bytes: the budget can move up to it, never past it. */
  readonly maxMemoryBytes: number;
  private readonly free = new Map<number, number[]>();
  /** No free block is of a class above this (an upper bound, made exact by each search in `split`). */
  private largestFree = 0;
  private readonly registry: Registry;
  private readonly collect: (() => void) | null;
  private sinceCollect = 0;
  softLimit = MIN_SOFT_LIMIT;
  /** From {@link configureArena}'s `collectEveryBytes`: a fixed soft limit (Infinity: never) instead of the adaptive one (0). */
  fixedLimit = 0;
  /** Bytes to ask for, at the budget, before the next forced collection. */
  private fullCollectBytes = FULL_COLLECT_BYTES;
  private lastCollectEnd = 0;
  readonly stats: ArenaStats;

  constructor(memory: WebAssembly.Memory, shared: boolean, maxPages: number, registryCtor: typeof FinalizationRegistry, collect: (() => void) | null) {
    this.memory = memory;
    this.shared = shared;
    this.buffer = memory.buffer;
    this.buffers.add(this.buffer);
    this.maxMemoryBytes = maxPages * PAGE;
    this.bulk = new WebAssembly.Instance(new WebAssembly.Module(bulkModule(shared, maxPages)), { env: { memory } }).exports as unknown as Bulk;
    this.registry = new registryCtor<number>((held) => this.release(held)) as Registry;
    this.collect = collect;
    this.stats = {
      enabled: true, shared, maxBytes: 0, memoryBytes: memory.buffer.byteLength, topBytes: 0, inUseBytes: 0, freeBytes: 0,
      allocations: 0, allocatedBytes: 0, reclaimed: 0, forcedCollections: 0, collectMs: 0, fallbacks: 0, growAttempts: 0, retiredBytes: 0,
    };
    this.setLimit(this.maxMemoryBytes);
  }

  /** Set the budget (a multiple of the page size, between the memory's size and its maximum). */
  setLimit(bytes: number): void {
    this.limit = bytes;
    this.tensorLimit = bytes - Math.min(SCRATCH_RESERVE, Math.floor(bytes / 8 / PAGE) * PAGE);
    this.stats.maxBytes = bytes;
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

  /**
   * A block of `size` bytes at the top of the arena, growing the memory if needed; -1 when the block
   * would end past `limit` (a comparison only: nothing is tried that cannot succeed).
   */
  private bump(size: number, limit: number): number {
    const end = this.top + size;
    if (end > limit) return -1;
    const have = this.currentBuffer().byteLength;
    if (end > have) {
      const needPages = Math.ceil((end - have) / PAGE);
      const curPages = have / PAGE;
      const pages = Math.min(this.limit / PAGE - curPages, Math.max(needPages, MIN_GROW_PAGES, curPages >> 1));
      this.stats.growAttempts++;
      try {
        this.memory.grow(pages);
      } catch {
        // The runtime refused the memory: the budget becomes what there is, so no request tries again.
        this.setLimit(have);
        return -1;
      }
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

  private pushFree(size: number, at: number): void {
    let list = this.free.get(size);
    if (list === undefined) { list = []; this.free.set(size, list); }
    list.push(at);
    this.stats.freeBytes += size;
    if (size > this.largestFree) this.largestFree = size;
  }

  /** Return a block to its free list (the registry's callback; `held` encodes address and size). */
  private release(held: number): void {
    const size = Math.floor(held / 67108864) * 64;
    const at = (held % 67108864) * 64;
    for (const [lo, hi] of this.retired) {
      if (at < hi && lo < at + size) { this.stats.inUseBytes -= size; this.stats.retiredBytes += size; return; }
    }
    this.pushFree(size, at);
    this.stats.inUseBytes -= size;
    this.stats.reclaimed++;
  }

  /** Whether forced collections can happen at all (Node's handles, and not switched off). */
  private canCollect(): boolean {
    return this.collect !== null && this.registry.cleanupSome !== undefined && this.fixedLimit !== Infinity;
  }

  /** Run a forced collection and the callbacks it makes due, when the soft limit says it is time. */
  private maybeCollect(force: boolean): void {
    if (!this.canCollect()) return;
    if (!force && this.sinceCollect < (this.fixedLimit || Math.min(this.softLimit, 0.75 * (this.tensorLimit - ARENA_BASE)))) return;
    const t0 = performance.now();
    this.collect!();
    this.registry.cleanupSome!();
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
    this.stats.collectMs += spent;
  }

  /** Debugging aid (`GD_ARENA_POISON=1`): fill storage handed out without zeroing with NaN bytes. */
  poison = false;

  /**
   * A zero-filled (or, `zero` false, unspecified) block of at least `bytes`: its address and size
   * class, or null when the arena cannot serve it. `collect` false marks a kernel's scratch
   * request: it never collects and may use the room kept for scratch.
   */
  alloc(bytes: number, zero: boolean, collect = true): { at: number; size: number } | null {
    const size = sizeClass(bytes);
    if (!zero && this.poison) {
      const b = this.alloc(bytes, true, collect);
      if (b !== null) this.bulk.fill(b.at, 0xff, bytes);
      return b;
    }
    const limit = collect ? this.tensorLimit : this.limit;
    const zeroBytes = zero ? bytes : 0;
    let list = this.free.get(size);
    if ((list === undefined || list.length === 0) && collect) {
      this.maybeCollect(false);
      list = this.free.get(size);
    }
    if (list !== undefined && list.length > 0) return this.reuse(list, size, zeroBytes);
    // Fresh memory from the top has never been handed out, so it is still zero.
    let at = this.bump(size, limit);
    if (at < 0 && size < this.largestFree) {
      // At the budget with no free block of this class: carve the request out of the smallest
      // larger free block (a program that used big tensors and moved on to other sizes would
      // otherwise collect every 16 MiB or get ordinary JS memory, and the copying kernel paths, for good).
      const split = this.split(size, zeroBytes);
      if (split !== null) return split;
    }
    if (at < 0 && collect && this.sinceCollect >= this.fullCollectBytes && size <= this.tensorLimit - ARENA_BASE && this.canCollect()) {
      // Nothing free fits: collect now, whatever the soft limit says, and retry. Only after enough
      // has been asked for since the last collection, and only for a request the budget could ever
      // hold; when a collection gives back little (the program lives near the budget), twice as
      // much is asked for before the next, so such a program does not spend its time collecting.
      this.maybeCollect(true);
      this.fullCollectBytes = this.stats.freeBytes < (this.tensorLimit - ARENA_BASE) / 8
        ? Math.min(2 * this.fullCollectBytes, this.limit) : FULL_COLLECT_BYTES;
      list = this.free.get(size);
      if (list !== undefined && list.length > 0) return this.reuse(list, size, zeroBytes);
      at = this.bump(size, limit);
      if (at < 0 && size < this.largestFree) {
        const split = this.split(size, zeroBytes);
        if (split !== null) return split;
      }
    }
    if (at < 0) {
      // Requests served elsewhere still count towards the next collection: otherwise a program
      // at the budget whose old tensors have died would never collect them.
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
    let best = -1, largest = 0;
    for (const [cls, list] of this.free) {
      if (list.length === 0) continue;
      if (cls > largest) largest = cls;
      if (cls > size && (best < 0 || cls < best)) best = cls;
    }
    this.largestFree = largest;
    if (best < 0) return null;
    const block = this.reuse(this.free.get(best)!, best, 0);
    // `reuse` counted the whole block as handed out; only `size` of it is.
    this.stats.inUseBytes -= best - size;
    this.stats.allocatedBytes -= best - size;
    this.sinceCollect -= best - size;
    let at = block.at + size, rest = best - size;
    while (rest > 0) {
      const piece = largestClassBelow(rest);
      this.pushFree(piece, at);
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
    return this.bump(sizeClass(bytes), this.limit);
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

type Env = Record<string, string | undefined> | undefined;
const processEnv = (): Env => (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;

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

/**
 * The default budget. Node: 256 MiB. Measured in Node 20 (two busy cores, so +-10 %): a 16-64-64-1
 * Adam loop (batch 128, 20 000 steps, about 230 KB asked for per step) peaks at 325 MiB RSS with it
 * against 657 MiB with the former 2 GiB ceiling, at about 95 % of that one's speed (25 forced
 * collections of about 9 ms instead of 12); the benchmark's 784-256-10 MLP step runs at the same
 * speed with it as with 512 MiB or the old ceiling. Elsewhere 128 MiB: no collection can be forced
 * there, so a synchronous loop fills whatever budget it gets before it yields (and Chromium slowed
 * down about 2.7 times once several hundred MiB of blocks awaited their callbacks).
 */
function defaultMaxBytes(): number {
  return nodeV8() !== null ? 256 * 1024 * 1024 : 128 * 1024 * 1024;
}

/** What {@link configureArena} set (or the environment and the defaults), read when the arena is created. */
const config: { enabled: boolean; maxBytes: number; collectEveryBytes: number } = {
  enabled: true, maxBytes: 0, collectEveryBytes: 0,
};
{
  const env = processEnv();
  if (env?.GD_BACKEND === 'ts' || env?.GD_ARENA === 'off') config.enabled = false;
}

let arena: Arena | null | undefined;

/**
 * `gc` and a `FinalizationRegistry` with `cleanupSome` from a fresh context, in Node; else null.
 * The V8 flags that expose them are switched on only for the moment the context is made, and only
 * those that were off are switched (and then back off).
 */
function nodeCollector(): { R: typeof FinalizationRegistry; gc: () => void } | null {
  const node = nodeV8();
  if (node === null) return null;
  const flags: string[] = [];
  try {
    const had = node.vm.runInNewContext('[typeof gc === "function", typeof FinalizationRegistry.prototype.cleanupSome === "function"]') as boolean[];
    if (!had[0]) flags.push('expose-gc');
    if (!had[1]) flags.push('harmony-weak-refs-with-cleanup-some');
    for (const f of flags) node.v8.setFlagsFromString(`--${f}`);
    const got = node.vm.runInNewContext('({ R: FinalizationRegistry, gc: typeof gc === "function" ? gc : null })') as {
      R: typeof FinalizationRegistry; gc: (() => void) | null;
    };
    if (typeof (got.R.prototype as { cleanupSome?: unknown }).cleanupSome !== 'function' || got.gc === null) return null;
    return { R: got.R, gc: got.gc };
  } catch {
    return null;
  } finally {
    for (const f of flags) node.v8.setFlagsFromString(`--no-${f}`);
  }
}

/** A shared memory of `pages` at most (starting small), or else a non-shared one of `pages`, fixed; null when neither can be made. */
function createMemory(pages: number, forbidShared: boolean): { memory: WebAssembly.Memory; shared: boolean } | null {
  if (!forbidShared) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 2, maximum: pages, shared: true }), shared: true };
    } catch { /* no shared memory in this runtime: a fixed one below */ }
  }
  try {
    return { memory: new WebAssembly.Memory({ initial: pages, maximum: pages }), shared: false };
  } catch {
    return null;
  }
}

function createArena(): Arena | null {
  if (!config.enabled) return null;
  if (typeof WebAssembly !== 'object' || typeof FinalizationRegistry === 'undefined') return null;
  try {
    const env = processEnv();
    const pages = Math.floor((config.maxBytes || defaultMaxBytes()) / PAGE);
    // GD_ARENA=unshared: the non-shared fixed memory of runtimes without shared WebAssembly memory (a debugging aid).
    const mem = createMemory(pages, env?.GD_ARENA === 'unshared');
    if (mem === null) return null;
    const node = nodeCollector();
    const a = new Arena(mem.memory, mem.shared, pages, node?.R ?? FinalizationRegistry, node ? node.gc : null);
    a.fixedLimit = config.collectEveryBytes;
    a.poison = env?.GD_ARENA_POISON === '1';
    return a;
  } catch {
    return null;
  }
}

function getArena(): Arena | null {
  if (arena === undefined && config.enabled) arena = createArena();
  return arena ?? null;
}

/**
 * The WebAssembly memory tensors live in, or `null` when this runtime keeps them in ordinary JS
 * memory (no WebAssembly, or the arena is switched off: {@link configureArena}, `GD_ARENA=off` or
 * `GD_BACKEND=ts`). It is created on first use; once it exists it stays (tensors switched off
 * later keep living in it).
 * @returns The memory, or `null`.
 * @example
 * ```ts
 * const mem = arenaMemory(); // a shared WebAssembly.Memory in Node 20
 * ```
 */
export function arenaMemory(): WasmMemoryLike | null {
  return getArena()?.memory ?? null;
}

/**
 * What {@link arenaMemory} returns, described by its shape: at run time it is a `WebAssembly.Memory`.
 * Declared here so the published type declarations do not need the WebAssembly types of the
 * consumer's `lib` setting (a project with `lib: ["ES2022"]` has none).
 */
export interface WasmMemoryLike {
  /** The memory's bytes: a `SharedArrayBuffer` for a shared memory. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows the memory by `delta` pages of 64 KiB; returns the previous size in pages. */
  grow(delta: number): number;
}

/**
 * Whether the arena's memory is a shared one (which helper threads can work in). False when there
 * is no arena or it has a non-shared memory of fixed size.
 * @returns `true` for a shared memory.
 * @example
 * ```ts
 * arenaShared(); // true in Node
 * ```
 */
export function arenaShared(): boolean {
  return getArena()?.shared ?? false;
}

/**
 * Float storage in the arena, or `null` when it cannot be placed there (the caller then allocates
 * ordinary JS memory). The block returns to the arena when the array is collected.
 * @param dtype - `'float32'` or `'float64'`.
 * @param length - Elements.
 * @param zero - Zero-fill it (default); `false` leaves a reused block's old contents, for callers
 *   that write every element before anyone reads one.
 * @param collect - Whether this request may force a collection (default). Kernels that hold
 *   derived views of their operands (scratch requests inside a backend call) pass `false`; such
 *   requests may use the room the budget keeps for scratch, and are served even while the arena is
 *   switched off (when the kernels already run in its memory).
 * @returns A typed array over the arena's memory, or `null`.
 * @example
 * ```ts
 * const a = arenaAllocate('float32', 4096); // Float32Array over WebAssembly memory (or null)
 * ```
 */
export function arenaAllocate(dtype: 'float32' | 'float64', length: number, zero = true, collect = true): Float32Array | Float64Array | null {
  const a = config.enabled ? getArena() : collect ? null : (arena ?? null);
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

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * Configure the arena that keeps float tensors in WebAssembly memory. Options left out keep their
 * value; all are checked before any is applied.
 *
 * - `enabled` can change at any time. `false` puts new storages in ordinary JS memory; tensors
 *   already in the arena stay valid where they are (and their blocks are reused once they are
 *   collected, if it is switched on again).
 * - `maxBytes`, the budget (rounded down to 64 KiB pages), takes full effect before the first
 *   storage is placed, when the memory is created. Afterwards it may move between the memory's
 *   current size (a WebAssembly memory never shrinks) and the budget it was created with.
 * - `collectEveryBytes` (Node only) can change at any time: bytes handed out between forced
 *   collections; `0` adapts (between 128 and 512 MiB, at most three quarters of the budget), `Infinity` never
 *   forces one (the budget alone then bounds the memory; blocks come back between tasks).
 * @param opts - The options to change.
 * @throws TypeError or RangeError naming `configureArena`, the option and the offending value.
 * @example
 * ```ts
 * configureArena({ maxBytes: 64 * 2 ** 20 });          // before the first tensor: a 64 MiB budget
 * configureArena({ collectEveryBytes: Infinity });     // never force a collection
 * configureArena({ enabled: false });                  // new tensors in ordinary JS memory
 * ```
 */
export function configureArena(opts: ArenaOptions): void {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`configureArena: options must be an object, got ${show(opts)}`);
  for (const k of Object.keys(opts)) {
    if (k !== 'enabled' && k !== 'maxBytes' && k !== 'collectEveryBytes') {
      throw new TypeError(`configureArena: unknown option ${JSON.stringify(k)} (expected enabled, maxBytes or collectEveryBytes)`);
    }
  }
  const { enabled, maxBytes, collectEveryBytes } = opts;
  if (enabled !== undefined && typeof enabled !== 'boolean') throw new TypeError(`configureArena: enabled must be true or false, got ${show(enabled)}`);
  if (maxBytes !== undefined && !(typeof maxBytes === 'number' && Number.isFinite(maxBytes) && maxBytes >= MIN_BUDGET && maxBytes <= MAX_PAGES * PAGE)) {
    throw new RangeError(`configureArena: maxBytes must be a number of bytes from ${MIN_BUDGET} (1 MiB) to ${MAX_PAGES * PAGE} (2 GiB), got ${show(maxBytes)}`);
  }
  if (collectEveryBytes !== undefined && !(typeof collectEveryBytes === 'number' && collectEveryBytes >= 0)) {
    throw new RangeError(`configureArena: collectEveryBytes must be a number >= 0 (0: adapt, Infinity: never), got ${show(collectEveryBytes)}`);
  }
  const a = arena ?? null;
  let pagesBytes = 0;
  if (maxBytes !== undefined) {
    pagesBytes = Math.floor(maxBytes / PAGE) * PAGE;
    if (a !== null) {
      const now = a.currentBuffer().byteLength;
      if (pagesBytes < now) {
        throw new RangeError(`configureArena: maxBytes ${maxBytes} is below the arena's current size ${now} (a WebAssembly memory never shrinks; set it before the first tensor)`);
      }
      if (pagesBytes > a.maxMemoryBytes) {
        throw new RangeError(`configureArena: maxBytes ${maxBytes} is above the ${a.maxMemoryBytes} bytes the arena's memory was created with (set it before the first tensor)`);
      }
    }
  }
  if (enabled !== undefined) config.enabled = enabled;
  if (maxBytes !== undefined) {
    config.maxBytes = pagesBytes;
    a?.setLimit(pagesBytes);
  }
  if (collectEveryBytes !== undefined) {
    config.collectEveryBytes = collectEveryBytes;
    if (a !== null) a.fixedLimit = collectEveryBytes;
  }
}

/**
 * Fix how many bytes the arena hands out between two forced collections (in Node, where it can
 * force them); `0` restores the adaptive limit.
 * @deprecated Use {@link configureArena} (`collectEveryBytes`), which also sets the budget and
 *   switches the arena off.
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
  configureArena({ collectEveryBytes: v });
}

/**
 * Counters of the arena: budget, memory size, bytes in use and free, blocks reclaimed, forced
 * collections, fallbacks to JS memory. Does not create the arena.
 * @returns A snapshot (counters zero before the first storage is placed or when there is no arena).
 * @example
 * ```ts
 * const { enabled, memoryBytes, maxBytes } = arenaStats();
 * ```
 */
export function arenaStats(): ArenaStats {
  const a = arena ?? null;
  if (a === null) {
    const supported = arena === undefined && typeof WebAssembly === 'object' && typeof FinalizationRegistry !== 'undefined';
    return {
      enabled: config.enabled && supported, shared: false, maxBytes: config.maxBytes || defaultMaxBytes(), memoryBytes: 0, topBytes: 0,
      inUseBytes: 0, freeBytes: 0, allocations: 0, allocatedBytes: 0, reclaimed: 0, forcedCollections: 0, collectMs: 0, fallbacks: 0, growAttempts: 0, retiredBytes: 0,
    };
  }
  a.currentBuffer();
  return { ...a.stats, enabled: config.enabled };
}
