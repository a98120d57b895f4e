/**
 * The training loop: `fit`, `evaluate`, metrics and callbacks (early stopping, checkpoints,
 * learning-rate logging), with a progress bar on a terminal and a single summary line elsewhere.
 * @module
 */
import { Tensor, fmt, setGradEnabled, argmax } from '@gd/tensor';
import { clipGradNorm, globalNorm, ReduceLROnPlateau, type StopCriterion } from '@gd/optim';
import { Module, cloneStateDict, type StateDict } from './module.js';
import { DataLoader, TensorDataset, type Dataset } from './data.js';
import { encodeCheckpoint, saveCheckpoint, type Stateful } from './checkpoint.js';
import { isNode, tryNodeModule } from './node.js';

/** A loss: predictions and targets → a scalar tensor. */
export type LossFn = (prediction: Tensor, target: Tensor) => Tensor;

/** A metric: predictions and targets of a batch → a number (averaged over batches, weighted by batch size). */
export type MetricFn = (prediction: Tensor, target: Tensor) => number;

/** What {@link OptimizerLike.paramGroups} must expose. */
export interface ParamGroupLike {
  /** The group's learning rate (recorded in the history when a number). */
  lr?: unknown;
  /** The group's parameters. */
  params: readonly Tensor[];
}

/** The optimizer interface `fit` needs (every `@gd/optim` optimizer has it). */
export interface OptimizerLike {
  /** One update; calls `closure` (possibly several times, as L-BFGS does) to get the loss and gradients. */
  step(closure?: () => number | Tensor): unknown;
  /** Clear gradients. */
  zeroGrad(): void;
  /** Parameter groups; `paramGroups[0].lr` is what the history records as the learning rate. */
  readonly paramGroups: readonly ParamGroupLike[];
}

/** A learning-rate scheduler (PyTorch-style): `step()` after each epoch or batch; plateau schedulers take a metric. */
export interface SchedulerLike {
  /** Advance the schedule; a plateau scheduler reads `metric`. */
  step(metric?: number): unknown;
}

/** Training data: a loader, a dataset (one batch per epoch), or `[inputs, targets]`. */
export type FitData = DataLoader | Dataset | readonly [Tensor, Tensor];

/** One optimisation step in {@link History.steps}. */
export interface StepLog {
  /** Epoch (0-based). */
  epoch: number;
  /** Global step (0-based). */
  step: number;
  /** Training loss of the batch (the first loss evaluation of the step). */
  loss: number;
  /** Learning rate used by the step (group 0). */
  lr: number;
  /** Gradient norm before clipping (only with `clipGradNorm`). */
  gradNorm?: number;
}

/** One epoch in {@link History.epochs}: mean training loss, metrics, and validation results. */
export interface EpochLog {
  /** Epoch (0-based). */
  epoch: number;
  /** Mean training loss over the epoch's examples. */
  loss: number;
  /** Learning rate at the end of the epoch (group 0). */
  lr: number;
  /** Validation loss (with `validation`). */
  valLoss?: number;
  /** Training metrics and (prefixed `val`) validation metrics, e.g. `accuracy`, `valAccuracy`. */
  [metric: string]: number | undefined;
}

/** What {@link fit} returns. */
export interface History {
  /** Every step. */
  steps: StepLog[];
  /** Every epoch. */
  epochs: EpochLog[];
  /** Why training ended: `'epochs'` (all done) or the reason a callback gave. */
  stopReason: string;
}

/** What callbacks see. */
export interface FitContext {
  /** The model being trained. */
  readonly model: Module;
  /** The optimizer. */
  readonly optimizer: OptimizerLike;
  /** The scheduler, if any. */
  readonly scheduler: SchedulerLike | undefined;
  /** History so far. */
  readonly history: History;
  /** Total epochs requested. */
  readonly epochs: number;
  /** Ask `fit` to stop after the current epoch (or step) with a reason. */
  stop(reason: string): void;
  /** Whether a stop has been requested. */
  readonly stopRequested: boolean;
}

/** Hooks called by {@link fit}; implement any subset. */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?(ctx: FitContext): void;
  /** At the start of each epoch. */
  onEpochBegin?(epoch: number, ctx: FitContext): void;
  /** After each optimisation step. */
  onStepEnd?(log: StepLog, ctx: FitContext): void;
  /** After each epoch (after validation and scheduler stepping). */
  onEpochEnd?(log: EpochLog, ctx: FitContext): void;
  /** After training ends, however it ends. */
  onTrainEnd?(ctx: FitContext): void;
}

