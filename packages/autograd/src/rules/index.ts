/**
 * The rule table: one gradient rule per recorded op of `@gd/tensor` (`OpAttrs`).
 * @module
 */
import type { OpName } from '@gd/tensor';
import type { VjpRule } from '../rule.js';
import { negRule } from './neg.js';
import { absRule } from './abs.js';
import { expRule } from './exp.js';
import { logRule } from './log.js';
import { log1pRule } from './log1p.js';
import { expm1Rule } from './expm1.js';
import { sqrtRule } from './sqrt.js';
import { rsqrtRule } from './rsqrt.js';
import { squareRule } from './square.js';
import { sinRule } from './sin.js';
import { cosRule } from './cos.js';
import { tanhRule } from './tanh.js';
import { sigmoidRule } from './sigmoid.js';
import { reluRule } from './relu.js';
import { softplusRule } from './softplus.js';
import { clampRule } from './clamp.js';
import { castRule } from './cast.js';
import { addRule } from './add.js';
import { subRule } from './sub.js';
import { mulRule } from './mul.js';
import { divRule } from './div.js';
import { powRule } from './pow.js';
import { maximumRule } from './maximum.js';
import { minimumRule } from './minimum.js';
import { whereRule } from './where.js';
import { maskedFillRule } from './maskedFill.js';
import { sumRule } from './sum.js';
import { meanRule } from './mean.js';
import { prodRule } from './prod.js';
import { maxRule } from './max.js';
import { minRule } from './min.js';
import { varRule } from './var.js';
import { logsumexpRule } from './logsumexp.js';
import { normRule } from './norm.js';
import { cumsumRule } from './cumsum.js';
import { softmaxRule } from './softmax.js';
import { logSoftmaxRule } from './logSoftmax.js';
import { matmulRule } from './matmul.js';
import { reshapeRule } from './reshape.js';
import { permuteRule } from './permute.js';
import { expandRule } from './expand.js';
import { sliceRule } from './slice.js';
import { sliceBackwardRule } from './sliceBackward.js';
import { flipRule } from './flip.js';
import { contiguousRule } from './contiguous.js';
import { padRule } from './pad.js';
import { gatherRule } from './gather.js';
import { indexSelectRule } from './indexSelect.js';
import { scatterAddRule } from './scatterAdd.js';
import { catRule } from './cat.js';
import { unfoldRule } from './unfold.js';
import { foldRule } from './fold.js';

/**
 * One gradient rule per recorded op. The mapped type makes the table complete at compile time: an op
 * added to `OpAttrs` without a rule here is a type error.
 *
 * @example
 * ```ts
 * rules.mul.saveInputs; // true: d(ab) needs a and b
 * ```
 */
export const rules: { readonly [K in OpName]: VjpRule<K> } = {
  neg: negRule,
  abs: absRule,
  exp: expRule,
  log: logRule,
  log1p: log1pRule,
  expm1: expm1Rule,
  sqrt: sqrtRule,
  rsqrt: rsqrtRule,
  square: squareRule,
  sin: sinRule,
  cos: cosRule,
  tanh: tanhRule,
  sigmoid: sigmoidRule,
  relu: reluRule,
  softplus: softplusRule,
  clamp: clampRule,
  cast: castRule,
  add: addRule,
  sub: subRule,
  mul: mulRule,
  div: divRule,
  pow: powRule,
  maximum: maximumRule,
  minimum: minimumRule,
  where: whereRule,
  maskedFill: maskedFillRule,
  sum: sumRule,
  mean: meanRule,
  prod: prodRule,
  max: maxRule,
  min: minRule,
  var: varRule,
  logsumexp: logsumexpRule,
  norm: normRule,
  cumsum: cumsumRule,
  softmax: softmaxRule,
  logSoftmax: logSoftmaxRule,
  matmul: matmulRule,
  reshape: reshapeRule,
  permute: permuteRule,
  expand: expandRule,
  slice: sliceRule,
  sliceBackward: sliceBackwardRule,
  flip: flipRule,
  contiguous: contiguousRule,
  pad: padRule,
  gather: gatherRule,
  indexSelect: indexSelectRule,
  scatterAdd: scatterAddRule,
  cat: catRule,
  unfold: unfoldRule,
  fold: foldRule,
};
