/**
 * `pnpm bench`: one run that measures @gd against TensorFlow.js (cpu and wasm backends) and jax-js
 * (wasm) on the same machine, and prints a Markdown table with medians and the ratio of @gd to the
 * best peer of that run. Options: `--only matmul,elementwise,small,autograd,conv,mlp` picks sections,
 * `--quick` shortens timing (for smoke runs), `--reps N` sets repetitions.
 * @module
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import * as gd from '@gd/tensor';
import { DEFAULT_TIMING, type Row, type TimingOptions, collectGarbage, median, renderTable, timeAll } from './harness.js';
import { type Jax, loadJax, tf, useTf } from './peers.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
  },
});
const sections = new Set((args.only ?? 'matmul,elementwise,small,autograd,conv,mlp,logreg').split(','));
const timing: TimingOptions = args.quick ? { reps: 3, minMs: 40, warmup: 1 } : { ...DEFAULT_TIMING };
if (args.reps !== undefined) timing.reps = Number(args.reps);

/** Deterministic uniform(-1, 1) floats, so every library multiplies the same numbers. */
function randomF32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

// Which @gd backend is installed by default (e.g. wasm); the "@gd ts" column forces the TS kernels.
const gdDefault = gd.getBackend();
const GD = `@gd${gdDefault ? ` (${gdDefault.name})` : ''}`;
const GD_TS = '@gd ts';
const COLUMNS = [GD, ...(gdDefault ? [GD_TS] : []), 'tfjs-cpu', 'tfjs-wasm', 'jax-js'];

const rounds = args.quick ? 1 : 3;

const rows: Row[] = [];
const jax: Jax | null = await loadJax();

type Case = {
  group: string; name: string; unit: string; higherIsBetter: boolean;
  /** Converts seconds per call into the unit. */
  convert: (s: number) => number;
  gd?: () => () => unknown;
  tf?: () => () => unknown;
  jax?: (j: Jax) => () => unknown;
};

/**
 * Measure every contender of a case. The machine is shared and its load drifts, so the contenders
 * are measured in `rounds` interleaved rounds (each round: every contender once, `reps` repetitions)
 * and the median of all a contender's repetitions is reported.
 */
async function measure(c: Case): Promise<void> {
  const samples: Record<string, number[]> = {};
  const failed: Record<string, string> = {};
  const contenders: [string, () => Promise<() => unknown>][] = [];
  if (c.gd) {
    const make = c.gd;
    contenders.push([GD, async () => { gd.setBackend(gdDefault); return make(); }]);
    if (gdDefault) contenders.push([GD_TS, async () => { gd.setBackend(null); return make(); }]);
  }
  if (c.tf) {
    for (const b of ['cpu', 'wasm'] as const) contenders.push([`tfjs-${b}`, async () => { await useTf(b); return c.tf!(); }]);
  }
  if (c.jax && jax) { const j = jax; contenders.push(['jax-js', async () => c.jax!(j)]); }
  const per = { ...timing, reps: Math.max(1, Math.ceil(timing.reps / rounds)) };
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round, so no contender always runs first (right after another case).
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]!);
    for (const [label, make] of order) {
      if (failed[label] !== undefined) continue;
      // Slow contenders (over half a second per call) are measured in the first round only.
      if (r > 0 && (samples[label]?.length ?? 0) > 0 && median(samples[label]!) > 0.5) continue;
      try {
        const fn = await make();
        await collectGarbage();
        (samples[label] ??= []).push(...timeAll(fn, per));
      } catch (e) {
        failed[label] = 'n/a';
        console.error(`  ${c.name} / ${label}: ${(e as Error).message.split('\n')[0]}`);
      } finally {
        gd.setBackend(gdDefault);
      }
    }
  }
  const cells: Row['cells'] = { ...failed };
  // (a contender that threw during its first repetition left an empty list: it stays 'n/a')
  for (const [label, xs] of Object.entries(samples)) if (xs.length > 0) cells[label] = c.convert(median(xs));
  rows.push({ group: c.group, name: c.name, unit: c.unit, higherIsBetter: c.higherIsBetter, cells });
  console.error(`  done: ${c.name}`);
}

