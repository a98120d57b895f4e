// Child process of arena-budget.test.ts, so that each case starts with no arena. Usage:
//   node --conditions=source --import tsx arena-budget.ts <case>
// Prints one line of JSON with what the case measured.
import { runInNewContext } from 'node:vm';
import { addressOf, arenaStats, configureArena, createWasmBackend, full, matmul, randn, setBackend, Tensor } from '../../../index.js';
import { allocate } from '../../../dtype.js';

const MiB = 2 ** 20;
// A module of one function using f32x4.relaxed_madd: Node 20 validates it only under V8's
// --experimental-wasm-relaxed-simd, which the package switches on only while compiling its kernels.
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const BODY = [0, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02, 0x1a, 0x0b];
const RELAXED_MADD = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, BODY.length + 2, 1, BODY.length, ...BODY]);
const which = process.argv[2];
const out: Record<string, unknown> = {};

/**
 * A synchronous loop whose every step hands out 192 KiB of arena storage (three 64 KiB float32
 * tensors): acc = acc * 0.5 + c, so after n steps acc = 2c (1 - 2^-n), checked at the end.
 */
function loop(steps: number, c: Tensor, acc: Tensor): Tensor {
  for (let i = 0; i < steps; i++) acc = acc.mul(0.5).add(c).mul(1);
  return acc;
}

if (which === 'sync-no-collections') {
  // A 32 MiB budget and no forced collections: ~580 MiB is asked for in one synchronous loop.
  configureArena({ maxBytes: 32 * MiB, collectEveryBytes: Infinity });
  const c = full([16384], 3);
  let acc = full([16384], 0);
  out.imported = arenaStats();
  // First fill the budget, then note the counters and go on at the budget.
  acc = loop(300, c, acc);
  out.atBudget = arenaStats();
  acc = loop(2700, c, acc);
  out.end = arenaStats();
  const want = Math.fround(6); // 2c (1 - 2^-3000) in float32
  out.correct = (acc.storage as Float32Array).every((v) => v === want);
  out.accResident = addressOf(acc.storage) >= 0;
  // Between tasks the collector's callbacks return the dead tensors' blocks; then the same loop is
  // served from them again.
  void (async () => {
    for (let i = 0; i < 20 && arenaStats().freeBytes < 8 * MiB; i++) {
      // Garbage to give the collector a reason to run, then a turn of the event loop.
      for (let j = 0; j < 2000; j++) void new Array(64).fill(j);
      await new Promise((r) => setTimeout(r, 10));
    }
    out.afterYield = arenaStats();
    acc = loop(30, c, acc);
    out.again = arenaStats();
    process.stdout.write(JSON.stringify(out) + '\n');
  })();
} else if (which === 'off') {
  // Switched off before the first tensor: no memory is created, storages are ordinary JS memory.
  configureArena({ enabled: false });
  const a = randn([64, 64]), b = randn([64, 64]);
  const c = matmul(a, b);
  out.addresses = [addressOf(a.storage), addressOf(c.storage), addressOf(allocate('float32', 4096))];
  out.plain = c.storage.buffer instanceof ArrayBuffer;
  out.stats = arenaStats();
  process.stdout.write(JSON.stringify(out) + '\n');
} else if (which === 'flags') {
  // Nothing is switched at import.
  out.afterImport = { memoryBytes: arenaStats().memoryBytes, gc: runInNewContext('typeof gc') };
  configureArena({ collectEveryBytes: 4 * MiB });
  // The FMA kernels (relaxed SIMD) and the arena with its forced collections, in use.
  const prev = setBackend(createWasmBackend({ fma: 'auto', threads: 1 }));
  const c = full([16384], 3);
  let acc = full([16384], 0);
  acc = loop(400, c, acc);
  const m = matmul(randn([96, 64]), randn([64, 80]));
  setBackend(prev);
  out.fma = createWasmBackend({ fma: 'auto', threads: 1 }).fma;
  out.stats = arenaStats();
  out.resident = addressOf(m.storage) >= 0;
  out.correct = (acc.storage as Float32Array).every((v) => v === 6);
  // What a context the program makes now sees, and whether this one validates relaxed SIMD by itself.
  out.after = {
    gc: runInNewContext('typeof gc'),
    cleanupSome: runInNewContext('typeof FinalizationRegistry.prototype.cleanupSome'),
    mainGc: typeof (globalThis as { gc?: unknown }).gc,
    relaxedValidates: WebAssembly.validate(RELAXED_MADD),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
} else if (which === 'unshared') {
  // GD_ARENA=unshared: a fixed non-shared memory of the whole budget, never grown.
  configureArena({ maxBytes: 8 * MiB, collectEveryBytes: Infinity });
  const a = randn([64, 64]), b = randn([64, 64]);
  const c = matmul(a, b);
  // The same product of copies in ordinary JS memory (wrapped without a copy, so not in the arena).
  const ref = matmul(Tensor._fromData(Float32Array.from(a.data()), [64, 64], 'float32'), Tensor._fromData(Float32Array.from(b.data()), [64, 64], 'float32'));
  out.refResident = addressOf(ref.storage) >= 0;
  out.first = arenaStats();
  out.addresses = [addressOf(a.storage), addressOf(c.storage)];
  out.sameProduct = Array.from(c.data()).every((v, i) => v === ref.data()[i]);
  const cc = full([16384], 3);
  const acc = loop(200, cc, full([16384], 0));
  out.correct = (acc.storage as Float32Array).every((v) => v === Math.fround(6));
  out.end = arenaStats();
  process.stdout.write(JSON.stringify(out) + '\n');
} else {
  throw new Error(`arena-budget fixture: unknown case ${JSON.stringify(which)}`);
}
