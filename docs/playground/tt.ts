import { FUNCTIONS } from './functions.js';
import { runOptimizer, evaluateGrid } from './engine.js';
for (const fn of FUNCTIONS) for (const id of ['gd','momentum','nesterov','adagrad','rmsprop','adam'] as const) {
  const r = runOptimizer(fn, { id, lr: ['adagrad','rmsprop','adam'].includes(id) ? fn.lrAdaptive : fn.lrPlain }, fn.start, 300);
  console.log(fn.id.padEnd(11), id.padEnd(9), r.path.at(-1)!.map(v=>v.toFixed(4)).join(','), r.losses.at(-1)!.toExponential(2), r.reason);
}
console.log(evaluateGrid(FUNCTIONS[0]!, 3, 3));