const hasGd = (name: string): boolean => typeof (gd as Record<string, unknown>)[name] === 'function';
const gdMatmul = (a: gd.Tensor, b: gd.Tensor): gd.Tensor => (gd as unknown as { matmul(a: gd.Tensor, b: gd.Tensor): gd.Tensor }).matmul(a, b);

// ------------------------------------------------------------------ matmul
if (sections.has('matmul')) {
  const sizes = args.quick ? [128, 512] : [128, 256, 512, 1024];
  for (const n of sizes) {
    const A = randomF32(n * n, 1), B = randomF32(n * n, 2);
    const flop = 2 * n * n * n;
    await measure({
      group: 'matmul', name: `matmul f32 n=${n}`, unit: 'GFLOP/s', higherIsBetter: true, convert: (s) => flop / s / 1e9,
      gd: hasGd('matmul') ? () => {
        const a = gd.tensor(A, { shape: [n, n] }), b = gd.tensor(B, { shape: [n, n] });
        return () => gdMatmul(a, b);
      } : undefined,
      tf: () => {
        const a = tf.tensor2d(A, [n, n]), b = tf.tensor2d(B, [n, n]);
        return () => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); };
      },
      jax: (j) => {
        const a = j.numpy.array(A).reshape([n, n]), b = j.numpy.array(B).reshape([n, n]);
        return () => j.numpy.matmul(a.ref, b.ref).dataSync();
      },
    });
  }
  if (hasGd('matmul') && hasGd('createWasmBackend') && gdDefault !== null) {
    // Issue #7 asks for a one-thread figure too: the same product on a one-thread wasm backend.
    const n = 512;
    const A = randomF32(n * n, 1), B = randomF32(n * n, 2);
    const oneThread = gd.createWasmBackend({ threads: 1 });
    await measure({
      group: 'matmul', name: `matmul f32 n=${n}, one thread`, unit: 'GFLOP/s', higherIsBetter: true, convert: (s) => (2 * n ** 3) / s / 1e9,
      gd: () => {
        if (gd.getBackend() !== null) gd.setBackend(oneThread); // (the "@gd ts" contender keeps the TS kernels)
        const a = gd.tensor(A, { shape: [n, n] }), b = gd.tensor(B, { shape: [n, n] });
        return () => gdMatmul(a, b);
      },
    });
  }
  if (hasGd('matmul') && !args.quick) {
    const n = 512;
    const A = new Float64Array(randomF32(n * n, 1)), B = new Float64Array(randomF32(n * n, 2));
    await measure({
      group: 'matmul', name: `matmul f64 n=${n}`, unit: 'GFLOP/s', higherIsBetter: true, convert: (s) => (2 * n ** 3) / s / 1e9,
      gd: () => {
        const a = gd.tensor(A, { shape: [n, n], dtype: 'float64' }), b = gd.tensor(B, { shape: [n, n], dtype: 'float64' });
        return () => gdMatmul(a, b);
      },
      jax: (j) => {
        const a = j.numpy.array(A, { dtype: j.numpy.float64 }).reshape([n, n]);
        const b = j.numpy.array(B, { dtype: j.numpy.float64 }).reshape([n, n]);
        return () => j.numpy.matmul(a.ref, b.ref).dataSync();
      },
    });
  }
  // The layer shapes of an MLP on MNIST: x [64,784], W [256,784] (a @ W.T) and the weight gradient x.T @ g.
  const M = 64, K = 784, N = 256;
  const flop = 2 * M * K * N;
  const X = randomF32(M * K, 3), W = randomF32(N * K, 4), G = randomF32(K * N, 5), XT = randomF32(K * M, 6);
  const shapes: [string, boolean, boolean][] = [['a @ b', false, false], ['a @ b.T', false, true], ['a.T @ b', true, false]];
  for (const [label, ta, tb] of shapes) {
    const aShape = ta ? [K, M] : [M, K];
    const bShape = tb ? [N, K] : [K, N];
    const aData = ta ? XT : X, bData = tb ? W : G;
    await measure({
      group: 'matmul', name: `${label} [64x784]x[784x256]`, unit: 'GFLOP/s', higherIsBetter: true, convert: (s) => flop / s / 1e9,
      gd: hasGd('matmul') ? () => {
        const a0 = gd.tensor(aData, { shape: aShape }), b0 = gd.tensor(bData, { shape: bShape });
        const a = ta ? a0.T : a0, b = tb ? b0.T : b0;
        return () => gdMatmul(a, b);
      } : undefined,
      tf: () => {
        const a = tf.tensor2d(aData, aShape as [number, number]), b = tf.tensor2d(bData, bShape as [number, number]);
        return () => { const c = tf.matMul(a, b, ta, tb); c.dataSync(); c.dispose(); };
      },
      jax: (j) => {
        const a = j.numpy.array(aData).reshape(aShape), b = j.numpy.array(bData).reshape(bShape);
        return () => j.numpy.matmul(ta ? j.numpy.transpose(a.ref) : a.ref, tb ? j.numpy.transpose(b.ref) : b.ref).dataSync();
      },
    });
  }
}

