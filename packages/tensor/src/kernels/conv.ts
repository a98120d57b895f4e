/**
 * TypeScript reference kernels of `unfold` (im2col) and `fold` (col2im), the two data movements a
 * convolution is built from. The WebAssembly backend may take over (see `Backend.unfold/fold`);
 * these loops are the reference it is tested against and the fallback when it declines.
 * @module
 */
import type { FloatArray } from './backend.js';

/**
 * The geometry of a sliding-window op over `[N, C, H, W]` input with a `kh x kw` kernel:
 * output position `(p, q)` and kernel offset `(i, j)` read input row `p*sh - ph + i*dh` and column
 * `q*sw - pw + j*dw` (zero outside the input). `ho`/`wo` is the number of window positions.
 */
export interface ConvGeometry {
  /** Batch size. */
  n: number;
  /** Channels. */
  c: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Vertical stride. */
  sh: number;
  /** Horizontal stride. */
  sw: number;
  /** Zero padding above and below. */
  ph: number;
  /** Zero padding left and right. */
  pw: number;
  /** Vertical dilation. */
  dh: number;
  /** Horizontal dilation. */
  dw: number;
  /** Window positions down. */
  ho: number;
  /** Window positions across. */
  wo: number;
}

/**
 * The output columns `q` in `[lo, hi)` whose input column `q*s - pad + off` lies inside `[0, size)`.
 * @param wo - number of output columns.
 * @param s - stride.
 * @param pad - padding before the input.
 * @param off - kernel offset times dilation.
 * @param size - input width.
 * @returns `[lo, hi]` with `lo <= hi` (empty when equal).
 * @example
 * ```ts
 * validRange(5, 1, 1, 0, 5); // [1, 5]: column 0 reads the padding
 * ```
 */
export function validRange(wo: number, s: number, pad: number, off: number, size: number): [number, number] {
  const lo = Math.min(wo, Math.max(0, Math.ceil((pad - off) / s)));
  const hi = Math.max(lo, Math.min(wo, Math.floor((size - 1 + pad - off) / s) + 1));
  return [lo, hi];
}

/**
 * im2col: `cols[n, (c*kh + i)*kw + j, p*wo + q] = x[n, c, p*sh - ph + i*dh, q*sw - pw + j*dw]`
 * (0 where that index falls in the padding). Both arrays are read and written through strides;
 * every element of cols is written.
 * @param g - the geometry.
 * @param x - input storage.
 * @param xOff - index of `x[0, 0, 0, 0]`.
 * @param xs - strides of `x`'s four axes.
 * @param cols - output storage.
 * @param cOff - index of `cols[0, 0, 0]`.
 * @param cs - strides of the three axes of cols (`[n, c*kh*kw, ho*wo]`).
 * @example
 * ```ts
 * const g = { n: 1, c: 1, h: 2, w: 2, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, ho: 2, wo: 2 };
 * const cols = new Float32Array(4);
 * unfoldKernel(g, new Float32Array([1, 2, 3, 4]), 0, [4, 4, 2, 1], cols, 0, [4, 4, 1]); // cols: 1, 2, 3, 4
 * ```
 */
export function unfoldKernel(g: ConvGeometry, x: FloatArray, xOff: number, xs: readonly number[],
  cols: FloatArray, cOff: number, cs: readonly number[]): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo } = g;
  const [xsn, xsc, xsh, xsw] = xs as [number, number, number, number];
  const [csn, csr, csl] = cs as [number, number, number];
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = xOff + b * xsn + ch * xsc;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const [lo, hi] = validRange(wo, sw, pw, j * dw, w);
          let o = cOff + b * csn + ((ch * kh + i) * kw + j) * csr;
          for (let p = 0; p < ho; p++) {
            const row = p * sh - ph + i * dh;
            if (row < 0 || row >= h) {
              for (let q = 0; q < wo; q++, o += csl) cols[o] = 0;
              continue;
            }
            for (let q = 0; q < lo; q++, o += csl) cols[o] = 0;
            let s = plane + row * xsh + (lo * sw - pw + j * dw) * xsw;
            const step = sw * xsw;
            for (let q = lo; q < hi; q++, s += step, o += csl) cols[o] = x[s]!;
            for (let q = hi; q < wo; q++, o += csl) cols[o] = 0;
          }
        }
      }
    }
  }
}

