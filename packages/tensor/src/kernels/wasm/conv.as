// AssemblyScript source of @gd/tensor's WebAssembly SIMD kernels, part "conv": im2col and col2im,
// the data movement of a convolution (the products themselves run on the gemm kernels).
// Same conventions as elementwise.as: byte addresses from JavaScript, no allocation.
//
// Geometry (as kernels/conv.ts): input [n, c, h, w] row-major; kernel kh x kw; output position
// (p, q) with kernel offset (i, j) reads input row p*sh - ph + i*dh, column q*sw - pw + j*dw (zero
// outside). cols is [n, c*kh*kw, ho*wo] with unit stride along ho*wo and element strides csn, csr
// for the first two axes (row (ch*kh + i)*kw + j).
// V8 runs memory.copy/fill byte by byte on shared memory, so copies and fills are v128 loops.
// ------------------------------------------------------------------------------------------------

/** Store `len` zeros of T from byte address `o`. */
@inline function zeroRun<T>(o: usize, len: i32): void {
  const E = <usize>sizeof<T>();
  const L = <i32>(16 / E);
  const z = v128.splat<T>(<T>0);
  let q = 0;
  for (; q + L <= len; q += L) v128.store(o + <usize>q * E, z);
  for (; q < len; q++) store<T>(o + <usize>q * E, <T>0);
}

/** Copy `len` elements of T from `s` (unit stride) to `o`. */
@inline function copyRun<T>(o: usize, s: usize, len: i32): void {
  const E = <usize>sizeof<T>();
  const L = <i32>(16 / E);
  let q = 0;
  for (; q + 2 * L <= len; q += 2 * L) {
    const a = v128.load(s + <usize>q * E);
    const b = v128.load(s + <usize>(q + L) * E);
    v128.store(o + <usize>q * E, a);
    v128.store(o + <usize>(q + L) * E, b);
  }
  for (; q + L <= len; q += L) v128.store(o + <usize>q * E, v128.load(s + <usize>q * E));
  for (; q < len; q++) store<T>(o + <usize>q * E, load<T>(s + <usize>q * E));
}

/** `o[q] += s[q]` for `len` elements of T (unit strides). */
@inline function addRun<T>(o: usize, s: usize, len: i32): void {
  const E = <usize>sizeof<T>();
  const L = <i32>(16 / E);
  let q = 0;
  for (; q + L <= len; q += L) {
    const d = o + <usize>q * E;
    v128.store(d, v128.add<T>(v128.load(d), v128.load(s + <usize>q * E)));
  }
  for (; q < len; q++) {
    const d = o + <usize>q * E;
    store<T>(d, load<T>(d) + load<T>(s + <usize>q * E));
  }
}

/** First output column whose input column q*s - pad + off is >= 0 (clamped to [0, wo]). */
@inline function firstValid(wo: i32, s: i32, pad: i32, off: i32): i32 {
  const need = pad - off;
  if (need <= 0) return 0;
  const lo = (need + s - 1) / s;
  return lo < wo ? lo : wo;
}

/** One past the last output column whose input column is < size (at least `lo`, at most wo). */
@inline function endValid(wo: i32, s: i32, pad: i32, off: i32, size: i32, lo: i32): i32 {
  const top = size - 1 + pad - off;
  if (top < 0) return lo;
  const hi = top / s + 1;
  return hi < lo ? lo : hi > wo ? wo : hi;
}

@inline function im2col<T>(x: usize, cols: usize, csn: i32, csr: i32, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32, p0: i32, p1: i32): void {
  const E = <usize>sizeof<T>();
  const rowBytes = <usize>wo * E;
  for (let plane = p0; plane < p1; plane++) {
    const xp = x + <usize>plane * <usize>h * <usize>w * E;
    const b = plane / c, ch = plane % c;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let o = cols + (<usize>b * <usize>csn + <usize>((ch * kh + i) * kw + j) * <usize>csr) * E;
        const lo = firstValid(wo, sw, pw, j * dw);
        const hi = endValid(wo, sw, pw, j * dw, w, lo);
        for (let p = 0; p < ho; p++, o += rowBytes) {
          const row = p * sh - ph + i * dh;
          if (row < 0 || row >= h || hi == lo) { zeroRun<T>(o, wo); continue; }
          if (lo > 0) zeroRun<T>(o, lo);
          const s = xp + (<usize>row * <usize>w + <usize>(lo * sw - pw + j * dw)) * E;
          if (sw == 1) copyRun<T>(o + <usize>lo * E, s, hi - lo);
          else {
            const step = <usize>sw * E;
            let d = o + <usize>lo * E, t = s;
            for (let q = lo; q < hi; q++, d += E, t += step) store<T>(d, load<T>(t));
          }
          if (hi < wo) zeroRun<T>(o + <usize>hi * E, wo - hi);
        }
      }
    }
  }
}

