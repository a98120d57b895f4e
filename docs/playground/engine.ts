/**
 * Runs the real @gd optimizers on a playground function. Kept free of the DOM so a node test can
 * check it against closed forms.
 */
import { tensor, type Tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { SGD, Adagrad, RMSprop, Adam } from '@gd/optim';
import type { TestFunction } from './functions.js';

/** The optimizers the playground offers. */
export type OptimizerId = 'gd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam';

/** One optimizer to run and its hyperparameters. */
export interface OptimizerChoice {
  id: OptimizerId;
  lr: number;
  /** Momentum (GD with momentum, Nesterov), smoothing α (RMSProp) or β₁ (Adam). */
  beta?: number;
}

/** Labels and colours used by the page and the legend. */
export const OPTIMIZERS: { id: OptimizerId; label: string; color: string; beta?: { name: string; value: number } }[] = [
  { id: 'gd', label: 'GD', color: '#1f77b4' },
  { id: 'momentum', label: 'Momentum', color: '#ff7f0e', beta: { name: 'momentum', value: 0.9 } },
  { id: 'nesterov', label: 'Nesterov', color: '#2ca02c', beta: { name: 'momentum', value: 0.9 } },
  { id: 'adagrad', label: 'AdaGrad', color: '#d62728' },
  { id: 'rmsprop', label: 'RMSProp', color: '#9467bd', beta: { name: 'alpha', value: 0.99 } },
  { id: 'adam', label: 'Adam', color: '#8c564b', beta: { name: 'β₁', value: 0.9 } },
];

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

function makeOptimizer(choice: OptimizerChoice, params: Tensor[]) {
  const { lr, beta } = choice;
  switch (choice.id) {
    case 'gd': return new SGD(params, { lr });
    case 'momentum': return new SGD(params, { lr, momentum: beta ?? 0.9 });
    case 'nesterov': return new SGD(params, { lr, momentum: beta ?? 0.9, nesterov: true });
    case 'adagrad': return new Adagrad(params, { lr });
    case 'rmsprop': return new RMSprop(params, { lr, alpha: beta ?? 0.99 });
    case 'adam': return new Adam(params, { lr, betas: [beta ?? 0.9, 0.999] });
    default: throw new RangeError(`playground: unknown optimizer "${String((choice as { id: unknown }).id)}"`);
  }
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
