/**
 * The playground page: wires the controls to {@link runOptimizer} and draws contours, paths and
 * loss curves on two canvases.
 */
import { tensor } from '@gd/tensor';
import { FUNCTIONS, getFunction, type TestFunction } from './functions.js';
import {
  OPTIMIZERS, evaluateGrid, runOptimizer,
  type HyperParam, type OptimizerChoice, type OptimizerId, type OptimizerSpec, type OptionValue, type RunResult,
} from './engine.js';

/** State the browser test reads. */
interface PlaygroundState {
  runCount: number;
  runs: RunResult[];
  /** What the last run asked for (optimizer, lr and @gd/optim options), in the order of `runs` plus failures. */
  choices: OptimizerChoice[];
  fn: string;
  /** Errors of the last run, one line per failed optimizer; null when all ran. */
  error: string | null;
}
declare global { interface Window { gdPlayground: PlaygroundState } }

const state: PlaygroundState = { runCount: 0, runs: [], choices: [], fn: FUNCTIONS[0]!.id, error: null };
window.gdPlayground = state;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: missing element #${id}`);
  return el as T;
};
const fnSelect = $<HTMLSelectElement>('fn');
const stepsInput = $<HTMLInputElement>('steps');
const startX = $<HTMLInputElement>('startX');
const startY = $<HTMLInputElement>('startY');
const contour = $<HTMLCanvasElement>('contour');
const lossCanvas = $<HTMLCanvasElement>('loss');
const tbody = document.querySelector<HTMLTableSectionElement>('#optimizers tbody')!;

for (const fn of FUNCTIONS) fnSelect.add(new Option(fn.label, fn.id));
// One row per optimizer (tick, name, learning rate, a toggle), then a hidden row with its other
// hyperparameters, named and defaulted as in @gd/optim.
const hyperId = (o: OptimizerSpec, h: HyperParam): string => `hp-${o.id}-${h.option}${h.index === undefined ? '' : `-${h.index}`}`;
const attr = (v: unknown): string => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
for (const o of OPTIMIZERS) {
  const row = tbody.insertRow();
  row.className = 'opt';
  row.dataset['row'] = o.id;
  const toggle = o.hypers.length === 0 ? '<span class="none">—</span>'
    : `<button type="button" class="more" data-more="${o.id}" aria-expanded="false" aria-controls="hp-row-${o.id}"`
      + ` title="show ${o.label}'s hyperparameters">${o.hypers.map((h) => h.label).join(' ')} <b>▸</b></button>`;
  row.innerHTML = `<td><input type="checkbox" data-opt="${o.id}" ${o.id === 'gd' || o.id === 'adam' ? 'checked' : ''}></td>`
    + `<td style="color:${o.color}">${o.label}</td>`
    + `<td><input type="number" step="any" min="0" data-lr="${o.id}" title="learning rate lr"></td>`
    + `<td>${toggle}</td>`;
  if (o.hypers.length === 0) continue;
  const extra = tbody.insertRow();
  extra.className = 'hypers';
  extra.id = `hp-row-${o.id}`;
  extra.hidden = true;
  const fields = o.hypers.map((h) => {
    const id = hyperId(o, h);
    const tip = `${attr(h.title)} (@gd/optim option ${h.option}${h.index === undefined ? '' : `[${h.index}]`}; default ${String(h.default)})`;
    const input = h.kind === 'boolean'
      ? `<input type="checkbox" id="${id}" ${h.default ? 'checked' : ''}>`
      : `<input type="number" id="${id}" value="${String(h.default)}" step="${h.step ?? 'any'}"`
        + `${h.min === undefined ? '' : ` min="${h.min}"`}${h.max === undefined ? '' : ` max="${h.max}"`}>`;
    return `<label title="${tip}">${h.label} ${input}</label>`;
  }).join('');
  extra.innerHTML = `<td></td><td colspan="3"><div class="hp">${fields}`
    + `<button type="button" class="reset" data-reset="${o.id}" title="restore the defaults">defaults</button></div></td>`;
}

function readHyper(o: OptimizerSpec, h: HyperParam): number | boolean {
  const input = document.getElementById(hyperId(o, h)) as HTMLInputElement;
  if (h.kind === 'boolean') return input.checked;
  return input.value.trim() === '' ? (h.default as number) : Number(input.value);
}

