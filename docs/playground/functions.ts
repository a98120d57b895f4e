/**
 * The 2-D test functions of the playground, written once with @gd/tensor ops so that the same code
 * evaluates a whole grid (for the contours) and a single differentiable point (for the optimizers).
 */
import type { Tensor } from '@gd/tensor';

/** A 2-D objective with its viewing window, a start point and learning rates that work on it. */
export interface TestFunction {
  id: string;
  label: string;
  formula: string;
  /** f(x, y) on tensors of any (equal) shape; elementwise. */
  f: (x: Tensor, y: Tensor) => Tensor;
  xRange: [number, number];
  yRange: [number, number];
  start: [number, number];
  /** Known minima, drawn as crosses. */
  minima: [number, number][];
  /** Default learning rate for the plain-gradient methods (GD, momentum, Nesterov). */
  lrPlain: number;
  /** Default learning rate for the adaptive methods (AdaGrad, RMSProp, Adam). */
  lrAdaptive: number;
}

export const FUNCTIONS: TestFunction[] = [
  {
    id: 'bowl', label: 'Bowl', formula: 'x² + y²',
    f: (x, y) => x.square().add(y.square()),
    xRange: [-3, 3], yRange: [-3, 3], start: [-2.5, 2], minima: [[0, 0]], lrPlain: 0.1, lrAdaptive: 0.3,
  },
  {
    id: 'ill', label: 'Ill-conditioned bowl', formula: '½x² + 10y²  (condition number 20)',
    f: (x, y) => x.square().mul(0.5).add(y.square().mul(10)),
    xRange: [-3, 3], yRange: [-3, 3], start: [-2.5, 2], minima: [[0, 0]], lrPlain: 0.09, lrAdaptive: 0.3,
  },
  {
    id: 'rosenbrock', label: 'Rosenbrock', formula: '(1 − x)² + 100 (y − x²)²',
    f: (x, y) => x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)),
    xRange: [-2, 2], yRange: [-1, 3], start: [-1.5, 2], minima: [[1, 1]], lrPlain: 0.001, lrAdaptive: 0.05,
  },
  {
    id: 'himmelblau', label: 'Himmelblau', formula: '(x² + y − 11)² + (x + y² − 7)²',
    f: (x, y) => x.square().add(y).sub(11).square().add(x.add(y.square()).sub(7).square()),
    xRange: [-5, 5], yRange: [-5, 5], start: [-0.3, -0.9],
    minima: [[3, 2], [-2.805118, 3.131312], [-3.77931, -3.283186], [3.584428, -1.848126]],
    lrPlain: 0.01, lrAdaptive: 0.1,
  },
  {
    id: 'saddle', label: 'Saddle', formula: 'x² + ¼y⁴ − ½y²  (saddle at the origin, minima at y = ±1)',
    f: (x, y) => x.square().add(y.square().square().mul(0.25)).sub(y.square().mul(0.5)),
    xRange: [-2, 2], yRange: [-2, 2], start: [-1.8, 1e-4], minima: [[0, 1], [0, -1]], lrPlain: 0.1, lrAdaptive: 0.05,
  },
  {
    id: 'beale', label: 'Beale', formula: '(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
    f: (x, y) => {
      const t1 = x.neg().add(1.5).add(x.mul(y));
      const t2 = x.neg().add(2.25).add(x.mul(y.square()));
      const t3 = x.neg().add(2.625).add(x.mul(y.square().mul(y)));
      return t1.square().add(t2.square()).add(t3.square());
    },
    xRange: [-4.5, 4.5], yRange: [-4.5, 4.5], start: [1, 1.5], minima: [[3, 0.5]], lrPlain: 0.005, lrAdaptive: 0.05,
  },
];

/** Looks a function up by id. */
export function getFunction(id: string): TestFunction {
  const fn = FUNCTIONS.find((f) => f.id === id);
  if (!fn) throw new RangeError(`getFunction: unknown function "${id}" (known: ${FUNCTIONS.map((f) => f.id).join(', ')})`);
  return fn;
}
