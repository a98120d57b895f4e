import { describe, expect, it } from 'vitest';
import { contourChart, countMarks, decisionBoundaryChart, heatmapChart, lineChart } from './plot.js';

// Coordinates of the polyline Vega draws for a line mark: "M x,y L x,y ..." → pairs.
function polylines(svg: string, markName: string): [number, number][][] {
  const group = svg.split(`role-mark ${markName}"`).slice(1);
  return group.map((g) => {
    const d = /<path[^>]* d="([^"]+)"/.exec(g)![1]!;
    return [...d.matchAll(/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
  });
}

describe('plot helpers (Vega-Lite / Vega rendered headless to SVG)', () => {
  it('lineChart draws one line per series and drops non-finite points', async () => {
    const svg = await lineChart([
      { name: 'a', x: [0, 1, 2, 3], y: [4, 3, 2, 1] },
      { name: 'b', x: [0, 1, 2, 3], y: [1, 2, Infinity, NaN] },
    ], { title: 'T' });
    expect(svg.startsWith('<svg')).toBe(true);
    const paths = svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? [];
    expect(paths.length).toBe(2);
    // the 'b' line stops after its last finite point: 2 vertices
    const dB = /aria-label="[^"]*series: b[^"]*"[^>]* d="([^"]+)"/.exec(svg);
    if (dB) expect((dB[1]!.match(/L/g) ?? []).length).toBe(1);
  });

  it('lineChart refuses series of unequal lengths', async () => {
    await expect(lineChart([{ name: 's', x: [1, 2], y: [1] }])).rejects.toThrow(/^lineChart: series "s" has 2 x values but 1 y values/);
  });

  it('contourChart: contours, one trajectory per path, in the right place', async () => {
    const f = (x: number, y: number) => x * x + 4 * y * y;
    const svg = await contourChart(f, [
      { name: 'p', points: [[-2, 1], [0, 0]] },
      { name: 'q', points: [[2, -1], [1, 0], [0, 0]] },
    ], { xRange: [-3, 3], yRange: [-2, 2], width: 300, height: 200 });
    expect(countMarks(svg, 'shape')).toBe(1);
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(10); // iso-contour polygons
    expect(countMarks(svg, 'line')).toBe(2);
    const [p] = polylines(svg, 'trajectory');
    // (-2, 1) → pixel (100, 50); (0, 0) → (150, 100) on a 300×200 plot of [-3,3]×[-2,2]
    expect(p![0]![0]).toBeCloseTo(50, 0);
    expect(p![0]![1]).toBeCloseTo(50, 0);
    expect(p![1]![0]).toBeCloseTo(150, 0);
    expect(p![1]![1]).toBeCloseTo(100, 0);
  });

  it('contourChart refuses an empty window', async () => {
    await expect(contourChart(() => 0, [], { xRange: [1, 1], yRange: [0, 1] })).rejects.toThrow(/^contourChart: empty range/);
  });

  it('decisionBoundaryChart colours every grid cell and draws every point', async () => {
    const svg = await decisionBoundaryChart(
      [{ x: 0, y: 0, label: 0 }, { x: 1, y: 1, label: 1 }, { x: 1, y: 0, label: 1 }],
      (xs, ys) => Array.from(xs, (x, k) => (x + ys[k]! > 1 ? 1 : 0)),
      { xRange: [-1, 2], yRange: [-1, 2], resolution: 10 },
    );
    expect((svg.match(/aria-roledescription="rect mark"/g) ?? []).length).toBe(100);
    expect((svg.match(/aria-roledescription="point"/g) ?? []).length).toBe(3);
    await expect(decisionBoundaryChart([], () => [1], { xRange: [0, 1], yRange: [0, 1], resolution: 4 }))
      .rejects.toThrow(/^decisionBoundaryChart: predict returned 1 values for 16 grid points/);
  });

  it('heatmapChart draws one cell per entry', async () => {
    const svg = await heatmapChart([[1, 2, NaN], [4, 5, 6]], { annotate: true });
    expect((svg.match(/aria-roledescription="rect mark"/g) ?? []).length).toBe(6);
  });
});
