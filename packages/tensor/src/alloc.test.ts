// Storage allocation: small storages are carved from shared slabs (dtype.ts). Whatever the sizes and
// dtypes, every fresh storage is zero-filled, has its own bytes (writing one never changes another),
// and its element alignment is right for its typed array.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type DType, allocate } from './dtype.js';
import { add, zeros } from './index.js';

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];

describe('allocate', () => {
  it('fresh storages are zero-filled and never overlap, across slab boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ d: fc.constantFrom(...DTYPES), n: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 120 }), (specs) => {
        const arrays = specs.map(({ d, n }) => allocate(d, n));
        arrays.forEach((a, i) => {
          expect(a.length).toBe(specs[i]!.n);
          expect(a.every((v) => v === 0)).toBe(true);
          expect(a.byteOffset % a.BYTES_PER_ELEMENT).toBe(0);
        });
        // Fill each with its own tag, then check every one still holds only its tag.
        arrays.forEach((a, i) => a.fill((i % 250) + 1));
        arrays.forEach((a, i) => expect(a.every((v) => v === (i % 250) + 1)).toBe(true));
      }),
      { numRuns: 60 },
    );
  });

  it('small op outputs do not share elements: writing one leaves the others alone', () => {
    const a = zeros([8, 8]);
    const outs = Array.from({ length: 200 }, () => add(a, 1));
    outs[17]!.fillInPlace(5);
    outs.forEach((t, i) => expect(Array.from(t.data()).every((v) => v === (i === 17 ? 5 : 1))).toBe(true));
  });
});
