// AssemblyScript source of @gd/tensor's WebAssembly SIMD kernels, part "elementwise".
//
// build.mjs concatenates every `*.as` file of this folder (in name order) into one module and
// compiles it twice: with plain SIMD and with relaxed SIMD, where `madd` becomes a fused multiply-add.
// The results are committed as base64 in binary.ts, so nothing needs compiling to use or test the
// package. The files end in `.as` so the TypeScript build of the package never sees them.
//
// Memory: imported from JavaScript. There is no AssemblyScript runtime and no allocation here:
// every function takes byte addresses chosen on the JavaScript side. Strides are in elements and
// may be negative or zero.
// ------------------------------------------------------------------------------------------------
// elementwise over contiguous arrays: out[i] = x[i] op y[i]. `out` may alias `x` or `y`.

// Op codes shared with backend.ts.
const OP_ADD: i32 = 0;
const OP_SUB: i32 = 1;
const OP_MUL: i32 = 2;
const OP_DIV: i32 = 3;

@inline function vbin<T>(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return v128.add<T>(x, y);
  if (op == OP_SUB) return v128.sub<T>(x, y);
  if (op == OP_MUL) return v128.mul<T>(x, y);
  return v128.div<T>(x, y);
}

@inline function sbin<T>(op: i32, x: T, y: T): T {
  if (op == OP_ADD) return x + y;
  if (op == OP_SUB) return x - y;
  if (op == OP_MUL) return x * y;
  return x / y;
}

@inline function binaryLoop<T>(op: i32, o: usize, x: usize, y: usize, n: i32): void {
  const E: usize = sizeof<T>();
  const L: i32 = 16 / <i32>E;
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const off = <usize>i * E;
    v128.store(o + off, vbin<T>(op, v128.load(x + off), v128.load(y + off)));
    v128.store(o + off, vbin<T>(op, v128.load(x + off, 16), v128.load(y + off, 16)), 16);
    v128.store(o + off, vbin<T>(op, v128.load(x + off, 32), v128.load(y + off, 32)), 32);
    v128.store(o + off, vbin<T>(op, v128.load(x + off, 48), v128.load(y + off, 48)), 48);
  }
  for (; i < n; i++) {
    const off = <usize>i * E;
    store<T>(o + off, sbin<T>(op, load<T>(x + off), load<T>(y + off)));
  }
}

/** float32 `out = x op y` (op: 0 add, 1 sub, 2 mul, 3 div) over n contiguous elements. */
export function binary_f32(op: i32, o: usize, x: usize, y: usize, n: i32): void {
  // Separate loops per op so each is a straight SIMD loop without a per-element switch.
  if (op == OP_ADD) binaryLoop<f32>(OP_ADD, o, x, y, n);
  else if (op == OP_SUB) binaryLoop<f32>(OP_SUB, o, x, y, n);
  else if (op == OP_MUL) binaryLoop<f32>(OP_MUL, o, x, y, n);
  else binaryLoop<f32>(OP_DIV, o, x, y, n);
}

/** float64 `out = x op y`; see binary_f32. */
export function binary_f64(op: i32, o: usize, x: usize, y: usize, n: i32): void {
  if (op == OP_ADD) binaryLoop<f64>(OP_ADD, o, x, y, n);
  else if (op == OP_SUB) binaryLoop<f64>(OP_SUB, o, x, y, n);
  else if (op == OP_MUL) binaryLoop<f64>(OP_MUL, o, x, y, n);
  else binaryLoop<f64>(OP_DIV, o, x, y, n);
}

// e^x for four float32 lanes. x = k ln2 + r with k = round(x / ln2) and |r| <= ln2/2 (Cody–Waite
// split of ln2, so k*LN2_HI is exact), e^r by its Taylor series to degree 7 (truncation error below
// 3e-8 relative), then scaled by 2^k as 2^(k>>1) * 2^(k - (k>>1)) so results in the subnormal range
// and up to overflow come out right. x is clamped to [-104, 89] first: beyond that e^x rounds to 0
// or overflows to +inf anyway; NaN passes through (min/max propagate it).
@inline function expf4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const k = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  const ki = i32x4.trunc_sat_f32x4_s(k);
  const k1 = i32x4.shr_s(ki, 1);
  const k2 = i32x4.sub(ki, k1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(k1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(k2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** float32 `out = exp(x)` over n contiguous elements. */
export function exp_f32(o: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    v128.store(o + off, expf4(v128.load(x + off)));
    v128.store(o + off, expf4(v128.load(x + off, 16)), 16);
  }
  if (i < n) {
    // The tail goes through the same vector code, one lane at a time, so every element is computed
    // by the same formula.
    for (; i < n; i++) {
      const off = <usize>i << 2;
      store<f32>(o + off, f32x4.extract_lane(expf4(f32x4.splat(load<f32>(x + off))), 0));
    }
  }
}