// ------------------------------------------------------------------ elementwise
if (sections.has('elementwise')) {
  const n = 1_000_000;
  const X = randomF32(n, 7), Y = randomF32(n, 8);
  const ops = ['add', 'mul', 'exp'] as const;
  for (const op of ops) {
    await measure({
      group: 'elementwise', name: `${op} 1e6 f32`, unit: 'Melem/s', higherIsBetter: true, convert: (s) => n / s / 1e6,
      gd: () => {
        const x = gd.tensor(X, { shape: [n] }), y = gd.tensor(Y, { shape: [n] });
        return op === 'exp' ? () => gd.exp(x) : op === 'add' ? () => gd.add(x, y) : () => gd.mul(x, y);
      },
      tf: () => {
        const x = tf.tensor1d(X), y = tf.tensor1d(Y);
        const f = op === 'exp' ? () => tf.exp(x) : op === 'add' ? () => tf.add(x, y) : () => tf.mul(x, y);
        return () => { const r = f(); r.dataSync(); r.dispose(); };
      },
      jax: (j) => {
        const x = j.numpy.array(X), y = j.numpy.array(Y);
        const f = op === 'exp' ? () => j.numpy.exp(x.ref) : op === 'add' ? () => j.numpy.add(x.ref, y.ref) : () => j.numpy.multiply(x.ref, y.ref);
        return () => f().dataSync();
      },
    });
  }
  // The in-place form (PyTorch's x.add_(y)): no new output, so no fresh memory to bring into the cache.
  // tfjs and jax-js tensors are immutable, so this row has no peer here (PyTorch's is below).
  await measure({
    group: 'elementwise', name: 'add 1e6 f32 in place (x += y)', unit: 'Melem/s', higherIsBetter: true, convert: (s) => n / s / 1e6,
    gd: () => {
      const x = gd.tensor(X, { shape: [n] }), y = gd.tensor(Y, { shape: [n] });
      return () => x.addInPlace(y);
    },
  });
}

// ------------------------------------------------------------------ small tensors (per-op overhead)
if (sections.has('small')) {
  const A = randomF32(64, 9), B = randomF32(64, 10), C = randomF32(64, 11);
  await measure({
    group: 'small', name: 'exp((a+b)*c) on [8,8]', unit: 'µs/op', higherIsBetter: false, convert: (s) => (s / 3) * 1e6,
    gd: () => {
      const a = gd.tensor(A, { shape: [8, 8] }), b = gd.tensor(B, { shape: [8, 8] }), c = gd.tensor(C, { shape: [8, 8] });
      return () => gd.exp(gd.mul(gd.add(a, b), c));
    },
    tf: () => {
      const a = tf.tensor2d(A, [8, 8]), b = tf.tensor2d(B, [8, 8]), c = tf.tensor2d(C, [8, 8]);
      return () => { const r = tf.tidy(() => tf.exp(tf.mul(tf.add(a, b), c))); r.dataSync(); r.dispose(); };
    },
    jax: (j) => {
      const np = j.numpy;
      const a = np.array(A).reshape([8, 8]), b = np.array(B).reshape([8, 8]), c = np.array(C).reshape([8, 8]);
      return () => np.exp(np.multiply(np.add(a.ref, b.ref), c.ref)).dataSync();
    },
  });
}

