/**
 * `@gd/optim`: optimizers as pure gradient transformations and PyTorch-style classes, schedules,
 * gradient clipping, stopping criteria and `minimize`.
 * @packageDocumentation
 * @module @gd/optim
 */
export * from './hyper.js';
export * from './serialize.js';
export * from './transforms.js';
export * from './optimizer.js';
export * from './optimizers.js';
export * from './lbfgs.js';
export * from './schedules.js';
export * from './schedulers.js';
export * from './clip.js';
export * from './stopping.js';
export * from './lookahead.js';
export * from './minimize.js';
