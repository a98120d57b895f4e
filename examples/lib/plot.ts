/**
 * Plotting helpers for the examples, built on Vega-Lite (and plain Vega where Vega-Lite has no mark
 * for the job, e.g. iso-contours). Every chart is rendered headless to an SVG string by Vega's own
 * scenegraph renderer; nothing here builds SVG by hand.
 *
 * The helpers return the SVG text; {@link saveSvg} writes it to `examples/out/<name>.svg`.
 * @module
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder the examples write their pictures into (`examples/out`, gitignored). */
export const OUT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** One named series of a line chart: `x[i]` against `y[i]`. */
export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

/** Options shared by the charts. */
export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}

/** Renders a Vega-Lite spec to SVG text. */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  return renderVega(compiled as vega.Spec);
}

/** Renders a Vega spec to SVG text (headless: no canvas, no DOM). */
export async function renderVega(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes `svg` to `examples/out/<name>.svg` (creating the folder, atomically) and returns the path. */
export function saveSvg(name: string, svg: string): string {
  const file = join(OUT_DIR, name.endsWith('.svg') ? name : `${name}.svg`);
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename (atomic): the docs build and the example tests may write the same picture
  // concurrently, and a reader must never see a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, svg);
  renameSync(tmp, file);
  return file;
}

function finiteRows(series: readonly Series[], logY: boolean): { series: string; x: number; y: number }[] {
  const rows: { series: string; x: number; y: number }[] = [];
  for (const s of series) {
    if (s.x.length !== s.y.length) {
      throw new RangeError(`lineChart: series "${s.name}" has ${s.x.length} x values but ${s.y.length} y values`);
    }
    for (let i = 0; i < s.x.length; i++) {
      const y = s.y[i]!;
      // A diverging run ends in Inf/NaN: keep the finite part and stop the line there.
      if (!Number.isFinite(y) || (logY && y <= 0)) continue;
      rows.push({ series: s.name, x: s.x[i]!, y });
    }
  }
  return rows;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions extends ChartOptions {
  xLabel?: string;
  yLabel?: string;
  /** Logarithmic y axis (non-positive values are dropped). */
  logY?: boolean;
  logX?: boolean;
  /** Clip the y axis to this domain (points outside are clipped, e.g. a diverging run). */
  yDomain?: [number, number];
  /** Draw each series in its own small panel (facet), `columns` per row. */
  facetColumns?: number;
  /** Extra vertical rules, e.g. a suggested learning rate. */
  rules?: { x: number; label: string }[];
  /** Draw points on the line. */
  points?: boolean;
  /** Names of series drawn as points only (a scatter), not lines. */
  scatter?: readonly string[];
  /** Names of series drawn dashed (drawn last), so a line lying exactly on another stays visible. */
  dashed?: readonly string[];
}

/** A line chart of one or more series (e.g. loss curves), rendered to SVG text. */
export async function lineChart(series: readonly Series[], opts: LineChartOptions = {}): Promise<string> {
  const rows = finiteRows(series, opts.logY ?? false);
  const x = {
    field: 'x', type: 'quantitative' as const, title: opts.xLabel ?? 'x',
    scale: opts.logX ? { type: 'log' as const } : { zero: false },
  };
  const y = {
    field: 'y', type: 'quantitative' as const, title: opts.yLabel ?? 'y',
    scale: {
      ...(opts.logY ? { type: 'log' as const } : { zero: false }),
      ...(opts.yDomain ? { domain: opts.yDomain } : {}),
    },
  };
  const color = { field: 'series', type: 'nominal' as const, title: null, sort: series.map((s) => s.name) };
  const scatter = new Set(opts.scatter ?? []);
  const line = {
    transform: [{ filter: { not: { field: 'series', oneOf: [...scatter] } } }],
    mark: { type: 'line' as const, clip: true, point: opts.points ?? false },
    encoding: {
      x, y, color,
      ...(opts.dashed && opts.dashed.length > 0 ? {
        strokeDash: { condition: { test: `indexof(${JSON.stringify([...opts.dashed])}, datum.series) >= 0`, value: [7, 5] }, value: [1, 0] },
        order: { condition: { test: `indexof(${JSON.stringify([...opts.dashed])}, datum.series) >= 0`, value: 1 }, value: 0 },
      } : {}),
    },
  };
  const dots = {
    transform: [{ filter: { field: 'series', oneOf: [...scatter] } }],
    mark: { type: 'point' as const, clip: true, filled: true, size: 36, opacity: 0.85 },
    encoding: { x, y, color },
  };
  let spec: TopLevelSpec;
  if (opts.facetColumns) {
    spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: opts.title ?? '', subtitle: opts.yLabel ? `y: ${opts.yLabel}` : '' },
      data: { values: rows },
      facet: {
        field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name),
        header: { labelFontSize: 10 },
      },
      // lay the grid out by the panels alone: Vega's estimate of a long header label's width (it has
      // no font metrics in Node) would otherwise widen that label's column and make the grid uneven
      // (with room for the axes, and one y title for the figure: `yLabel` goes into the title)
      bounds: 'flush',
      spacing: { row: 40, column: 44 },
      columns: opts.facetColumns,
      spec: {
        width: opts.width ?? 180, height: opts.height ?? 110,
        mark: { type: 'line', clip: true },
        encoding: { x, y: { ...y, title: null, scale: { zero: true } } },
      },
      resolve: { scale: { y: 'independent' } },
    } as TopLevelSpec;
  } else {
    const layers: unknown[] = scatter.size > 0 ? [line, dots] : [line];
    if (opts.rules && opts.rules.length > 0) {
      layers.push({
        data: { values: opts.rules },
        mark: { type: 'rule', strokeDash: [4, 3], color: 'black' },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      });
      layers.push({
        data: { values: opts.rules },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, baseline: 'top' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
      });
    }
    spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: opts.title ?? '',
      width: opts.width ?? 480, height: opts.height ?? 300,
      config: { legend: { labelLimit: 300 } },
      data: { values: rows },
      layer: layers,
    } as TopLevelSpec;
  }
  return renderVegaLite(spec);
}

