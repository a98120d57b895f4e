/**
 * Datasets and batching: `TensorDataset`, `DataLoader` (batch, stochastic and mini-batch gradient
 * descent are one class with different `batchSize`s), `randomSplit`, a CSV reader, the shipped
 * datasets (breast cancer, iris) and a seeded two-spirals generator.
 * @module
 */
import { Tensor, Generator, defaultGenerator, tensor, fmt, type DType } from '@gd/tensor';
import { readFileText } from './node.js';
import * as breastCancer from './datasets/breast-cancer.js';
import * as iris from './datasets/iris.js';

/** A dataset: `length` examples, each a tuple of tensors (e.g. `[x, y]`). */
export interface Dataset {
  /** Number of examples. */
  readonly length: number;
  /**
   * The examples at `indices`, stacked along a new first axis: one tensor per field.
   * @param indices - example indices, each in `[0, length)`.
   */
  getBatch(indices: readonly number[]): Tensor[];
}

/** Copy rows `indices` of `t` (along axis 0) into a new contiguous tensor (not recorded). */
function takeRows(t: Tensor, indices: readonly number[]): Tensor {
  const n = t.shape[0]!;
  const src = t.isContiguous() ? t : t.contiguous();
  const row = n === 0 ? 0 : t.size / n;
  const out = Tensor._empty([indices.length, ...t.shape.slice(1)], t.dtype);
  const data = src.storage;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const start = src.offset + i * row;
    out.storage.set(data.subarray(start, start + row), k * row);
  }
  return out;
}

/**
 * A dataset over tensors that share their first dimension: example `i` is `[t₀[i], t₁[i], …]`.
 * @example
 * ```ts
 * const ds = new TensorDataset(randn([100, 3]), randint(0, 2, [100]));
 * ds.length; // 100
 * ```
 */
export class TensorDataset implements Dataset {
  /** The underlying tensors. */
  readonly tensors: readonly Tensor[];

  /** @param tensors - one or more tensors with the same size of dimension 0. */
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new RangeError('TensorDataset: needs at least one tensor');
    for (const [i, t] of tensors.entries()) {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${i} is not a Tensor`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: tensor ${i} is 0-d; every tensor needs a first (example) dimension`);
    }
    const n = tensors[0]!.shape[0]!;
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0) throw new RangeError(`TensorDataset: all tensors need the same first dimension; shapes are ${tensors.map((t) => fmt(t.shape)).join(', ')}`);
    this.tensors = tensors;
    // copy strided inputs once, not once per batch
    this.rows = tensors.map((t) => (t.isContiguous() ? t : t.contiguous()));
  }

  /** Contiguous versions of `tensors`, read by `getBatch`. */
  private readonly rows: readonly Tensor[];

  /** Number of examples. */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /**
   * The examples at `indices`, one tensor per field.
   * @param indices - example indices.
   * @returns the batch tensors (first dimension `indices.length`).
   */
  getBatch(indices: readonly number[]): Tensor[] {
    const n = this.length;
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`TensorDataset.getBatch: index ${i} out of range for a dataset of ${n} examples`);
    }
    return this.rows.map((t) => takeRows(t, indices));
  }
}

/**
 * The examples of `dataset` at the given indices, as a dataset of its own.
 * @example
 * ```ts
 * const ds = new TensorDataset(arange(0, 10));
 * const head = new Subset(ds, [0, 1, 2]);
 * head.length; // 3
 * ```
 */
export class Subset implements Dataset {
  /** @param dataset - the full dataset. @param indices - which of its examples this subset holds. */
  constructor(readonly dataset: Dataset, readonly indices: readonly number[]) {
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= dataset.length) throw new RangeError(`Subset: index ${i} out of range for a dataset of ${dataset.length} examples`);
    }
  }

  /** Number of examples. */
  get length(): number {
    return this.indices.length;
  }

  /**
   * The examples at `indices` (positions within this subset).
   * @param indices - positions in `[0, length)`.
   * @returns the batch tensors.
   */
  getBatch(indices: readonly number[]): Tensor[] {
    return this.dataset.getBatch(indices.map((i) => {
      const j = this.indices[i];
      if (j === undefined) throw new RangeError(`Subset.getBatch: index ${i} out of range for a subset of ${this.indices.length} examples`);
      return j;
    }));
  }
}

/**
 * Split a dataset into non-overlapping random subsets.
 * @param dataset - the dataset.
 * @param lengths - sizes that add up to `dataset.length`, or fractions that add up to 1 (the
 *   remainder of rounding goes to the first subsets, one each, as PyTorch does).
 * @param generator - the seeded generator for the permutation.
 * @returns one {@link Subset} per entry of `lengths`.
 * @example
 * ```ts
 * const ds = new TensorDataset(arange(0, 10));
 * const [train, val] = randomSplit(ds, [0.8, 0.2], new Generator(42));
 * train!.length; // 8
 * val!.length;   // 2
 * ```
 */
