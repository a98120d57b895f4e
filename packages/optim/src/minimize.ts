/**
 * `minimize` for plain functions of a tensor, and a learning-rate range finder.
 * @module
 */
import { Tensor, setGradEnabled, tensor } from '@gd/tensor';
import { valueAndGrad as autogradValueAndGrad } from '@gd/autograd';
import { type Schedule } from './hyper.js';
import { type Optimizer, type OptimizerStateDict } from './optimizer.js';
import { SGD } from './optimizers.js';
import { LBFGS } from './lbfgs.js';
import { globalNorm } from './clip.js';
import { type GradientTransformation, applyUpdates } from './transforms.js';
import { type StopCriterion, type StopReason, anyOf, divergence, maxIterations } from './stopping.js';

/** One row of a {@link minimize} history: the state *before* step `step`. */
export interface HistoryEntry {
  /** Step index (0 = the starting point). */
  step: number;
  /** Parameters (flattened, row-major). */
  params: number[];
  /** Loss at `params`. */
  loss: number;
  /** Global L2 norm of the gradient at `params`. */
  gradNorm: number;
  /** Learning rate used for the step taken from here (NaN for the last row or a transformation). */
  lr: number;
}

/** Options of {@link minimize}. */
export interface MinimizeOptions {
  /**
   * The optimizer: a factory `(params) => Optimizer` (e.g. `(p) => new Adam(p, { lr: 0.1 })`), or a
   * pure {@link GradientTransformation}. Default: SGD with `lr`.
   */
  optimizer?: ((params: Tensor[]) => Optimizer<any>) | GradientTransformation<any>;
  /** Learning rate of the default SGD (default 0.01). */
  lr?: number;
  /** Learning-rate schedule applied to every group before each step (optimizer classes only). */
  schedule?: Schedule;
  /** When to stop: one criterion or several (any of them). Default: 1000 iterations. A divergence check is always added. */
  stop?: StopCriterion | StopCriterion[];
  /** Keep the per-step history (default true). */
  record?: boolean;
  /**
   * Loss and gradient without autograd: `(x) => [loss, grad]`. Default: autograd's `valueAndGrad(f)`.
   */
  valueAndGrad?: (x: Tensor) => [number, Tensor];
}

/** What {@link minimize} returns. */
export interface MinimizeResult {
  /** The solution (a new tensor; the last finite point if the run diverged). */
  x: Tensor;
  /** Loss at `x`. */
  loss: number;
  /** Gradient norm at `x`. */
  gradNorm: number;
  /** Why it stopped. */
  reason: StopReason;
  /** Optimizer steps taken. */
  steps: number;
  /** Per-step history (empty when `record` is false). */
  history: HistoryEntry[];
}

function isTransformation(o: unknown): o is GradientTransformation<any> {
  return typeof o === 'object' && o !== null && typeof (o as GradientTransformation<any>).init === 'function' && typeof (o as GradientTransformation<any>).update === 'function';
}

/**
 * Minimise a scalar function of one tensor with any optimizer, recording the trajectory.
 *
 * Each iteration evaluates the loss and gradient at the current point, records them, checks the
 * stopping criteria, then takes one optimizer step (L-BFGS: one `step(closure)`, whose first call
 * reuses the loss and gradient just recorded, so each point is evaluated once). If the loss
 * becomes non-finite or explodes, the run stops with reason `'diverged'` and returns the last
 * point that passed the checks (finite, not exploding).
 * @param f - the objective, `x ↦ scalar tensor` (differentiated with autograd unless `valueAndGrad` is given).
 * @param x0 - the starting point (not modified).
 * @param opts - see {@link MinimizeOptions}.
 * @returns the solution, final loss, stop reason and history.
 * @example
 * ```ts
 * import { tensor } from '@gd/tensor';
 * const f = (x: Tensor) => x.sub(3).square().sum();
 * const r = minimize(f, tensor([0]), { optimizer: (p) => new SGD(p, { lr: 0.1 }), stop: [maxIterations(200), gradNormBelow(1e-8)] });
 * r.x.item(); // ≈ 3
 * ```
 */