/** Options of {@link fit}. */
export interface FitOptions {
  /** The loss function, e.g. `crossEntropy` or `(p, y) => mseLoss(p, y)`. */
  loss: LossFn;
  /** The optimizer over `model.parameters()`. */
  optimizer: OptimizerLike;
  /** Training data. */
  data: FitData;
  /** Number of epochs (default 1). */
  epochs?: number;
  /** A learning-rate scheduler. */
  scheduler?: SchedulerLike;
  /** Step the scheduler after every `'epoch'` (default) or every `'step'`. */
  schedulerInterval?: 'epoch' | 'step';
  /**
   * The epoch-log value passed to `scheduler.step(metric)` (e.g. `'valLoss'`). Defaults, for
   * `ReduceLROnPlateau`, to `'valLoss'` with validation data and `'loss'` without.
   */
  schedulerMetric?: string;
  /**
   * A stopping criterion from `@gd/optim` (`maxIterations`, `lossBelow`, `gradNormBelow`,
   * `noImprovement`, `timeBudget`, `divergence`, `anyOf(...)`), checked after every step with the
   * step count, the batch loss, the gradient norm and the elapsed time.
   */
  stop?: StopCriterion;
  /** Clip the global L2 norm of the gradients to this value before each update. */
  clipGradNorm?: number;
  /** Validation data, evaluated after every epoch (loss and metrics, prefixed `val`). */
  validation?: FitData;
  /** Metrics computed on training batches and validation data, e.g. `{ accuracy }`. */
  metrics?: Record<string, MetricFn>;
  /** Callbacks, called in order. */
  callbacks?: Callback[];
  /**
   * `'auto'` (default): a progress bar on a terminal (Node, stdout a TTY, not under CI), one final
   * line otherwise (browsers included); `false`: silent; `'bar'`/`'line'` to force. The bar needs
   * Node (`'bar'` in a browser is an error); where its package cannot be loaded (a bundle deployed
   * without `node_modules`), the final line is printed instead.
   */
  progress?: 'auto' | 'bar' | 'line' | false;
  /** Where the final line goes (default `console.log`). */
  log?: (line: string) => void;
}

function toLoader(op: string, data: FitData, batchSize?: number): DataLoader {
  if (data instanceof DataLoader) return data;
  if (Array.isArray(data)) {
    const [x, y] = data as [Tensor, Tensor];
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new TypeError(`${op}: data as an array must be [inputs, targets] tensors`);
    const ds = new TensorDataset(x, y);
    return new DataLoader(ds, { batchSize: batchSize ?? ds.length });
  }
  if (typeof (data as Dataset).getBatch === 'function') {
    const ds = data as Dataset;
    return new DataLoader(ds, { batchSize: batchSize ?? ds.length });
  }
  throw new TypeError(`${op}: data must be a DataLoader, a Dataset or [inputs, targets]`);
}

function scalarOf(op: string, t: Tensor | number): number {
  if (typeof t === 'number') return t;
  if (!(t instanceof Tensor) || t.size !== 1) throw new RangeError(`${op}: the loss must be a scalar tensor, got ${t instanceof Tensor ? fmt(t.shape) : typeof t}`);
  return t.item();
}

function lrOf(opt: OptimizerLike): number {
  const lr = opt.paramGroups[0]?.lr;
  return typeof lr === 'number' ? lr : NaN;
}

/** Thrown inside the step closure when the loss is not finite, so the update is skipped. */
class Diverged extends Error {}

function batchInputs(op: string, batch: Tensor[]): [Tensor, Tensor] {
  if (batch.length !== 2) throw new RangeError(`${op}: each batch must be [inputs, targets], got ${batch.length} tensors`);
  return [batch[0]!, batch[1]!];
}

/**
 * Evaluate a model on data without recording gradients and in evaluation mode (the model's mode is
 * restored afterwards).
 * @param model - the model.
 * @param data - a loader, a dataset or `[inputs, targets]`.
 * @param opts - `loss` and `metrics`; each result is averaged over examples.
 * @returns `{ loss?, ...metrics }`.
 * @example
 * ```ts
 * const model = new Linear(2, 3);
 * const xTest = randn([10, 2]);
 * const yTest = randint(0, 3, [10]);
 * const { loss, accuracy: acc } = evaluate(model, [xTest, yTest], { loss: crossEntropy, metrics: { accuracy } });
 * ```
 */