// ------------------------------------------------------------------ autograd (needs @gd/autograd)
if (sections.has('autograd')) {
  let autograd: unknown = null;
  try { autograd = await import('@gd/autograd'); } catch (e) { console.error(`@gd/autograd unavailable: ${(e as Error).message.split('\n')[0]}`); }
  const A = randomF32(64, 12), B = randomF32(64, 13), C = randomF32(64, 14);
  const usable = autograd !== null && typeof (autograd as Record<string, unknown>) === 'object';
  await measure({
    group: 'autograd', name: 'recorded op on [8,8] (forward, tape on)', unit: 'µs/op', higherIsBetter: false, convert: (s) => (s / 3) * 1e6,
    gd: usable ? () => {
      const a = gd.tensor(A, { shape: [8, 8] }).requiresGrad_(), b = gd.tensor(B, { shape: [8, 8] }), c = gd.tensor(C, { shape: [8, 8] });
      return () => gd.exp(gd.mul(gd.add(a, b), c));
    } : undefined,
  });
  await measure({
    group: 'autograd', name: 'grad of sum(exp((a+b)*c)) wrt a, [8,8]', unit: 'µs/call', higherIsBetter: false, convert: (s) => s * 1e6,
    gd: usable ? () => {
      const a = gd.tensor(A, { shape: [8, 8] }).requiresGrad_(), b = gd.tensor(B, { shape: [8, 8] }), c = gd.tensor(C, { shape: [8, 8] });
      const sum = (t: gd.Tensor): gd.Tensor => (t as unknown as { sum(): gd.Tensor }).sum();
      return () => { a.grad = null; sum(gd.exp(gd.mul(gd.add(a, b), c))).backward(); return a.grad; };
    } : undefined,
    tf: () => {
      const a = tf.tensor2d(A, [8, 8]), b = tf.tensor2d(B, [8, 8]), c = tf.tensor2d(C, [8, 8]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.exp(tf.mul(tf.add(x, b), c))));
      return () => { const r = tf.tidy(() => g(a)); r.dataSync(); r.dispose(); };
    },
    jax: (j) => {
      const np = j.numpy;
      const b = np.array(B).reshape([8, 8]), c = np.array(C).reshape([8, 8]);
      const a = np.array(A).reshape([8, 8]);
      const g = j.grad((x: InstanceType<typeof np.Array>) => np.sum(np.exp(np.multiply(np.add(x, b.ref), c.ref))));
      return () => g(a.ref).dataSync();
    },
  });
}

// ------------------------------------------------------------------ conv2d (im2col + gemm)
if (sections.has('conv')) {
  // A mid-sized layer and a typical MNIST CNN's first layer; float32, stride 1. Forward, and
  // forward + gradients of input and weights (loss <y, u> with a fixed random u). tfjs takes NHWC
  // input and [kh, kw, C, O] filters; jax-js (lax.conv) NCHW / OIHW as @gd.
  const nn = await import('@gd/nn');
  const shapes = [
    { label: 'x[32,16,28,28] w[32,16,3,3] pad 1', n: 32, c: 16, h: 28, o: 32, k: 3, pad: 1 },
    { label: 'MNIST x[64,1,28,28] w[16,1,5,5]', n: 64, c: 1, h: 28, o: 16, k: 5, pad: 0 },
  ];
  for (const S of shapes) {
    const ho = S.h + 2 * S.pad - S.k + 1;
    const X = randomF32(S.n * S.c * S.h * S.h, 21), Wt = randomF32(S.o * S.c * S.k * S.k, 22).map((v) => v * 0.1), U = randomF32(S.n * S.o * ho * ho, 23);
    const xs = [S.n, S.c, S.h, S.h], ws = [S.o, S.c, S.k, S.k], ys = [S.n, S.o, ho, ho];
    const nhwc = (t: tf.Tensor) => tf.transpose(t, [0, 2, 3, 1]);
    const tfPad = S.pad === 0 ? 'valid' as const : 'same' as const;
    for (const grad of [false, true]) {
      await measure({
        group: 'conv', name: `conv2d ${grad ? 'fwd+bwd' : 'forward'} ${S.label}`, unit: 'ms/call', higherIsBetter: false, convert: (s) => s * 1e3,
        gd: () => {
          const x = gd.tensor(X, { shape: xs }), w = gd.tensor(Wt, { shape: ws }), b = gd.zeros([S.o]);
          if (!grad) return () => nn.conv2d(x, w, b, { padding: S.pad });
          const u = gd.tensor(U, { shape: ys });
          x.requiresGrad_(true); w.requiresGrad_(true); b.requiresGrad_(true);
          return () => {
            x.grad = null; w.grad = null; b.grad = null;
            (nn.conv2d(x, w, b, { padding: S.pad }).mul(u) as gd.Tensor).sum().backward();
            return w.grad;
          };
        },
        tf: () => {
          const x = tf.tidy(() => nhwc(tf.tensor4d(X, xs as [number, number, number, number])));
          const w = tf.tidy(() => tf.transpose(tf.tensor4d(Wt, ws as [number, number, number, number]), [2, 3, 1, 0]));
          const u = tf.tidy(() => nhwc(tf.tensor4d(U, ys as [number, number, number, number])));
          if (!grad) return () => { const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, tfPad); y.dataSync(); y.dispose(); };
          const g = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, tfPad), u)));
          return () => { const r = g([x, w]); r.forEach((t) => t.dataSync()); r.forEach((t) => t.dispose()); };
        },
        jax: (j) => {
          const np = j.numpy;
          const x = np.array(X).reshape(xs), w = np.array(Wt).reshape(ws), u = np.array(U).reshape(ys);
          const pad = S.pad === 0 ? 'VALID' as const : 'SAME' as const;
          if (!grad) return () => j.lax.conv(x.ref, w.ref, [1, 1], pad).dataSync();
          const g = j.grad((a: InstanceType<typeof np.Array>, f: InstanceType<typeof np.Array>) => np.sum(np.multiply(j.lax.conv(a, f, [1, 1], pad), u.ref)), { argnums: [0, 1] });
          return () => { const [gx, gw] = g(x.ref, w.ref); gx.dataSync(); gw.dataSync(); };
        },
      });
    }
  }
}

