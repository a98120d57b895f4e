import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn, setArenaLimits, tensor, Tensor } from '@gd/tensor';
import { stridedViewArb } from '@gd/tensor/testing';
import { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors } from './index.js';

/** Build a safetensors file by hand, straight from the spec, independent of the writer under test. */
function handMade(header: object, data: number[], padTo8 = false): Uint8Array {
  let json = JSON.stringify(header);
  if (padTo8) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  let n = h.length;
  for (let i = 0; i < 8; i++) { out[i] = n & 0xff; n = Math.floor(n / 256); }
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32 = (v: number): number[] => Array.from(new Uint8Array(new Float32Array([v]).buffer));
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

describe('safetensors', () => {
  it('writes exactly the bytes the spec describes', () => {
    const bytes = encodeSafetensors({ a: tensor([[1.5, -2]]), b: tensor([7], { dtype: 'int32' }), c: tensor([true, false]) }, { note: 'hi' });
    const expected = handMade({
      __metadata__: { note: 'hi' },
      a: { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] },
      b: { dtype: 'I32', shape: [1], data_offsets: [8, 12] },
      c: { dtype: 'BOOL', shape: [2], data_offsets: [12, 14] },
    }, [...f32(1.5), ...f32(-2), ...le32(7), 1, 0], true);
    expect(Array.from(bytes)).toEqual(Array.from(expected));
    expect((bytes.length - 14 - 8) % 8).toBe(0); // data 8-byte aligned
  });

  it('reads a hand-made file, including I64 (PyTorch integer buffers) and F64', () => {
    const i64 = [5, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]; // 5, -2
    const f64 = Array.from(new Uint8Array(new Float64Array([Math.PI]).buffer));
    const { tensors, metadata } = decodeSafetensors(handMade({
      x: { dtype: 'F64', shape: [], data_offsets: [16, 24] },
      n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
    }, [...i64, ...f64]));
    expect(metadata).toEqual({});
    expect(tensors.x!.dtype).toBe('float64');
    expect(tensors.x!.item()).toBe(Math.PI);
    expect(tensors.n!.dtype).toBe('int32');
    expect(tensors.n!.toArray()).toEqual([5, -2]);
  });

  it('round-trips any dtype, shape and memory layout exactly', () => {
    fc.assert(fc.property(
      fc.array(stridedViewArb({ dtype: ['float32', 'float64', 'int32', 'bool'] }), { minLength: 1, maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      (cases, metadata) => {
        const ts: Record<string, Tensor> = {};
        cases.forEach((c, i) => { ts[`t.${i}`] = c.tensor; });
        const bytes = encodeSafetensors(ts, metadata);
        const back = decodeSafetensors(bytes);
        expect(back.metadata).toEqual(metadata);
        // alignment: data starts on 8 bytes, every tensor on a multiple of its element size
        const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
        expect((8 + n) % 8).toBe(0);
        const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
        for (const [k, e] of Object.entries(header)) {
          if (k === '__metadata__') continue;
          expect(e.data_offsets[0] % ({ F64: 8, F32: 4, I32: 4, BOOL: 1 } as Record<string, number>)[e.dtype]!).toBe(0);
        }
        expect(Object.keys(back.tensors)).toEqual(Object.keys(ts));
        for (const [k, t] of Object.entries(ts)) {
          const b = back.tensors[k]!;
          expect(b.dtype).toBe(t.dtype);
          expect(b.shape).toEqual(t.shape);
          expect(Array.from(b.data())).toEqual(Array.from(t.data()));
        }
      }), { numRuns: 80 });
  });

  it('refuses every truncation of a valid file', () => {
    const bytes = encodeSafetensors({ w: tensor([[1, 2], [3, 4]]), b: tensor([0.5]) });
    for (let len = 0; len < bytes.length; len++) {
      expect(() => decodeSafetensors(bytes.subarray(0, len))).toThrow(/^decodeSafetensors: /);
    }
  });

  it('refuses corrupt headers and offsets with a message saying what is wrong', () => {
    const cases: [Uint8Array, RegExp][] = [
      [handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [0, 0, 0, 0, 0, 0, 0]), /ends at byte 8 .* only 7 data bytes/],
      [handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Array(8).fill(0)), /needs 12 bytes, data_offsets \[0,8\] give 8/],
      [handMade({ a: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, [0, 0]), /unsupported dtype "F16"/],
      [handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] } }, new Array(6).fill(0)), /overlaps/],
      [handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Array(8).fill(0)), /hole in the data before tensor 'a'/],
      [handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Array(6).fill(0)), /trailing bytes/],
      [handMade({ a: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, [1, 2]), /bools must be 0 or 1/],
      [handMade({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Array(4).fill(0)), /invalid shape/],
      [handMade({ __metadata__: { a: 1 } }, []), /__metadata__ value of 'a' is not a string/],
      [handMade({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [0, 0, 0, 0, 1, 0, 0, 0]), /does not fit int32/],
    ];
    for (const [bytes, re] of cases) expect(() => decodeSafetensors(bytes)).toThrow(re);
    const notJson = new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{abc')]);
    expect(() => decodeSafetensors(notJson)).toThrow(/^decodeSafetensors: header is not valid UTF-8 JSON/);
    const huge = new Uint8Array(16);
    huge[5] = 1;
    expect(() => decodeSafetensors(huge)).toThrow(/header length \d+ is implausible/);
  });

  it('saves atomically (no temp files left), and loads with the path in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-st-'));
    const path = join(dir, 'w.safetensors');
    saveSafetensors(path, { a: tensor([1, 2, 3]) }, { epoch: '1' });
    saveSafetensors(path, { a: tensor([4, 5]) }, { epoch: '2' });
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
    const back = loadSafetensors(path);
    expect(back.tensors.a!.toArray()).toEqual([4, 5]);
    expect(back.metadata).toEqual({ epoch: '2' });
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    expect(() => loadSafetensors(path)).toThrow(new RegExp(`^loadSafetensors: ${path}: decodeSafetensors: .*truncated`));
  });
});

describe('encodeSafetensors with tensors in the arena', () => {
  it('keeps the bytes of non-contiguous tensors while later ones force collections (no block reused under a kept view)', () => {
    setArenaLimits({ collectEveryBytes: 1 }); // every arena request may collect and reuse
    try {
      const ts: Record<string, Tensor> = {};
      for (let i = 0; i < 6; i++) ts[`w${i}`] = randn([64, 64]).transpose(0, 1);
      const back = decodeSafetensors(encodeSafetensors(ts)).tensors;
      for (const [k, t] of Object.entries(ts)) expect(Array.from(back[k]!.data())).toEqual(Array.from(t.data()));
    } finally {
      setArenaLimits({ collectEveryBytes: 0 });
    }
  });
});
