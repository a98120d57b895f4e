import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arange, tensor, Generator } from '@gd/tensor';
import { TensorDataset, DataLoader, randomSplit, parseCsv, loadBreastCancer, loadIris, twoSpirals, standardize, Subset } from './index.js';

function rowsOf(batches: Iterable<import('@gd/tensor').Tensor[]>): number[][] {
  const out: number[][] = [];
  for (const [x] of batches) out.push(Array.from(x!.data()));
  return out;
}

describe('DataLoader', () => {
  it('every epoch visits each example exactly once; batch count and sizes follow batchSize/dropLast', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 45 }), fc.boolean(), fc.boolean(), fc.integer(), (n, bs, shuffle, dropLast, seed) => {
      const x = arange(0, n).reshape([n, 1]);
      const y = arange(0, n).mul(10);
      const loader = new DataLoader(new TensorDataset(x, y), { batchSize: bs, shuffle, dropLast, seed });
      for (let epoch = 0; epoch < 2; epoch++) {
        const seen: number[] = [];
        let count = 0;
        for (const [xb, yb] of loader) {
          count++;
          expect(xb!.shape[0]).toBeLessThanOrEqual(bs);
          const xs = Array.from(xb!.data());
          expect(Array.from(yb!.data())).toEqual(xs.map((v) => v * 10)); // fields stay aligned
          seen.push(...xs);
        }
        const expectedBatches = dropLast ? Math.floor(n / bs) : Math.ceil(n / bs);
        expect(count).toBe(expectedBatches);
        expect(loader.length).toBe(expectedBatches);
        const sorted = seen.slice().sort((a, b) => a - b);
        if (!dropLast) expect(sorted).toEqual(Array.from({ length: n }, (_, i) => i));
        else expect(new Set(seen).size).toBe(expectedBatches * bs);
        if (!shuffle) expect(seen).toEqual(sorted);
      }
    }), { numRuns: 80 });
  });

  it('batches of strided tensors hold the right rows', () => {
    const base = arange(0, 12).reshape([3, 4]);
    const ds = new TensorDataset(base.T, base.flip(1).T); // [4, 3] views, permuted and reversed
    const [a, b] = ds.getBatch([3, 0]);
    expect(a!.toArray()).toEqual([[3, 7, 11], [0, 4, 8]]);
    expect(b!.toArray()).toEqual([[0, 4, 8], [3, 7, 11]]);
  });

  it('batchSize N is one full batch (batch GD), 1 is SGD', () => {
    const ds = new TensorDataset(arange(0, 6).reshape([6, 1]));
    expect(rowsOf(new DataLoader(ds, { batchSize: 6 }))).toEqual([[0, 1, 2, 3, 4, 5]]);
    expect(rowsOf(new DataLoader(ds, { batchSize: 1 }))).toEqual([[0], [1], [2], [3], [4], [5]]);
    expect(rowsOf(new DataLoader(ds, { batchSize: 4, dropLast: true }))).toEqual([[0, 1, 2, 3]]);
  });

  it('shuffling is seeded: same seed same epochs, new order each epoch', () => {
    const ds = new TensorDataset(arange(0, 20).reshape([20, 1]));
    const a = new DataLoader(ds, { batchSize: 20, shuffle: true, seed: 3 });
    const b = new DataLoader(ds, { batchSize: 20, shuffle: true, generator: new Generator(3) });
    const a1 = rowsOf(a), a2 = rowsOf(a), b1 = rowsOf(b), b2 = rowsOf(b);
    expect(a1).toEqual(b1);
    expect(a2).toEqual(b2);
    expect(a1).not.toEqual(a2);
    // resuming from a saved generator state repeats the next epoch
    const state = a.generator.getState();
    const next = rowsOf(a);
    a.generator.setState(state);
    expect(rowsOf(a)).toEqual(next);
  });

  it('rejects bad arguments with the op name', () => {
    expect(() => new DataLoader(new TensorDataset(arange(0, 3)), { batchSize: 0 })).toThrow(/^DataLoader: batchSize must be a positive integer, got 0/);
    expect(() => new TensorDataset(arange(0, 3), arange(0, 4))).toThrow(/^TensorDataset: all tensors need the same first dimension; shapes are \[3\], \[4\]/);
    expect(() => new TensorDataset(arange(0, 3)).getBatch([3])).toThrow(/out of range/);
  });
});

