// Seeded xorshift32 numbers for the wasm kernel tests (test-only; kept out of dist).

/** A generator of numbers in [0, 1) from a 32-bit xorshift stream (seed 0 counts as 1). */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}
