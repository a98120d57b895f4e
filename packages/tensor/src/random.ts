/**
 * Seedable random numbers. A {@link Generator} wraps pure-rand's xoroshiro128+, so the same seed gives
 * the same numbers on every machine and runtime. Module-level functions draw from a global generator
 * reset by {@link manualSeed}.
 * @module
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/** Spread a small integer seed over all 32 bits (MurmurHash3's finaliser), so seeds 0, 1, 2... start far apart. */
function mixSeed(seed: number): number {
  let h = Math.trunc(seed) | 0;
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * The 32-bit seed handed to xoroshiro128+. Seeds in the int32/uint32 range map as they always have;
 * larger integers (e.g. `Date.now()`) fold their high bits in, so they do not collide with small seeds.
 */
function seed32(seed: number): number {
  if (seed >= -(2 ** 31) && seed < 2 ** 32) return mixSeed(seed);
  const hi = Math.floor(seed / 2 ** 32);
  const lo = seed - hi * 2 ** 32;
  return mixSeed(lo) ^ mixSeed(mixSeed(hi) + 0x9e3779b9);
}

function checkSeed(op: string, seed: number): void {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw new RangeError(`${op}: seed must be a safe integer, got ${String(seed)}`);
}

function seeded(seed: number): JumpableRandomGenerator {
  const g = xoroshiro128plus(seed32(seed));
  for (let i = 0; i < 16; i++) g.next(); // leave the low-entropy start of the stream behind
  return g;
}

/**
 * A seeded stream of random numbers (xoroshiro128+ from pure-rand). The same seed gives the same
 * numbers on every machine and runtime; pass one to `rand`, `randn`, ... via `{ generator }`.
 * @example
 * ```ts
 * const g = new Generator(42);
 * const a = g.uniform();
 * new Generator(42).uniform() === a; // true
 * ```
 */
export class Generator {
  private rng: JumpableRandomGenerator;
  private spareNormal: number | null = null;

  /**
   * Start a stream.
   * @param seed - a safe integer (default 0); the same seed always gives the same stream.
   * @throws RangeError for a non-integer seed.
   */
  constructor(seed = 0) {
    checkSeed('Generator', seed);
    this.rng = seeded(seed);
  }

  /**
   * Restart the stream from `seed` (forgetting any cached normal).
   * @param seed - a safe integer.
   * @returns this generator.
   * @example
   * ```ts
   * const g = new Generator(1);
   * const a = g.uniform();
   * g.manualSeed(1).uniform() === a; // true
   * ```
   */
  manualSeed(seed: number): this {
    checkSeed('manualSeed', seed);
    this.rng = seeded(seed);
    this.spareNormal = null;
    return this;
  }

  /**
   * A uniform float in [0, 1) with 53 random bits.
   * @returns the draw.
   * @example
   * ```ts
   * const u = new Generator(0).uniform();
   * u >= 0 && u < 1; // true
   * ```
   */
  uniform(): number {
    return uniformFloat64(this.rng);
  }

  /**
   * A uniform integer in [low, high], both ends included.
   * @param low - smallest value.
   * @param high - largest value.
   * @returns the draw.
   * @example
   * ```ts
   * const k = new Generator(0).integer(1, 6); // a die roll
   * k >= 1 && k <= 6; // true
   * ```
   */
  integer(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || low > high) throw new RangeError(`integer: need integers low <= high, got low ${low}, high ${high}`);
    return uniformInt(this.rng, low, high);
  }

  /**
   * A standard normal sample N(0, 1) by the Box–Muller transform: from uniforms `u, v`,
   * `√(-2 ln u)·cos(2πv)` and `√(-2 ln u)·sin(2πv)` are independent normals (the second is cached).
   * @returns the draw.
   * @example
   * ```ts
   * typeof new Generator(0).normal(); // 'number'
   * ```
   */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * The generator's state, to save and restore with {@link Generator.setState}.
   * @returns a plain array of numbers.
   * @example
   * ```ts
   * const g = new Generator(3);
   * const st = g.getState();
   * const a = g.normal();
   * g.setState(st).normal() === a; // true
   * ```
   */
  getState(): number[] {
    return [...this.rng.getState(), this.spareNormal === null ? NaN : this.spareNormal];
  }

  /**
   * Restore a state from {@link Generator.getState}.
   * @param state - what `getState()` returned.
   * @returns this generator.
   * @example
   * ```ts
   * const g = new Generator(3);
   * new Generator(9).setState(g.getState()).uniform() === g.uniform(); // true
   * ```
   */
  setState(state: readonly number[]): this {
    if (!Array.isArray(state) || state.length < 2 || state.slice(0, -1).some((v) => !Number.isInteger(v))) {
      throw new TypeError(`setState: expected a state from getState(), got ${JSON.stringify(state)}`);
    }
    this.rng = xoroshiro128plusFromState(state.slice(0, -1));
    const spare = state[state.length - 1]!;
    this.spareNormal = Number.isNaN(spare) ? null : spare;
    return this;
  }

  /**
   * A uniformly random permutation of `0..n-1` (Fisher–Yates shuffle).
   * @param n - the length.
   * @returns the permutation.
   * @example
   * ```ts
   * new Generator(0).permutation(4).sort(); // [0, 1, 2, 3]
   * ```
   */
  permutation(n: number): number[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be a non-negative integer, got ${n}`);
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.integer(0, i);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

/**
 * The generator used when no `generator` option is passed (seeded with 0; reseed with {@link manualSeed}).
 * @example
 * ```ts
 * defaultGenerator.manualSeed(7);
 * ```
 */
export const defaultGenerator = new Generator(0);

/**
 * Reseed the default generator: afterwards `rand`, `randn`, `randint`, ... without a `generator`
 * option repeat the same numbers.
 * @param seed - a safe integer.
 * @returns nothing.
 * @example
 * ```ts
 * manualSeed(0);
 * const a = randn([3]).toArray();
 * manualSeed(0);
 * randn([3]).toArray(); // same as a
 * ```
 */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
