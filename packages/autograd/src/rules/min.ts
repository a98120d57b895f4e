/**
 * Gradient rule for `min`: the smallest element of each slice gets the gradient; tied elements share
 * it evenly (the same rule as `max`, see {@link extremumRule}).
 * @module
 */
import type { VjpRule } from '../rule.js';
import { extremumRule } from './max.js';

/** Gradient rule for `min`: the smallest element of each slice gets the gradient; ties share it evenly. */
export const minRule: VjpRule<'min'> = extremumRule<'min'>();