export function evaluate(model: Module, data: FitData, opts: { loss?: LossFn; metrics?: Record<string, MetricFn>; batchSize?: number } = {}): Record<string, number> {
  const loader = toLoader('evaluate', data, opts.batchSize);
  const wasTraining = model.training;
  model.eval();
  const prev = setGradEnabled(false);
  const sums: Record<string, number> = {};
  let n = 0;
  try {
    for (const batch of loader) {
      const [x, y] = batchInputs('evaluate', batch);
      const bs = x.shape[0] ?? 1;
      const pred = model.forward(x);
      if (opts.loss) sums.loss = (sums.loss ?? 0) + scalarOf('evaluate', opts.loss(pred, y)) * bs;
      for (const [name, fn] of Object.entries(opts.metrics ?? {})) sums[name] = (sums[name] ?? 0) + fn(pred, y) * bs;
      n += bs;
    }
  } finally {
    setGradEnabled(prev);
    model.train(wasTraining);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) out[k] = v / n;
  return out;
}

/**
 * Fraction of correct predictions. For `[N, C]` scores (C > 1) the prediction is the arg-max class,
 * compared with int class targets `[N]`; for `[N]` or `[N, 1]` outputs the prediction is
 * `output > threshold` compared with 0/1 targets (threshold 0 for logits — the default — or 0.5 for
 * probabilities).
 * @param prediction - scores, logits or probabilities.
 * @param target - class indices or 0/1 labels.
 * @param threshold - decision threshold for single-output predictions (default 0).
 * @returns accuracy in [0, 1].
 * @example
 * ```ts
 * accuracy(tensor([[2, 1], [0, 3]]), tensor([0, 0], { dtype: 'int32' })); // 0.5
 * ```
 */
export function accuracy(prediction: Tensor, target: Tensor, threshold = 0): number {
  const n = prediction.shape[0] ?? 1;
  const y = target.reshape([-1]).data();
  let correct = 0;
  if (prediction.ndim === 2 && prediction.shape[1]! > 1) {
    if (y.length !== n) throw new RangeError(`accuracy: ${n} predictions ${fmt(prediction.shape)} but ${y.length} targets ${fmt(target.shape)}`);
    const p = argmax(prediction, 1).data();
    for (let i = 0; i < n; i++) if (p[i] === y[i]) correct++;
  } else {
    const p = prediction.reshape([-1]).data();
    if (p.length !== y.length) throw new RangeError(`accuracy: predictions ${fmt(prediction.shape)} and targets ${fmt(target.shape)} differ in size`);
    for (let i = 0; i < p.length; i++) if ((p[i]! > threshold ? 1 : 0) === (y[i]! > 0.5 ? 1 : 0)) correct++;
  }
  return correct / Math.max(1, y.length);
}

type Proc = { env?: Record<string, string | undefined>; stdout?: { isTTY?: boolean } };

function isTty(): boolean {
  const p = (globalThis as { process?: Proc }).process;
  if (typeof p !== 'object' || p === null) return false;
  const ci = p.env?.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false') return false;
  return p.stdout?.isTTY === true;
}

type CliProgress = typeof import('cli-progress');

/**
 * The `cli-progress` package, loaded when a bar is about to be drawn (never at import time: it is
 * CommonJS built on Node's streams and would break a browser bundle), resolved from this package's
 * dependencies. Null when it cannot be found or loaded, e.g. in a bundle deployed without
 * `node_modules`.
 */
function loadCliProgress(): CliProgress | null {
  const mod = tryNodeModule('module');
  if (mod === undefined) return null;
  try {
    const load = mod.createRequire(import.meta.url);
    const cli = load('cli-progress') as CliProgress;
    return typeof cli?.SingleBar === 'function' ? cli : null;
  } catch {
    return null;
  }
}

function fmtNum(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '-';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toFixed(4) : x.toExponential(3);
}

