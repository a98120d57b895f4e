import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Tensor, Generator, tensor, randn } from '@gd/tensor';
import { noGrad } from '@gd/autograd';
import { SGD, Adam, LBFGS, StepLR, ExponentialLR, ReduceLROnPlateau, maxIterations, lossBelow, anyOf, noImprovement } from '@gd/optim';
import {
  Module, Linear, Sequential, Tanh, ReLU, fit, evaluate, accuracy, loadBreastCancer, loadIris, standardize, twoSpirals,
  bceWithLogitsLoss, crossEntropy, mseLoss, DataLoader, TensorDataset, EarlyStopping, ModelCheckpoint, LambdaCallback, SchedulerStepper, StopWhen,
  saveCheckpoint, loadCheckpoint, saveWeights, loadWeights, cloneStateDict, Conv2d, MaxPool2d, Flatten, type StepLog,
} from './index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gd-fit-'));
const flat = (m: Module): number[] => m.parameters().flatMap((p) => Array.from(p.data()));

describe('logistic regression on Wisconsin breast cancer (float64, L2 λ = 0.01)', () => {
  const { x: raw, y: yi } = loadBreastCancer({ dtype: 'float64' });
  const x = standardize(raw).x;
  const y = yi.to('float64').reshape([-1, 1]);
  const lam = 0.01;
  const objective = (m: Linear) => (p: Tensor, t: Tensor) => bceWithLogitsLoss(p, t).add(m.weight.square().sum().mul(lam / 2));
  const fullLoss = (m: Linear) => noGrad(() => objective(m)(m.forward(x), y).item());
  const make = () => new Linear(30, 1, { dtype: 'float64', generator: new Generator(0) });

  it('batch GD, mini-batch SGD and L-BFGS reach the same optimum (losses within 1e-6) and >= 97% train accuracy', () => {
    const gd = make();
    const hGd = fit(gd, { loss: objective(gd), optimizer: new SGD(gd.parameters(), { lr: 0.5, momentum: 0.9 }), data: [x, y], epochs: 160, progress: false });
    expect(hGd.steps.length).toBe(160); // batch GD: one step per epoch

    const sgd = make();
    const opt = new SGD(sgd.parameters(), { lr: 0.3, momentum: 0.9 });
    const decay = new ExponentialLR(opt, { gamma: 0.94 });
    const hSgd = fit(sgd, { loss: objective(sgd), optimizer: opt, data: new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 1 }), epochs: 100, scheduler: decay, progress: false });
    expect(hSgd.steps.length).toBe(100 * 9);
    expect(hSgd.epochs[1]!.lr).toBeCloseTo(0.3 * 0.94 ** 2, 12);

    const lb = make();
    fit(lb, { loss: objective(lb), optimizer: new LBFGS(lb.parameters(), { maxIter: 200, lineSearchFn: 'strongWolfe', toleranceGrad: 1e-12, toleranceChange: 1e-14 }), data: [x, y], epochs: 2, progress: false });

    const [lGd, lSgd, lLb] = [fullLoss(gd), fullLoss(sgd), fullLoss(lb)];
    expect(Math.abs(lGd - lLb)).toBeLessThan(1e-6);
    expect(Math.abs(lSgd - lLb)).toBeLessThan(1e-6);
    // the optimum is a stationary point: L-BFGS's gradient vanishes
    const g = noGrad(() => lb.forward(x).sigmoid().sub(y)); // ∂/∂z of the mean BCE × n
    const gw = g.T.matmul(x).div(569).add(lb.weight.mul(lam));
    expect(Math.max(...Array.from(gw.data()).map(Math.abs))).toBeLessThan(1e-6);
    for (const m of [gd, sgd, lb]) expect(evaluate(m, [x, y], { metrics: { accuracy } }).accuracy).toBeGreaterThanOrEqual(0.97);
  }, 60_000);
});

