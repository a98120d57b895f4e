/**
 * The classifier page's engine: 2-D point datasets and a small MLP trained on them with the real
 * `@gd/nn` layers and loss and the `@gd/optim` optimizers of the playground. DOM-free, so a node
 * test can check it.
 */
import { Generator, tensor, type Tensor } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { Linear, ReLU, Sequential, Tanh, crossEntropy, twoSpirals, type Module, type XY } from '@gd/nn';
import { makeOptimizer, type OptimizerChoice } from './engine.js';

/** The datasets offered. */
export type DatasetId = 'spirals' | 'moons' | 'circles';

/** Label and one-line description of each dataset, in menu order. */
export const DATASETS: { id: DatasetId; label: string }[] = [
  { id: 'spirals', label: 'Two spirals' },
  { id: 'moons', label: 'Two moons' },
  { id: 'circles', label: 'Circles (one inside the other)' },
];

/** Every dataset lies inside [−WINDOW, WINDOW]² (the plotted square). */
export const WINDOW = 1.5;

/** How a dataset is drawn: points per class, Gaussian noise (standard deviation) and seed. */
export interface DatasetOptions {
  n?: number;
  noise?: number;
  seed?: number;
}

/**
 * `n` points per class of a dataset (float32 features [2n, 2], int32 labels 0/1), centred and
 * scaled to fit the plotted window.
 * @param id - which dataset.
 * @param opts - points per class (default 150), noise (default 0.05) and seed (default 0).
 */
export function makeDataset(id: DatasetId, opts: DatasetOptions = {}): XY {
  const n = opts.n ?? 150;
  const noise = opts.noise ?? 0.05;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(n) || n < 1 || n > 5000) throw new RangeError(`makeDataset: n must be an integer in [1, 5000], got ${n}`);
  if (!(noise >= 0 && noise <= 1)) throw new RangeError(`makeDataset: noise must be in [0, 1], got ${noise}`);
  if (id === 'spirals') return twoSpirals({ n, noise, seed, turns: 1.5 });
  if (id !== 'moons' && id !== 'circles') {
    throw new RangeError(`makeDataset: unknown dataset "${String(id)}" (known: ${DATASETS.map((d) => d.id).join(', ')})`);
  }
  const g = new Generator(seed);
  const xs = new Float32Array(4 * n);
  const ys = new Int32Array(2 * n);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < n; i++) {
      const k = c * n + i;
      let px: number, py: number;
      if (id === 'moons') {
        // upper arc over [−1, 1], and the lower arc shifted right by 1 and down by ½; centred at (½, ¼)
        const t = Math.PI * (n === 1 ? 0.5 : i / (n - 1));
        px = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
        py = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
        px = (px - 0.5) * 0.9;
        py = (py - 0.25) * 0.9;
      } else {
        // outer ring of radius 1 (class 0), inner ring of radius ½ (class 1), angles at random
        const t = 2 * Math.PI * g.uniform();
        const r = c === 0 ? 1 : 0.5;
        px = r * Math.cos(t);
        py = r * Math.sin(t);
      }
      xs[2 * k] = px + noise * g.normal();
      xs[2 * k + 1] = py + noise * g.normal();
      ys[k] = c;
    }
  }
  return { x: tensor(xs, { shape: [2 * n, 2] }), y: tensor(ys) };
}

/** Everything the page lets the student choose. */
export interface ClassifierSettings {
  dataset: DatasetId;
  /** Width of each hidden layer (1..256). */
  hidden: number;
  /** Number of hidden layers (1..4). */
  depth: number;
  activation: 'tanh' | 'relu';
  /** The optimizer and its learning rate, as in the optimizer playground. */
  optimizer: OptimizerChoice;
  data?: DatasetOptions;
  /** Seed of the weight initialisation. */
  seed?: number;
}

/** Loss and accuracy over the whole dataset. */
export interface Evaluation {
  loss: number;
  accuracy: number;
}

/**
 * An MLP 2 → hidden × depth → 2 trained full-batch with softmax cross-entropy. `step` runs
 * optimizer steps; `probabilities` evaluates the model on a grid for the decision regions.
 */
export class ClassifierTrainer {
  readonly data: XY;
  readonly model: Module;
  /** Optimizer steps taken so far. */
  steps = 0;
  private readonly opt: ReturnType<typeof makeOptimizer>;
  private readonly labels: Int32Array;

  constructor(readonly settings: ClassifierSettings) {
    const { hidden, depth, activation } = settings;
    if (!Number.isInteger(hidden) || hidden < 1 || hidden > 256) throw new RangeError(`ClassifierTrainer: hidden width must be an integer in [1, 256], got ${hidden}`);
    if (!Number.isInteger(depth) || depth < 1 || depth > 4) throw new RangeError(`ClassifierTrainer: depth must be an integer in [1, 4], got ${depth}`);
    if (activation !== 'tanh' && activation !== 'relu') throw new RangeError(`ClassifierTrainer: activation must be "tanh" or "relu", got "${String(activation)}"`);
    this.data = makeDataset(settings.dataset, settings.data);
    this.labels = Int32Array.from(this.data.y.data() as ArrayLike<number>);
    const generator = new Generator(settings.seed ?? 0);
    const layers: Module[] = [];
    for (let l = 0; l < depth; l++) {
      layers.push(new Linear(l === 0 ? 2 : hidden, hidden, { generator }), activation === 'tanh' ? new Tanh() : new ReLU());
    }
    layers.push(new Linear(hidden, 2, { generator }));
    this.model = new Sequential(...layers);
    this.opt = makeOptimizer(settings.optimizer, this.model.parameters());
  }

  /**
   * Runs `k` full-batch optimizer steps.
   * @returns the loss of the last step (before its update); NaN when training has diverged.
   */
  step(k = 1): number {
    let value = NaN;
    for (let i = 0; i < k; i++) {
      this.opt.zeroGrad();
      const loss = crossEntropy(this.model.forward(this.data.x), this.data.y);
      value = loss.item();
      if (!Number.isFinite(value)) return value;
      loss.backward();
      this.opt.step();
      this.steps++;
    }
    return value;
  }

  /** Loss and accuracy of the current model on the whole dataset. */
  evaluate(): Evaluation {
    return noGrad(() => {
      const logits = this.model.forward(this.data.x);
      const loss = crossEntropy(logits, this.data.y).item();
      const z = logits.data() as ArrayLike<number>;
      let right = 0;
      for (let i = 0; i < this.labels.length; i++) if ((z[2 * i + 1]! > z[2 * i]! ? 1 : 0) === this.labels[i]) right++;
      return { loss, accuracy: right / this.labels.length };
    });
  }

  /**
   * P(class 1) on an `nx` × `ny` grid of cell centres over the window; row 0 is the top.
   * @returns `nx · ny` probabilities, row-major.
   */
  probabilities(nx: number, ny: number): Float32Array {
    const pts = new Float32Array(2 * nx * ny);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        pts[2 * (j * nx + i)] = -WINDOW + ((i + 0.5) / nx) * 2 * WINDOW;
        pts[2 * (j * nx + i) + 1] = WINDOW - ((j + 0.5) / ny) * 2 * WINDOW;
      }
    }
    return noGrad(() => {
      const logits: Tensor = this.model.forward(tensor(pts, { shape: [nx * ny, 2] }));
      const p = logits.softmax(1).data() as ArrayLike<number>;
      const out = new Float32Array(nx * ny);
      for (let k = 0; k < out.length; k++) out[k] = p[2 * k + 1]!;
      return out;
    });
  }
}