/** The @gd/optim options set on the page for one optimizer (pairs such as Adam's betas assembled). */
function readOptions(o: OptimizerSpec): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const h of o.hypers) {
    const v = readHyper(o, h);
    if (h.index === undefined) out[h.option] = v;
    else {
      const pair = [...((out[h.option] as readonly [number, number] | undefined) ?? [NaN, NaN])] as [number, number];
      pair[h.index] = v as number;
      out[h.option] = pair;
    }
  }
  return out;
}

function setExpanded(id: OptimizerId, open: boolean): void {
  const extra = document.getElementById(`hp-row-${id}`);
  const button = document.querySelector<HTMLButtonElement>(`[data-more="${id}"]`);
  if (!extra || !button) return;
  extra.hidden = !open;
  button.setAttribute('aria-expanded', String(open));
  button.querySelector('b')!.textContent = open ? '▾' : '▸';
}

/** Marks the toggle of an optimizer whose hyperparameters differ from the defaults. */
function markChanged(): void {
  for (const o of OPTIMIZERS) {
    const button = document.querySelector<HTMLButtonElement>(`[data-more="${o.id}"]`);
    button?.classList.toggle('changed', o.hypers.some((h) => readHyper(o, h) !== h.default));
  }
}

const adaptive = new Set<OptimizerId>(['adagrad', 'rmsprop', 'adam']);
let current: TestFunction = FUNCTIONS[0]!;
let background: ImageData | null = null;
let fStar = 0;

function setFunction(id: string): void {
  current = getFunction(id);
  state.fn = id;
  $<HTMLParagraphElement>('formula').textContent = `f(x, y) = ${current.formula}`;
  startX.value = String(current.start[0]);
  startY.value = String(current.start[1]);
  for (const o of OPTIMIZERS) {
    const lr = document.querySelector<HTMLInputElement>(`[data-lr="${o.id}"]`)!;
    lr.value = String(adaptive.has(o.id) ? current.lrAdaptive : current.lrPlain);
  }
  fStar = Math.min(...current.minima.map(([x, y]) => current.f(tensor([x], { dtype: 'float64' }), tensor([y], { dtype: 'float64' })).item()));
  background = null;
}

// --- coordinates -----------------------------------------------------------------------------
const toPx = (x: number, y: number, c: HTMLCanvasElement): [number, number] => [
  ((x - current.xRange[0]) / (current.xRange[1] - current.xRange[0])) * c.width,
  ((current.yRange[1] - y) / (current.yRange[1] - current.yRange[0])) * c.height,
];
const fromPx = (px: number, py: number, c: HTMLCanvasElement): [number, number] => [
  current.xRange[0] + (px / c.width) * (current.xRange[1] - current.xRange[0]),
  current.yRange[1] - (py / c.height) * (current.yRange[1] - current.yRange[0]),
];

// --- contours --------------------------------------------------------------------------------
function colour(t: number): [number, number, number] {
  // light yellow (low) → dark blue (high)
  const a = [255, 250, 205];
  const b = [37, 52, 148];
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * t)) as [number, number, number];
}

