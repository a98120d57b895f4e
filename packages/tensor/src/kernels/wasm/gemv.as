// AssemblyScript source of @gd/tensor's WebAssembly SIMD kernels, part "gemv" (matrix-vector products).
//
// y[0..m] = A[m x k] @ x[0..k], A read through element strides (ars, acs; negative or zero allowed),
// x and y contiguous (the caller gathers a strided x). Three loops, picked by A's layout:
//
// - rows contiguous (acs == 1, `X @ w`): dot products along the rows, four rows at a time so one
//   load of x feeds four independent accumulator chains (a single row uses four accumulators);
// - columns contiguous (ars == 1, `X.T @ g`): axpy-style, y += x[p] * A[:, p], four columns per
//   pass over y so y is loaded and stored once per four columns;
// - anything else: a scalar loop through both strides.
//
// Accumulation is in the element type (the summation order differs from the TS kernel's, so results
// agree within float tolerance, not bit for bit). In the relaxed-SIMD build the multiply-adds fuse.
// Shares gemm.as's conventions: byte addresses, strides in elements, no allocation.
// ------------------------------------------------------------------------------------------------

@inline function gvMadd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return v128.relaxed_madd<T>(a, b, c);
  } else {
    return v128.add<T>(v128.mul<T>(a, b), c);
  }
}

// The sum of the lanes of v.
@inline function hsum<T>(v: v128): T {
  if (sizeof<T>() == 8) {
    return <T>(f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1));
  } else {
    const s = f32x4.add(v, v128.shuffle<i32>(v, v, 2, 3, 0, 1));
    return <T>(f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1));
  }
}

// Byte offset of element index i * stride (the product may be negative; usize arithmetic wraps).
@inline function off<T>(i: i32, stride: i32): usize {
  return <usize>(i * stride) * sizeof<T>();
}

// Rows contiguous: y[i] = sum_p A[i, p] x[p] with A[i, p] at a + (i*ars + p) elements.
@inline function gemvRows<T>(m: i32, k: i32, a: usize, ars: i32, x: usize, y: usize): void {
  const E: usize = sizeof<T>();
  const L: i32 = <i32>(16 / E);
  const z = v128.splat<T>(<T>0);
  const kv = k - k % L; // elements covered by whole vectors
  const kb = <usize>kv * E;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const r0 = a + off<T>(i, ars), r1 = a + off<T>(i + 1, ars), r2 = a + off<T>(i + 2, ars), r3 = a + off<T>(i + 3, ars);
    let s0 = z, s1 = z, s2 = z, s3 = z;
    for (let q: usize = 0; q < kb; q += 16) {
      const xv = v128.load(x + q);
      s0 = gvMadd<T>(v128.load(r0 + q), xv, s0);
      s1 = gvMadd<T>(v128.load(r1 + q), xv, s1);
      s2 = gvMadd<T>(v128.load(r2 + q), xv, s2);
      s3 = gvMadd<T>(v128.load(r3 + q), xv, s3);
    }
    let t0 = hsum<T>(s0), t1 = hsum<T>(s1), t2 = hsum<T>(s2), t3 = hsum<T>(s3);
    for (let p = kv; p < k; p++) {
      const q = <usize>p * E;
      const xp = load<T>(x + q);
      t0 += load<T>(r0 + q) * xp; t1 += load<T>(r1 + q) * xp;
      t2 += load<T>(r2 + q) * xp; t3 += load<T>(r3 + q) * xp;
    }
    const o = y + <usize>i * E;
    store<T>(o, t0); store<T>(o + E, t1); store<T>(o + 2 * E, t2); store<T>(o + 3 * E, t3);
  }
  // Remaining rows one at a time, four accumulators (long rows, e.g. a 1 x k row times a vector).
  const k4 = <usize>(kv - kv % (4 * L)) * E;
  for (; i < m; i++) {
    const r = a + off<T>(i, ars);
    let s0 = z, s1 = z, s2 = z, s3 = z;
    let q: usize = 0;
    for (; q < k4; q += 64) {
      s0 = gvMadd<T>(v128.load(r + q), v128.load(x + q), s0);
      s1 = gvMadd<T>(v128.load(r + q, 16), v128.load(x + q, 16), s1);
      s2 = gvMadd<T>(v128.load(r + q, 32), v128.load(x + q, 32), s2);
      s3 = gvMadd<T>(v128.load(r + q, 48), v128.load(x + q, 48), s3);
    }
    for (; q < kb; q += 16) s0 = gvMadd<T>(v128.load(r + q), v128.load(x + q), s0);
    let t = hsum<T>(v128.add<T>(v128.add<T>(s0, s1), v128.add<T>(s2, s3)));
    for (let p = kv; p < k; p++) t += load<T>(r + <usize>p * E) * load<T>(x + <usize>p * E);
    store<T>(y + <usize>i * E, t);
  }
}