export function randomSplit(dataset: Dataset, lengths: readonly number[], generator: Generator = defaultGenerator): Subset[] {
  const n = dataset.length;
  let sizes = lengths.slice();
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((l) => !(l >= 0))) throw new RangeError(`randomSplit: lengths must be non-negative, got [${lengths.join(', ')}]`);
  const counts = sizes.every((l) => Number.isInteger(l)) && sum === n;
  if (!counts && Math.abs(sum - 1) < 1e-9) {
    sizes = sizes.map((f) => Math.floor(n * f));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]! += 1;
  } else if (!counts) {
    throw new RangeError(`randomSplit: lengths [${lengths.join(', ')}] must be integers summing to the dataset length ${n}, or fractions summing to 1`);
  }
  const perm = generator.permutation(n);
  const out: Subset[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(new Subset(dataset, perm.slice(start, start + s)));
    start += s;
  }
  return out;
}

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Examples per batch: the dataset length for batch gradient descent, 1 for SGD, B for mini-batches (default 1). */
  batchSize?: number;
  /** Draw a new random order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** The generator used to shuffle (default: a `Generator` seeded with `seed`). */
  generator?: Generator;
  /** Seed of the loader's own generator when none is given (default 0). */
  seed?: number;
}

/**
 * Iterates a dataset in batches. Each `for…of` over the loader is one epoch; with `shuffle` every
 * epoch gets a fresh permutation from the loader's seeded generator, so runs are reproducible.
 *
 * `batchSize = dataset.length` gives batch gradient descent, `1` stochastic gradient descent, and
 * anything between mini-batch gradient descent.
 * @example
 * ```ts
 * const x = randn([100, 3]);
 * const y = randint(0, 2, [100]);
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 1 });
 * loader.length; // 4
 * for (const [xb, yb] of loader) {
 *   // one optimisation step per batch: xb is [32, 3] (the last one [4, 3]), yb [32]
 * }
 * ```
 */
export class DataLoader implements Iterable<Tensor[]> {
  /** The dataset. */
  readonly dataset: Dataset;
  /** Examples per batch. */
  readonly batchSize: number;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** Whether an incomplete last batch is dropped. */
  readonly dropLast: boolean;
  /** The shuffling generator (save its state with `getState()` to resume exactly). */
  readonly generator: Generator;

