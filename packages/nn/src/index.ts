/**
 * `@gd/nn`: modules, layers, losses, initialisers, data loading, a training loop and checkpoints.
 * @packageDocumentation
 * @module @gd/nn
 */
import '@gd/autograd';
export * from './module.js';
export * as init from './init.js';
export { calculateGain, calculateFans, type Fans, type InitOptions, type KaimingOptions, type FanMode, type Nonlinearity } from './init.js';
export * as F from './functional.js';
export {
  leakyRelu, elu, silu, gelu, dropout, linear, linearRelu, setFusedKernels, fusedKernelsEnabled, embedding, layerNorm, batchNorm, conv2d, maxPool2d, avgPool2d, unfold, fold,
  type UnfoldOptions, type BatchNormOptions, type Conv2dOptions, type Pool2dOptions, type Size2,
} from './functional.js';
export * from './layers.js';
export * from './losses.js';
export * from './data.js';
export * from './safetensors.js';
export * from './checkpoint.js';
export * from './fit.js';