describe('softmax regression on iris', () => {
  it('L-BFGS in a few full-batch steps reaches >= 95% train accuracy', () => {
    const { x: raw, y } = loadIris({ dtype: 'float64' });
    const x = standardize(raw).x;
    const model = new Linear(4, 3, { dtype: 'float64', generator: new Generator(0) });
    const h = fit(model, { loss: crossEntropy, optimizer: new LBFGS(model.parameters(), { maxIter: 50, lineSearchFn: 'strongWolfe' }), data: [x, y], epochs: 2, metrics: { accuracy }, progress: false });
    expect(h.epochs[1]!.loss).toBeLessThan(h.epochs[0]!.loss);
    expect(evaluate(model, [x, y], { metrics: { accuracy } }).accuracy).toBeGreaterThanOrEqual(0.95);
  });
});

describe('MLP on two spirals', () => {
  it('reaches >= 95% accuracy', () => {
    const { x, y } = twoSpirals({ n: 100, seed: 1 });
    const g = new Generator(0);
    const model = new Sequential(new Linear(2, 16, { generator: g }), new Tanh(), new Linear(16, 16, { generator: g }), new Tanh(), new Linear(16, 2, { generator: g }));
    const history = fit(model, { loss: crossEntropy, optimizer: new Adam(model.parameters(), { lr: 0.02 }), data: [x, y], epochs: 200, metrics: { accuracy }, progress: false });
    expect(history.epochs[199]!.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(evaluate(model, [x, y], { metrics: { accuracy } }).accuracy).toBeGreaterThanOrEqual(0.95);
    expect(history.epochs[199]!.loss).toBeLessThan(history.epochs[0]!.loss / 5);
  }, 60_000);
});

describe('a small CNN', () => {
  it('learns to tell horizontal from vertical bars (>= 95%)', () => {
    const g = new Generator(5);
    const n = 48;
    const xs = new Float32Array(n * 36);
    const ys = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const vertical = k % 2;
      const line = g.integer(0, 5);
      for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
        const on = vertical ? j === line : i === line;
        xs[k * 36 + i * 6 + j] = (on ? 1 : 0) + 0.3 * g.normal();
      }
      ys[k] = vertical;
    }
    const x = tensor(xs, { shape: [n, 1, 6, 6] });
    const y = tensor(ys);
    const model = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1, generator: g }), new ReLU(), new MaxPool2d(2),
      new Flatten(), new Linear(4 * 3 * 3, 2, { generator: g }),
    );
    fit(model, { loss: crossEntropy, optimizer: new Adam(model.parameters(), { lr: 0.02 }), data: new DataLoader(new TensorDataset(x, y), { batchSize: 16, shuffle: true }), epochs: 15, progress: false });
    expect(evaluate(model, [x, y], { metrics: { accuracy } }).accuracy).toBeGreaterThanOrEqual(0.95);
  }, 60_000);
});

function regression(seed: number) {
  const g = new Generator(seed);
  const x = randn([48, 3], { generator: g, dtype: 'float64' });
  const w = tensor([[1.5], [-2], [0.5]], { dtype: 'float64' });
  const y = x.matmul(w).add(randn([48, 1], { generator: g, dtype: 'float64' }).mul(0.1));
  return { x, y };
}
const mlp = (seed: number) => { const g = new Generator(seed); return new Sequential(new Linear(3, 8, { dtype: 'float64', generator: g }), new ReLU(), new Linear(8, 1, { dtype: 'float64', generator: g })); };