/**
 * col2im, the adjoint of {@link unfoldKernel}: `out` (row-major `[n, c, h, w]`, every element
 * written) is zeroed and each `cols[n, (c*kh + i)*kw + j, p*wo + q]` is added into the input
 * position it was read from (entries for padding are dropped), in the order b, c, i, j, p, q.
 * `cols` is read through strides.
 * @param g - the geometry.
 * @param cols - column storage.
 * @param cOff - index of `cols[0, 0, 0]`.
 * @param cs - strides of the three axes of cols (`[n, c*kh*kw, ho*wo]`).
 * @param out - output, `n*c*h*w` elements.
 * @example
 * ```ts
 * const g = { n: 1, c: 1, h: 1, w: 2, kh: 1, kw: 2, sh: 1, sw: 1, ph: 0, pw: 1, dh: 1, dw: 1, ho: 1, wo: 3 };
 * const out = new Float64Array(2);
 * foldKernel(g, new Float64Array([1, 2, 3, 4, 5, 6]), 0, [6, 3, 1], out); // out: 2+4, 3+5
 * ```
 */
export function foldKernel(g: ConvGeometry, cols: FloatArray, cOff: number, cs: readonly number[], out: FloatArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo } = g;
  const [csn, csr, csl] = cs as [number, number, number];
  out.fill(0, 0, n * c * h * w);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const r = (ch * kh + i) * kw + j;
          const src = cOff + b * csn + r * csr;
          const [lo, hi] = validRange(wo, sw, pw, j * dw, w);
          for (let p = 0; p < ho; p++) {
            const row = p * sh - ph + i * dh;
            if (row < 0 || row >= h) continue;
            let d = plane + row * w + lo * sw - pw + j * dw;
            let s = src + (p * wo + lo) * csl;
            for (let q = lo; q < hi; q++, d += sw, s += csl) out[d] = out[d]! + cols[s]!;
          }
        }
      }
    }
  }
}

/**
 * Max pooling with argmax: for every window (the geometry's kernel, stride, padding and dilation;
 * padding never wins), `values[o]` is its first maximum in row-major order and `index[o]` that
 * element's flat position `row * w + col` within its `[h, w]` plane, `o` running row-major over
 * `[n*c, ho*wo]`. NaN wins (the first NaN of a window is taken). `x` is read through strides.
 * @param g - the geometry (`kh`, `kw` the window).
 * @param x - input storage.
 * @param xOff - index of `x[0, 0, 0, 0]`.
 * @param xs - strides of `x`'s four axes.
 * @param values - output values, `n*c*ho*wo` elements.
 * @param index - output positions, `n*c*ho*wo` elements.
 * @returns `false` (outputs partly written) when some window lies wholly in the padding.
 * @example
 * ```ts
 * const g = { n: 1, c: 1, h: 2, w: 2, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, ho: 1, wo: 1 };
 * const v = new Float32Array(1), i = new Int32Array(1);
 * maxPoolKernel(g, new Float32Array([1, 4, 3, 2]), 0, [4, 4, 2, 1], v, i); // true; v[0] = 4, i[0] = 1
 * ```
 */
export function maxPoolKernel(g: ConvGeometry, x: FloatArray, xOff: number, xs: readonly number[], values: FloatArray, index: Int32Array): boolean {
  const { n, c, h, w, kh, kw, sh: s0, sw: s1, ph: p0, pw: p1, dh: d0, dw: d1, ho, wo } = g;
  const [sn, sc, sh, sw] = xs as [number, number, number, number];
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = xOff + b * sn + ch * sc;
      for (let p = 0; p < ho; p++) {
        const r0 = p * s0 - p0;
        // kernel rows inside the image: i in [ilo, ihi)
        const inside = r0 >= 0 && r0 + (kh - 1) * d0 <= h - 1;
        const ilo = inside || r0 >= 0 ? 0 : Math.ceil(-r0 / d0), ihi = inside ? kh : Math.min(kh, Math.floor((h - 1 - r0) / d0) + 1);
        for (let q = 0; q < wo; q++, o++) {
          const c0 = q * s1 - p1;
          const across = c0 >= 0 && c0 + (kw - 1) * d1 <= w - 1;
          const jlo = across || c0 >= 0 ? 0 : Math.ceil(-c0 / d1), jhi = across ? kw : Math.min(kw, Math.floor((w - 1 - c0) / d1) + 1);
          let best = -Infinity, at = -1;
          for (let i = ilo; i < ihi; i++) {
            const r = r0 + i * d0;
            let src = plane + r * sh + (c0 + jlo * d1) * sw;
            for (let j = jlo; j < jhi; j++, src += d1 * sw) {
              const v = x[src]!;
              if (at < 0 || v > best || (v !== v && best === best)) { best = v; at = r * w + c0 + j * d1; }
            }
          }
          if (at < 0) return false;
          index[o] = at;
          values[o] = best;
        }
      }
    }
  }
  return true;
}