/**
 * Train `model` with `optimizer` on `data` for `epochs` epochs.
 *
 * Each step runs a closure — zero the gradients, forward, loss, backward, optionally clip the global
 * gradient norm — through `optimizer.step(closure)`, so closure-based optimizers (L-BFGS) work as
 * well as first-order ones. The history records the loss and learning rate of every step and the
 * mean loss, metrics and validation results of every epoch. Callbacks may stop training early.
 * The loop holds no graph between steps: memory stays flat across epochs.
 * @param model - the model (put in training mode for the run).
 * @param opts - see {@link FitOptions}.
 * @returns the history.
 * @example
 * ```ts
 * const { x, y } = twoSpirals({ n: 50, seed: 0 });
 * const [train, val] = randomSplit(new TensorDataset(x, y), [0.8, 0.2], new Generator(1));
 * const g = new Generator(2);
 * const model = new Sequential(new Linear(2, 16, { generator: g }), new Tanh(), new Linear(16, 2, { generator: g }));
 * const history = fit(model, {
 *   loss: crossEntropy, optimizer: new Adam(model.parameters(), { lr: 1e-2 }),
 *   data: new DataLoader(train!, { batchSize: 16, shuffle: true, seed: 0 }), epochs: 5,
 *   validation: val, metrics: { accuracy }, progress: false,
 *   callbacks: [new EarlyStopping({ patience: 10, restoreBestWeights: true })],
 * });
 * history.epochs.length; // 5
 * ```
 */
