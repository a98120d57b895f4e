// The seeded Generator: reproducibility, independence of seeds, state save/restore, distributions
// (moments and ranges over 10k draws), and a pinned regression of seed 0's first numbers.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, defaultGenerator, manualSeed, rand, randint, randn } from './index.js';

const draw = (g: Generator, n: number, f: (g: Generator) => number): number[] => Array.from({ length: n }, () => f(g));
const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;
const variance = (a: number[]): number => {
  const m = mean(a);
  return a.reduce((s, x) => s + (x - m) ** 2, 0) / (a.length - 1);
};

describe('Generator', () => {
  it('the same seed gives the same stream (uniform, normal, integer, permutation), different seeds differ', () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (s, t) => {
      const mix = (g: Generator): number[] => [g.uniform(), g.normal(), g.integer(-5, 5), g.normal(), ...g.permutation(6), g.uniform()];
      expect(mix(new Generator(s))).toEqual(mix(new Generator(s)));
      if (s !== t) expect(draw(new Generator(s), 4, (g) => g.uniform())).not.toEqual(draw(new Generator(t), 4, (g) => g.uniform()));
    }), { numRuns: 50 });
  });

  it('neighbouring small seeds and large seeds (Date.now()-sized) give unrelated streams', () => {
    const firsts = new Set<number>();
    for (let s = 0; s < 200; s++) firsts.add(new Generator(s).uniform());
    for (const s of [2 ** 32, 2 ** 33 + 5, 1_700_000_000_000, 1_700_000_000_001]) firsts.add(new Generator(s).uniform());
    expect(firsts.size).toBe(204);
  });

  it('manualSeed restarts the stream; the module-level manualSeed resets rand/randn', () => {
    const g = new Generator(5);
    const a = draw(g, 5, (x) => x.normal());
    g.manualSeed(5);
    expect(draw(g, 5, (x) => x.normal())).toEqual(a);
    manualSeed(123);
    const r1 = Array.from(randn([6]).data());
    const u1 = Array.from(rand([3]).data());
    manualSeed(123);
    expect(Array.from(randn([6]).data())).toEqual(r1);
    expect(Array.from(rand([3]).data())).toEqual(u1);
    expect(defaultGenerator).toBeInstanceOf(Generator);
  });

  it('getState / setState resume exactly, including a cached second normal', () => {
    fc.assert(fc.property(fc.integer(), fc.nat(7), (seed, skip) => {
      const g = new Generator(seed);
      for (let i = 0; i < skip; i++) g.normal();
      const st = g.getState();
      const a = [g.normal(), g.uniform(), g.normal()];
      const h = new Generator(999).setState(st);
      expect([h.normal(), h.uniform(), h.normal()]).toEqual(a);
    }), { numRuns: 50 });
  });

  it('uniform: 10k draws in [0, 1) with mean 1/2 and variance 1/12', () => {
    const u = draw(new Generator(11), 10000, (g) => g.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / 1e4));
    expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(0.004);
    const deciles = new Array(10).fill(0);
    for (const x of u) deciles[Math.floor(x * 10)]++;
    const chi2 = deciles.reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
    expect(chi2).toBeLessThan(27.9); // chi-square, 9 d.o.f., p = 0.001
  });

  it('randn: 10k draws with mean 0, variance 1, and normal tails', () => {
    for (const seed of [0, 1, 2]) {
      const x = Array.from(randn([10000], { generator: new Generator(seed), dtype: 'float64' }).data());
      expect(Math.abs(mean(x))).toBeLessThan(4 / 100);
      expect(Math.abs(variance(x) - 1)).toBeLessThan(0.06);
      const beyond2 = x.filter((v) => Math.abs(v) > 2).length / x.length;
      expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.012);
      const m4 = mean(x.map((v) => v ** 4));
      expect(Math.abs(m4 - 3)).toBeLessThan(0.35);
    }
  });

  it('integer(low, high) includes both ends and nothing else; randint(low, high) excludes high', () => {
    fc.assert(fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 4 }), fc.nat(), (low, span, seed) => {
      const xs = draw(new Generator(seed), 200, (g) => g.integer(low, low + span));
      expect(xs.every((x) => Number.isInteger(x) && x >= low && x <= low + span)).toBe(true);
      expect(new Set(xs).size).toBe(span + 1);
    }), { numRuns: 40 });
    const r = Array.from(randint(-3, 4, [10000], { generator: new Generator(1) }).data());
    expect(Math.min(...r)).toBe(-3);
    expect(Math.max(...r)).toBe(3);
    expect(Math.abs(mean(r))).toBeLessThan(0.1);
  });

  it('permutation(n) is a permutation of 0..n-1, with each position uniform', () => {
    fc.assert(fc.property(fc.nat(30), fc.nat(), (n, seed) => {
      const p = new Generator(seed).permutation(n);
      expect([...p].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    }), { numRuns: 50 });
    const g = new Generator(3);
    const firstCounts = new Array(4).fill(0);
    for (let i = 0; i < 4000; i++) firstCounts[g.permutation(4)[0]!]++;
    for (const c of firstCounts) expect(Math.abs(c - 1000)).toBeLessThan(130);
  });

  it('regression: the first numbers of seed 0 stay what they were (alongside the statistical checks above)', () => {
    const g = new Generator(0);
    expect([g.uniform(), g.uniform(), g.uniform()]).toEqual([0.2057643415931245, 0.9150261413431053, 0.23178615173151595]);
    expect(Array.from(randn([4], { generator: new Generator(0), dtype: 'float64' }).data()))
      .toEqual([1.53073277158216, -0.9049335101321673, 1.7033768346199334, 0.1496246758769631]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['NaN seed', () => new Generator(NaN), /^Generator: seed must be a safe integer, got NaN/],
    ['fractional seed', () => new Generator(0.5), /^Generator: seed must be a safe integer, got 0\.5/],
    ['manualSeed Infinity', () => manualSeed(Infinity), /^manualSeed: seed must be a safe integer, got Infinity/],
    ['integer order', () => new Generator().integer(3, 2), /^integer: need integers low <= high, got low 3, high 2/],
    ['permutation negative', () => new Generator().permutation(-1), /^permutation: n must be a non-negative integer, got -1/],
    ['setState garbage', () => new Generator().setState([1.5, 2] as number[]), /^setState: expected a state from getState\(\)/],
  ])('%s', (_s, f, re) => {
    expect(f).toThrow(re);
  });
});