  /** @param dataset - the dataset. @param opts - batch size, shuffling, dropLast, generator/seed. */
  constructor(dataset: Dataset, opts: DataLoaderOptions = {}) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.getBatch !== 'function') {
      throw new TypeError('DataLoader: expected a Dataset (with length and getBatch)');
    }
    const bs = opts.batchSize ?? 1;
    if (!Number.isInteger(bs) || bs < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${bs}`);
    this.dataset = dataset;
    this.batchSize = bs;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.generator = opts.generator ?? new Generator(opts.seed ?? 0);
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The example order of the next epoch (draws from the generator when shuffling). */
  private order(): number[] {
    const n = this.dataset.length;
    return this.shuffle ? this.generator.permutation(n) : Array.from({ length: n }, (_, i) => i);
  }

  /** Iterate one epoch of batches. */
  *[Symbol.iterator](): Iterator<Tensor[]> {
    const order = this.order();
    const nb = this.length;
    for (let b = 0; b < nb; b++) {
      yield this.dataset.getBatch(order.slice(b * this.batchSize, (b + 1) * this.batchSize));
    }
  }
}

/** A parsed numeric CSV file. */
export interface CsvTable {
  /** Column names from the header line (or `c0, c1, …` without one). */
  columns: string[];
  /** The numbers, one array per data line. */
  rows: number[][];
}

/**
 * Parse a CSV of numbers (comma-separated, optional header line, no quoting).
 * @param text - the file's text.
 * @param opts - `header` (default true): whether the first line names the columns.
 * @returns the column names and rows.
 * @throws RangeError naming the line for a ragged row or a field that is not a number.
 * @example
 * ```ts
 * parseCsv('a,b\n1,2\n3,4\n').rows; // [[1, 2], [3, 4]]
 * ```
 */
export function parseCsv(text: string, opts: { header?: boolean } = {}): CsvTable {
  const lines = text.split(/\r?\n/);
  const header = opts.header ?? true;
  let columns: string[] | null = null;
  const rows: number[][] = [];
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!;
    if (line.trim() === '') continue;
    const fields = line.split(',').map((s) => s.trim());
    if (columns === null && header) {
      columns = fields;
      continue;
    }
    if (columns === null) columns = fields.map((_, i) => `c${i}`);
    if (fields.length !== columns.length) throw new RangeError(`parseCsv: line ${ln + 1} has ${fields.length} fields, expected ${columns.length}`);
    rows.push(fields.map((f, c) => {
      const v = f === '' ? NaN : Number(f);
      if (Number.isNaN(v) && f.toLowerCase() !== 'nan') throw new RangeError(`parseCsv: line ${ln + 1}, column ${c + 1} (${columns![c]}): ${JSON.stringify(f)} is not a number`);
      return v;
    }));
  }
  return { columns: columns ?? [], rows };
}

/**
 * Read a numeric CSV file. Node only; in a browser use {@link parseCsv} on the file's text (from
 * `fetch(url).then((r) => r.text())` or `file.text()`).
 * @param path - the file.
 * @param opts - `header` (default true).
 * @returns the column names and rows.
 * @throws Error naming `readCsv` and `parseCsv` outside Node.
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(tmpdir(), 'doc-data.csv');
 * writeFileSync(path, 'x,label\n0.5,1\n-2,0\n');
 * const { columns, rows } = readCsv(path);
 * rows; // [[0.5, 1], [-2, 0]]
 * ```
 */
export function readCsv(path: string, opts: { header?: boolean } = {}): CsvTable {
  return parseCsv(readFileText('readCsv', path, 'parseCsv(text) on the file\'s text (e.g. from fetch or a File)'), opts);
}

/** A classification dataset: features, integer labels and names. */
export interface ClassificationData {
  /** Features, `[n, d]`. */
  x: Tensor;
  /** Class labels `0..k-1`, int32 `[n]`. */
  y: Tensor;
  /** Names of the `d` feature columns. */
  featureNames: string[];
  /** Names of the classes, indexed by label. */
  classNames: string[];
}

/**
 * Split a table whose last column is the integer label into features and labels.
 * @param table - the parsed CSV.
 * @param classNames - names of the labels.
 * @param dtype - dtype of the features (default float32).
 * @returns the dataset.
 * @example
 * ```ts
 * const data = tableToClassification(parseCsv('a,label\n0.5,1\n'), ['no', 'yes']);
 * ```
 */
export function tableToClassification(table: CsvTable, classNames: string[], dtype: DType = 'float32'): ClassificationData {
  const n = table.rows.length;
  const d = table.columns.length - 1;
  if (d < 1) throw new RangeError(`tableToClassification: need at least one feature column and a label column, got ${table.columns.length} columns`);
  const xs = dtype === 'float64' ? new Float64Array(n * d) : new Float32Array(n * d);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = table.rows[i]!;
    for (let j = 0; j < d; j++) xs[i * d + j] = r[j]!;
    const label = r[d]!;
    if (!Number.isInteger(label) || label < 0 || label >= classNames.length) throw new RangeError(`tableToClassification: row ${i + 1} has label ${label}, expected an integer in [0, ${classNames.length})`);
    ys[i] = label;
  }
  return { x: tensor(xs, { shape: [n, d] }), y: tensor(ys), featureNames: table.columns.slice(0, d), classNames };
}

/** A shipped dataset from its generated module (see `scripts/make-dataset-modules.mjs`). */
function shipped(ds: { columns: readonly string[]; values: readonly number[] }, classNames: string[], dtype: DType | undefined): ClassificationData {
  const width = ds.columns.length;
  const rows: number[][] = [];
  for (let i = 0; i < ds.values.length; i += width) rows.push(ds.values.slice(i, i + width));
  return tableToClassification({ columns: ds.columns.slice(), rows }, classNames, dtype);
}

/**
 * The Wisconsin diagnostic breast cancer dataset shipped with the package: 569 tumours, 30 features,
 * label 0 = malignant, 1 = benign. Features are raw (standardise them, see {@link standardize}).
 * The data is compiled into the package (no file is read), so this works in browsers too.
 * @param opts - `dtype` of the features (default float32).
 * @returns the dataset.
 * @example
 * ```ts
 * const { x, y } = loadBreastCancer({ dtype: 'float64' });
 * x.shape; // [569, 30]
 * ```
 */
export function loadBreastCancer(opts: { dtype?: DType } = {}): ClassificationData {
  return shipped(breastCancer, ['malignant', 'benign'], opts.dtype);
}

/**
 * Fisher's iris dataset shipped with the package: 150 flowers, 4 features (cm), 3 species. The data
 * is compiled into the package (no file is read), so this works in browsers too.
 * @param opts - `dtype` of the features (default float32).
 * @returns the dataset.
 * @example
 * ```ts
 * const { x, y, classNames } = loadIris();
 * classNames; // ['setosa', 'versicolor', 'virginica']
 * ```
 */
