/**
 * Runs a real @gd optimizer on a function of one parameter vector and records the trajectory —
 * the loop every optimizer lesson uses: zero the gradient, compute the loss, backward, step.
 * @module
 */
import { randn, tensor, type Tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import type { Optimizer } from '@gd/optim';

/** Trajectory of one run: `path[k]` are the parameters before step k, `losses[k]` the loss there. */
export interface Trajectory {
  path: number[][];
  losses: number[];
  /** True when the loss became non-finite or exceeded `divergeAbove`; the run stopped there. */
  diverged: boolean;
}

/** Options of {@link descend}. */
export interface DescendOptions {
  /** Standard deviation of Gaussian noise added to every gradient (noisy / "stochastic" GD). */
  noise?: number;
  /** Stop when the loss exceeds this (default 1e12). */
  divergeAbove?: number;
}

/**
 * Minimises `f` from `x0` for `steps` steps with the optimizer `make` builds for the parameter.
 * Computes in float64.
 */
export function descend(
  f: (p: Tensor) => Tensor,
  x0: readonly number[],
  make: (params: Tensor[]) => Optimizer<any>,
  steps: number,
  opts: DescendOptions = {},
): Trajectory {
  const p = tensor([...x0], { dtype: 'float64' }).requiresGrad_();
  const opt = make([p]);
  const path: number[][] = [];
  const losses: number[] = [];
  const limit = opts.divergeAbove ?? 1e12;
  for (let k = 0; k <= steps; k++) {
    opt.zeroGrad();
    const loss = f(p);
    const value = loss.item();
    path.push(Array.from(p.data()));
    losses.push(value);
    if (!Number.isFinite(value) || Math.abs(value) > limit) return { path, losses, diverged: true };
    if (k === steps) break;
    loss.backward();
    if (opts.noise) {
      const noise = opts.noise;
      noGrad(() => p.grad!.addInPlace(randn(p.shape, { dtype: 'float64' }).mul(noise)));
    }
    opt.step();
  }
  return { path, losses, diverged: false };
}

/** x and y of a 2-vector parameter, for writing 2-D test functions. */
export function xy(p: Tensor): [Tensor, Tensor] {
  return [p.select(0, 0), p.select(0, 1)];
}