// Columns contiguous: y = sum_p x[p] A[:, p] with A[i, p] at a + (i + p*acs) elements.
@inline function gemvCols<T>(m: i32, k: i32, a: usize, acs: i32, x: usize, y: usize): void {
  const E: usize = sizeof<T>();
  const L: i32 = <i32>(16 / E);
  const mv = m - m % L;
  const mb = <usize>mv * E;
  memory.fill(y, 0, <usize>m * E);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const c0 = a + off<T>(p, acs), c1 = a + off<T>(p + 1, acs), c2 = a + off<T>(p + 2, acs), c3 = a + off<T>(p + 3, acs);
    const x0 = load<T>(x + <usize>p * E), x1 = load<T>(x + <usize>(p + 1) * E);
    const x2 = load<T>(x + <usize>(p + 2) * E), x3 = load<T>(x + <usize>(p + 3) * E);
    const v0 = v128.splat<T>(x0), v1 = v128.splat<T>(x1), v2 = v128.splat<T>(x2), v3 = v128.splat<T>(x3);
    for (let q: usize = 0; q < mb; q += 16) {
      let acc = v128.load(y + q);
      acc = gvMadd<T>(v128.load(c0 + q), v0, acc);
      acc = gvMadd<T>(v128.load(c1 + q), v1, acc);
      acc = gvMadd<T>(v128.load(c2 + q), v2, acc);
      acc = gvMadd<T>(v128.load(c3 + q), v3, acc);
      v128.store(y + q, acc);
    }
    for (let i = mv; i < m; i++) {
      const q = <usize>i * E;
      store<T>(y + q, load<T>(y + q) + load<T>(c0 + q) * x0 + load<T>(c1 + q) * x1 + load<T>(c2 + q) * x2 + load<T>(c3 + q) * x3);
    }
  }
  for (; p < k; p++) {
    const c0 = a + off<T>(p, acs);
    const x0 = load<T>(x + <usize>p * E);
    const v0 = v128.splat<T>(x0);
    for (let q: usize = 0; q < mb; q += 16) v128.store(y + q, gvMadd<T>(v128.load(c0 + q), v0, v128.load(y + q)));
    for (let i = mv; i < m; i++) {
      const q = <usize>i * E;
      store<T>(y + q, load<T>(y + q) + load<T>(c0 + q) * x0);
    }
  }
}

// Any strides: a scalar dot product per row.
@inline function gemvStrided<T>(m: i32, k: i32, a: usize, ars: i32, acs: i32, x: usize, y: usize): void {
  const E: usize = sizeof<T>();
  for (let i = 0; i < m; i++) {
    let r = a + off<T>(i, ars);
    const step = off<T>(1, acs);
    let t: T = <T>0;
    for (let p = 0; p < k; p++, r += step) t += load<T>(r) * load<T>(x + <usize>p * E);
    store<T>(y + <usize>i * E, t);
  }
}

@inline function gemv<T>(m: i32, k: i32, a: usize, ars: i32, acs: i32, x: usize, y: usize): void {
  if (m <= 0) return;
  if (k <= 0) {
    memory.fill(y, 0, <usize>m * sizeof<T>());
  } else if (acs == 1) {
    gemvRows<T>(m, k, a, ars, x, y);
  } else if (ars == 1) {
    gemvCols<T>(m, k, a, acs, x, y);
  } else {
    gemvStrided<T>(m, k, a, ars, acs, x, y);
  }
}

/**
 * float32 y[0..m] = A[m x k] @ x[0..k]: A at byte address a with element strides ars, acs (any
 * sign), x and y contiguous at byte addresses x, y. k = 0 writes zeros.
 */
export function gemv_f32(m: i32, k: i32, a: usize, ars: i32, acs: i32, x: usize, y: usize): void {
  gemv<f32>(m, k, a, ars, acs, x, y);
}

/** float64 y = A @ x; see gemv_f32. */
export function gemv_f64(m: i32, k: i32, a: usize, ars: i32, acs: i32, x: usize, y: usize): void {
  gemv<f64>(m, k, a, ars, acs, x, y);
}