describe('checkpoints', () => {
  it('save → load gives identical predictions and identical continued training (model, Adam + StepLR state, loader RNG)', () => {
    const { x, y } = regression(1);
    const dir = tmp();
    const path = join(dir, 'ckpt.safetensors');
    const a = mlp(2);
    const optA = new Adam(a.parameters(), { lr: 0.01 });
    const schedA = new StepLR(optA, { stepSize: 2, gamma: 0.5 });
    const loaderA = new DataLoader(new TensorDataset(x, y), { batchSize: 8, shuffle: true, seed: 3 });
    fit(a, { loss: mseLoss, optimizer: optA, scheduler: schedA, data: loaderA, epochs: 3, progress: false });
    saveCheckpoint(path, { model: a, optimizer: optA, scheduler: schedA, extra: { epoch: 3, rng: loaderA.generator.getState() } });
    const hA = fit(a, { loss: mseLoss, optimizer: optA, scheduler: schedA, data: loaderA, epochs: 3, progress: false });

    const b = mlp(99); // different initial weights
    const optB = new Adam(b.parameters(), { lr: 0.5 });
    const schedB = new StepLR(optB, { stepSize: 2, gamma: 0.5 }); // same recipe, fresh position (lastEpoch 0)
    const extra = loadCheckpoint(path, { model: b, optimizer: optB, scheduler: schedB }) as { epoch: number; rng: number[] };
    expect(extra.epoch).toBe(3);
    const loaderB = new DataLoader(new TensorDataset(x, y), { batchSize: 8, shuffle: true, generator: new Generator(0).setState(extra.rng) });
    // identical predictions right after loading (compare to a fresh load into a third model)
    const c = mlp(7);
    loadWeights(path, c);
    expect(noGrad(() => b.forward(x).toArray())).toEqual(noGrad(() => c.forward(x).toArray()));
    const hB = fit(b, { loss: mseLoss, optimizer: optB, scheduler: schedB, data: loaderB, epochs: 3, progress: false });
    expect(hB.steps.map((s) => s.loss)).toEqual(hA.steps.map((s) => s.loss));
    expect(hB.steps.map((s) => s.lr)).toEqual(hA.steps.map((s) => s.lr));
    expect(new Set(hA.steps.map((s) => s.lr)).size).toBe(2); // the schedule really changed the lr
    expect(flat(b)).toEqual(flat(a));
  });

  it('refuses truncated or corrupt files and mismatched models, leaving the model untouched', () => {
    const dir = tmp();
    const path = join(dir, 'w.safetensors');
    const src = mlp(1);
    const opt = new Adam(src.parameters());
    saveCheckpoint(path, { model: src, optimizer: opt });
    const good = readFileSync(path);
    const target = mlp(5);
    const before = flat(target);
    const bad = join(dir, 'bad.safetensors');
    const corruptions: [Buffer | Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 1), /truncated|trailing|ends at byte/],
      [good.subarray(0, 20), /exceeds|truncated/],
      [Buffer.concat([good, Buffer.from([1, 2, 3])]), /trailing bytes/],
      [(() => { const c = Buffer.from(good); c[8] = 0x78; return c; })(), /header does not start with "\{"/],
      [(() => { const c = Buffer.from(good); c[good.indexOf('"data_offsets":[0,') + 16] = 0x34; return c; })(), /needs \d+ bytes, data_offsets \[4,/],
    ];
    for (const [bytes, re] of corruptions) {
      writeFileSync(bad, bytes);
      expect(() => loadCheckpoint(bad, { model: target, optimizer: new Adam(target.parameters()) })).toThrow(re);
      expect(() => loadWeights(bad, target)).toThrow(re);
      expect(flat(target)).toEqual(before);
    }
    // a well-formed file whose tensors do not match the model
    const other = new Sequential(new Linear(3, 4, { dtype: 'float64' }), new ReLU(), new Linear(4, 1, { dtype: 'float64' }));
    saveWeights(bad, other);
    expect(() => loadWeights(bad, target)).toThrow(/^loadWeights: .*0\.weight: shape \[4,3\] in the state dict, \[8,3\] in the model/);
    expect(flat(target)).toEqual(before);
    // optimizer state that does not fit: the model is restored too
    const small = new Sequential(new Linear(3, 8, { dtype: 'float64' }), new ReLU(), new Linear(8, 1, { dtype: 'float64' }));
    const optSmall = new Adam([small.parameters()[0]!]);
    saveCheckpoint(bad, { model: small, optimizer: optSmall });
    expect(() => loadCheckpoint(bad, { model: target, optimizer: new Adam(target.parameters()) })).toThrow(/^loadCheckpoint: /);
    expect(flat(target)).toEqual(before);
    // a plain weights file is not a checkpoint
    saveWeights(bad, src);
    expect(() => loadCheckpoint(bad, { model: target })).toThrow(/is not a checkpoint/);
    expect(readdirSync(dir).sort()).toEqual(['bad.safetensors', 'w.safetensors']);
  });

  it('refuses optimizer or scheduler state of another class (a schedule position alone cannot tell), leaving everything untouched', () => {
    const dir = tmp();
    const path = join(dir, 'c.safetensors');
    const src = mlp(1);
    const opt = new Adam(src.parameters(), { lr: 0.1 });
    const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 3; i++) sched.step();
    saveCheckpoint(path, { model: src, optimizer: opt, scheduler: sched });
    const target = mlp(5);
    const before = flat(target);
    const tOpt = new Adam(target.parameters(), { lr: 0.1 });
    const wrongSched = new ExponentialLR(tOpt, { gamma: 0.9 });
    expect(() => loadCheckpoint(path, { model: target, optimizer: tOpt, scheduler: wrongSched })).toThrow(/^loadCheckpoint: .* holds scheduler state of a StepLR, not of a ExponentialLR/);
    expect(wrongSched.lastEpoch).toBe(0);
    expect(() => loadCheckpoint(path, { model: target, optimizer: new SGD(target.parameters(), { lr: 0.1 }) })).toThrow(/holds optimizer state of a Adam, not of a SGD/);
    expect(flat(target)).toEqual(before);
    // the matching classes load, and the schedule resumes at the saved position
    const okSched = new StepLR(tOpt, { stepSize: 2, gamma: 0.5 });
    loadCheckpoint(path, { model: target, optimizer: tOpt, scheduler: okSched });
    expect(flat(target)).toEqual(flat(src));
    expect(okSched.lastEpoch).toBe(3);
    expect(okSched.getLastLr()).toEqual(sched.getLastLr());
    // ReduceLROnPlateau checkpoints too: its counters and settings come back (best = -Infinity survives JSON)
    const plateau = new ReduceLROnPlateau(opt, { mode: 'max', patience: 1, factor: 0.5 });
    for (const acc of [0.5, 0.4, 0.4]) plateau.step(acc);
    saveCheckpoint(path, { model: src, optimizer: opt, scheduler: plateau });
    const pOpt = new Adam(target.parameters(), { lr: 0.1 });
    const pTarget = new ReduceLROnPlateau(pOpt);
    loadCheckpoint(path, { model: target, optimizer: pOpt, scheduler: pTarget });
    expect(pTarget.stateDict()).toEqual(plateau.stateDict());
    expect([pTarget.mode, pTarget.best, pTarget.patience, pTarget.lastEpoch]).toEqual(['max', 0.5, 1, 3]);
    expect(pOpt.paramGroups[0]!.lr).toBe(opt.paramGroups[0]!.lr);
    saveCheckpoint(path, { model: src, scheduler: new ReduceLROnPlateau(opt, { mode: 'max' }) });
    loadCheckpoint(path, { model: target, scheduler: pTarget });
    expect(pTarget.best).toBe(-Infinity);
  });
});