function drawBackground(ctx: CanvasRenderingContext2D): void {
  const w = contour.width;
  const h = contour.height;
  if (!background) {
    const n = 130;
    const raw = evaluateGrid(current, n, n);
    let min = Infinity;
    for (const v of raw) if (v < min) min = v;
    const val = Float64Array.from(raw, (v) => Math.log1p(Math.max(0, v - min)));
    let max = -Infinity;
    for (const v of val) if (v > max) max = v;
    const img = ctx.createImageData(w, h);
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        const i = Math.min(n - 1, Math.floor((px / w) * n));
        const j = Math.min(n - 1, Math.floor((py / h) * n));
        const [r, g, b] = colour(val[j * n + i]! / (max || 1));
        const o = (py * w + px) * 4;
        img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b; img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    // iso-lines by marching squares on the log-scaled grid
    ctx.strokeStyle = 'rgba(20,30,60,0.45)';
    ctx.lineWidth = 0.8;
    const cw = w / n;
    const ch = h / n;
    const levels = 18;
    ctx.beginPath();
    for (let l = 1; l < levels; l++) {
      const t = (l / levels) * max;
      for (let j = 0; j + 1 < n; j++) {
        for (let i = 0; i + 1 < n; i++) {
          const v = [val[j * n + i]!, val[j * n + i + 1]!, val[(j + 1) * n + i + 1]!, val[(j + 1) * n + i]!];
          const corners: [number, number][] = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
          const pts: [number, number][] = [];
          for (let e = 0; e < 4; e++) {
            const a = v[e]!;
            const b = v[(e + 1) % 4]!;
            if ((a < t) !== (b < t)) {
              const s = (t - a) / (b - a);
              const [ax, ay] = corners[e]!;
              const [bx, by] = corners[(e + 1) % 4]!;
              pts.push([(ax + s * (bx - ax) + 0.5) * cw, (ay + s * (by - ay) + 0.5) * ch]);
            }
          }
          for (let k = 0; k + 1 < pts.length; k += 2) {
            ctx.moveTo(pts[k]![0], pts[k]![1]);
            ctx.lineTo(pts[k + 1]![0], pts[k + 1]![1]);
          }
        }
      }
    }
    ctx.stroke();
    for (const [mx, my] of current.minima) {
      const [px, py] = toPx(mx, my, contour);
      ctx.strokeStyle = 'crimson';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(px - 5, py - 5); ctx.lineTo(px + 5, py + 5);
      ctx.moveTo(px + 5, py - 5); ctx.lineTo(px - 5, py + 5);
      ctx.stroke();
    }
    background = ctx.getImageData(0, 0, w, h);
  } else {
    ctx.putImageData(background, 0, 0);
  }
}

function drawPaths(runs: RunResult[]): void {
  const ctx = contour.getContext('2d')!;
  drawBackground(ctx);
  for (const run of runs) {
    const color = OPTIMIZERS.find((o) => o.id === run.id)!.color;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    run.path.forEach(([x, y], k) => {
      const [px, py] = toPx(x, y, contour);
      if (k === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    });
    ctx.stroke();
    const [ex, ey] = toPx(...run.path[run.path.length - 1]!, contour);
    ctx.beginPath();
    ctx.arc(ex, ey, 4, 0, 2 * Math.PI);
    ctx.fill();
  }
  const [sx, sy] = toPx(Number(startX.value), Number(startY.value), contour);
  ctx.fillStyle = 'black';
  ctx.beginPath();
  ctx.arc(sx, sy, 4, 0, 2 * Math.PI);
  ctx.fill();
}

function drawLosses(runs: RunResult[]): void {
  const ctx = lossCanvas.getContext('2d')!;
  const w = lossCanvas.width;
  const h = lossCanvas.height;
  const pad = { l: 48, r: 10, t: 10, b: 28 };
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, w, h);
  const gap = (v: number): number => Math.log10(Math.max(v - fStar, 1e-16));
  const all = runs.flatMap((r) => r.losses.filter(Number.isFinite).map(gap));
  if (all.length === 0) return;
  const lo = Math.min(...all);
  const hi = Math.max(...all, lo + 1);
  const steps = Math.max(1, ...runs.map((r) => r.losses.length - 1));
  const X = (k: number): number => pad.l + (k / steps) * (w - pad.l - pad.r);
  const Y = (v: number): number => pad.t + ((hi - v) / (hi - lo)) * (h - pad.t - pad.b);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  ctx.fillStyle = '#333';
  ctx.font = '11px sans-serif';
  ctx.fillText(`1e${hi.toFixed(0)}`, 4, pad.t + 10);
  ctx.fillText(`1e${lo.toFixed(0)}`, 4, h - pad.b);
  ctx.fillText('step', w / 2, h - 8);
  ctx.fillText(`${steps}`, w - pad.r - 20, h - 8);
  ctx.save();
  ctx.translate(12, h / 2 + 20);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('f − f*', 0, 0);
  ctx.restore();
  for (const run of runs) {
    ctx.strokeStyle = OPTIMIZERS.find((o) => o.id === run.id)!.color;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    let started = false;
    run.losses.forEach((v, k) => {
      if (!Number.isFinite(v)) return;
      const px = X(k);
      const py = Math.max(pad.t, Math.min(h - pad.b, Y(gap(v))));
      if (!started) { ctx.moveTo(px, py); started = true; } else ctx.lineTo(px, py);
    });
    ctx.stroke();
  }
}