export function fit(model: Module, opts: FitOptions): History {
  if (!(model instanceof Module)) throw new TypeError('fit: model must be a Module');
  if (typeof opts.loss !== 'function') throw new TypeError('fit: options.loss must be a function (prediction, target) => Tensor');
  if (!opts.optimizer || typeof opts.optimizer.step !== 'function') throw new TypeError('fit: options.optimizer must be an optimizer');
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (opts.clipGradNorm !== undefined && !(opts.clipGradNorm > 0)) throw new RangeError(`fit: clipGradNorm must be positive, got ${opts.clipGradNorm}`);
  const interval = opts.schedulerInterval ?? 'epoch';
  if (interval !== 'epoch' && interval !== 'step') throw new RangeError(`fit: schedulerInterval must be 'epoch' or 'step', got ${JSON.stringify(interval)}`);
  const loader = toLoader('fit', opts.data);
  const optimizer = opts.optimizer;
  const callbacks = opts.callbacks ?? [];
  const metrics = opts.metrics ?? {};
  const history: History = { steps: [], epochs: [], stopReason: 'epochs' };
  let stopReason: string | null = null;
  const ctx: FitContext = {
    model, optimizer, scheduler: opts.scheduler, history, epochs,
    stop(reason: string) { if (stopReason === null) stopReason = reason; },
    get stopRequested() { return stopReason !== null; },
  };
  const mode = opts.progress ?? 'auto';
  if (mode !== 'auto' && mode !== 'bar' && mode !== 'line' && mode !== false) throw new RangeError(`fit: progress must be 'auto', 'bar', 'line' or false, got ${JSON.stringify(mode)}`);
  if (mode === 'bar' && !isNode()) throw new Error("fit: progress 'bar' draws on a terminal, which needs Node; in a browser use progress 'line' (one summary line through the log option) or false");
  const totalSteps = epochs * loader.length;
  const barMode = mode === 'bar' || (mode === 'auto' && isTty());
  const cli = barMode && totalSteps > 0 ? loadCliProgress() : null;
  // without a loadable cli-progress the bar becomes the final line
  const useLine = mode === 'line' || (mode === 'auto' && !barMode) || (barMode && totalSteps > 0 && cli === null);
  const log = opts.log ?? ((s: string) => console.log(s));
  let bar: InstanceType<CliProgress['SingleBar']> | null = null;
  if (cli !== null) {
    bar = new cli.SingleBar({
      format: 'epoch {epoch}/{epochs} |{bar}| {value}/{total} steps | loss {loss} | lr {lr} | {eta_formatted}',
      hideCursor: true, clearOnComplete: false, stopOnComplete: false, etaBuffer: 50, stream: process.stdout,
    }, cli.Presets.shades_classic);
    bar.start(totalSteps, 0, { epoch: 1, epochs, loss: '-', lr: fmtNum(lrOf(optimizer)) });
  }
  const params = model.parameters();
  const t0 = Date.now();
  opts.stop?.reset();
  let step = 0;
  model.train();
  try {
    for (const cb of callbacks) cb.onTrainBegin?.(ctx);
    for (let epoch = 0; epoch < epochs && stopReason === null; epoch++) {
      for (const cb of callbacks) cb.onEpochBegin?.(epoch, ctx);
      let lossSum = 0;
      let count = 0;
      const metricSums: Record<string, number> = {};
      for (const batch of loader) {
        const [x, y] = batchInputs('fit', batch);
        const bs = x.shape[0] ?? 1;
        const lr = lrOf(optimizer);
        let firstLoss: number | null = null;
        let gradNorm: number | undefined;
        let firstPred: Tensor | null = null;
        const closure = (): Tensor => {
          optimizer.zeroGrad();
          const pred = model.forward(x);
          const loss = opts.loss(pred, y);
          if (!(loss instanceof Tensor) || loss.size !== 1) throw new RangeError(`fit: the loss must be a scalar tensor, got ${loss instanceof Tensor ? fmt(loss.shape) : typeof loss}`);
          const value = loss.item();
          if (!Number.isFinite(value)) throw new Diverged(`loss is ${value}`);
          loss.backward();
          if (opts.clipGradNorm !== undefined) {
            const norm = clipGradNorm(params, opts.clipGradNorm, { errorIfNonfinite: true });
            if (gradNorm === undefined) gradNorm = norm;
          } else if (opts.stop !== undefined && gradNorm === undefined) {
            gradNorm = globalNorm(params.map((p) => p.grad).filter((g): g is Tensor => g !== null));
          }
          if (firstLoss === null) {
            firstLoss = value;
            firstPred = pred.detach();
          }
          return loss.detach();
        };
        try {
          optimizer.step(closure);
        } catch (e) {
          if (!(e instanceof Diverged)) throw e;
          // the parameters that gave a non-finite loss are kept (finite); no update was applied
          history.steps.push({ epoch, step, loss: NaN, lr });
          ctx.stop('diverged');
          break;
        }
        if (firstLoss === null) throw new Error('fit: the optimizer did not call the closure; fit needs optimizers that accept step(closure)');
        const lossValue: number = firstLoss;
        lossSum += lossValue * bs;
        count += bs;
        if (Object.keys(metrics).length > 0) {
          const prev = setGradEnabled(false);
          try {
            for (const [name, fn] of Object.entries(metrics)) metricSums[name] = (metricSums[name] ?? 0) + fn(firstPred!, y) * bs;
          } finally {
            setGradEnabled(prev);
          }
        }
        const slog: StepLog = { epoch, step, loss: lossValue, lr };
        if (gradNorm !== undefined) slog.gradNorm = gradNorm;
        history.steps.push(slog);
        step++;
        for (const cb of callbacks) cb.onStepEnd?.(slog, ctx);
        if (opts.stop !== undefined) {
          const reason = opts.stop.check({ step, loss: lossValue, gradNorm: gradNorm ?? NaN, elapsedMs: Date.now() - t0 });
          if (reason !== null) ctx.stop(reason);
        }
        if (opts.scheduler && interval === 'step') opts.scheduler.step();
        bar?.update(step, { epoch: epoch + 1, loss: fmtNum(lossValue), lr: fmtNum(lrOf(optimizer)) });
        if (stopReason !== null) break;
      }
      const elog: EpochLog = { epoch, loss: lossSum / Math.max(1, count), lr: lrOf(optimizer) };
      for (const [name, s] of Object.entries(metricSums)) elog[name] = s / Math.max(1, count);
      if (opts.validation !== undefined) {
        const v = evaluate(model, opts.validation, { loss: opts.loss, metrics });
        elog.valLoss = v.loss;
        for (const name of Object.keys(metrics)) elog[`val${name[0]!.toUpperCase()}${name.slice(1)}`] = v[name];
      }
      if (opts.scheduler && interval === 'epoch' && !(stopReason === 'diverged')) {
        const metricKey = opts.schedulerMetric ?? (opts.scheduler instanceof ReduceLROnPlateau ? (elog.valLoss !== undefined ? 'valLoss' : 'loss') : undefined);
        if (metricKey !== undefined) {
          const m = elog[metricKey];
          if (typeof m !== 'number') throw new RangeError(`fit: schedulerMetric '${metricKey}' is not in the epoch log (has ${Object.keys(elog).join(', ')})`);
          opts.scheduler.step(m);
        } else {
          opts.scheduler.step();
        }
      }
      elog.lr = lrOf(optimizer);
      history.epochs.push(elog);
      for (const cb of callbacks) cb.onEpochEnd?.(elog, ctx);
    }
  } finally {
    bar?.stop();
    history.stopReason = stopReason ?? 'epochs';
    for (const cb of callbacks) cb.onTrainEnd?.(ctx);
  }
  if (useLine) {
    const last = history.epochs[history.epochs.length - 1];
    const parts = [`fit: ${history.epochs.length} epochs, ${step} steps`];
    if (last) {
      parts.push(`loss ${fmtNum(last.loss)}`);
      for (const [k, v] of Object.entries(last)) if (k !== 'epoch' && k !== 'loss' && k !== 'lr' && typeof v === 'number') parts.push(`${k} ${fmtNum(v)}`);
      parts.push(`lr ${fmtNum(last.lr)}`);
    }
    parts.push(`${((Date.now() - t0) / 1000).toFixed(1)}s`);
    if (history.stopReason !== 'epochs') parts.push(`stopped: ${history.stopReason}`);
    log(parts.join(', '));
  }
  return history;
}

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Epoch-log key to watch (default `'valLoss'`, falling back to `'loss'` without validation). */
  monitor?: string;
  /** `'min'` (default) or `'max'`. */
  mode?: 'min' | 'max';
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** On stopping (or at the end), load the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Stop when a monitored quantity has not improved by `minDelta` for `patience` epochs; optionally
 * restore the best epoch's weights.
 * @example
 * ```ts
 * const x = randn([32, 2]);
 * const y = x.sum(1, true);
 * const model = new Linear(2, 1);
 * const stopper = new EarlyStopping({ patience: 3, restoreBestWeights: true });
 * fit(model, { loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.1 }), data: [x, y], validation: [x, y], epochs: 50, callbacks: [stopper], progress: false });
 * stopper.bestEpoch >= 0; // true
 * ```
 */