export function minimize(f: ((x: Tensor) => Tensor) | null, x0: Tensor | readonly number[], opts: MinimizeOptions = {}): MinimizeResult {
  const start = x0 instanceof Tensor ? x0 : tensor(x0 as number[], { dtype: 'float64' });
  if (!(start.dtype === 'float32' || start.dtype === 'float64')) throw new TypeError(`minimize: x0 must be a float tensor, got dtype ${start.dtype}`);
  const vg = opts.valueAndGrad ?? (f ? autogradVG(f) : null);
  if (!vg) throw new TypeError('minimize: give an objective f or opts.valueAndGrad');
  const x = start.detach().clone().requiresGrad_();
  const record = opts.record ?? true;
  const criteria = opts.stop === undefined ? [maxIterations(1000)] : Array.isArray(opts.stop) ? opts.stop : [opts.stop];
  const stop = anyOf(divergence(), ...criteria);
  stop.reset();
  const optSpec = opts.optimizer ?? ((p: Tensor[]) => new SGD(p, { lr: opts.lr ?? 0.01 }));
  let opt: Optimizer<any> | null = null;
  let tx: GradientTransformation<any> | null = null;
  let txState: unknown = null;
  if (isTransformation(optSpec)) {
    if (opts.schedule) throw new TypeError('minimize: schedule applies to optimizer classes; build the schedule into the transformation (e.g. scaleByLearningRate(schedule))');
    tx = optSpec;
    txState = tx.init([x]);
  } else {
    opt = optSpec([x]);
  }
  const history: HistoryEntry[] = [];
  const t0 = Date.now();
  let lastFinite: { x: Float64Array; loss: number; gradNorm: number } | null = null;
  let step = 0;
  let loss = NaN, gradNorm = NaN;
  let reason: StopReason;
  const evalAt = (): [number, Tensor] => {
    const [l, g] = vg(x.detach());
    if (!(g instanceof Tensor) || g.size !== x.size) throw new RangeError(`minimize: gradient has shape [${g instanceof Tensor ? g.shape.join(',') : typeof g}], expected [${x.shape.join(',')}]`);
    return [typeof l === 'number' ? l : Number(l), g];
  };
  for (;;) {
    const [l, g] = evalAt();
    loss = l;
    gradNorm = globalNorm([g]);
    const lr = opt && opts.schedule ? opts.schedule(step) : opt ? Number((opt.paramGroups[0] as Record<string, unknown>)['lr']) : NaN;
    if (record) history.push({ step, params: Array.from(x.data() as ArrayLike<number>), loss, gradNorm, lr });
    const r = stop.check({ step, loss, gradNorm, elapsedMs: Date.now() - t0 });
    if (r !== null) { reason = r; break; }
    lastFinite = { x: Float64Array.from(x.data() as ArrayLike<number>), loss, gradNorm };
    if (opt) {
      if (opts.schedule) for (const grp of opt.paramGroups) (grp as Record<string, unknown>)['lr'] = lr;
      if (opt instanceof LBFGS) {
        // L-BFGS's first closure call is at the point just evaluated: hand it that loss and gradient
        // instead of evaluating the objective a second time (same values, one call fewer per step).
        let fresh = true;
        opt.step(() => {
          if (fresh) { fresh = false; x.grad = g; return l; }
          const [ll, gg] = evalAt();
          x.grad = gg;
          return ll;
        });
      } else {
        x.grad = g;
        opt.step();
      }
    } else {
      const [u, s] = tx!.update([g], txState, [x]);
      txState = s;
      applyUpdates([x], u);
    }
    step++;
  }
  if (reason === 'diverged' && lastFinite) {
    // the point that triggered the stop is non-finite or exploding: return the last one that passed
    const prev = setGradEnabled(false);
    try { x.copyFrom(tensor(lastFinite.x, { dtype: x.dtype, shape: x.shape })); } finally { setGradEnabled(prev); }
    loss = lastFinite.loss;
    gradNorm = lastFinite.gradNorm;
  }
  if (record && history.length > 0) history[history.length - 1]!.lr = NaN;
  return { x: x.detach().clone(), loss, gradNorm, reason, steps: step, history };
}

function autogradVG(f: (x: Tensor) => Tensor): (x: Tensor) => [number, Tensor] {
  const vg = autogradValueAndGrad(f);
  return (x) => {
    const { value, grads } = vg(x);
    return [value.item(), grads as Tensor];
  };
}

/** Options of {@link lrFinder}. */
export interface LrFinderOptions {
  /** Smallest learning rate (default 1e-7). */
  startLr?: number;
  /** Largest learning rate (default 10). */
  endLr?: number;
  /** Number of steps (one pass; default 100). */
  numSteps?: number;
  /** EMA factor for the smoothed loss curve (default 0.98; 0 = no smoothing). */
  smoothing?: number;
  /** Stop early when the smoothed loss exceeds this multiple of its best (default 4). */
  divergeThreshold?: number;
  /** Restore the parameters and optimizer state afterwards (default true). */
  restore?: boolean;
}

