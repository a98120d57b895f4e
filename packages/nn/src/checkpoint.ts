/**
 * Saving and loading weights and training checkpoints.
 *
 * Weights are a plain safetensors file whose tensor names are the state-dict keys (PyTorch users can
 * `safetensors.torch.load_file` it). A checkpoint is the same file with the optimizer's and the
 * scheduler's state (plain JSON) and any extra JSON in its `__metadata__`, so one atomic rename
 * replaces everything at once.
 * @module
 */
import { Module, cloneStateDict, type StateDict } from './module.js';
import { encodeSafetensors, loadSafetensors, writeFileAtomic } from './safetensors.js';

/** Anything with PyTorch-style `stateDict()` / `loadStateDict()` (optimizers, schedulers). */
export interface Stateful {
  /** Serialisable (JSON) state. */
  stateDict(): unknown;
  /** Restore state produced by `stateDict()`. */
  loadStateDict(state: any): unknown;
}

const FORMAT = 'gd-checkpoint/1';

/**
 * Save a model's parameters and buffers as a safetensors file (atomically).
 * @param path - destination.
 * @param model - the model.
 * @param metadata - optional string → string metadata.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const model = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 1));
 * saveWeights(join(tmpdir(), 'mlp.safetensors'), model);
 * ```
 */
export function saveWeights(path: string, model: Module, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(model.stateDict(), metadata));
}

/**
 * Load weights saved by {@link saveWeights} (or any safetensors file with matching names). The file
 * is fully read and validated, and every key and shape checked, before the model changes; on any
 * error the model is untouched.
 * @param path - the file.
 * @param model - the model to load into.
 * @param opts - `strict` (default true): refuse missing or unexpected keys.
 * @returns the file's metadata.
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
  const { tensors, metadata } = loadSafetensors(path);
  try {
    model.loadStateDict(tensors, opts);
  } catch (e) {
    throw new Error(`loadWeights: ${path}: ${(e as Error).message}`);
  }
  return metadata;
}

/** What {@link saveCheckpoint} stores. */
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
 * Save model, optimizer and scheduler state to one safetensors file, atomically (temporary file in
 * the same directory, then rename).
 * @param path - destination.
 * @param contents - model, optimizer, scheduler, extra.
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
  if (!(contents.model instanceof Module)) throw new TypeError('saveCheckpoint: contents.model must be a Module');
  const metadata: Record<string, string> = { format: FORMAT };
  if (contents.optimizer) {
    metadata.optimizer = JSON.stringify(contents.optimizer.stateDict());
    metadata.optimizerClass = className(contents.optimizer);
  }
  if (contents.scheduler) {
    if (typeof contents.scheduler.stateDict !== 'function') throw new TypeError(`saveCheckpoint: the scheduler (${className(contents.scheduler)}) has no stateDict()`);
    metadata.scheduler = JSON.stringify(contents.scheduler.stateDict());
    metadata.schedulerClass = className(contents.scheduler);
  }
  if (contents.extra !== undefined) metadata.extra = JSON.stringify(contents.extra);
  writeFileAtomic(path, encodeSafetensors(contents.model.stateDict(), metadata));
}

/** What {@link loadCheckpoint} restores into. */
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

function parseJson(path: string, key: string, text: string | undefined): unknown {
  if (text === undefined) throw new Error(`loadCheckpoint: ${path} has no ${key} state`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`loadCheckpoint: ${path}: ${key} state is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Restore a checkpoint written by {@link saveCheckpoint}. Everything is validated first (the file's
 * structure, the model's keys and shapes, the presence of the requested states); if restoring the
 * optimizer or scheduler still fails, the model and optimizer are put back as they were. On any
 * error nothing is changed.
 * @param path - the file.
 * @param targets - model, and optionally optimizer and scheduler.
 * @returns the `extra` value stored with the checkpoint (or undefined).
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
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.format !== FORMAT) throw new Error(`loadCheckpoint: ${path} is not a checkpoint (format ${JSON.stringify(metadata.format)}, expected "${FORMAT}"); use loadWeights for plain weight files`);
  // Refuse state of another class up front (before anything changes): an optimizer's state in a
  // different optimizer would resume silently wrong; @gd/optim schedulers also check their own class.
  for (const [key, target] of [['optimizer', targets.optimizer], ['scheduler', targets.scheduler]] as const) {
    const saved = metadata[`${key}Class`];
    if (target && saved !== undefined && saved !== className(target)) {
      throw new Error(`loadCheckpoint: ${path} holds ${key} state of a ${saved}, not of a ${className(target)}`);
    }
  }
  const optState = targets.optimizer ? parseJson(path, 'optimizer', metadata.optimizer) : undefined;
  const schedState = targets.scheduler ? parseJson(path, 'scheduler', metadata.scheduler) : undefined;
  const extra = metadata.extra === undefined ? undefined : parseJson(path, 'extra', metadata.extra);
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
    throw new Error(`loadCheckpoint: ${path}: ${(e as Error).message}`);
  }
  return extra;
}