export class EarlyStopping implements Callback {
  /** Best value seen. */
  best = NaN;
  /** Epoch of the best value (-1 before any). */
  bestEpoch = -1;
  /** Epoch at which training was stopped (-1 if it was not). */
  stoppedEpoch = -1;
  private wait = 0;
  private bestState: StateDict | null = null;
  private readonly o: Required<EarlyStoppingOptions>;

  /** @param opts - monitor, mode, patience, minDelta, restoreBestWeights. */
  constructor(opts: EarlyStoppingOptions = {}) {
    this.o = { monitor: opts.monitor ?? 'valLoss', mode: opts.mode ?? 'min', patience: opts.patience ?? 5, minDelta: opts.minDelta ?? 0, restoreBestWeights: opts.restoreBestWeights ?? false };
    if (!Number.isInteger(this.o.patience) || this.o.patience < 0) throw new RangeError(`EarlyStopping: patience must be a non-negative integer, got ${this.o.patience}`);
    if (!(this.o.minDelta >= 0)) throw new RangeError(`EarlyStopping: minDelta must be >= 0, got ${this.o.minDelta}`);
    if (this.o.mode !== 'min' && this.o.mode !== 'max') throw new RangeError(`EarlyStopping: mode must be 'min' or 'max', got ${JSON.stringify(this.o.mode)}`);
  }

  /** Reset for a new run. */
  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.wait = 0;
    this.bestState = null;
  }

  /** Compare the monitored value with the best so far. */
  onEpochEnd(log: EpochLog, ctx: FitContext): void {
    const key = this.o.monitor === 'valLoss' && log.valLoss === undefined ? 'loss' : this.o.monitor;
    const v = log[key];
    if (typeof v !== 'number') throw new RangeError(`EarlyStopping: monitored '${key}' is not in the epoch log (has ${Object.keys(log).join(', ')})`);
    const better = this.bestEpoch < 0 || (this.o.mode === 'min' ? v < this.best - this.o.minDelta : v > this.best + this.o.minDelta);
    if (better) {
      this.best = v;
      this.bestEpoch = log.epoch;
      this.wait = 0;
      if (this.o.restoreBestWeights) this.bestState = cloneStateDict(ctx.model.stateDict());
      return;
    }
    this.wait++;
    if (this.wait >= this.o.patience) {
      this.stoppedEpoch = log.epoch;
      ctx.stop(`early stopping: ${key} did not improve for ${this.wait} epochs (best ${this.best} at epoch ${this.bestEpoch})`);
    }
  }

  /** Restore the best weights if asked. */
  onTrainEnd(ctx: FitContext): void {
    if (this.o.restoreBestWeights && this.bestState !== null) ctx.model.loadStateDict(this.bestState);
  }
}

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions {
  /** File to write (overwritten atomically); may contain `{epoch}`. */
  path: string;
  /** Only save when `monitor` improves (default false: save every epoch). */
  saveBestOnly?: boolean;
  /** Epoch-log key for `saveBestOnly` (default `'valLoss'`, falling back to `'loss'`). */
  monitor?: string;
  /** `'min'` (default) or `'max'`. */
  mode?: 'min' | 'max';
  /**
   * Where the checkpoint's bytes go, given the bytes and the path with `{epoch}` filled in. Default:
   * an atomic file write ({@link saveCheckpoint}, Node only); in a browser pass your own, e.g. one
   * that stores the bytes in IndexedDB under that name.
   */
  write?: (bytes: Uint8Array, path: string) => void;
}

