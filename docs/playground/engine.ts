/**
 * Runs the real @gd optimizers on a playground function. Kept free of the DOM so a node test can
 * check it against closed forms.
 */
import { tensor, type Tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { SGD, Adagrad, RMSprop, Adam, type SGDOptions, type AdagradOptions, type RMSpropOptions, type AdamOptions } from '@gd/optim';
import type { TestFunction } from './functions.js';

/** The optimizers the playground offers. */
export type OptimizerId = 'gd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam';

/** A value of an @gd/optim option the playground can set: a number, a flag, or a pair (Adam's `betas`). */
export type OptionValue = number | boolean | readonly [number, number];

/**
 * One optimizer to run and its hyperparameters. `options` uses @gd/optim's option names
 * (`momentum`, `dampening`, `lrDecay`, `eps`, `alpha`, `centered`, `betas`, `amsgrad`, ...); any
 * option left out takes the playground default of {@link OPTIMIZERS}.
 */
export interface OptimizerChoice {
  id: OptimizerId;
  lr: number;
  options?: Record<string, OptionValue>;
}

/** One hyperparameter control: which @gd/optim option it sets, its default and its input limits. */
export interface HyperParam {
  /** The @gd/optim option name. */
  option: string;
  /** For a pair option (Adam's `betas`): which element this control sets. */
  index?: 0 | 1;
  /** Short label shown on the page. */
  label: string;
  /** A tooltip: what the option does. */
  title: string;
  kind: 'number' | 'boolean';
  /** The playground default; equal to the @gd/optim default unless `libraryDefault` says otherwise. */
  default: number | boolean;
  /** Set when the playground default differs from the class default (and why it does). */
  libraryDefault?: number | boolean;
  min?: number;
  max?: number;
  step?: number;
}

/** An optimizer row of the page: the @gd/optim class it runs, fixed options and its hyperparameters (besides lr). */
export interface OptimizerSpec {
  id: OptimizerId;
  label: string;
  color: string;
  /** The @gd/optim class that runs it. */
  className: 'SGD' | 'Adagrad' | 'RMSprop' | 'Adam';
  /** Options that define the method and are not user settings (Nesterov's `nesterov: true`). */
  fixed?: Record<string, OptionValue>;
  hypers: HyperParam[];
}

const EPS_TITLE = 'ε, added to the denominator for numerical safety';

/** Labels, colours and hyperparameters used by the page and the legend. */
export const OPTIMIZERS: OptimizerSpec[] = [
  { id: 'gd', label: 'GD', color: '#1f77b4', className: 'SGD', hypers: [] },
  {
    id: 'momentum', label: 'Momentum', color: '#ff7f0e', className: 'SGD', hypers: [
      { option: 'momentum', label: 'μ', title: 'momentum μ: v ← μv + (1 − τ)g', kind: 'number', default: 0.9, libraryDefault: 0, min: 0, max: 1, step: 0.01 },
      { option: 'dampening', label: 'τ', title: 'dampening τ of the momentum, in [0, 1]', kind: 'number', default: 0, min: 0, max: 1, step: 0.1 },
    ],
  },
  {
    id: 'nesterov', label: 'Nesterov', color: '#2ca02c', className: 'SGD', fixed: { nesterov: true }, hypers: [
      { option: 'momentum', label: 'μ', title: 'momentum μ (> 0): v ← μv + g, step g + μv', kind: 'number', default: 0.9, libraryDefault: 0, min: 0, max: 1, step: 0.01 },
    ],
  },
  {
    id: 'adagrad', label: 'AdaGrad', color: '#d62728', className: 'Adagrad', hypers: [
      { option: 'lrDecay', label: 'lr decay', title: 'the step-t learning rate is lr / (1 + (t − 1)·lrDecay)', kind: 'number', default: 0, min: 0, step: 0.01 },
      { option: 'initialAccumulatorValue', label: 'G₀', title: 'starting value of the sum of squared gradients', kind: 'number', default: 0, min: 0, step: 0.1 },
      { option: 'eps', label: 'ε', title: EPS_TITLE, kind: 'number', default: 1e-10, min: 0 },
    ],
  },
  {
    id: 'rmsprop', label: 'RMSProp', color: '#9467bd', className: 'RMSprop', hypers: [
      { option: 'alpha', label: 'α', title: 'smoothing α of the squared-gradient average, in [0, 1]', kind: 'number', default: 0.99, min: 0, max: 1, step: 0.01 },
      { option: 'eps', label: 'ε', title: EPS_TITLE, kind: 'number', default: 1e-8, min: 0 },
      { option: 'momentum', label: 'μ', title: 'momentum applied to the scaled gradient', kind: 'number', default: 0, min: 0, max: 1, step: 0.01 },
      { option: 'centered', label: 'centered', title: 'divide by an estimate of the variance instead of the raw second moment', kind: 'boolean', default: false },
    ],
  },
  {
    id: 'adam', label: 'Adam', color: '#8c564b', className: 'Adam', hypers: [
      { option: 'betas', index: 0, label: 'β₁', title: 'β₁, decay of the first-moment (mean) estimate', kind: 'number', default: 0.9, min: 0, max: 0.9999, step: 0.01 },
      { option: 'betas', index: 1, label: 'β₂', title: 'β₂, decay of the second-moment estimate', kind: 'number', default: 0.999, min: 0, max: 0.9999, step: 0.001 },
      { option: 'eps', label: 'ε', title: EPS_TITLE, kind: 'number', default: 1e-8, min: 0 },
      { option: 'amsgrad', label: 'AMSGrad', title: 'use the running maximum of the second moment (AMSGrad)', kind: 'boolean', default: false },
    ],
  },
];

/** The spec of one optimizer; a RangeError naming the known ids otherwise. */
export function getOptimizerSpec(id: OptimizerId): OptimizerSpec {
  const spec = OPTIMIZERS.find((o) => o.id === id);
  if (!spec) throw new RangeError(`playground: unknown optimizer "${String(id)}" (known: ${OPTIMIZERS.map((o) => o.id).join(', ')})`);
  return spec;
}

/**
 * The full @gd/optim options of a choice: fixed options, then the playground defaults, then the
 * user's `options`, then `lr`. An option the optimizer's row does not offer is a RangeError.
 */
export function optionsFor(choice: OptimizerChoice): Record<string, OptionValue> {
  const spec = getOptimizerSpec(choice.id);
  const out: Record<string, OptionValue> = { ...spec.fixed };
  for (const h of spec.hypers) {
    if (h.index === undefined) out[h.option] = h.default;
    else {
      const pair = (out[h.option] ?? [0, 0]) as readonly [number, number];
      out[h.option] = (h.index === 0 ? [h.default, pair[1]] : [pair[0], h.default]) as [number, number];
    }
  }
  for (const [k, v] of Object.entries(choice.options ?? {})) {
    if (!spec.hypers.some((h) => h.option === k)) {
      const known = ['lr', ...new Set(spec.hypers.map((h) => h.option))].join(', ');
      throw new RangeError(`playground: ${spec.label} has no hyperparameter "${k}" (has: ${known})`);
    }
    out[k] = v;
  }
  out['lr'] = choice.lr;
  return out;
}

/** Builds the real @gd/optim optimizer of `choice` over `params`; its constructor validates the values. */
export function makeOptimizer(choice: OptimizerChoice, params: Tensor[]): SGD | Adagrad | RMSprop | Adam {
  const spec = getOptimizerSpec(choice.id);
  const o: object = optionsFor(choice);
  switch (spec.className) {
    case 'SGD': return new SGD(params, o as Partial<SGDOptions>);
    case 'Adagrad': return new Adagrad(params, o as Partial<AdagradOptions>);
    case 'RMSprop': return new RMSprop(params, o as Partial<RMSpropOptions>);
    case 'Adam': return new Adam(params, o as Partial<AdamOptions>);
  }
}

/** The trajectory of one optimizer. */
export interface RunResult {
  id: OptimizerId;
  /** Iterates, starting with the start point. */
  path: [number, number][];
  /** f at each iterate. */
  losses: number[];
  /** Why it stopped: ran all steps, or diverged (non-finite / far outside the window). */
  reason: 'steps' | 'diverged';
}

/** Runs `steps` optimizer steps of `choice` on `fn` from `start` (float64). */
export function runOptimizer(fn: TestFunction, choice: OptimizerChoice, start: [number, number], steps: number): RunResult {
  const x = tensor([start[0]], { dtype: 'float64' }).requiresGrad_();
  const y = tensor([start[1]], { dtype: 'float64' }).requiresGrad_();
  const opt = makeOptimizer(choice, [x, y]);
  const path: [number, number][] = [[start[0], start[1]]];
  const losses: number[] = [];
  const span = Math.max(fn.xRange[1] - fn.xRange[0], fn.yRange[1] - fn.yRange[0]);
  let reason: RunResult['reason'] = 'steps';
  for (let k = 0; k <= steps; k++) {
    opt.zeroGrad();
    const loss = fn.f(x, y).sum();
    const value = loss.item();
    losses.push(value);
    if (k === steps) break;
    if (!Number.isFinite(value)) { reason = 'diverged'; break; }
    loss.backward();
    opt.step();
    const px = x.item();
    const py = y.item();
    path.push([px, py]);
    if (!Number.isFinite(px) || !Number.isFinite(py) || Math.abs(px) > 100 * span || Math.abs(py) > 100 * span) {
      reason = 'diverged';
      losses.push(NaN);
      break;
    }
  }
  return { id: choice.id, path, losses, reason };
}

/** f on an `nx` × `ny` grid over the function's window; row 0 is the top (largest y). */
export function evaluateGrid(fn: TestFunction, nx: number, ny: number): Float64Array {
  const xs = new Float64Array(nx * ny);
  const ys = new Float64Array(nx * ny);
  const [x0, x1] = fn.xRange;
  const [y0, y1] = fn.yRange;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      xs[j * nx + i] = x0 + ((i + 0.5) / nx) * (x1 - x0);
      ys[j * nx + i] = y1 - ((j + 0.5) / ny) * (y1 - y0);
    }
  }
  return noGrad(() => Float64Array.from(fn.f(tensor(xs), tensor(ys)).data() as ArrayLike<number>));
}