function choices(): OptimizerChoice[] {
  const out: OptimizerChoice[] = [];
  for (const o of OPTIMIZERS) {
    const on = document.querySelector<HTMLInputElement>(`[data-opt="${o.id}"]`)!.checked;
    if (!on) continue;
    const lr = Number(document.querySelector<HTMLInputElement>(`[data-lr="${o.id}"]`)!.value);
    out.push({ id: o.id, lr, options: readOptions(o) });
  }
  return out;
}

function run(): void {
  const summary = $<HTMLDivElement>('summary');
  try {
    const steps = Math.max(1, Math.min(5000, Math.round(Number(stepsInput.value))));
    const start: [number, number] = [Number(startX.value), Number(startY.value)];
    const picked = choices();
    // each optimizer on its own: a bad hyperparameter (rejected by the @gd/optim constructor) fails
    // only its own row, the others still draw
    const runs: RunResult[] = [];
    const errors: string[] = [];
    for (const c of picked) {
      const row = document.querySelector<HTMLTableRowElement>(`tr[data-row="${c.id}"]`)!;
      try {
        runs.push(runOptimizer(current, c, start, steps));
        row.classList.remove('bad');
      } catch (e) {
        const label = OPTIMIZERS.find((o) => o.id === c.id)!.label;
        const message = e instanceof Error ? e.message : String(e);
        // @gd/optim's messages start with the class name; prefix the row's name where that differs
        errors.push(message.toLowerCase().startsWith(`${label.toLowerCase()}:`) ? message : `${label}: ${message}`);
        row.classList.add('bad');
        setExpanded(c.id, true);
      }
    }
    for (const o of OPTIMIZERS) if (!picked.some((c) => c.id === o.id)) document.querySelector(`tr[data-row="${o.id}"]`)!.classList.remove('bad');
    state.runs = runs;
    state.choices = picked;
    state.error = errors.length ? errors.join('\n') : null;
    markChanged();
    drawPaths(runs);
    drawLosses(runs);
    const lines = runs.map((r) => {
      const [x, y] = r.path[r.path.length - 1]!;
      const label = OPTIMIZERS.find((o) => o.id === r.id)!.label.padEnd(9);
      const loss = r.losses.filter(Number.isFinite).at(-1) ?? NaN;
      return `${label} (${x.toFixed(4)}, ${y.toFixed(4)})  f=${loss.toExponential(3)}${r.reason === 'diverged' ? '  diverged' : ''}`;
    });
    summary.textContent = [...lines, ...errors.map((e) => `error: ${e}`)].join('\n') || 'tick at least one optimizer';
    $<HTMLDivElement>('legend').innerHTML = runs.map((r) => {
      const o = OPTIMIZERS.find((q) => q.id === r.id)!;
      return `<span><i style="background:${o.color}"></i>${o.label}</span>`;
    }).join('');
  } catch (e) {
    state.error = e instanceof Error ? e.message : String(e);
    summary.textContent = `error: ${state.error}`;
  }
  state.runCount++;
}

document.querySelectorAll<HTMLButtonElement>('button[data-more]').forEach((button) => {
  button.addEventListener('click', () => setExpanded(button.dataset['more'] as OptimizerId, button.getAttribute('aria-expanded') !== 'true'));
});
document.querySelectorAll<HTMLButtonElement>('button[data-reset]').forEach((button) => {
  button.addEventListener('click', () => {
    const o = OPTIMIZERS.find((q) => q.id === button.dataset['reset'])!;
    for (const h of o.hypers) {
      const input = document.getElementById(hyperId(o, h)) as HTMLInputElement;
      if (h.kind === 'boolean') input.checked = h.default as boolean; else input.value = String(h.default);
    }
    run();
  });
});
fnSelect.addEventListener('change', () => { setFunction(fnSelect.value); run(); });
$<HTMLButtonElement>('run').addEventListener('click', run);
document.querySelectorAll<HTMLInputElement>('#controls input').forEach((input) => input.addEventListener('change', run));
contour.addEventListener('click', (ev) => {
  const rect = contour.getBoundingClientRect();
  const [x, y] = fromPx(((ev.clientX - rect.left) / rect.width) * contour.width, ((ev.clientY - rect.top) / rect.height) * contour.height, contour);
  startX.value = x.toFixed(3);
  startY.value = y.toFixed(3);
  run();
});

setFunction(current.id);
run();