/**
 * Save a checkpoint (model, optimizer, scheduler and `{ epoch }`) after each epoch, or only when the
 * monitored value improves. Writes files by default (Node); with `write` the bytes go wherever that
 * function puts them, so it works in a browser too.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const x = randn([32, 2]);
 * const model = new Linear(2, 1);
 * const ckpt = new ModelCheckpoint({ path: join(tmpdir(), 'best.safetensors'), saveBestOnly: true });
 * fit(model, { loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.1 }), data: [x, x.sum(1, true)], epochs: 3, callbacks: [ckpt], progress: false });
 * ckpt.savedEpochs; // [0, 1, 2]
 * ```
 * @example
 * ```ts
 * // anywhere, browsers included: keep the bytes (here in a Map; IndexedDB in a real page)
 * const store = new Map<string, Uint8Array>();
 * const x = randn([32, 2]);
 * const model = new Linear(2, 1);
 * const ckpt = new ModelCheckpoint({ path: 'epoch-{epoch}', write: (bytes, name) => store.set(name, bytes) });
 * fit(model, { loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.1 }), data: [x, x.sum(1, true)], epochs: 2, callbacks: [ckpt], progress: false });
 * [...store.keys()]; // ['epoch-0', 'epoch-1']
 * const { epoch, step } = decodeCheckpoint(store.get('epoch-1')!, { model: new Linear(2, 1) }) as { epoch: number; step: number };
 * step; // 2
 * ```
 */
export class ModelCheckpoint implements Callback {
  private best = NaN;
  /** Epochs at which a file was written. */
  readonly savedEpochs: number[] = [];

  /** @param opts - path, saveBestOnly, monitor, mode. */
  constructor(readonly opts: ModelCheckpointOptions) {
    if (typeof opts?.path !== 'string' || opts.path === '') throw new TypeError('ModelCheckpoint: path must be a non-empty string');
    if (opts.write !== undefined && typeof opts.write !== 'function') throw new TypeError(`ModelCheckpoint: write must be a function (bytes, path) => void, got ${typeof opts.write}`);
  }

  /** Save if due. */
  onEpochEnd(log: EpochLog, ctx: FitContext): void {
    if (this.opts.saveBestOnly) {
      const monitor = this.opts.monitor ?? 'valLoss';
      const key = monitor === 'valLoss' && log.valLoss === undefined ? 'loss' : monitor;
      const v = log[key];
      if (typeof v !== 'number') throw new RangeError(`ModelCheckpoint: monitored '${key}' is not in the epoch log`);
      const better = Number.isNaN(this.best) || ((this.opts.mode ?? 'min') === 'min' ? v < this.best : v > this.best);
      if (!better) return;
      this.best = v;
    }
    const path = this.opts.path.replace('{epoch}', String(log.epoch));
    const contents: Parameters<typeof saveCheckpoint>[1] = { model: ctx.model, extra: { epoch: log.epoch, step: ctx.history.steps.length } };
    if (isStateful(ctx.optimizer)) contents.optimizer = ctx.optimizer;
    if (isStateful(ctx.scheduler)) contents.scheduler = ctx.scheduler;
    if (this.opts.write) this.opts.write(encodeCheckpoint(contents), path);
    else saveCheckpoint(path, contents);
    this.savedEpochs.push(log.epoch);
  }
}

function isStateful(x: unknown): x is Stateful {
  return typeof x === 'object' && x !== null && typeof (x as Stateful).stateDict === 'function' && typeof (x as Stateful).loadStateDict === 'function';
}

/**
 * A callback from plain functions (for logging, custom stopping rules, ...).
 * @example
 * ```ts
 * new LambdaCallback({ onEpochEnd: (log) => console.log(log.epoch, log.loss) });
 * ```
 */
export class LambdaCallback implements Callback {
  /** @param hooks - any of the {@link Callback} methods. */
  constructor(hooks: Callback) {
    Object.assign(this, hooks);
  }
}

/** Options of {@link SchedulerStepper}. */
export interface SchedulerStepperOptions {
  /** Step after every `'epoch'` (default) or every `'step'`. */
  interval?: 'epoch' | 'step';
  /** Epoch-log key passed to `step(metric)` (e.g. `'valLoss'` for `ReduceLROnPlateau`). */
  metric?: string;
}