// ------------------------------------------------------------------ MLP training step (full stack)
if (sections.has('mlp')) {
  const { mlpCases } = await import('./mlp.js');
  const a0 = gd.arenaStats();
  for (const c of await mlpCases(timing, jax, [GD, gdDefault ? GD_TS : null], rounds)) rows.push(c);
  const a1 = gd.arenaStats();
  console.error(`  arena during mlp: memory ${(a1.memoryBytes / 2 ** 20).toFixed(0)} MiB, forced collections ${a1.forcedCollections - a0.forcedCollections}, fallbacks ${a1.fallbacks - a0.fallbacks}`);
}

// ------------------------------------------------------------------ logistic regression vs scikit-learn
const extra: string[] = [];
if (sections.has('logreg')) {
  const { logregGd, logregColdMs } = await import('./logreg.js');
  const prev = gd.getBackend();
  // As many timed fits as scikit-learn's script times (21), after 30 untimed ones (V8 compiles as it runs).
  const ours = logregGd(args.quick ? 5 : 21, args.quick ? 5 : 30);
  gd.setBackend(prev);
  const cold = logregColdMs(ours.tol, args.quick ? 1 : 3);
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('../logreg_sklearn.py', import.meta.url));
  let sk: { median_ms: number; tol: number; gap: number; iterations: number; sklearn: string } | null = null;
  let python = '';
  // scikit-learn on one BLAS thread, warm and cold alike.
  const oneBlasThread = { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } } as const;
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, [script], oneBlasThread);
    if (r.status === 0) { sk = JSON.parse(r.stdout.trim().split('\n').pop()!); python = py; break; }
  }
  // scikit-learn's first fit in a fresh Python process, the counterpart of @gd's cold figure.
  const skCold: number[] = [];
  for (let p = 0; sk !== null && p < cold.each.length; p++) {
    const r = spawnSync(python, [script, '--cold', String(sk.tol)], oneBlasThread);
    const got = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()!) as { cold_ms: number; gap: number } : null;
    // Only fits that reached the gap count (as for the warm figures).
    if (got !== null && got.gap <= 1e-8) skCold.push(got.cold_ms);
  }
  const skColdMs = skCold.length > 0 ? median(skCold) : null;
  extra.push('', 'Logistic regression, breast cancer 569×30 (standardised, float64, L2 C=1), from zero to f − f* ≤ 1e-8 (f* by Newton):', '');
  extra.push(`| solver | time (median) | iterations | final gap | ratio |`, `|:--|--:|--:|--:|--:|`);
  extra.push(`| @gd L-BFGS (strong Wolfe, toleranceGrad=${ours.tol}), whole stack, warm (median of 21 fits after 30) | ${(ours.seconds * 1e3).toFixed(2)} ms | ${ours.iterations} | ${ours.gap.toExponential(1)} | ${sk ? `${(sk.median_ms / (ours.seconds * 1e3)).toFixed(2)}× sklearn's speed` : '—'} |`);
  extra.push(`| same, first fit in a fresh process (median of ${cold.each.length} processes) | ${(cold.seconds * 1e3).toFixed(2)} ms | ${ours.iterations} | ≤ 1e-8 | ${skColdMs !== null ? `${(skColdMs / (cold.seconds * 1e3)).toFixed(2)}× sklearn's first fit` : '—'} |`);
  const pi = ours.perIteration;
  extra.push(`| @gd, one step() per iteration + gap check after each (earlier protocol) | ${(pi.seconds * 1e3).toFixed(2)} ms | ${pi.iterations} | ${pi.gap.toExponential(1)} | ${sk ? `${(sk.median_ms / (pi.seconds * 1e3)).toFixed(2)}×` : '—'} |`);
  extra.push(sk ? `| scikit-learn ${sk.sklearn} LogisticRegression(lbfgs, tol=${sk.tol}), 1 BLAS thread | ${sk.median_ms.toFixed(2)} ms | ${sk.iterations} | ${sk.gap.toExponential(1)} | 1 |`
    : '| scikit-learn | not available (run bench/logreg_sklearn.py with python3-sklearn) | | | |');
  if (skColdMs !== null) extra.push(`| scikit-learn, first fit in a fresh process (median of ${skCold.length}) | ${skColdMs.toFixed(2)} ms | | ≤ 1e-8 | |`);
}

// ------------------------------------------------------------------ PyTorch on this machine
// Issue #7 quotes PyTorch's figures; where Debian's python3-torch is installed, bench/torch_peer.py
// measures them in this run instead (never a dependency: skipped when python3 has no torch).
if (!args.quick && ['mlp', 'matmul', 'elementwise'].some((s) => sections.has(s))) {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('../torch_peer.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8' });
  const pt = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | string> : null;
  const ours = (name: string): number | undefined => rows.find((row) => row.name === name)?.cells[GD] as number | undefined;
  const cases: [string, string, string][] = [
    ['mlp', 'MLP 784-256-10 SGD step, batch 64', 'steps/s'], ['matmul', 'matmul f32 n=512', 'GFLOP/s'],
    ['add', 'add 1e6 f32', 'Melem/s'], ['add_', 'add 1e6 f32 in place (x += y)', 'Melem/s'], ['exp', 'exp 1e6 f32', 'Melem/s'],
  ];
  extra.push('', pt ? `PyTorch ${pt.torch} (Debian python3-torch, BLAS ${pt.blas}) on this machine, same run (bench/torch_peer.py):` : 'PyTorch: not available (/usr/bin/python3 has no torch; see bench/torch_peer.py)', '');
  if (pt) {
    extra.push('| case | unit | @gd | PyTorch, 1 thread | PyTorch, all cores | @gd / PyTorch (1 thread) | @gd / PyTorch (all cores) |', '|:--|:--|--:|--:|--:|--:|--:|');
    for (const [key, name, unit] of cases) {
      const g = ours(name), one = pt[`${key}_1t`] as number | undefined, all = pt[`${key}_${pt.cores}t`] as number | undefined;
      const f = (v: number | undefined): string => (v === undefined ? '—' : v.toPrecision(4));
      const ratio = (v: number | undefined): string => (g === undefined || v === undefined ? '—' : `${(g / v).toFixed(2)}×`);
      extra.push(`| ${name} | ${unit} | ${f(g)} | ${f(one)} | ${f(all)} | ${ratio(one)} | ${ratio(all)} |`);
    }
  }
}

// ------------------------------------------------------------------ print
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`\n@gd benchmarks — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpu} × ${os.cpus().length}, Node ${process.version}`);
console.log(`medians of ${timing.reps} repetitions (each ≥ ${timing.minMs} ms); ratio > 1 means @gd is better than the best peer in this run.\n`);
if (rows.length) console.log(renderTable(rows, COLUMNS, GD));
if (extra.length) console.log(extra.join('\n'));
process.exit(0);
