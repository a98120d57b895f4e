// The arena that holds float storages in WebAssembly memory: size classes, reuse of collected
// blocks (zeroed, never while the owner lives), addresses, and what stays in ordinary JS memory.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addressOf, arenaMemory, arenaRetire, arenaStats, configureArena, setArenaLimits, sizeClass } from './arena.js';
import { allocate } from '../../dtype.js';
import { Tensor, randn } from '../../index.js';

afterAll(() => setArenaLimits({ collectEveryBytes: 0 }));

describe('size classes', () => {
  it('cover the request with at most 25 % slack (64-byte steps up to 1 KiB), 64-byte aligned', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 30 }), (b) => {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c % 64).toBe(0);
      if (b > 1024) expect(c).toBeLessThanOrEqual(1.25 * b);
      else expect(c - b).toBeLessThan(64);
      // classes are stable: a class size is its own class
      expect(sizeClass(c)).toBe(c);
    }), { numRuns: 500 });
  });
});

describe('arena storage', () => {
  it('is on in Node: float storages of 1 KiB or more live in the shared memory, smaller ones and integers do not', () => {
    expect(arenaStats().enabled).toBe(true);
    expect(arenaMemory()!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(addressOf(allocate('float32', 256))).toBeGreaterThan(0);
    expect(addressOf(allocate('float64', 128))).toBeGreaterThan(0);
    expect(addressOf(allocate('float32', 255))).toBe(-1);
    expect(addressOf(allocate('int32', 4096))).toBe(-1);
    expect(addressOf(allocate('bool', 4096))).toBe(-1);
    expect(addressOf(new Float32Array(4096))).toBe(-1);
    const a = allocate('float32', 1000);
    expect(addressOf(a.subarray(10))).toBe(addressOf(a) + 40);
  });

  it('live storages never overlap and keep their values while others are collected and reused; reused blocks are zero', () => {
    setArenaLimits({ collectEveryBytes: 4 * 2 ** 20 });
    const before = arenaStats();
    const live: { arr: Float32Array; tag: number }[] = [];
    let tag = 1;
    for (let round = 0; round < 400; round++) {
      // garbage: blocks that become collectable at once, filled with non-zero bytes
      for (let g = 0; g < 20; g++) allocate('float32', 2048 + 256 * (g % 5)).fill(-7);
      const arr = allocate('float32', 2048 + 256 * (round % 5)) as Float32Array;
      // a fresh block is all zero, whether new or reused
      expect(arr.every((v) => v === 0)).toBe(true);
      arr.fill(tag);
      live.push({ arr, tag });
      tag++;
      if (live.length > 30) live.splice((round * 7) % live.length, 1);
    }
    const after = arenaStats();
    expect(after.forcedCollections).toBeGreaterThan(before.forcedCollections);
    expect(after.reclaimed).toBeGreaterThan(before.reclaimed);
    for (const { arr, tag } of live) expect(arr.every((v) => v === tag)).toBe(true);
    const spans = live.map(({ arr }) => [addressOf(arr), addressOf(arr) + arr.byteLength] as const).sort((p, q) => p[0] - q[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    setArenaLimits({ collectEveryBytes: 0 });
  });

  it('ops on resident tensors give the same numbers as on ordinary arrays', () => {
    const x = randn([64, 48]), w = randn([48, 32]);
    expect(addressOf(x.storage)).toBeGreaterThan(0);
    // the same numbers in ordinary JS memory (wrapped without a copy, so not in the arena)
    const xs = Tensor._fromData(Float32Array.from(x.data()), [64, 48], 'float32');
    const ws = Tensor._fromData(Float32Array.from(w.data()), [48, 32], 'float32');
    expect(addressOf(xs.storage)).toBe(-1);
    for (const [a, b] of [[x, ws], [xs, w], [x, w], [x.T.contiguous().T, ws]] as const) {
      const got = a.matmul(b).add(1).exp().data(), want = xs.matmul(ws).add(1).exp().data();
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    // a view at an offset inside a resident storage (rows 64..127 of a [128, 48] tensor)
    const half = randn([128, 48]).chunk(2)[1]!;
    expect(half.offset).toBe(64 * 48);
    const halfPlain = Tensor._fromData(Float32Array.from(half.data()), [64, 48], 'float32');
    expect(Array.from(half.matmul(w).data())).toEqual(Array.from(halfPlain.matmul(ws).data()));
    expect(Array.from(w.T.matmul(half.T).data())).toEqual(Array.from(ws.T.matmul(halfPlain.T).data()));
  });

  it('data() is a copy in ordinary JS memory, for views too (callers keep views of its buffer)', () => {
    const x = randn([64, 48]);
    for (const t of [x, x.T, x.chunk(2)[1]!, x.T.contiguous().T, randn([32, 64], { dtype: 'float64' }).T]) {
      const d = t.data();
      expect(addressOf(d)).toBe(-1);
      expect(d.buffer).toBeInstanceOf(ArrayBuffer);
    }
  });

  it('a retired range (a view of a block, as a late helper thread may still write there) is never handed out again', () => {
    setArenaLimits({ collectEveryBytes: 2 * 2 ** 20 });
    const before = arenaStats();
    // Two blocks of one size class: a view into the first is retired, the second is not.
    let keepOut: Float32Array | null = allocate('float32', 3000) as Float32Array;
    let control: Float32Array | null = allocate('float32', 3000) as Float32Array;
    const retiredAt = addressOf(keepOut), controlAt = addressOf(control);
    arenaRetire(keepOut.subarray(100, 200));
    keepOut = null; control = null;
    const seen = new Set<number>();
    for (let i = 0; i < 3000; i++) seen.add(addressOf(allocate('float32', 3000)));
    const after = arenaStats();
    expect(after.forcedCollections).toBeGreaterThan(before.forcedCollections);
    expect(seen.has(controlAt)).toBe(true); // the control block was collected and reused...
    expect(seen.has(retiredAt)).toBe(false); // ...the retired one never
    expect(after.retiredBytes - before.retiredBytes).toBe(sizeClass(3000 * 4));
    // ordinary JS memory: nothing to retire
    expect(() => arenaRetire(new Float32Array(8))).not.toThrow();
    setArenaLimits({ collectEveryBytes: 0 });
  });

  it('switched off after tensors exist: those stay valid and usable, new storages are ordinary JS memory; switched on again, new ones are back', () => {
    const before = randn([32, 64]);
    const at = addressOf(before.storage), copy = Array.from(before.data());
    expect(at).toBeGreaterThan(0);
    configureArena({ enabled: false });
    try {
      expect(arenaStats().enabled).toBe(false);
      const after = randn([32, 64]);
      expect(addressOf(after.storage)).toBe(-1);
      expect(addressOf(allocate('float64', 4096))).toBe(-1);
      // Ops mixing both kinds, and kernels that write results (now in JS memory).
      const sum = before.add(after), prod = before.matmul(after.T);
      expect(addressOf(sum.storage)).toBe(-1);
      expect(addressOf(prod.storage)).toBe(-1);
      const a = before.data(), b = after.data(), s = sum.data();
      for (let i = 0; i < a.length; i++) expect(s[i]).toBe(Math.fround(a[i]! + b[i]!));
      expect(Array.from(before.data())).toEqual(copy);
      expect(addressOf(before.storage)).toBe(at);
    } finally {
      configureArena({ enabled: true });
    }
    expect(addressOf(allocate('float32', 4096))).toBeGreaterThan(0);
  });

  it('configureArena refuses bad options, naming the option and the value (NaN and Infinity as such), and changes nothing then', () => {
    const max = arenaStats().maxBytes;
    expect(() => configureArena({ maxBytes: Number.NaN })).toThrow(/^configureArena: maxBytes must be .*, got NaN$/);
    expect(() => configureArena({ maxBytes: Infinity })).toThrow(/configureArena: maxBytes .* got Infinity$/);
    expect(() => configureArena({ maxBytes: 1000 })).toThrow(/configureArena: maxBytes .* got 1000$/);
    expect(() => configureArena({ maxBytes: 4 * 2 ** 30 })).toThrow(/configureArena: maxBytes .* got 4294967296$/);
    expect(() => configureArena({ maxBytes: '64MB' as unknown as number })).toThrow(/configureArena: maxBytes .* got "64MB"$/);
    expect(() => configureArena({ collectEveryBytes: -1 })).toThrow(/configureArena: collectEveryBytes must be a number >= 0 .* got -1$/);
    expect(() => configureArena({ collectEveryBytes: Number.NaN })).toThrow(/configureArena: collectEveryBytes .* got NaN$/);
    expect(() => configureArena({ enabled: 'yes' as unknown as boolean })).toThrow(/configureArena: enabled must be true or false, got "yes"$/);
    expect(() => configureArena({ maxbytes: 2 ** 26 } as unknown as { maxBytes: number })).toThrow(/configureArena: unknown option "maxbytes"/);
    expect(() => configureArena(null as unknown as object)).toThrow(/configureArena: options must be an object, got null/);
    // All checked before any applied: a good enabled next to a bad maxBytes changes nothing.
    expect(() => configureArena({ enabled: false, maxBytes: -1 })).toThrow(/maxBytes/);
    expect(arenaStats().enabled).toBe(true);
    // Once the memory exists the budget can move only between its size and the maximum it was made with.
    expect(() => configureArena({ maxBytes: 2 ** 20 })).toThrow(/configureArena: maxBytes 1048576 is below the arena's current size \d+/);
    expect(() => configureArena({ maxBytes: 2 ** 31 })).toThrow(/configureArena: maxBytes 2147483648 is above the \d+ bytes the arena's memory was created with/);
    expect(arenaStats().maxBytes).toBe(max);
  });

  it('setArenaLimits refuses a limit that is not a finite number >= 0', () => {
    expect(() => setArenaLimits({ collectEveryBytes: -1 })).toThrow(/setArenaLimits: collectEveryBytes must be .* got -1/);
    expect(() => setArenaLimits({ collectEveryBytes: Number.NaN })).toThrow(/setArenaLimits/);
  });
});
