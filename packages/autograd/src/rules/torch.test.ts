// Gradients against PyTorch 1.13 (float64), at the points where conventions matter: kinks, ties,
// zeros, huge logits, broadcasting, negative steps, cropping pads. The numbers were produced by
// scripts/make-torch-fixtures.py and are committed in src/__fixtures__/torch-grads.json.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Tensor, gather, indexSelect, pad, tensor, where } from '@gd/tensor';
import { gradients } from '../index.js';

interface Case {
  name: string;
  inputs: { shape: number[]; data: number[] }[];
  gout: { shape: number[]; data: number[] };
  out: number[];
  grads: (number[] | null)[];
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../__fixtures__/torch-grads.json', import.meta.url)), 'utf8')) as { torch: string; cases: Case[] };

const i32 = (x: number[], shape?: number[]) => tensor(Int32Array.from(x), shape ? { shape } : {});
const f64 = (x: number[], shape: number[]) => tensor(Float64Array.from(x), { shape });

const fns: Record<string, (...xs: Tensor[]) => Tensor> = {
  relu_kink: (x) => x.relu(),
  abs_kink: (x) => x.abs(),
  clamp_bounds: (x) => x.clamp(0, 1),
  max_full_ties: (x) => x.max(),
  max_dim1_ties: (x) => x.max(1),
  min_full_ties: (x) => x.min(),
  maximum_ties: (a, b) => a.maximum(b),
  minimum_ties: (a, b) => a.minimum(b),
  pow_edges: (a, b) => a.pow(b),
  norm2_zero: (x) => x.norm(),
  norm_inf_ties: (x) => x.norm(Infinity),
  norm3_dim: (x) => x.norm(3, 1),
  prod_one_zero: (x) => x.prod(),
  prod_two_zeros: (x) => x.prod(),
  prod_dim: (x) => x.prod(0),
  logsumexp_huge: (x) => x.logsumexp(0),
  softmax: (x) => x.softmax(1),
  log_softmax: (x) => x.logSoftmax(0),
  var_dims: (x) => x.var([0, 2], { correction: 1 }),
  std_all: (x) => x.std(undefined, { correction: 0 }),
  softplus: (x) => x.softplus(2, 1),
  cumsum: (x) => x.cumsum(1),
  tanh_sigmoid: (x) => x.tanh().mul(x.sigmoid()),
  matmul_batched: (a, b) => a.matmul(b),
  matmul_vec_mat: (a, b) => a.matmul(b),
  gather_repeats: (x) => gather(x, 1, i32([2, 2, 0, 1, 1, 1], [2, 3])),
  index_select_repeats: (x) => indexSelect(x, 0, i32([2, 0, 2])),
  masked_fill: (x) => x.maskedFill(tensor([true, false, true]), 7).mul(x),
  where_broadcast: (a, b) => where(tensor([[true], [false]]), a, b),
  div_broadcast: (a, b) => a.div(b),
  slice_neg_step: (x) => x.slice(null, [null, null, -2]),
  pad_crop: (x) => pad(x, [1, -1, 0, 2]),
  expand_sum: (x) => x.expand([3, 2, 4]).mul(tensor(Float64Array.from({ length: 24 }, (_, i) => i), { shape: [3, 2, 4] })),
};

function close(got: ArrayLike<number>, want: readonly number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w)) expect(Number.isNaN(g), `${what}[${i}]`).toBe(true);
    else if (!Number.isFinite(w)) expect(g, `${what}[${i}]`).toBe(w);
    else expect(Math.abs(g - w), `${what}[${i}]: got ${g}, PyTorch ${w}`).toBeLessThanOrEqual(1e-12 + 1e-12 * Math.abs(w));
  }
}

describe(`gradients match PyTorch ${fixture.torch} (float64)`, () => {
  it('covers every case in the fixture', () => {
    expect(fixture.cases.map((c) => c.name).sort()).toEqual(Object.keys(fns).sort());
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const xs = c.inputs.map((x) => f64(x.data, x.shape).requiresGrad_());
      const y = fns[c.name]!(...xs);
      close(y.data(), c.out, 'forward');
      const gs = gradients(y, xs, { gradOutputs: f64(c.gout.data, c.gout.shape) });
      c.grads.forEach((want, k) => close(gs[k]!.data(), want ?? new Array(xs[k]!.size).fill(0), `input ${k}`));
    });
  }
});