/** Options of {@link StopWhen}. */
export interface StopWhenOptions {
  /** Check after every `'step'` (default, with the batch loss) or every `'epoch'` (with `valLoss`, else `loss`). */
  on?: 'step' | 'epoch';
}

/**
 * Steps a scheduler from the callback list, for runs with more than one schedule (say, one for the
 * learning rate and one for momentum) next to `fit`'s own `scheduler` option. Runs after the step or
 * epoch it follows; the epoch log's `lr` is recorded before this callback steps.
 * @example
 * ```ts
 * const model = new Linear(2, 1);
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const momentum = new LinearLR(opt, { key: 'momentum', startFactor: 0.5, endFactor: 1, totalIters: 10 });
 * const x = randn([8, 2]);
 * fit(model, { loss: mseLoss, optimizer: opt, data: [x, x.sum(1, true)], epochs: 3, progress: false, callbacks: [new SchedulerStepper(momentum)] });
 * ```
 */
export class SchedulerStepper implements Callback {
  /**
   * @param scheduler - the scheduler.
   * @param opts - `interval` (`'epoch'`, default, or `'step'`) and `metric`, the epoch-log key passed
   *   to `step(metric)` (e.g. `'valLoss'` for `ReduceLROnPlateau`).
   */
  constructor(readonly scheduler: SchedulerLike, readonly opts: SchedulerStepperOptions = {}) {
    const iv = opts.interval ?? 'epoch';
    if (iv !== 'epoch' && iv !== 'step') throw new RangeError(`SchedulerStepper: interval must be 'epoch' or 'step', got ${JSON.stringify(iv)}`);
  }

  /** Step per batch when `interval` is `'step'`. */
  onStepEnd(): void {
    if (this.opts.interval === 'step') this.scheduler.step();
  }

  /** Step per epoch (with the metric if configured). */
  onEpochEnd(log: EpochLog): void {
    if ((this.opts.interval ?? 'epoch') !== 'epoch') return;
    if (this.opts.metric === undefined) {
      this.scheduler.step();
      return;
    }
    const v = log[this.opts.metric];
    if (typeof v !== 'number') throw new RangeError(`SchedulerStepper: metric '${this.opts.metric}' is not in the epoch log (has ${Object.keys(log).join(', ')})`);
    this.scheduler.step(v);
  }
}

/**
 * Stops training when a stopping criterion from `@gd/optim` fires, checked after every step (with
 * the batch loss) or after every epoch (with the epoch's `valLoss`, or `loss` without validation).
 * The criterion's reason becomes `history.stopReason`.
 * @example
 * ```ts
 * const model = new Linear(2, 1);
 * const x = randn([16, 2]);
 * const h = fit(model, { loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.1 }), data: [x, x.sum(1, true)], epochs: 100, progress: false,
 *   callbacks: [new StopWhen(maxIterations(5))] });
 * h.stopReason; // 'maxIterations'
 * ```
 */
export class StopWhen implements Callback {
  private t0 = 0;

  /**
   * @param criterion - e.g. `anyOf(lossBelow(1e-3), noImprovement({ patience: 5 }))`.
   * @param opts - `on`: `'step'` (default) or `'epoch'`.
   */
  constructor(readonly criterion: StopCriterion, readonly opts: StopWhenOptions = {}) {
    if (typeof criterion?.check !== 'function') throw new TypeError('StopWhen: expected a stopping criterion with check() and reset()');
  }

  /** Reset the criterion. */
  onTrainBegin(): void {
    this.criterion.reset();
    this.t0 = Date.now();
  }

  /** Check after each step. */
  onStepEnd(log: StepLog, ctx: FitContext): void {
    if ((this.opts.on ?? 'step') !== 'step') return;
    const reason = this.criterion.check({ step: log.step + 1, loss: log.loss, gradNorm: log.gradNorm ?? NaN, elapsedMs: Date.now() - this.t0 });
    if (reason !== null) ctx.stop(reason);
  }

  /** Check after each epoch. */
  onEpochEnd(log: EpochLog, ctx: FitContext): void {
    if (this.opts.on !== 'epoch') return;
    const loss = log.valLoss ?? log.loss;
    const reason = this.criterion.check({ step: log.epoch + 1, loss, gradNorm: NaN, elapsedMs: Date.now() - this.t0 });
    if (reason !== null) ctx.stop(reason);
  }
}
