// Child process of arena-ceiling.test.ts: fill the arena to its budget (512 MiB here) with large storages,
// let them be collected, then ask for many tensors of other (smaller) sizes, as a program does that
// used big tensors once and moved on. Prints the arena counters as JSON.
import { addressOf, arenaStats, configureArena, full, type Tensor } from '../../../index.js';
import { allocate } from '../../../dtype.js';

configureArena({ maxBytes: 512 * 2 ** 20 });

let big: ArrayLike<number>[] = [];
// Storages of 64 MiB, then 1 MiB, then 64 KiB, then 4 KiB, each until the arena has to refuse one
// (fresh arena memory is already zero, so none of this touches memory).
for (const n of [16 * 2 ** 20, 2 ** 18, 2 ** 14, 2 ** 10]) {
  const before = arenaStats().fallbacks;
  while (arenaStats().fallbacks === before) big.push(allocate('float32', n));
}
const filled = arenaStats();
big = [];
// New sizes: none of these classes has a free block; every block the arena has free is larger.
const sizes = [1500, 3000, 20_000, 50_000, 200_704];
// The first requests may get JS memory until 16 MiB worth has been asked for and the arena collects
// the big storages; the later ones (from request 300 on) must all be served by the arena.
let resident = 0, total = 0;
const keep: [Tensor, number][] = [];
let collectionsAt300 = 0;
for (let i = 0; i < 1500; i++) {
  if (i === 300) collectionsAt300 = arenaStats().forcedCollections;
  const t = full([sizes[i % sizes.length]!], i);
  if (i >= 300) {
    total++;
    if (addressOf(t.storage) >= 0) resident++;
  }
  if (i % 10 === 0) keep.push([t, i]);
}
// The kept tensors still hold their values (no block was handed out twice).
const intact = keep.every(([t, v]) => (t.storage as Float32Array).every((x) => x === v));
console.log(JSON.stringify({ filled, after: arenaStats(), resident, total, intact, collectionsAt300 }));
