/**
 * Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
 *
 * ```
 * [8 bytes: N, little-endian u64] [N bytes: UTF-8 JSON header] [data bytes]
 * header = { "__metadata__"?: {str: str}, name: { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ... }
 * ```
 *
 * Offsets are relative to the start of the data bytes; the tensors tile the data with no holes or
 * overlaps; elements are little-endian, row-major. We write F64, F32, I32 and BOOL, and read those plus
 * I64 (converted to int32 when every value fits, since PyTorch stores integer buffers as int64).
 * Every structural rule is checked on read: a truncated or corrupt file is refused with an error
 * saying what is wrong, never half-read.
 * @module
 */
import { Tensor, tensor, fmt, type DType } from '@gd/tensor';
import { readFileBytes, writeFileBytesAtomic } from './node.js';

/** The dtype codes written for each tensor dtype. */
const CODE_OF: Record<DType, string> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' };
/** Bytes per element of every code we read. */
const ITEM_SIZE: Record<string, number> = { F64: 8, F32: 4, I32: 4, BOOL: 1, I64: 8 };
/** Largest header we accept (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The contents of a safetensors file. */
export interface SafetensorsContent {
  /** Tensors by name, in the file's header order. */
  tensors: Record<string, Tensor>;
  /** The free-form string → string `__metadata__` map (empty when absent). */
  metadata: Record<string, string>;
}

function tensorBytes(t: Tensor): Uint8Array {
  const data = t.data();
  if (LITTLE_ENDIAN || t.dtype === 'bool') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (t.dtype === 'float64') dv.setFloat64(i * 8, data[i]!, true);
    else if (t.dtype === 'float32') dv.setFloat32(i * 4, data[i]!, true);
    else dv.setInt32(i * 4, data[i]!, true);
  }
  return out;
}

