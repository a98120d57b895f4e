/**
 * Gradient rule for `minimum`: the smaller operand gets the gradient; at ties it is split evenly
 * (the same rule as `maximum` with the comparison reversed, see {@link pairwiseExtremumRule}).
 * @module
 */
import type { VjpRule } from '../rule.js';
import { pairwiseExtremumRule } from './maximum.js';

/** Gradient rule for `minimum`: the smaller operand gets the gradient; ties split it 1/2 each. */
export const minimumRule: VjpRule<'minimum'> = pairwiseExtremumRule('minimum', '<');