/** What {@link lrFinder} returns. */
export interface LrFinderResult {
  /** Learning rate of each step taken. */
  lrs: number[];
  /** Raw loss at each step. */
  losses: number[];
  /** Bias-corrected exponential moving average of the losses. */
  smoothedLosses: number[];
  /** The lr where the smoothed loss falls fastest per unit log-lr (NaN if fewer than 3 points). */
  suggestedLr: number;
  /** Whether the sweep stopped because the loss diverged. */
  stoppedEarly: boolean;
}

/**
 * Learning-rate range test (Smith 2017, https://arxiv.org/abs/1506.01186 §3.3): raise the lr
 * exponentially from `startLr` to `endLr` over one pass, one optimizer step per batch, and record
 * the loss. The suggestion is the steepest-descent point: the lr where `d(smoothed loss)/d(log lr)`
 * is most negative (central differences).
 * @param optimizer - the optimizer (its lr is overwritten during the sweep).
 * @param lossStep - computes the loss of batch `i` and its gradients (`loss.backward()`), returns the loss;
 *   gradients are cleared before each call.
 * @param opts - see {@link LrFinderOptions}.
 * @returns the curve and the suggested learning rate.
 * @example
 * ```ts
 * const w = tensor([3], { dtype: 'float64', requiresGrad: true });
 * const opt = new SGD([w], { lr: 0.1 });
 * const { suggestedLr, lrs } = lrFinder(opt, () => { const loss = w.square().sum(); loss.backward(); return loss; }, { numSteps: 50 });
 * w.item(); // 3 (the sweep is undone)
 * ```
 */
export function lrFinder(optimizer: Optimizer<any>, lossStep: (i: number) => number | Tensor, opts: LrFinderOptions = {}): LrFinderResult {
  const startLr = opts.startLr ?? 1e-7, endLr = opts.endLr ?? 10, n = opts.numSteps ?? 100;
  const beta = opts.smoothing ?? 0.98, diverge = opts.divergeThreshold ?? 4;
  if (!(startLr > 0 && endLr > startLr)) throw new RangeError(`lrFinder: need 0 < startLr < endLr, got startLr ${startLr}, endLr ${endLr}`);
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`lrFinder: numSteps must be an integer >= 2, got ${n}`);
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`lrFinder: smoothing must be in [0, 1), got ${beta}`);
  const restore = opts.restore ?? true;
  const saved: { sd: OptimizerStateDict; params: Tensor[]; lrs: unknown[] } | null = restore
    ? { sd: optimizer.stateDict(), params: optimizer.paramGroups.flatMap((g) => g.params.map((p: Tensor) => p.detach().clone())), lrs: optimizer.paramGroups.map((g) => (g as Record<string, unknown>)['lr']) }
    : null;
  const lrs: number[] = [], losses: number[] = [], smoothed: number[] = [];
  let avg = 0, best = Infinity, stoppedEarly = false;
  for (let i = 0; i < n; i++) {
    const lr = startLr * (endLr / startLr) ** (i / (n - 1));
    for (const g of optimizer.paramGroups) (g as Record<string, unknown>)['lr'] = lr;
    optimizer.zeroGrad();
    const r = lossStep(i);
    const loss = r instanceof Tensor ? r.item() : r;
    optimizer.step();
    avg = beta * avg + (1 - beta) * loss;
    const sm = avg / (1 - beta ** (i + 1));
    lrs.push(lr); losses.push(loss); smoothed.push(sm);
    if (!Number.isFinite(sm) || sm > diverge * best) { stoppedEarly = true; break; }
    if (sm < best) best = sm;
  }
  if (saved) {
    const prev = setGradEnabled(false);
    try {
      let k = 0;
      for (const g of optimizer.paramGroups) for (const p of g.params) p.copyFrom(saved.params[k++]!);
    } finally { setGradEnabled(prev); }
    optimizer.loadStateDict(saved.sd);
    optimizer.paramGroups.forEach((g, i) => { (g as Record<string, unknown>)['lr'] = saved.lrs[i]; });
    optimizer.zeroGrad();
  }
  return { lrs, losses, smoothedLosses: smoothed, suggestedLr: steepestPoint(lrs, smoothed, stoppedEarly), stoppedEarly };
}

/** The lr where the slope of `loss` against `log lr` is most negative (excluding a diverged last point). */
function steepestPoint(lrs: number[], loss: number[], dropLast: boolean): number {
  const m = dropLast ? lrs.length - 1 : lrs.length;
  if (m < 3) return NaN;
  let bestI = -1, bestSlope = Infinity;
  for (let i = 1; i < m - 1; i++) {
    const slope = (loss[i + 1]! - loss[i - 1]!) / (Math.log(lrs[i + 1]!) - Math.log(lrs[i - 1]!));
    if (slope < bestSlope) { bestSlope = slope; bestI = i; }
  }
  return bestI < 0 ? NaN : lrs[bestI]!;
}