/** A path drawn over a contour plot: the iterates of one optimizer. */
export interface Path2D {
  name: string;
  points: readonly (readonly [number, number])[];
}

/** Options of {@link contourChart}. */
export interface ContourOptions extends ChartOptions {
  xRange: [number, number];
  yRange: [number, number];
  /** Grid cells along x (y follows the aspect ratio). Default 120. */
  resolution?: number;
  /** Number of contour levels. Default 20. */
  levels?: number;
  /** Contour `log(1 + f - min f)` instead of `f`: right for valleys like Rosenbrock. Default true. */
  logLevels?: boolean;
  xLabel?: string;
  yLabel?: string;
  /** Title of the paths' legend. Default 'optimizer'. */
  legendTitle?: string;
  /** Extra labelled markers (e.g. the minima). */
  markers?: { x: number; y: number; label: string }[];
}

/**
 * Filled iso-contours of `f` over a rectangle with optimizer paths on top, rendered to SVG text.
 * The contours come from Vega's `isocontour` transform over a sampled grid.
 */
export async function contourChart(
  f: (x: number, y: number) => number,
  paths: readonly Path2D[],
  opts: ContourOptions,
): Promise<string> {
  const width = opts.width ?? 420;
  const height = opts.height ?? 360;
  const [x0, x1] = opts.xRange;
  const [y0, y1] = opts.yRange;
  if (!(x1 > x0) || !(y1 > y0)) {
    throw new RangeError(`contourChart: empty range x=[${x0}, ${x1}] y=[${y0}, ${y1}]`);
  }
  const nx = opts.resolution ?? 120;
  const ny = Math.max(2, Math.round((nx * height) / width));
  const raw = new Float64Array(nx * ny);
  let min = Infinity;
  for (let j = 0; j < ny; j++) {
    // row 0 is the top of the picture: the largest y.
    const y = y1 - ((j + 0.5) / ny) * (y1 - y0);
    for (let i = 0; i < nx; i++) {
      const x = x0 + ((i + 0.5) / nx) * (x1 - x0);
      const v = f(x, y);
      raw[j * nx + i] = v;
      if (v < min) min = v;
    }
  }
  const log = opts.logLevels ?? true;
  const values = Array.from(raw, (v) => (log ? Math.log1p(Math.max(0, v - min)) : v));
  const nLevels = opts.levels ?? 20;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const thresholds = Array.from({ length: nLevels }, (_, k) => lo + ((k + 0.5) * (hi - lo)) / nLevels);

  const pathRows: { name: string; i: number; x: number; y: number }[] = [];
  const ends: { name: string; x: number; y: number; kind: string }[] = [];
  for (const p of paths) {
    const pts = p.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    pts.forEach(([x, y], i) => pathRows.push({ name: p.name, i, x, y }));
    if (pts.length > 0) {
      ends.push({ name: p.name, x: pts[0]![0], y: pts[0]![1], kind: 'start' });
      ends.push({ name: p.name, x: pts[pts.length - 1]![0], y: pts[pts.length - 1]![1], kind: 'end' });
    }
  }

  const spec = {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width, height, padding: 5, autosize: 'pad',
    title: opts.title ? { text: opts.title } : undefined,
    data: [
      { name: 'grid', values: [{ width: nx, height: ny, values }] },
      {
        name: 'contours', source: 'grid',
        transform: [{ type: 'isocontour', thresholds, smooth: true, scale: [width / nx, height / ny] }],
      },
      { name: 'paths', values: pathRows },
      { name: 'ends', values: ends },
      { name: 'markers', values: opts.markers ?? [] },
    ],
    scales: [
      { name: 'x', type: 'linear', domain: [x0, x1], range: 'width', zero: false, nice: false },
      { name: 'y', type: 'linear', domain: [y0, y1], range: 'height', zero: false, nice: false },
      { name: 'level', type: 'linear', domain: [lo, hi], range: ['#fffdf2', '#8d90bd'] },
      { name: 'color', type: 'ordinal', domain: paths.map((p) => p.name), range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: opts.xLabel ?? 'x' },
      { orient: 'left', scale: 'y', title: opts.yLabel ?? 'y' },
    ],
    legends: paths.length > 0 ? [{ stroke: 'color', title: opts.legendTitle ?? 'optimizer', symbolType: 'stroke', labelLimit: 300 }] : [],
    marks: [
      {
        // below the lowest threshold nothing is filled: paint the window in the lowest colour first
        type: 'rect', name: 'floor',
        encode: { enter: { x: { value: 0 }, y: { value: 0 }, width: { signal: 'width' }, height: { signal: 'height' }, fill: { scale: 'level', value: lo } } },
      },
      {
        type: 'shape', name: 'contour', clip: true, from: { data: 'contours' },
        encode: {
          enter: {
            fill: { scale: 'level', field: 'contour.value' },
            stroke: { value: '#4a5a70' }, strokeWidth: { value: 0.4 }, strokeOpacity: { value: 0.6 },
          },
        },
        transform: [{ type: 'geoshape', field: 'datum.contour' }],
      },
      {
        type: 'group', name: 'trajectories',
        from: { facet: { name: 'one', data: 'paths', groupby: 'name' } },
        encode: { enter: { width: { signal: 'width' }, height: { signal: 'height' } } },
        marks: [{
          type: 'line', name: 'trajectory', clip: true, from: { data: 'one' },
          sort: { field: 'datum.i' },
          encode: {
            enter: {
              x: { scale: 'x', field: 'x' }, y: { scale: 'y', field: 'y' },
              stroke: { scale: 'color', field: 'name' }, strokeWidth: { value: 1.8 },
            },
          },
        }],
      },
      {
        type: 'symbol', name: 'endpoints', clip: true, from: { data: 'ends' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' }, y: { scale: 'y', field: 'y' },
            shape: { signal: "datum.kind === 'start' ? 'circle' : 'diamond'" },
            size: { value: 40 },
            fill: { scale: 'color', field: 'name' }, stroke: { value: 'white' },
          },
        },
      },
      {
        type: 'symbol', name: 'markerSymbols', from: { data: 'markers' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' }, y: { scale: 'y', field: 'y' },
            shape: { value: 'cross' }, size: { value: 90 }, fill: { value: 'crimson' },
          },
        },
      },
      {
        type: 'text', from: { data: 'markers' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' }, y: { scale: 'y', field: 'y' }, dx: { value: 6 }, dy: { value: -6 },
            text: { field: 'label' }, fontSize: { value: 10 }, fill: { value: 'crimson' },
          },
        },
      },
    ],
  };
  return renderVega(JSON.parse(JSON.stringify(spec)) as vega.Spec);
}