describe('fit: history, callbacks, progress', () => {
  it('records per-step and per-epoch history; scheduler stepped per epoch or per step', () => {
    const { x, y } = regression(2);
    for (const interval of ['epoch', 'step'] as const) {
      const m = mlp(3);
      const opt = new SGD(m.parameters(), { lr: 0.1 });
      let calls = 0;
      const sched = { step: () => { calls++; opt.paramGroups[0]!.lr = 0.1 / (1 + calls); } };
      const h = fit(m, { loss: mseLoss, optimizer: opt, data: new DataLoader(new TensorDataset(x, y), { batchSize: 16 }), epochs: 4, scheduler: sched, schedulerInterval: interval, progress: false });
      expect(h.steps.length).toBe(12);
      expect(h.epochs.length).toBe(4);
      expect(calls).toBe(interval === 'epoch' ? 4 : 12);
      const expectedLr = (k: number) => (k === 0 ? 0.1 : 0.1 / (1 + k));
      h.steps.forEach((s, i) => expect(s.lr).toBeCloseTo(expectedLr(interval === 'epoch' ? Math.floor(i / 3) : i), 15));
      // epoch loss is the example-weighted mean of its steps' losses
      expect(h.epochs[0]!.loss).toBeCloseTo((h.steps[0]!.loss + h.steps[1]!.loss + h.steps[2]!.loss) / 3, 12);
      expect(h.stopReason).toBe('epochs');
    }
  });

  it('stops on @gd/optim stopping criteria, steps ReduceLROnPlateau with the epoch loss, stops on divergence keeping finite weights', () => {
    const { x, y } = regression(7);
    const m = mlp(8);
    const h = fit(m, { loss: mseLoss, optimizer: new SGD(m.parameters(), { lr: 0.01 }), data: new DataLoader(new TensorDataset(x, y), { batchSize: 8 }), epochs: 10, stop: anyOf(maxIterations(7), lossBelow(-1)), progress: false });
    expect(h.steps.length).toBe(7);
    expect(h.stopReason).toBe('maxIterations');
    const h2 = fit(m, { loss: mseLoss, optimizer: new SGD(m.parameters(), { lr: 0.05 }), data: [x, y], epochs: 500, stop: lossBelow(0.05), progress: false });
    expect(h2.stopReason).toBe('lossBelow');
    expect(h2.steps[h2.steps.length - 1]!.loss).toBeLessThan(0.05);
    expect(h2.steps.slice(0, -1).every((s) => s.loss >= 0.05)).toBe(true);
    // plateau: a constant loss never improves, so the lr is cut after `patience` + 1 bad epochs
    const m2 = mlp(9);
    const opt2 = new SGD(m2.parameters(), { lr: 0.1 });
    const plateau = new ReduceLROnPlateau(opt2, { patience: 1, factor: 0.5 });
    const h3 = fit(m2, { loss: (p) => p.mul(0).sum(), optimizer: opt2, data: [x, y], epochs: 5, scheduler: plateau, progress: false });
    expect(h3.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    // divergence: a huge learning rate overflows the loss; training stops and the weights stay finite
    const m3 = mlp(10);
    const h4 = fit(m3, { loss: (p, t) => mseLoss(p, t).mul(1e30), optimizer: new SGD(m3.parameters(), { lr: 1e30 }), data: [x, y], epochs: 50, progress: false });
    expect(h4.stopReason).toBe('diverged');
    expect(h4.steps.length).toBeLessThan(50);
    expect(flat(m3).every(Number.isFinite)).toBe(true);
  });

  it('SchedulerStepper and StopWhen callbacks match the built-in options', () => {
    const { x, y } = regression(9);
    const runWith = (useCallbacks: boolean) => {
      const m = mlp(11);
      const opt = new SGD(m.parameters(), { lr: 0.05, momentum: 0.5 });
      const sched = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
      const data = new DataLoader(new TensorDataset(x, y), { batchSize: 12 });
      return fit(m, useCallbacks
        ? { loss: mseLoss, optimizer: opt, data, epochs: 5, progress: false, callbacks: [new SchedulerStepper(sched, { interval: 'step' }), new StopWhen(maxIterations(10))] }
        : { loss: mseLoss, optimizer: opt, data, epochs: 5, progress: false, scheduler: sched, schedulerInterval: 'step', stop: maxIterations(10) });
    };
    const a = runWith(true);
    const b = runWith(false);
    expect(a.steps.length).toBe(10);
    expect(a.stopReason).toBe('maxIterations');
    expect(a.steps.map((s) => [s.loss, s.lr])).toEqual(b.steps.map((s) => [s.loss, s.lr]));
    // per-epoch criterion on the validation loss
    const m = mlp(12);
    const h = fit(m, { loss: mseLoss, optimizer: new Adam(m.parameters(), { lr: 0.05 }), data: [x, y], validation: [x, y.neg()], epochs: 100, progress: false,
      callbacks: [new StopWhen(noImprovement({ patience: 2 }), { on: 'epoch' })] });
    const val = h.epochs.map((e) => e.valLoss!);
    expect(h.stopReason).toBe('noImprovement');
    expect(h.epochs.length).toBe(val.indexOf(Math.min(...val)) + 3);
  });

  it('clipGradNorm bounds the global gradient norm and records the norm before clipping', () => {
    const { x, y } = regression(3);
    const m = mlp(4);
    const norms: number[] = [];
    fit(m, {
      loss: (p, t) => mseLoss(p, t).mul(1000), optimizer: new SGD(m.parameters(), { lr: 1e-6 }), data: [x, y], epochs: 3, clipGradNorm: 0.5, progress: false,
      callbacks: [new LambdaCallback({ onStepEnd: (log: StepLog) => {
        expect(log.gradNorm!).toBeGreaterThan(0.5);
        norms.push(Math.sqrt(m.parameters().reduce((s, p) => s + Array.from(p.grad!.data()).reduce((a, v) => a + v * v, 0), 0)));
      } })],
    });
    expect(norms.length).toBe(3);
    for (const n of norms) expect(n).toBeCloseTo(0.5, 5);
  });

  it('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', () => {
    const { x, y } = regression(4);
    const m = mlp(5);
    const snapshots: number[][] = [];
    const es = new EarlyStopping({ patience: 2, restoreBestWeights: true });
    // validation targets are the negated training targets: validation loss rises as training fits
    const h = fit(m, {
      loss: mseLoss, optimizer: new Adam(m.parameters(), { lr: 0.05 }), data: [x, y], validation: [x, y.neg()], epochs: 100, progress: false,
      callbacks: [es, new LambdaCallback({ onEpochEnd: () => { snapshots.push(flat(m)); } })],
    });
    const val = h.epochs.map((e) => e.valLoss!);
    const best = val.indexOf(Math.min(...val));
    expect(h.epochs.length).toBe(best + 3);
    expect(es.bestEpoch).toBe(best);
    expect(h.stopReason).toMatch(/^early stopping: valLoss did not improve for 2 epochs/);
    expect(flat(m)).toEqual(snapshots[best]);
  });

  it('ModelCheckpoint saves the best epoch; frozen parameters stay frozen', () => {
    const { x, y } = regression(5);
    const dir = tmp();
    const m = mlp(6);
    const frozen = (m.at(0) as Linear).weight;
    frozen.requiresGrad = false;
    const frozenBefore = Array.from(frozen.data());
    const ck = new ModelCheckpoint({ path: join(dir, 'best.safetensors'), saveBestOnly: true });
    const snaps: Record<number, ReturnType<typeof cloneStateDict>> = {};
    const h = fit(m, { loss: mseLoss, optimizer: new Adam(m.parameters(), { lr: 0.05 }), data: [x, y], epochs: 6, progress: false,
      callbacks: [ck, new LambdaCallback({ onEpochEnd: (l) => { snaps[l.epoch] = cloneStateDict(m.stateDict()); } })] });
    expect(Array.from(frozen.data())).toEqual(frozenBefore);
    const losses = h.epochs.map((e) => e.loss);
    const improving = losses.map((l, i) => losses.slice(0, i).every((p) => l < p)).map((b, i) => (b ? i : -1)).filter((i) => i >= 0);
    expect(ck.savedEpochs).toEqual(improving);
    const last = ck.savedEpochs[ck.savedEpochs.length - 1]!;
    const restored = mlp(0);
    expect((loadCheckpoint(join(dir, 'best.safetensors'), { model: restored }) as { epoch: number }).epoch).toBe(last);
    for (const [k, t] of Object.entries(restored.stateDict())) expect(t.toArray()).toEqual(snaps[last]![k]!.toArray());
  });

  it('prints one final line when not on a TTY, nothing with progress false; evaluate restores the mode', () => {
    const { x, y } = regression(6);
    const m = mlp(7);
    const lines: string[] = [];
    fit(m, { loss: mseLoss, optimizer: new SGD(m.parameters(), { lr: 0.01 }), data: [x, y], epochs: 2, progress: 'line', log: (s) => lines.push(s), validation: [x, y] });
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^fit: 2 epochs, 2 steps, loss \S+, valLoss \S+, lr 0\.0100, [\d.]+s$/);
    fit(m, { loss: mseLoss, optimizer: new SGD(m.parameters(), { lr: 0.01 }), data: [x, y], epochs: 1, progress: false, log: (s) => lines.push(s) });
    expect(lines.length).toBe(1);
    // the bar (cli-progress) runs and prints no summary line
    fit(m, { loss: mseLoss, optimizer: new SGD(m.parameters(), { lr: 0.01 }), data: [x, y], epochs: 2, progress: 'bar', log: (s) => lines.push(s) });
    expect(lines.length).toBe(1);
    m.train();
    evaluate(m, [x, y], { loss: mseLoss });
    expect(m.training).toBe(true);
    m.eval();
    evaluate(m, [x, y], { loss: mseLoss });
    expect(m.training).toBe(false);
  });

  it("progress 'auto': a bar on a TTY, a single final line under CI or without a TTY", () => {
    const { x, y } = regression(8);
    const m = mlp(8);
    const lines: string[] = [];
    const run = () => fit(m, { loss: mseLoss, optimizer: new SGD(m.parameters(), { lr: 0.01 }), data: [x, y], epochs: 1, log: (s) => lines.push(s) });
    const stdout = process.stdout as { isTTY?: boolean };
    const saved = { tty: stdout.isTTY, ci: process.env.CI, write: process.stdout.write };
    const written: string[] = [];
    try {
      process.stdout.write = ((chunk: string) => { written.push(String(chunk)); return true; }) as typeof process.stdout.write;
      stdout.isTTY = true;
      delete process.env.CI;
      run();
      expect(lines.length).toBe(0);
      expect(written.join('')).toMatch(/epoch 1\/1 .* 1\/1 steps \| loss [\d.]+ \| lr 0\.0100/);
      process.env.CI = 'true';
      run();
      expect(lines.length).toBe(1);
      stdout.isTTY = false;
      delete process.env.CI;
      run();
      expect(lines.length).toBe(2);
    } finally {
      process.stdout.write = saved.write;
      stdout.isTTY = saved.tty;
      if (saved.ci === undefined) delete process.env.CI; else process.env.CI = saved.ci;
    }
  });

  it('accuracy: arg-max for class scores, threshold for single outputs', () => {
    expect(accuracy(tensor([[2, 1], [0, 3], [5, 4]]), tensor([0, 0, 0], { dtype: 'int32' }))).toBeCloseTo(2 / 3, 15);
    expect(accuracy(tensor([[-1], [2], [0.5]]), tensor([[0], [1], [0]]))).toBeCloseTo(2 / 3, 15);
    expect(accuracy(tensor([0.2, 0.7]), tensor([0, 1]), 0.5)).toBe(1);
    expect(() => accuracy(tensor([[1, 2]]), tensor([0, 1], { dtype: 'int32' }))).toThrow(/^accuracy: 1 predictions \[1,2\] but 2 targets \[2\]/);
  });

  it('bad options are refused with the option named', () => {
    const m = mlp(1);
    const opt = new SGD(m.parameters(), { lr: 0.1 });
    const data = [randn([4, 3], { dtype: 'float64' }), randn([4, 1], { dtype: 'float64' })] as const;
    expect(() => fit(m, { loss: mseLoss, optimizer: opt, data, epochs: -1 })).toThrow(/^fit: epochs must be a non-negative integer, got -1/);
    expect(() => fit(m, { loss: mseLoss, optimizer: opt, data, clipGradNorm: 0 })).toThrow(/^fit: clipGradNorm must be positive, got 0/);
    expect(() => fit(m, { loss: (p) => p, optimizer: opt, data, progress: false })).toThrow(/^fit: the loss must be a scalar tensor, got \[4,1\]/);
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/^EarlyStopping: patience must be a non-negative integer, got -1/);
  });
});

describe('memory', () => {
  it('heap stays flat across epochs of fit', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { x, y } = twoSpirals({ n: 50, seed: 2 });
    const m = new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 2));
    const heap: number[] = [];
    fit(m, {
      loss: crossEntropy, optimizer: new Adam(m.parameters(), { lr: 0.01 }), data: new DataLoader(new TensorDataset(x, y), { batchSize: 10, shuffle: true }), epochs: 60, progress: false,
      callbacks: [new LambdaCallback({ onEpochEnd: (l) => { if (l.epoch === 9 || l.epoch === 59) { gc(); gc(); heap.push(process.memoryUsage().heapUsed); } } })],
    });
    // 500 more steps: the history grows by ~500 small records (< 0.2 MB); any leaked graph or batch would be far more
    expect(heap[1]! - heap[0]!).toBeLessThan(2 * 1024 * 1024);
  });
});
