/**
 * Node's built-in modules, obtained when a function needs them rather than imported at the top of a
 * file: `process.getBuiltinModule` (Node ≥ 20.16) is an ordinary call that bundlers do not follow,
 * so a browser bundle of `@gd/nn` carries no `node:` import, and outside Node only the functions
 * that really touch files fail, each with an error that names its in-memory counterpart.
 *
 * Internal: not re-exported from the package entry point.
 * @module
 */

/** The built-ins `@gd/nn` uses (types only; nothing is imported at run time). */
interface Builtins {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  module: typeof import('node:module');
}

type Proc = { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };

/** The global `process`, or undefined (browsers, workers); never throws. */
function proc(): Proc | undefined {
  const p = (globalThis as { process?: unknown }).process;
  return typeof p === 'object' && p !== null ? (p as Proc) : undefined;
}

/**
 * Node's built-in `node:<name>`, or undefined outside Node (or in a Node without
 * `process.getBuiltinModule`).
 * @param name - `fs`, `path` or `module`.
 */
export function tryNodeModule<K extends keyof Builtins>(name: K): Builtins[K] | undefined {
  const p = proc();
  if (typeof p?.getBuiltinModule !== 'function') return undefined;
  try {
    return (p.getBuiltinModule(`node:${name}`) ?? undefined) as Builtins[K] | undefined;
  } catch {
    return undefined;
  }
}

/** Whether this is Node (a `process` with `versions.node`); false in browsers and workers. */
export function isNode(): boolean {
  return typeof proc()?.versions?.node === 'string';
}

/**
 * Node's built-in `node:<name>` for the function `op`, which does `doing` (e.g. "writes a file").
 * @param name - the built-in.
 * @param op - the public function that needs it (starts the error message).
 * @param doing - what `op` does that needs Node, e.g. `'writes a file'`.
 * @param instead - the in-memory counterpart to use elsewhere, e.g. `'encodeSafetensors(tensors) to get the bytes'`.
 * @throws Error `"<op>: <doing>, which needs Node's file system; in a browser use <instead>"` outside
 *   Node, or a note about `process.getBuiltinModule` in a Node older than 20.16.
 */
export function nodeModule<K extends keyof Builtins>(name: K, op: string, doing: string, instead: string): Builtins[K] {
  const m = tryNodeModule(name);
  if (m !== undefined) return m;
  const what = name === 'module' ? "Node's module loader" : "Node's file system";
  const version = proc()?.versions?.node;
  if (typeof version === 'string') {
    throw new Error(`${op}: ${doing}, which needs ${what} through process.getBuiltinModule (Node >= 20.16); this is Node ${version}. Upgrade Node, or use ${instead}`);
  }
  throw new Error(`${op}: ${doing}, which needs ${what}; in a browser use ${instead}`);
}

/**
 * The bytes of the file at `path` (for the reading functions).
 * @param op - the public function (for errors).
 * @param path - the file.
 * @param instead - its in-memory counterpart (for the error outside Node).
 */
export function readFileBytes(op: string, path: string, instead: string): Uint8Array {
  const fs = nodeModule('fs', op, 'reads a file', instead);
  const buf = readOrExplain(op, path, () => fs.readFileSync(path));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** `read()`, with a failure (missing file, a directory, no permission) restated as `<op>: cannot read <path>: …`. */
function readOrExplain<T>(op: string, path: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    const err = new Error(`${op}: cannot read ${path}: ${(e as Error).message}`, { cause: e });
    const code = (e as { code?: unknown }).code;
    if (code !== undefined) (err as { code?: unknown }).code = code;
    throw err;
  }
}

/**
 * The text of the file at `path` (UTF-8).
 * @param op - the public function (for errors).
 * @param path - the file.
 * @param instead - its in-memory counterpart (for the error outside Node).
 */
export function readFileText(op: string, path: string, instead: string): string {
  const fs = nodeModule('fs', op, 'reads a file', instead);
  return readOrExplain(op, path, () => fs.readFileSync(path, 'utf8'));
}

/**
 * Write bytes to `path` atomically: into a temporary file in the same directory, flushed to disk,
 * then renamed over `path`, so a crash leaves the old file or the new one, never a mix. Node is
 * checked for before `bytes()` is called, so outside Node nothing is encoded in vain.
 * @param op - the public function (for errors).
 * @param path - destination.
 * @param bytes - produces the contents.
 * @param instead - its in-memory counterpart (for the error outside Node).
 */
export function writeFileBytesAtomic(op: string, path: string, bytes: () => Uint8Array, instead: string): void {
  const fs = nodeModule('fs', op, 'writes a file', instead);
  const { dirname, basename, join } = nodeModule('path', op, 'writes a file', instead);
  const data = bytes();
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${pid}-${Math.random().toString(36).slice(2)}`);
  let fd: number | null = fs.openSync(tmp, 'w');
  try {
    let written = 0;
    while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
}