/** A labelled 2-D sample for {@link decisionBoundaryChart}. */
export interface LabelledPoint {
  x: number;
  y: number;
  label: number | string;
}

/** Options of {@link decisionBoundaryChart}. */
export interface BoundaryOptions extends ChartOptions {
  xRange: [number, number];
  yRange: [number, number];
  /** Background cells along each axis. Default 60. */
  resolution?: number;
}

/**
 * A scatter plot of labelled points over a background coloured by a model's prediction
 * `predict(x, y)` (class index or probability), rendered to SVG text.
 */
export async function decisionBoundaryChart(
  points: readonly LabelledPoint[],
  predict: (xs: Float64Array, ys: Float64Array) => ArrayLike<number>,
  opts: BoundaryOptions,
): Promise<string> {
  const n = opts.resolution ?? 60;
  const [x0, x1] = opts.xRange;
  const [y0, y1] = opts.yRange;
  const dx = (x1 - x0) / n;
  const dy = (y1 - y0) / n;
  const xs = new Float64Array(n * n);
  const ys = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      xs[j * n + i] = x0 + (i + 0.5) * dx;
      ys[j * n + i] = y0 + (j + 0.5) * dy;
    }
  }
  const pred = predict(xs, ys);
  if (pred.length !== n * n) {
    throw new RangeError(`decisionBoundaryChart: predict returned ${pred.length} values for ${n * n} grid points`);
  }
  const cells = Array.from(xs, (x, k) => ({ x: x - dx / 2, x2: x + dx / 2, y: ys[k]! - dy / 2, y2: ys[k]! + dy / 2, p: pred[k]! }));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? '',
    width: opts.width ?? 380, height: opts.height ?? 380,
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect', opacity: 0.45, strokeWidth: 0 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { domain: [x0, x1], nice: false, zero: false }, title: 'x₁' },
          x2: { field: 'x2' },
          y: { field: 'y', type: 'quantitative', scale: { domain: [y0, y1], nice: false, zero: false }, title: 'x₂' },
          y2: { field: 'y2' },
          color: { field: 'p', type: 'quantitative', scale: { scheme: 'redblue' }, title: 'prediction' },
        },
      },
      {
        data: { values: points.map((p) => ({ ...p, label: String(p.label) })) },
        mark: { type: 'point', filled: true, size: 22, stroke: 'black', strokeWidth: 0.4 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          shape: { field: 'label', type: 'nominal', title: 'class' },
          fill: { field: 'label', type: 'nominal', scale: { range: ['#b2182b', '#2166ac', '#1b7837', '#762a83'] }, title: 'class' },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
  return renderVegaLite(spec as TopLevelSpec);
}

/** Options of {@link heatmapChart}. */
export interface HeatmapOptions extends ChartOptions {
  rowLabel?: string;
  colLabel?: string;
  /** Print each cell's value (NaN cells are left blank). */
  annotate?: boolean;
}

/** A matrix drawn as coloured cells (NaN = missing, drawn grey), rendered to SVG text. */
export async function heatmapChart(matrix: readonly (readonly number[])[], opts: HeatmapOptions = {}): Promise<string> {
  const rows: { r: number; c: number; v: number | null; text: string; light: boolean }[] = [];
  const finite = matrix.flat().filter(Number.isFinite);
  const lo = Math.min(...finite), hi = Math.max(...finite);
  // viridis is yellow at the top of its range: dark annotations there, white ones elsewhere
  matrix.forEach((row, r) => row.forEach((v, c) => rows.push({
    r, c, v: Number.isFinite(v) ? v : null, text: Number.isFinite(v) ? v.toFixed(1) : '',
    light: Number.isFinite(v) && hi > lo && (v - lo) / (hi - lo) > 0.6,
  })));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? '',
    width: opts.width ?? 260, height: opts.height ?? 200,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'rect', invalid: 'show' },
        encoding: {
          x: { field: 'c', type: 'ordinal', title: opts.colLabel ?? 'column' },
          y: { field: 'r', type: 'ordinal', title: opts.rowLabel ?? 'row' },
          color: {
            condition: { test: 'datum.v === null', value: '#dddddd' },
            field: 'v', type: 'quantitative', scale: { scheme: 'viridis' }, title: 'value',
          },
        },
      },
      ...(opts.annotate ? [{
        mark: { type: 'text', fontSize: 9 },
        encoding: {
          x: { field: 'c', type: 'ordinal' }, y: { field: 'r', type: 'ordinal' },
          text: { field: 'text' }, color: { condition: { test: 'datum.light', value: '#222222' }, value: 'white' },
        },
      }] : []),
    ],
  };
  return renderVegaLite(spec as TopLevelSpec);
}

/** Counts the marks of a Vega role/type in an SVG (`class="mark-<type> role-mark <name>"`). */
export function countMarks(svg: string, markType: string): number {
  return (svg.match(new RegExp(`class="mark-${markType} role-mark`, 'g')) ?? []).length;
}