@inline function col2im<T>(cols: usize, csn: i32, csr: i32, out: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32, p0: i32, p1: i32): void {
  const E = <usize>sizeof<T>();
  const planeBytes = <usize>h * <usize>w * E;
  const rowBytes = <usize>wo * E;
  for (let plane = p0; plane < p1; plane++) {
    const op = out + <usize>plane * planeBytes;
    const b = plane / c, ch = plane % c;
    zeroRun<T>(op, h * w);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let s = cols + (<usize>b * <usize>csn + <usize>((ch * kh + i) * kw + j) * <usize>csr) * E;
        const lo = firstValid(wo, sw, pw, j * dw);
        const hi = endValid(wo, sw, pw, j * dw, w, lo);
        for (let p = 0; p < ho; p++, s += rowBytes) {
          const row = p * sh - ph + i * dh;
          if (row < 0 || row >= h || hi == lo) continue;
          const d = op + (<usize>row * <usize>w + <usize>(lo * sw - pw + j * dw)) * E;
          if (sw == 1) addRun<T>(d, s + <usize>lo * E, hi - lo);
          else {
            const step = <usize>sw * E;
            let dd = d, t = s + <usize>lo * E;
            for (let q = lo; q < hi; q++, dd += step, t += E) store<T>(dd, load<T>(dd) + load<T>(t));
          }
        }
      }
    }
  }
}

/** im2col of float32 `x` (contiguous) into `cols` (every element written); see the header for the geometry. */
export function im2col_f32(x: usize, cols: usize, csn: i32, csr: i32, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32): void {
  im2col<f32>(x, cols, csn, csr, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, 0, n * c);
}

/** im2col of float64 `x` into `cols`. */
export function im2col_f64(x: usize, cols: usize, csn: i32, csr: i32, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32): void {
  im2col<f64>(x, cols, csn, csr, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, 0, n * c);
}

/** col2im of float32 `cols` into `out` (zeroed, then summed in the order of kernels/conv.ts). */
export function col2im_f32(cols: usize, csn: i32, csr: i32, out: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32): void {
  col2im<f32>(cols, csn, csr, out, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, 0, n * c);
}

/** col2im of float64 `cols` into `out`. */
export function col2im_f64(cols: usize, csn: i32, csr: i32, out: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32): void {
  col2im<f64>(cols, csn, csr, out, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, 0, n * c);
}

/**
 * Planes [p0, p0 + planes) (plane = sample * c + channel) of an im2col (`op` bit 0 clear) or col2im
 * (bit 0 set), float64 when bit 1 is set, with the geometry read from the 14 i32 at `geom`
 * (n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo): one thread's share of a split job (pool.ts).
 * Planes touch disjoint columns and disjoint image planes, so shares run in any order.
 */
export function conv_part(op: i32, src: usize, dst: usize, csn: i32, csr: i32, geom: usize, p0: i32, planes: i32): void {
  const n = load<i32>(geom), c = load<i32>(geom, 4), h = load<i32>(geom, 8), w = load<i32>(geom, 12);
  const kh = load<i32>(geom, 16), kw = load<i32>(geom, 20), sh = load<i32>(geom, 24), sw = load<i32>(geom, 28);
  const ph = load<i32>(geom, 32), pw = load<i32>(geom, 36), dh = load<i32>(geom, 40), dw = load<i32>(geom, 44);
  const ho = load<i32>(geom, 48), wo = load<i32>(geom, 52);
  const p1 = p0 + planes;
  if ((op & 1) == 0) {
    if ((op & 2) == 0) im2col<f32>(src, dst, csn, csr, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, p0, p1);
    else im2col<f64>(src, dst, csn, csr, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, p0, p1);
  } else {
    if ((op & 2) == 0) col2im<f32>(src, csn, csr, dst, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, p0, p1);
    else col2im<f64>(src, csn, csr, dst, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, p0, p1);
  }
}

// ------------------------------------------------------------------------------------------------
// max pooling: the first maximum of every window (NaN wins: the first NaN of a window is taken).

