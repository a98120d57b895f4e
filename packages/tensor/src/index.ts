/**
 * `@gd/tensor`: strided n-dimensional arrays with broadcasting, reductions and matmul.
 * @packageDocumentation
 * @module @gd/tensor
 */
export { Tensor } from './tensor.js';
export type { TensorLike, NestedArray, SliceSpec, VersionCounter } from './tensor.js';
export * from './dtype.js';
export * from './shape.js';
export * from './dispatch.js';
export * from './random.js';
export * from './kernels/backend.js';
export { arenaStats, addressOf, configureArena, setArenaLimits, type ArenaOptions, type ArenaStats } from './kernels/wasm/arena.js';
export * from './ops/creation.js';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, square,
  sin, cos, tanh, sigmoid, relu, softplus, clamp, floor, ceil, round, eq, ne, lt, le, gt, ge,
  logicalAnd, logicalOr, logicalNot, where, maskedFill, cast, scalar, broadcastStrides, runKernel,
} from './ops/elementwise.js';
export {
  reshape, view, flatten, permute, transpose, slice, narrow, select, squeeze, unsqueeze, expand, broadcastTo, flip,
  contiguous, clone, sliceIndices, viewStrides,
} from './ops/views.js';
export {
  sum, mean, prod, max, min, argmax, argmin, variance, variance as var, std, logsumexp, norm, all, any, cumsum,
  reducedShape, type Axes, type VarOptions,
} from './ops/reduce.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { isclose, allclose, equal, type CloseOptions } from './ops/compare.js';
export { matmul, dot, outer } from './ops/matmul.js';
export { matmulFloat, matmulInt32, type MatmulInt32Args } from './kernels/matmul.js';
export { gather, indexSelect, scatterAdd, scatterAddInPlace } from './ops/indexing.js';
export { cat, stack, split, chunk, pad } from './ops/join.js';
export { unfold, fold, unfoldAttrs, foldAttrs, type UnfoldOptions, type Pair } from './ops/conv.js';
export { unfoldKernel, foldKernel, maxPoolKernel, validRange, type ConvGeometry } from './kernels/conv.js';
