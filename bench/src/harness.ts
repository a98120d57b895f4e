/**
 * Timing and table printing for the benchmarks. Every figure is a median over repetitions, each
 * repetition timing enough calls to last at least `minMs` milliseconds, so timer resolution and
 * one-off pauses (GC, a neighbour on the shared machine) do not decide the result.
 * @module
 */

/** How long to run a case. */
export interface TimingOptions {
  /** Repetitions whose median is reported. */
  reps: number;
  /** Minimum duration of one repetition in milliseconds (calls are batched until it is reached). */
  minMs: number;
  /** Untimed warm-up calls before measuring (lets V8 optimise and caches fill). */
  warmup: number;
}

/** Defaults: 7 repetitions of at least 150 ms after 3 warm-up calls. */
export const DEFAULT_TIMING: TimingOptions = { reps: 7, minMs: 150, warmup: 3 };

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Seconds per call of `fn`: the median over `reps` repetitions, each timing a batch of calls that
 * lasts at least `minMs`. The batch size is found once, after warm-up.
 * @param fn - The work to time; it must finish its work synchronously (read results back inside).
 * @param opts - Repetitions, minimum batch time and warm-up.
 * @returns Median seconds per call.
 * @example
 * ```ts
 * const s = timeIt(() => Math.sqrt(2), { reps: 3, minMs: 10, warmup: 1 });
 * ```
 */
export function timeIt(fn: () => unknown, opts: TimingOptions = DEFAULT_TIMING): number {
  return median(timeAll(fn, opts));
}

/**
 * Seconds per call of `fn` for each of `opts.reps` repetitions (see {@link timeIt}).
 * @param fn - The work to time.
 * @param opts - Repetitions, minimum batch time and warm-up.
 * @returns One figure per repetition.
 * @example
 * ```ts
 * const xs = timeAll(() => Math.sqrt(2), { reps: 3, minMs: 10, warmup: 1 });
 * ```
 */
export function timeAll(fn: () => unknown, opts: TimingOptions = DEFAULT_TIMING): number[] {
  // Warm up for at least `warmup` calls and half a batch time, so V8 has optimised the code.
  const w0 = performance.now();
  for (let i = 0; i < opts.warmup || performance.now() - w0 < opts.minMs / 2; i++) fn();
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= opts.minMs / 4 || batch > 1 << 24) {
      batch = Math.max(1, Math.ceil((batch * opts.minMs) / Math.max(dt, 1e-3)));
      break;
    }
    batch *= 4;
  }
  const per: number[] = [];
  // A contender that needs over a second per call (tfjs-cpu at n = 1024) gets one repetition.
  const reps = batch === 1 && performance.now() - w0 > 1000 ? 1 : opts.reps;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    per.push((performance.now() - t0) / 1e3 / batch);
  }
  return per;
}

let gcFn: (() => void) | null | undefined;

/**
 * Run a full garbage collection if the runtime allows it (V8's `gc`, exposed on demand), so one
 * contender's garbage is not collected on the next one's clock.
 * @returns Nothing.
 * @example
 * ```ts
 * collectGarbage();
 * ```
 */
export async function collectGarbage(): Promise<void> {
  if (gcFn === undefined) {
    try {
      const v8 = await import('node:v8');
      const vm = await import('node:vm');
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}

/** One measured cell: a value in the row's unit, or a reason it is missing. */
export type Cell = number | string;

/** One row of the results table. */
export interface Row {
  /** Section heading the row belongs to. */
  group: string;
  /** What was measured, e.g. `matmul n=512`. */
  name: string;
  /** Unit of the figures, e.g. `GFLOP/s`. */
  unit: string;
  /** True when larger is better (throughput); false for times. */
  higherIsBetter: boolean;
  /** Figure per contender (column name → value or reason). */
  cells: Record<string, Cell>;
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 10) return v.toFixed(2);
  return v.toFixed(3);
}

/**
 * Render rows as a Markdown table: one column per contender plus the ratio of `ours` to the best
 * peer measured in the same run (>1 means ours is better, whichever the unit's direction).
 * @param rows - Measured rows.
 * @param columns - Contender names in display order.
 * @param ours - Column whose ratio to the best of the others is shown.
 * @returns Markdown text.
 * @example
 * ```ts
 * console.log(renderTable([{ group: 'g', name: 'x', unit: 's', higherIsBetter: false, cells: { a: 1, b: 2 } }], ['a', 'b'], 'a'));
 * ```
 */
export function renderTable(rows: readonly Row[], columns: readonly string[], ours: string): string {
  const header = ['case', 'unit', ...columns, `${ours} / best peer`];
  const lines: string[][] = [];
  for (const r of rows) {
    const mine = r.cells[ours];
    let best: number | undefined;
    let bestName = '';
    for (const c of columns) {
      const v = r.cells[c];
      if (c === ours || c.startsWith(ours.split(" ")[0]!) || typeof v !== "number") continue;
      if (best === undefined || (r.higherIsBetter ? v > best : v < best)) { best = v; bestName = c; }
    }
    let ratio = '—';
    if (typeof mine === 'number' && best !== undefined) {
      const x = r.higherIsBetter ? mine / best : best / mine;
      ratio = `${x.toFixed(2)}× (${bestName})`;
    }
    lines.push([r.name, r.unit, ...columns.map((c) => {
      const v = r.cells[c];
      return v === undefined ? '—' : typeof v === 'number' ? fmtNum(v) : v;
    }), ratio]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: readonly string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [row(header), sep, ...lines.map(row)].join('\n');
}
