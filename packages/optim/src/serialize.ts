/**
 * JSON round-tripping of optimizer state: tensors become tagged plain objects.
 * @module
 */
import { Tensor, tensor, type DType } from '@gd/tensor';

/** A tensor as plain JSON data. */
export interface TensorJSON {
  /** Tag marking this object as a tensor. */
  __tensor__: true;
  /** Element type. */
  dtype: DType;
  /** Shape. */
  shape: number[];
  /** Elements in row-major order; non-finite values as the strings 'NaN', 'Infinity', '-Infinity'. */
  data: (number | string)[];
}

/** A JSON value. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [k: string]: JSONValue };

function encodeNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x); // 'NaN', 'Infinity', '-Infinity'
}

function decodeNumber(x: unknown): number {
  return typeof x === 'string' ? Number(x) : (x as number);
}

/**
 * Convert a state (nested arrays/objects of numbers, booleans, strings, `null` and tensors) to plain
 * JSON data. Tensors are copied; non-finite numbers are stored as strings; functions (schedules) are
 * dropped from objects and become `null` in arrays.
 * @param value - the state.
 * @returns JSON data that `JSON.stringify` keeps exactly.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const json = stateToJSON({ count: [1], mu: [tensor([0.5, 1])] });
 * const back = stateFromJSON(JSON.parse(JSON.stringify(json)));
 * ```
 */
export function stateToJSON(value: unknown): JSONValue {
  if (value instanceof Tensor) {
    const t: TensorJSON = { __tensor__: true, dtype: value.dtype, shape: value.shape.slice(), data: Array.from(value.data() as ArrayLike<number>, encodeNumber) };
    return t as unknown as JSONValue;
  }
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'function' ? null : stateToJSON(v)));
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, encodeNumber);
  if (typeof value === 'object') {
    const out: { [k: string]: JSONValue } = {};
    for (const [k, v] of Object.entries(value as object)) {
      if (typeof v === 'function') continue;
      out[k] = stateToJSON(v);
    }
    return out;
  }
  throw new TypeError(`stateToJSON: cannot serialise a value of type ${typeof value}`);
}

/**
 * Inverse of {@link stateToJSON}: rebuild tensors from their JSON form.
 * @param json - data from `stateToJSON` (possibly through `JSON.parse(JSON.stringify(...))`).
 * @returns the state with fresh tensors.
 * @example
 * ```ts
 * const s = stateFromJSON({ __tensor__: true, dtype: 'float64', shape: [2], data: [1, 2] });
 * ```
 */
export function stateFromJSON(json: unknown): any {
  if (json === null || typeof json !== 'object') return typeof json === 'string' && /^(NaN|-?Infinity)$/.test(json) ? Number(json) : json;
  if (Array.isArray(json)) return json.map(stateFromJSON);
  const o = json as Record<string, unknown>;
  if (o['__tensor__'] === true) {
    const data = (o['data'] as unknown[]).map(decodeNumber);
    return tensor(data, { dtype: o['dtype'] as DType, shape: o['shape'] as number[] });
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = stateFromJSON(v);
  return out;
}