@inline function maxpool<T>(x: usize, vals: usize, idx: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32): i32 {
  const E = <usize>sizeof<T>();
  let o: usize = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const xp = x + <usize>plane * <usize>h * <usize>w * E;
    for (let p = 0; p < ho; p++) {
      const r0 = p * sh - ph;
      // kernel rows inside the image: [ilo, ihi) (no division for windows away from the edges)
      let ilo = 0, ihi = kh;
      if (r0 < 0 || r0 + (kh - 1) * dh > h - 1) {
        ilo = r0 >= 0 ? 0 : (-r0 + dh - 1) / dh;
        ihi = h - 1 - r0 < 0 ? 0 : (h - 1 - r0) / dh + 1;
        if (ihi > kh) ihi = kh;
      }
      for (let q = 0; q < wo; q++, o++) {
        const c0 = q * sw - pw;
        let jlo = 0, jhi = kw;
        if (c0 < 0 || c0 + (kw - 1) * dw > w - 1) {
          jlo = c0 >= 0 ? 0 : (-c0 + dw - 1) / dw;
          jhi = w - 1 - c0 < 0 ? 0 : (w - 1 - c0) / dw + 1;
          if (jhi > kw) jhi = kw;
        }
        if (ilo >= ihi || jlo >= jhi) return 0;
        // start from the window's first element; then branch-free selects (the comparison of
        // random data mispredicts about half the time): a larger value, or the first NaN, wins
        let best = load<T>(xp + (<usize>(r0 + ilo * dh) * <usize>w + <usize>(c0 + jlo * dw)) * E);
        let at = (r0 + ilo * dh) * w + c0 + jlo * dw;
        for (let i = ilo; i < ihi; i++) {
          const r = r0 + i * dh;
          for (let j = i == ilo ? jlo + 1 : jlo; j < jhi; j++) {
            const col = c0 + j * dw;
            const v = load<T>(xp + (<usize>r * <usize>w + <usize>col) * E);
            const take = <i32>(v > best) | (<i32>(v != v) & <i32>(best == best));
            best = select<T>(v, best, take);
            at = select<i32>(r * w + col, at, take);
          }
        }
        store<T>(vals + o * E, best);
        store<i32>(idx + o * 4, at);
      }
    }
  }
  return 1;
}

/** Candidate `c` (with in-plane index `ci`) against the running maximum: a larger value or the first NaN wins. */
@inline function take4(best: v128, c: v128): v128 {
  return v128.or(f32x4.gt(c, best), v128.and(f32x4.ne(c, c), f32x4.eq(best, best)));
}

/**
 * The common 2x2, stride 2, no padding, no dilation float32 case, four windows per step: the two
 * input rows are loaded as vectors, split into even and odd columns, and the four candidates are
 * compared in row-major order with lane selects (branch-free), so the first maximum wins as in
 * `maxpool`. Leftover windows at the end of a row go through the scalar loop.
 */
function maxpool2x2_f32(x: usize, vals: usize, idx: usize, planes: i32, h: i32, w: i32, ho: i32, wo: i32): void {
  const step = i32x4(0, 2, 4, 6);
  for (let plane = 0; plane < planes; plane++) {
    const xp = x + <usize>plane * <usize>h * <usize>w * 4;
    for (let p = 0; p < ho; p++) {
      const r0 = xp + <usize>(2 * p) * <usize>w * 4, r1 = r0 + <usize>w * 4;
      const o = <usize>(plane * ho + p) * <usize>wo;
      let q = 0;
      for (; q + 4 <= wo; q += 4) {
        const a0 = v128.load(r0 + <usize>(2 * q) * 4), a1 = v128.load(r0 + <usize>(2 * q) * 4, 16);
        const b0 = v128.load(r1 + <usize>(2 * q) * 4), b1 = v128.load(r1 + <usize>(2 * q) * 4, 16);
        const e0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), o0 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const e1 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), o1 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const base = i32x4.add(i32x4.splat(2 * p * w + 2 * q), step);
        let best = e0, at = base;
        let t = take4(best, o0);
        best = v128.bitselect(o0, best, t); at = v128.bitselect(i32x4.add(base, i32x4.splat(1)), at, t);
        t = take4(best, e1);
        best = v128.bitselect(e1, best, t); at = v128.bitselect(i32x4.add(base, i32x4.splat(w)), at, t);
        t = take4(best, o1);
        best = v128.bitselect(o1, best, t); at = v128.bitselect(i32x4.add(base, i32x4.splat(w + 1)), at, t);
        v128.store(vals + (o + <usize>q) * 4, best);
        v128.store(idx + (o + <usize>q) * 4, at);
      }
      for (; q < wo; q++) {
        const i0 = 2 * p * w + 2 * q;
        let best = load<f32>(xp + <usize>i0 * 4), at = i0;
        for (let k = 1; k < 4; k++) {
          const ci = i0 + (k >> 1) * w + (k & 1); // i0 + 1, i0 + w, i0 + w + 1 (no arrays: no allocator here)
          const v = load<f32>(xp + <usize>ci * 4);
          if (v > best || (v != v && best == best)) { best = v; at = ci; }
        }
        store<f32>(vals + (o + <usize>q) * 4, best);
        store<i32>(idx + (o + <usize>q) * 4, at);
      }
    }
  }
}

/** Max pooling of contiguous float32 `x`: values and flat in-plane indices (row * w + col) of the first maxima; 0 when a window is all padding. */
export function maxpool_f32(x: usize, vals: usize, idx: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32): i32 {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1) {
    maxpool2x2_f32(x, vals, idx, n * c, h, w, ho, wo);
    return 1;
  }
  return maxpool<f32>(x, vals, idx, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo);
}

/** Max pooling of contiguous float64 `x`. */
export function maxpool_f64(x: usize, vals: usize, idx: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32): i32 {
  return maxpool<f64>(x, vals, idx, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo);
}
