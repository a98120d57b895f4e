/**
 * `@gd/optim`: optimizers as pure gradient transformations and PyTorch-style classes, schedules,
 * gradient clipping, stopping criteria and `minimize`.
 * @packageDocumentation
 */
export * from './hyper.js';
export * from './serialize.js';
export * from './transforms.js';
export * from './optimizer.js';
export * from './optimizers.js';
export * from './lbfgs.js';