/**
 * Serialise tensors to safetensors bytes.
 * @param tensors - name → tensor (names must be non-empty and not `__metadata__`).
 * @param metadata - optional string → string map stored as `__metadata__`.
 * @returns the file's bytes.
 * @example
 * ```ts
 * const bytes = encodeSafetensors({ w: tensor([[1, 2]]) }, { step: '3' });
 * decodeSafetensors(bytes).tensors.w!.toArray(); // [[1, 2]]
 * ```
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`encodeSafetensors: metadata value of '${k}' must be a string, got ${typeof v}`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const items: { name: string; t: Tensor; bytes: Uint8Array }[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '' || name === '__metadata__') throw new RangeError(`encodeSafetensors: invalid tensor name ${JSON.stringify(name)}`);
    if (!(t instanceof Tensor)) throw new TypeError(`encodeSafetensors: '${name}' is not a Tensor`);
    items.push({ name, t, bytes: tensorBytes(t) });
    header[name] = null; // header keys keep the caller's order; offsets are filled in below
  }
  // Lay the data out by element size, widest first (stable otherwise), so that with the 8-byte aligned
  // data start every tensor begins at a multiple of its element size and can be viewed without a copy.
  const itemSize = (t: Tensor): number => (t.dtype === 'float64' ? 8 : t.dtype === 'bool' ? 1 : 4);
  const order = items.map((_, i) => i).sort((a, b) => itemSize(items[b]!.t) - itemSize(items[a]!.t) || a - b);
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const i of order) {
    const { name, t, bytes } = items[i]!;
    header[name] = { dtype: CODE_OF[t.dtype], shape: t.shape.slice(), data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  let headerBytes = new TextEncoder().encode(json);
  // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = new TextEncoder().encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerBytes.length, true);
  dv.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const b of parts) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

function corrupt(msg: string): never {
  throw new Error(`decodeSafetensors: ${msg}`);
}

/**
 * Parse safetensors bytes, validating the whole structure before building any tensor.
 * @param bytes - the file's contents.
 * @returns the tensors and metadata.
 * @throws Error starting `decodeSafetensors:` for a truncated file, a bad header, an unknown dtype,
 *   offsets that overlap, leave holes or disagree with the shape, or bool bytes other than 0/1.
 * @example
 * ```ts
 * const { tensors } = decodeSafetensors(encodeSafetensors({ b: tensor([true, false]) }));
 * tensors.b!.dtype; // 'bool'
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContent {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeSafetensors: expected a Uint8Array');
  if (bytes.length < 8) corrupt(`file is ${bytes.length} bytes, too short for the 8-byte header length (truncated?)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER) corrupt(`header length ${hi * 2 ** 32 + lo} is implausible (limit ${MAX_HEADER}); not a safetensors file?`);
  const n = lo;
  if (8 + n > bytes.length) corrupt(`header length ${n} exceeds the ${bytes.length - 8} bytes after the length field (truncated?)`);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (!text.startsWith('{')) corrupt('header does not start with "{"');
    header = JSON.parse(text);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('decodeSafetensors')) throw e;
    corrupt(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) corrupt('header is not a JSON object');
  const dataLen = bytes.length - 8 - n;
  const metadata: Record<string, string> = {};
  const entries: { name: string; code: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) corrupt('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') corrupt(`__metadata__ value of '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null) corrupt(`entry '${name}' is not an object`);
    const { dtype, shape, data_offsets: offs } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) corrupt(`tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(ITEM_SIZE).join(', ')})`);
    if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) corrupt(`tensor '${name}' has invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || offs.some((o) => typeof o !== 'number' || !Number.isInteger(o) || o < 0)) corrupt(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offs)}`);
    const [begin, end] = offs as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin) corrupt(`tensor '${name}' has data_offsets [${begin},${end}] with end before begin`);
    if (end - begin !== count * ITEM_SIZE[dtype]!) corrupt(`tensor '${name}' of dtype ${dtype} and shape ${fmt(shape as number[])} needs ${count * ITEM_SIZE[dtype]!} bytes, data_offsets [${begin},${end}] give ${end - begin}`);
    if (end > dataLen) corrupt(`tensor '${name}' ends at byte ${end} of the data but the file holds only ${dataLen} data bytes (truncated?)`);
    entries.push({ name, code: dtype, shape: shape as number[], begin, end });
  }
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin !== pos) corrupt(e.begin < pos ? `tensor '${e.name}' overlaps the previous tensor (starts at ${e.begin}, previous ends at ${pos})` : `hole in the data before tensor '${e.name}' (bytes ${pos}..${e.begin} belong to no tensor)`);
    pos = e.end;
  }
  if (pos !== dataLen) corrupt(`the tensors cover ${pos} data bytes but the file has ${dataLen} (trailing bytes)`);
  const base = 8 + n;
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    const src = bytes.subarray(base + e.begin, base + e.end);
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    let t: Tensor;
    if (e.code === 'F64') {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(i * 8, true);
      t = tensor(a, { shape: e.shape });
    } else if (e.code === 'F32') {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(i * 4, true);
      t = tensor(a, { shape: e.shape });
    } else if (e.code === 'I32') {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt32(i * 4, true);
      t = tensor(a, { shape: e.shape });
    } else if (e.code === 'I64') {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) corrupt(`tensor '${e.name}' (I64) holds ${v}, which does not fit int32`);
        a[i] = Number(v);
      }
      t = tensor(a, { shape: e.shape });
    } else {
      const a = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const v = src[i]!;
        if (v > 1) corrupt(`tensor '${e.name}' (BOOL) holds byte ${v} at element ${i}; bools must be 0 or 1`);
        a[i] = v;
      }
      t = tensor(a, { shape: e.shape, dtype: 'bool' });
    }
    tensors[e.name] = t;
  }
  return { tensors, metadata };
}

/**
 * Write bytes to `path` atomically: into a temporary file in the same directory, flushed to disk,
 * then renamed over `path`. A crash leaves either the old file or the new one, never a mix.
 * Node only (it gets `node:fs` when called); in a browser keep the bytes in memory, or hand them to
 * a download, IndexedDB or an upload yourself.
 * @param path - destination file.
 * @param bytes - contents.
 * @throws Error naming `writeFileAtomic` outside Node.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * writeFileAtomic(join(tmpdir(), 'doc-atomic.bin'), new Uint8Array([1, 2, 3]));
 * ```
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`writeFileAtomic: bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  writeFileBytesAtomic('writeFileAtomic', path, () => bytes, 'the bytes directly (a download, IndexedDB or an upload)');
}

/**
 * Save tensors to a safetensors file (atomically). Node only; {@link encodeSafetensors} gives the
 * same bytes anywhere.
 * @param path - destination file (conventionally `*.safetensors`).
 * @param tensors - name → tensor.
 * @param metadata - optional string → string metadata.
 * @throws Error naming `saveSafetensors` and `encodeSafetensors` outside Node.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const model = new Linear(4, 2);
 * saveSafetensors(join(tmpdir(), 'model.safetensors'), model.stateDict(), { epoch: '10' });
 * ```
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileBytesAtomic('saveSafetensors', path, () => encodeSafetensors(tensors, metadata), 'encodeSafetensors(tensors, metadata) to get the bytes');
}

/**
 * Load a safetensors file. Node only; {@link decodeSafetensors} reads the same bytes anywhere
 * (e.g. from `fetch(url).then((r) => r.arrayBuffer())`).
 * @param path - the file.
 * @returns tensors and metadata.
 * @throws Error naming the file for a missing, truncated or corrupt file; naming `loadSafetensors`
 *   and `decodeSafetensors` outside Node.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(tmpdir(), 'doc-weights.safetensors');
 * saveSafetensors(path, { w: tensor([1, 2]) }, { note: 'demo' });
 * const { tensors, metadata } = loadSafetensors(path);
 * metadata.note; // 'demo'
 * tensors.w; // [1, 2]
 * ```
 */
export function loadSafetensors(path: string): SafetensorsContent {
  const bytes = readFileBytes('loadSafetensors', path, 'decodeSafetensors(bytes) on the file\'s bytes (e.g. from fetch)');
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    throw new Error(`loadSafetensors: ${path}: ${(e as Error).message}`);
  }
}
