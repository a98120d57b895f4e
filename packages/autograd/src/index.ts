/**
 * `@gd/autograd`: reverse-mode automatic differentiation for `@gd/tensor`.
 *
 * Importing this package installs the recorder: from then on every differentiable op on a tensor that
 * requires grad is recorded, and `tensor.backward()` works. Two styles share one engine:
 *
 * ```ts
 * import '@gd/autograd';
 * const w = randn([3, 1]).requiresGrad_();
 * x.matmul(w).sub(y).square().mean().backward();
 * w.grad; // same shape as w
 *
 * import { grad, valueAndGrad } from '@gd/autograd';
 * grad((x: Tensor) => x.mul(x).sum())(tensor([3])); // [6]
 * ```
 *
 * Ops without a gradient (comparisons, `sign`, `floor`, `ceil`, `round`, `argmax`/`argmin`, `all`/`any`,
 * logical ops, integer casts) are never recorded: their outputs do not require grad.
 * @packageDocumentation
 * @module @gd/autograd
 */
export {
  GradNode, backward, gradients, noGrad, enableGrad, isGradEnabled, setGradEnabled, registerHook, retainGrad, zeroGrad,
  setDetectAnomaly, isAnomalyEnabled, detectAnomaly,
} from './engine.js';
export type { BackwardOptions, GradientsOptions, HookHandle } from './engine.js';
export { grad, valueAndGrad, hvp, jacobian, hessian } from './functional.js';
export type { GradOptions, ValueAndGrad, Grads } from './functional.js';
export { customFunction, FunctionCtx } from './custom.js';
export type { CustomFunction } from './custom.js';
export { gradcheck, gradgradcheck } from './gradcheck.js';
export type { GradcheckOptions, GradcheckFn } from './gradcheck.js';
export { rules } from './rules/index.js';
export { sumToShape, keptShape, unreduce, reducedCount, fused } from './rule.js';
export type { VjpRule, RuleCtx, AnyRule } from './rule.js';
export { sliceBackward, sliceView, unpad, gatherInto } from './ops.js';