export function loadIris(opts: { dtype?: DType } = {}): ClassificationData {
  return shipped(iris, ['setosa', 'versicolor', 'virginica'], opts.dtype);
}

/** Standardised features and the statistics used (see {@link standardize}). */
export interface Standardized {
  /** The standardised features. */
  x: Tensor;
  /** Column means used. */
  mean: number[];
  /** Column standard deviations used. */
  std: number[];
}

/** Features and labels of a generated dataset. */
export interface XY {
  /** Features. */
  x: Tensor;
  /** Labels. */
  y: Tensor;
}

/**
 * Standardise the columns of a `[n, d]` matrix: `(x − μ) / σ` with the column means and (population)
 * standard deviations, or with given ones (to apply training statistics to test data).
 * A constant column (σ = 0) is only centred.
 * @param x - the features.
 * @param stats - optional `mean` and `std` arrays of length d.
 * @returns the standardised features and the statistics used.
 * @example
 * ```ts
 * const { x: xs, mean, std } = standardize(loadIris().x);
 * ```
 */
export function standardize(x: Tensor, stats?: { mean: number[]; std: number[] }): Standardized {
  if (x.ndim !== 2) throw new RangeError(`standardize: expected a [n, d] matrix, got shape ${fmt(x.shape)}`);
  const [n, d] = x.shape as [number, number];
  const a = x.data();
  let mean: number[];
  let std: number[];
  if (stats) {
    if (stats.mean.length !== d || stats.std.length !== d) throw new RangeError(`standardize: stats have ${stats.mean.length} means and ${stats.std.length} stds, the matrix has ${d} columns`);
    ({ mean, std } = stats);
  } else {
    mean = new Array(d).fill(0);
    std = new Array(d).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += a[i * d + j]! / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j]! += (a[i * d + j]! - mean[j]!) ** 2 / n;
    std = std.map(Math.sqrt);
  }
  const out = x.dtype === 'float64' ? new Float64Array(n * d) : new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (a[i * d + j]! - mean[j]!) / (std[j]! > 0 ? std[j]! : 1);
  return { x: tensor(out, { shape: [n, d] }), mean, std };
}

/** Options of {@link twoSpirals}. */
export interface TwoSpiralsOptions {
  /** Points per spiral (default 100). */
  n?: number;
  /** How many full turns each spiral makes (default 1.5). */
  turns?: number;
  /** Standard deviation of Gaussian noise added to each coordinate (default 0). */
  noise?: number;
  /** Feature dtype (default float32). */
  dtype?: DType;
  /** Random source (default: a `Generator` seeded with `seed`). */
  generator?: Generator;
  /** Seed when no generator is given (default 0). */
  seed?: number;
}

/**
 * Two interleaved spirals, a classic non-linearly-separable problem. Spiral 0 is
 * `r(θ) (cos θ, sin θ)` with `r = θ / θmax` for `θ ∈ [0.25π, 2π·turns]` (radii in (0, 1]);
 * spiral 1 is spiral 0 rotated by π.
 * @param opts - size, turns, noise, dtype, seed.
 * @returns `x` `[2n, 2]` and int32 labels `y` `[2n]` (first n are class 0).
 * @example
 * ```ts
 * const { x, y } = twoSpirals({ n: 100, noise: 0.02, seed: 1 });
 * ```
 */
export function twoSpirals(opts: TwoSpiralsOptions = {}): XY {
  const n = opts.n ?? 100;
  const turns = opts.turns ?? 1.5;
  const noise = opts.noise ?? 0;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`twoSpirals: n must be a positive integer, got ${n}`);
  if (!(turns > 0)) throw new RangeError(`twoSpirals: turns must be positive, got ${turns}`);
  if (!(noise >= 0)) throw new RangeError(`twoSpirals: noise must be >= 0, got ${noise}`);
  const g = opts.generator ?? new Generator(opts.seed ?? 0);
  const thetaMax = 2 * Math.PI * turns;
  const theta0 = 0.25 * Math.PI;
  const xs = new Float64Array(4 * n);
  const ys = new Int32Array(2 * n);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < n; i++) {
      const th = theta0 + (thetaMax - theta0) * (n === 1 ? 0 : i / (n - 1));
      const r = th / thetaMax;
      const sgn = c === 0 ? 1 : -1;
      const k = c * n + i;
      xs[2 * k] = sgn * r * Math.cos(th) + noise * g.normal();
      xs[2 * k + 1] = sgn * r * Math.sin(th) + noise * g.normal();
      ys[k] = c;
    }
  }
  const dtype = opts.dtype ?? 'float32';
  return { x: tensor(dtype === 'float64' ? xs : Float32Array.from(xs), { shape: [2 * n, 2] }), y: tensor(ys) };
}
