/**
 * Saving and loading weights and training checkpoints.
 *
 * Weights are a plain safetensors file whose tensor names are the state-dict keys (PyTorch users can
 * `safetensors.torch.load_file` it). A checkpoint is the same file with the optimizer's and the
 * scheduler's state (plain JSON) and any extra JSON in its `__metadata__`, so one atomic rename
 * replaces everything at once.
 *
 * Every file function has an in-memory counterpart that works anywhere, browsers included:
 * `encodeWeights`/`decodeWeights` for `saveWeights`/`loadWeights`, `encodeCheckpoint`/
 * `decodeCheckpoint` for `saveCheckpoint`/`loadCheckpoint`; the file functions only add the file.
 * @module
 */
import { Module, cloneStateDict, type StateDict } from './module.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { readFileBytes, writeFileBytesAtomic } from './node.js';

/** Anything with PyTorch-style `stateDict()` / `loadStateDict()` (optimizers, schedulers). */
export interface Stateful {
  /** Serialisable (JSON) state. */
  stateDict(): unknown;
  /** Restore state produced by `stateDict()`. */
  loadStateDict(state: any): unknown;
}

const FORMAT = 'gd-checkpoint/1';

/** Decode safetensors bytes; an error about corrupt bytes is prefixed with `where` (`loadWeights: <path>`, `decodeWeights`, ...). */
function decodeFor(where: string, bytes: Uint8Array): ReturnType<typeof decodeSafetensors> {
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/**
 * A model's parameters and buffers as safetensors bytes: the in-memory form of {@link saveWeights},
 * for browsers (download, IndexedDB, upload) or anywhere the bytes go somewhere other than a file.
 * @param model - the model.
 * @param metadata - optional string → string metadata.
 * @returns the bytes of a safetensors file whose tensor names are the state-dict keys.
 * @example
 * ```ts
 * const model = new Linear(2, 1);
 * const bytes = encodeWeights(model, { note: 'trained' });
 * decodeSafetensors(bytes).metadata.note; // 'trained'
 * ```
 */
export function encodeWeights(model: Module, metadata: Record<string, string> = {}): Uint8Array {
  if (!(model instanceof Module)) throw new TypeError('encodeWeights: model must be a Module');
  return encodeSafetensors(model.stateDict(), metadata);
}

function restoreWeights(where: string, bytes: Uint8Array, model: Module, opts: { strict?: boolean }): Record<string, string> {
  if (!(model instanceof Module)) throw new TypeError(`${where}: model must be a Module`);
  const { tensors, metadata } = decodeFor(where, bytes);
  try {
    model.loadStateDict(tensors, opts);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  return metadata;
}

/**
 * Load safetensors bytes (from {@link encodeWeights}, {@link saveWeights}, or any safetensors file
 * with matching names) into a model: the in-memory form of {@link loadWeights}. The bytes are fully
 * validated, and every key and shape checked, before the model changes; on any error the model is
 * untouched.
 * @param bytes - the file's contents.
 * @param model - the model to load into.
 * @param opts - `strict` (default true): refuse missing or unexpected keys.
 * @returns the stored metadata.
 * @throws Error starting `decodeWeights:` for corrupt bytes or keys and shapes that do not match.
 * @example
 * ```ts
 * const trained = new Linear(2, 1);
 * const fresh = new Linear(2, 1);
 * decodeWeights(encodeWeights(trained), fresh);
 * equal(fresh.weight, trained.weight); // true
 * ```
 */
export function decodeWeights(bytes: Uint8Array, model: Module, opts: { strict?: boolean } = {}): Record<string, string> {
  return restoreWeights('decodeWeights', bytes, model, opts);
}

/**
 * Save a model's parameters and buffers as a safetensors file (atomically). Node only; in a browser
 * use {@link encodeWeights} (same bytes).
 * @param path - destination.
 * @param model - the model.
 * @param metadata - optional string → string metadata.
 * @throws Error naming `saveWeights` and `encodeWeights` outside Node.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const model = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 1));
 * saveWeights(join(tmpdir(), 'mlp.safetensors'), model);
 * ```
 */
export function saveWeights(path: string, model: Module, metadata: Record<string, string> = {}): void {
  if (!(model instanceof Module)) throw new TypeError('saveWeights: model must be a Module');
  writeFileBytesAtomic('saveWeights', path, () => encodeWeights(model, metadata), 'encodeWeights(model, metadata) to get the bytes');
}

/**
 * Load weights saved by {@link saveWeights} (or any safetensors file with matching names). The file
 * is fully read and validated, and every key and shape checked, before the model changes; on any
 * error the model is untouched. Node only; in a browser use {@link decodeWeights} on the bytes.
 * @param path - the file.
 * @param model - the model to load into.
 * @param opts - `strict` (default true): refuse missing or unexpected keys.
 * @returns the file's metadata.
 * @throws Error naming the file for a missing, corrupt or mismatched file; naming `loadWeights`
 *   and `decodeWeights` outside Node.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(tmpdir(), 'doc-linear.safetensors');
 * const trained = new Linear(2, 1);
 * saveWeights(path, trained);
 * const fresh = new Linear(2, 1);
 * loadWeights(path, fresh);
 * equal(fresh.weight, trained.weight); // true
 * ```
 */
export function loadWeights(path: string, model: Module, opts: { strict?: boolean } = {}): Record<string, string> {
  const bytes = readFileBytes('loadWeights', path, 'decodeWeights(bytes, model) on the file\'s bytes (e.g. from fetch)');
  return restoreWeights(`loadWeights: ${path}`, bytes, model, opts);
}

/** What {@link saveCheckpoint} and {@link encodeCheckpoint} store. */
export interface CheckpointContents {
  /** The model (its state dict becomes the file's tensors). */
  model: Module;
  /** An optimizer (its `stateDict()` is stored as JSON). */
  optimizer?: Stateful;
  /** A learning-rate scheduler (its `stateDict()` is stored as JSON). */
  scheduler?: Stateful;
  /** Any JSON-serialisable extra state (epoch, step, data-loader generator state...). */
  extra?: unknown;
}

/**
 * Model, optimizer and scheduler state as the bytes of one safetensors file: the in-memory form of
 * {@link saveCheckpoint} (same bytes), for browsers or any storage other than a file.
 * @param contents - model, optimizer, scheduler, extra.
 * @returns the checkpoint's bytes.
 * @example
 * ```ts
 * const model = new Linear(2, 1);
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
 * const bytes = encodeCheckpoint({ model, optimizer, extra: { epoch: 3 } });
 * decodeSafetensors(bytes).metadata.format; // 'gd-checkpoint/1'
 * ```
 */
export function encodeCheckpoint(contents: CheckpointContents): Uint8Array {
  return checkpointBytes('encodeCheckpoint', contents);
}

function checkpointBytes(op: string, contents: CheckpointContents): Uint8Array {
  if (typeof contents !== 'object' || contents === null || !(contents.model instanceof Module)) throw new TypeError(`${op}: contents.model must be a Module`);
  const metadata: Record<string, string> = { format: FORMAT };
  if (contents.optimizer) {
    metadata.optimizer = JSON.stringify(contents.optimizer.stateDict());
    metadata.optimizerClass = className(contents.optimizer);
  }
  if (contents.scheduler) {
    if (typeof contents.scheduler.stateDict !== 'function') throw new TypeError(`${op}: the scheduler (${className(contents.scheduler)}) has no stateDict()`);
    metadata.scheduler = JSON.stringify(contents.scheduler.stateDict());
    metadata.schedulerClass = className(contents.scheduler);
  }
  if (contents.extra !== undefined) metadata.extra = JSON.stringify(contents.extra);
  return encodeSafetensors(contents.model.stateDict(), metadata);
}

/**
 * Save model, optimizer and scheduler state to one safetensors file, atomically (temporary file in
 * the same directory, then rename). Node only; in a browser use {@link encodeCheckpoint} (same bytes).
 * @param path - destination.
 * @param contents - model, optimizer, scheduler, extra.
 * @throws Error naming `saveCheckpoint` and `encodeCheckpoint` outside Node.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const model = new Linear(2, 1);
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
 * saveCheckpoint(join(tmpdir(), 'run.ckpt.safetensors'), { model, optimizer, extra: { epoch: 3 } });
 * ```
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  writeFileBytesAtomic('saveCheckpoint', path, () => checkpointBytes('saveCheckpoint', contents), 'encodeCheckpoint(contents) to get the bytes');
}

/** What {@link loadCheckpoint} and {@link decodeCheckpoint} restore into. */
export interface CheckpointTargets {
  /** The model to load the weights into. */
  model: Module;
  /** The optimizer to restore (the file must contain optimizer state). */
  optimizer?: Stateful;
  /** The scheduler to restore (the file must contain scheduler state). */
  scheduler?: Stateful;
}

function className(x: object): string {
  const c = (x as { constructor?: { name?: unknown } }).constructor;
  return c !== undefined && typeof c.name === 'string' && c.name !== '' ? c.name : 'Object';
}

/** Where a checkpoint comes from, for error messages: `loadCheckpoint: <path>` or `decodeCheckpoint: the input`. */
interface Source {
  /** The public function. */
  op: string;
  /** The file's path, or `the input`. */
  name: string;
  /** The function for plain weight files (`loadWeights` or `decodeWeights`). */
  weightsFn: string;
}

function parseJson(src: Source, key: string, text: string | undefined): unknown {
  if (text === undefined) throw new Error(`${src.op}: ${src.name} has no ${key} state`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${src.op}: ${src.name}: ${key} state is not valid JSON (${(e as Error).message})`);
  }
}

function restoreCheckpoint(src: Source, bytes: Uint8Array, targets: CheckpointTargets): unknown {
  if (typeof targets !== 'object' || targets === null || !(targets.model instanceof Module)) throw new TypeError(`${src.op}: targets.model must be a Module`);
  const { tensors, metadata } = decodeFor(`${src.op}: ${src.name}`, bytes);
  if (metadata.format !== FORMAT) throw new Error(`${src.op}: ${src.name} is not a checkpoint (format ${JSON.stringify(metadata.format)}, expected "${FORMAT}"); use ${src.weightsFn} for plain weight files`);
  // Refuse state of another class up front (before anything changes): an optimizer's state in a
  // different optimizer would resume silently wrong; @gd/optim schedulers also check their own class.
  for (const [key, target] of [['optimizer', targets.optimizer], ['scheduler', targets.scheduler]] as const) {
    const saved = metadata[`${key}Class`];
    if (target && saved !== undefined && saved !== className(target)) {
      throw new Error(`${src.op}: ${src.name} holds ${key} state of a ${saved}, not of a ${className(target)}`);
    }
  }
  const optState = targets.optimizer ? parseJson(src, 'optimizer', metadata.optimizer) : undefined;
  const schedState = targets.scheduler ? parseJson(src, 'scheduler', metadata.scheduler) : undefined;
  const extra = metadata.extra === undefined ? undefined : parseJson(src, 'extra', metadata.extra);
  const modelBackup: StateDict = cloneStateDict(targets.model.stateDict());
  const optBackup = targets.optimizer ? JSON.parse(JSON.stringify(targets.optimizer.stateDict())) : undefined;
  const schedBackup = targets.scheduler ? JSON.parse(JSON.stringify(targets.scheduler.stateDict())) : undefined;
  try {
    targets.model.loadStateDict(tensors);
    if (targets.optimizer) targets.optimizer.loadStateDict(optState);
    if (targets.scheduler) targets.scheduler.loadStateDict(schedState);
  } catch (e) {
    targets.model.loadStateDict(modelBackup);
    if (targets.optimizer) targets.optimizer.loadStateDict(optBackup);
    if (targets.scheduler) targets.scheduler.loadStateDict(schedBackup);
    throw new Error(`${src.op}: ${src.name}: ${(e as Error).message}`);
  }
  return extra;
}

/**
 * Restore checkpoint bytes (from {@link encodeCheckpoint} or {@link saveCheckpoint}): the in-memory
 * form of {@link loadCheckpoint}, with the same guarantees. Everything is validated first (the
 * structure, the model's keys and shapes, the presence and class of the requested states); if
 * restoring the optimizer or scheduler still fails, the model and optimizer are put back as they
 * were. On any error nothing is changed.
 * @param bytes - the checkpoint's bytes.
 * @param targets - model, and optionally optimizer and scheduler.
 * @returns the `extra` value stored with the checkpoint (or undefined).
 * @throws Error starting `decodeCheckpoint:` for corrupt bytes, a plain weights file, missing or
 *   mismatched state.
 * @example
 * ```ts
 * const model = new Linear(2, 1);
 * const optimizer = new Adam(model.parameters());
 * const bytes = encodeCheckpoint({ model, optimizer, extra: { epoch: 3 } });
 * const { epoch } = decodeCheckpoint(bytes, { model, optimizer }) as { epoch: number };
 * epoch; // 3
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array, targets: CheckpointTargets): unknown {
  return restoreCheckpoint({ op: 'decodeCheckpoint', name: 'the input', weightsFn: 'decodeWeights' }, bytes, targets);
}

/**
 * Restore a checkpoint written by {@link saveCheckpoint}. Everything is validated first (the file's
 * structure, the model's keys and shapes, the presence of the requested states); if restoring the
 * optimizer or scheduler still fails, the model and optimizer are put back as they were. On any
 * error nothing is changed. Node only; in a browser use {@link decodeCheckpoint} on the bytes.
 * @param path - the file.
 * @param targets - model, and optionally optimizer and scheduler.
 * @returns the `extra` value stored with the checkpoint (or undefined).
 * @throws Error naming the file for a missing, corrupt or mismatched checkpoint; naming
 *   `loadCheckpoint` and `decodeCheckpoint` outside Node.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(tmpdir(), 'doc-resume.ckpt.safetensors');
 * const model = new Linear(2, 1);
 * const optimizer = new Adam(model.parameters());
 * saveCheckpoint(path, { model, optimizer, extra: { epoch: 3 } });
 * const { epoch } = loadCheckpoint(path, { model, optimizer }) as { epoch: number };
 * epoch; // 3
 * ```
 */
export function loadCheckpoint(path: string, targets: CheckpointTargets): unknown {
  const bytes = readFileBytes('loadCheckpoint', path, 'decodeCheckpoint(bytes, targets) on the file\'s bytes (e.g. from fetch)');
  return restoreCheckpoint({ op: 'loadCheckpoint', name: path, weightsFn: 'loadWeights' }, bytes, targets);
}
