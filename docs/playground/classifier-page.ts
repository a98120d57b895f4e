/**
 * The classifier page: builds a {@link ClassifierTrainer} from the controls and trains it in an
 * animation-frame loop (a few optimizer steps per frame, then the decision regions, the data and
 * the loss/accuracy curves are redrawn).
 */
import { OPTIMIZERS, type OptimizerId } from './engine.js';
import { ClassifierTrainer, DATASETS, WINDOW, type ClassifierSettings, type DatasetId } from './classifier.js';

/** State the browser test reads. */
interface ClassifierState {
  running: boolean;
  steps: number;
  loss: number;
  accuracy: number;
  /** Frames drawn since the page loaded. */
  frames: number;
  settings: ClassifierSettings | null;
  error: string | null;
}
declare global { interface Window { gdClassifier: ClassifierState } }

const state: ClassifierState = { running: false, steps: 0, loss: NaN, accuracy: NaN, frames: 0, settings: null, error: null };
window.gdClassifier = state;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`classifier: missing element #${id}`);
  return el as T;
};
const datasetSelect = $<HTMLSelectElement>('dataset');
const optimizerSelect = $<HTMLSelectElement>('optimizer');
const lrInput = $<HTMLInputElement>('lr');
const trainButton = $<HTMLButtonElement>('train');
const regions = $<HTMLCanvasElement>('regions');
const curve = $<HTMLCanvasElement>('curve');

for (const d of DATASETS) datasetSelect.add(new Option(d.label, d.id));
for (const o of OPTIMIZERS) optimizerSelect.add(new Option(o.label, o.id));
optimizerSelect.value = 'adam';
const adaptive = new Set<OptimizerId>(['adagrad', 'rmsprop', 'adam']);
const defaultLr = (id: OptimizerId): number => (adaptive.has(id) ? 0.03 : 0.1);
lrInput.value = String(defaultLr('adam'));

const COLORS: [number, number, number][] = [[231, 76, 60], [52, 152, 219]];
const GRID = 96;
let trainer: ClassifierTrainer | null = null;
let history: { loss: number; accuracy: number }[] = [];

function readSettings(): ClassifierSettings {
  const num = (id: string): number => Number($<HTMLInputElement>(id).value);
  return {
    dataset: datasetSelect.value as DatasetId,
    hidden: num('hidden'),
    depth: num('depth'),
    activation: $<HTMLSelectElement>('activation').value as 'tanh' | 'relu',
    optimizer: { id: optimizerSelect.value as OptimizerId, lr: num('lr') },
    data: { noise: num('noise') },
  };
}

function fail(e: unknown): void {
  state.error = e instanceof Error ? e.message : String(e);
  $('error').textContent = `error: ${state.error}`;
  setRunning(false);
}

/** A fresh model from the controls (also the dataset); stops training. */
function reset(): void {
  setRunning(false);
  state.error = null;
  $('error').textContent = '';
  history = [];
  try {
    state.settings = readSettings();
    trainer = new ClassifierTrainer(state.settings);
    record();
  } catch (e) {
    trainer = null;
    fail(e);
  }
  draw();
}

function record(): void {
  const ev = trainer!.evaluate();
  state.steps = trainer!.steps;
  state.loss = ev.loss;
  state.accuracy = ev.accuracy;
  history.push(ev);
  // keep the curve's cost bounded on long runs: past 1000 points, drop every other one
  if (history.length > 1000) history = history.filter((_, i) => i % 2 === 0 || i === history.length - 1);
  $('stats').textContent = `step ${String(state.steps).padStart(5)}   loss ${ev.loss.toFixed(4)}   accuracy ${(100 * ev.accuracy).toFixed(1)} %`;
}

function setRunning(on: boolean): void {
  state.running = on;
  trainButton.textContent = on ? 'Pause' : 'Train';
  if (on) requestAnimationFrame(frame);
}

function frame(): void {
  if (!state.running || !trainer) return;
  try {
    const perFrame = Math.max(1, Math.min(100, Math.round(Number($<HTMLInputElement>('perFrame').value) || 1)));
    const last = trainer.step(perFrame);
    if (!Number.isFinite(last)) throw new Error(`training diverged at step ${trainer.steps} (loss ${last}); lower the learning rate and press Reset`);
    record();
    draw();
  } catch (e) {
    fail(e);
    return;
  }
  requestAnimationFrame(frame);
}

function draw(): void {
  state.frames++;
  drawRegions();
  drawCurve();
}

function drawRegions(): void {
  const ctx = regions.getContext('2d')!;
  const w = regions.width, h = regions.height;
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, w, h);
  if (!trainer) return;
  // the predicted probability of class 1 on a coarse grid, scaled up: pale red ↔ pale blue
  const p = trainer.probabilities(GRID, GRID);
  const img = ctx.createImageData(GRID, GRID);
  for (let k = 0; k < p.length; k++) {
    const t = p[k]!;
    for (let c = 0; c < 3; c++) img.data[4 * k + c] = Math.round(255 - 0.45 * (255 - (COLORS[0]![c]! * (1 - t) + COLORS[1]![c]! * t)));
    img.data[4 * k + 3] = 255;
  }
  const off = document.createElement('canvas');
  off.width = GRID; off.height = GRID;
  off.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, w, h);
  const xs = trainer.data.x.data() as ArrayLike<number>;
  const ys = trainer.data.y.data() as ArrayLike<number>;
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgba(0,0,0,0.6)';
  for (let k = 0; k < ys.length; k++) {
    const [r, g, b] = COLORS[ys[k]!]!;
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.beginPath();
    ctx.arc(((xs[2 * k]! + WINDOW) / (2 * WINDOW)) * w, ((WINDOW - xs[2 * k + 1]!) / (2 * WINDOW)) * h, 3.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

function drawCurve(): void {
  const ctx = curve.getContext('2d')!;
  const w = curve.width, h = curve.height, pad = 24;
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(pad, 6, w - pad - 6, h - pad - 6);
  ctx.fillStyle = '#333';
  ctx.font = '11px sans-serif';
  ctx.fillText(`step ${state.steps}`, w / 2 - 20, h - 6);
  if (history.length < 2) return;
  const maxLoss = Math.max(...history.map((e) => e.loss).filter(Number.isFinite), 1e-6);
  const X = (i: number): number => pad + (i / (history.length - 1)) * (w - pad - 6);
  const Y = (v: number): number => 6 + (1 - v) * (h - pad - 12);
  const line = (color: string, value: (e: { loss: number; accuracy: number }) => number): void => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    history.forEach((e, i) => (i === 0 ? ctx.moveTo(X(i), Y(value(e))) : ctx.lineTo(X(i), Y(value(e)))));
    ctx.stroke();
  };
  line('#c0392b', (e) => e.loss / maxLoss);
  line('#2471a3', (e) => e.accuracy);
}

trainButton.addEventListener('click', () => {
  if (!trainer) reset();
  if (trainer) setRunning(!state.running);
});
$<HTMLButtonElement>('reset').addEventListener('click', reset);
optimizerSelect.addEventListener('change', () => {
  lrInput.value = String(defaultLr(optimizerSelect.value as OptimizerId));
  reset();
});
for (const id of ['dataset', 'noise', 'hidden', 'depth', 'activation', 'lr']) $(id).addEventListener('change', reset);

reset();