describe('randomSplit', () => {
  it('splits into disjoint subsets covering the dataset, by counts or fractions', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (n, f, seed) => {
      const ds = new TensorDataset(arange(0, n));
      const k = Math.floor(n * f);
      for (const parts of [randomSplit(ds, [k, n - k], new Generator(seed)), randomSplit(ds, [f, 1 - f], new Generator(seed))]) {
        expect(parts[0]!.length + parts[1]!.length).toBe(n);
        const all = parts.flatMap((p: Subset) => Array.from(p.getBatch(Array.from({ length: p.length }, (_, i) => i))[0]!.data()));
        expect(all.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    }), { numRuns: 60 });
    expect(() => randomSplit(new TensorDataset(arange(0, 5)), [2, 2])).toThrow(/^randomSplit: lengths \[2, 2\] must be integers summing to the dataset length 5/);
  });
});

describe('CSV and shipped datasets', () => {
  it('parses numbers with a header and reports bad lines', () => {
    expect(parseCsv('a,b\n1,2.5\n-3,4e2\n\n')).toEqual({ columns: ['a', 'b'], rows: [[1, 2.5], [-3, 400]] });
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(/^parseCsv: line 3 has 1 fields, expected 2/);
    expect(() => parseCsv('a,b\n1,x\n')).toThrow(/^parseCsv: line 2, column 2 \(b\): "x" is not a number/);
  });

  it('breast cancer: 569 x 30, 212 malignant / 357 benign, first row as published', () => {
    const { x, y, featureNames, classNames } = loadBreastCancer({ dtype: 'float64' });
    expect(x.shape).toEqual([569, 30]);
    expect(featureNames[0]).toBe('mean_radius');
    expect(classNames).toEqual(['malignant', 'benign']);
    const labels = Array.from(y.data());
    expect(labels.filter((v) => v === 1).length).toBe(357);
    expect(labels.filter((v) => v === 0).length).toBe(212);
    expect(x.get(0, 0)).toBe(17.99);
    expect(x.get(0, 29)).toBe(0.1189);
  });

  it('iris: 150 x 4, 50 per species', () => {
    const { x, y } = loadIris();
    expect(x.shape).toEqual([150, 4]);
    const labels = Array.from(y.data());
    for (let c = 0; c < 3; c++) expect(labels.filter((v) => v === c).length).toBe(50);
    expect(Array.from(x.slice(0).data())).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
  });

  it('standardize gives zero-mean unit-variance columns and reuses given statistics', () => {
    const raw = loadIris({ dtype: 'float64' }).x;
    const { x, mean, std } = standardize(raw);
    const a = x.toArray() as number[][];
    for (let j = 0; j < 4; j++) {
      const col = a.map((r) => r[j]!);
      const m = col.reduce((s, v) => s + v, 0) / col.length;
      const v = col.reduce((s, c) => s + (c - m) ** 2, 0) / col.length;
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(v).toBeCloseTo(1, 12);
    }
    expect(standardize(raw, { mean, std }).x.toArray()).toEqual(a);
  });

  it('two spirals: balanced, seeded, radii in (0, 1], spiral 1 is spiral 0 rotated by π', () => {
    const { x, y } = twoSpirals({ n: 50, dtype: 'float64' });
    expect(x.shape).toEqual([100, 2]);
    expect(Array.from(y.data()).filter((v) => v === 1).length).toBe(50);
    const p = x.toArray() as number[][];
    for (let i = 0; i < 50; i++) {
      const r = Math.hypot(p[i]![0]!, p[i]![1]!);
      expect(r).toBeGreaterThan(0);
      expect(r).toBeLessThanOrEqual(1 + 1e-12);
      expect(p[50 + i]![0]).toBeCloseTo(-p[i]![0]!, 14);
      expect(p[50 + i]![1]).toBeCloseTo(-p[i]![1]!, 14);
    }
    expect(twoSpirals({ n: 10, noise: 0.1, seed: 4 }).x.toArray()).toEqual(twoSpirals({ n: 10, noise: 0.1, seed: 4 }).x.toArray());
    expect(twoSpirals({ n: 10, noise: 0.1, seed: 4 }).x.toArray()).not.toEqual(twoSpirals({ n: 10, noise: 0.1, seed: 5 }).x.toArray());
    expect(() => twoSpirals({ n: 0 })).toThrow(/^twoSpirals: n must be a positive integer, got 0/);
  });
});
