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

// Op codes shared with backend.ts (BINARY_OPS, UNARY_OPS there).
const OP_ADD: i32 = 0;
const OP_SUB: i32 = 1;
const OP_MUL: i32 = 2;
const OP_DIV: i32 = 3;
/** `x * (y > 0 ? 1 : 0)`: the ReLU gradient (x the incoming gradient, y the ReLU's output). */
const OP_RELU_GRAD: i32 = 4;
/** `x * (1 - y * y)`: the tanh gradient (y the tanh's output), computed in float64 as the TS kernel. */
const OP_TANH_GRAD: i32 = 5;
/** `x * (y * (1 - y))`: the sigmoid gradient (y the sigmoid's output), computed in float64. */
const OP_SIGMOID_GRAD: i32 = 6;

const U_NEG: i32 = 0;
const U_ABS: i32 = 1;
const U_RELU: i32 = 2;
const U_SQRT: i32 = 3;
const U_SQUARE: i32 = 4;
const U_EXP: i32 = 5;
const U_LOG: i32 = 6;
const U_TANH: i32 = 7;
const U_SIGMOID: i32 = 8;

@inline function vbin<T>(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return v128.add<T>(x, y);
  if (op == OP_SUB) return v128.sub<T>(x, y);
  if (op == OP_MUL) return v128.mul<T>(x, y);
  if (op == OP_RELU_GRAD) {
    // x * 1 or x * 0 (so an infinite or NaN gradient where the unit is off still gives NaN, as in TS).
    const one = sizeof<T>() == 4 ? f32x4.splat(1.0) : f64x2.splat(1.0);
    return v128.mul<T>(x, v128.and(v128.gt<T>(y, v128.splat<T>(<T>0)), one));
  }
  if (op == OP_TANH_GRAD) return v128.mul<T>(x, v128.sub<T>(v128.splat<T>(<T>1), v128.mul<T>(y, y)));
  if (op == OP_SIGMOID_GRAD) return v128.mul<T>(x, v128.mul<T>(y, v128.sub<T>(v128.splat<T>(<T>1), y)));
  return v128.div<T>(x, y);
}

@inline function sbin<T>(op: i32, x: T, y: T): T {
  if (op == OP_ADD) return x + y;
  if (op == OP_SUB) return x - y;
  if (op == OP_MUL) return x * y;
  if (op == OP_RELU_GRAD) return x * (y > <T>0 ? <T>1 : <T>0);
  if (op == OP_TANH_GRAD) return x * (<T>1 - y * y);
  if (op == OP_SIGMOID_GRAD) return x * (y * (<T>1 - y));
  return x / y;
}

/** Four float32 lanes widened to float64, `vbin` there, rounded back once (the TS kernels' arithmetic). */
@inline function vbinWide(op: i32, x: v128, y: v128): v128 {
  const lo = vbin<f64>(op, f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y));
  const hi = vbin<f64>(op, f64x2.promote_low_f32x4(v128.shuffle<i32>(x, x, 2, 3, 0, 1)),
    f64x2.promote_low_f32x4(v128.shuffle<i32>(y, y, 2, 3, 0, 1)));
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** One vector step of a binary op: ops whose float32 result differs when computed in float32 go wide. */
@inline function vstep<T>(op: i32, x: v128, y: v128): v128 {
  if (sizeof<T>() == 4 && (op == OP_TANH_GRAD || op == OP_SIGMOID_GRAD)) return vbinWide(op, x, y);
  return vbin<T>(op, x, y);
}

@inline function sstep<T>(op: i32, x: T, y: T): T {
  if (sizeof<T>() == 4 && (op == OP_TANH_GRAD || op == OP_SIGMOID_GRAD)) return <T>sbin<f64>(op, <f64>x, <f64>y);
  return sbin<T>(op, x, y);
}

@inline function binaryLoop<T>(op: i32, o: usize, x: usize, y: usize, n: i32): void {
  const E: usize = sizeof<T>();
  const L: i32 = 16 / <i32>E;
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const off = <usize>i * E;
    const a0 = vstep<T>(op, v128.load(x + off), v128.load(y + off));
    const a1 = vstep<T>(op, v128.load(x + off, 16), v128.load(y + off, 16));
    const a2 = vstep<T>(op, v128.load(x + off, 32), v128.load(y + off, 32));
    const a3 = vstep<T>(op, v128.load(x + off, 48), v128.load(y + off, 48));
    v128.store(o + off, a0);
    v128.store(o + off, a1, 16);
    v128.store(o + off, a2, 32);
    v128.store(o + off, a3, 48);
  }
  for (; i < n; i++) {
    const off = <usize>i * E;
    store<T>(o + off, sstep<T>(op, load<T>(x + off), load<T>(y + off)));
  }
}

/** `o[i] = s op y[i]` (`sFirst`) or `o[i] = y[i] op s`, with s one value. */
@inline function scalarLoop<T>(op: i32, sFirst: bool, o: usize, s: T, y: usize, n: i32): void {
  const E: usize = sizeof<T>();
  const L: i32 = 16 / <i32>E;
  const sv = v128.splat<T>(s);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const off = <usize>i * E;
    const y0 = v128.load(y + off), y1 = v128.load(y + off, 16);
    v128.store(o + off, sFirst ? vstep<T>(op, sv, y0) : vstep<T>(op, y0, sv));
    v128.store(o + off, sFirst ? vstep<T>(op, sv, y1) : vstep<T>(op, y1, sv), 16);
  }
  for (; i < n; i++) {
    const off = <usize>i * E;
    store<T>(o + off, sFirst ? sstep<T>(op, s, load<T>(y + off)) : sstep<T>(op, load<T>(y + off), s));
  }
}

function binaryAll<T>(op: i32, o: usize, x: usize, y: usize, n: i32): void {
  // One straight loop per op, each in a function of its own (inlined into one function, the loops
  // kept a per-vector test of op: 20-30 % slower).
  if (op == OP_ADD) addLoop<T>(o, x, y, n);
  else if (op == OP_SUB) subLoop<T>(o, x, y, n);
  else if (op == OP_MUL) mulLoop<T>(o, x, y, n);
  else if (op == OP_DIV) divLoop<T>(o, x, y, n);
  else if (op == OP_RELU_GRAD) reluGradLoop<T>(o, x, y, n);
  else if (op == OP_TANH_GRAD) tanhGradLoop<T>(o, x, y, n);
  else sigmoidGradLoop<T>(o, x, y, n);
}
function addLoop<T>(o: usize, x: usize, y: usize, n: i32): void { binaryLoop<T>(OP_ADD, o, x, y, n); }
function subLoop<T>(o: usize, x: usize, y: usize, n: i32): void { binaryLoop<T>(OP_SUB, o, x, y, n); }
function mulLoop<T>(o: usize, x: usize, y: usize, n: i32): void { binaryLoop<T>(OP_MUL, o, x, y, n); }
function divLoop<T>(o: usize, x: usize, y: usize, n: i32): void { binaryLoop<T>(OP_DIV, o, x, y, n); }
function reluGradLoop<T>(o: usize, x: usize, y: usize, n: i32): void { binaryLoop<T>(OP_RELU_GRAD, o, x, y, n); }
function tanhGradLoop<T>(o: usize, x: usize, y: usize, n: i32): void { binaryLoop<T>(OP_TANH_GRAD, o, x, y, n); }
function sigmoidGradLoop<T>(o: usize, x: usize, y: usize, n: i32): void { binaryLoop<T>(OP_SIGMOID_GRAD, o, x, y, n); }

/** float32 `out = x op y` over n contiguous elements (op: see OP_* above). */
export function binary_f32(op: i32, o: usize, x: usize, y: usize, n: i32): void {
  binaryAll<f32>(op, o, x, y, n);
}

/** float64 `out = x op y`; see binary_f32. */
export function binary_f64(op: i32, o: usize, x: usize, y: usize, n: i32): void {
  binaryAll<f64>(op, o, x, y, n);
}

@inline function rows2d<T>(op: i32, o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void {
  const E: usize = sizeof<T>();
  for (let i = 0; i < m; i++) {
    const oi = o + <usize>(i * n) * E;
    const xi = x + <usize>(i * xrs) * E;
    const yi = y + <usize>(i * yrs) * E;
    if (xcs != 0 && ycs != 0) binaryLoop<T>(op, oi, xi, yi, n);
    else if (xcs == 0) scalarLoop<T>(op, true, oi, load<T>(xi), yi, n);
    else scalarLoop<T>(op, false, oi, load<T>(yi), xi, n);
  }
}

function binary2d<T>(op: i32, o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void {
  // One function per op, as in binaryAll.
  if (op == OP_ADD) add2d<T>(o, x, xrs, xcs, y, yrs, ycs, m, n);
  else if (op == OP_SUB) sub2d<T>(o, x, xrs, xcs, y, yrs, ycs, m, n);
  else if (op == OP_MUL) mul2d<T>(o, x, xrs, xcs, y, yrs, ycs, m, n);
  else if (op == OP_DIV) div2d<T>(o, x, xrs, xcs, y, yrs, ycs, m, n);
  else reluGrad2d<T>(o, x, xrs, xcs, y, yrs, ycs, m, n);
}
function add2d<T>(o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void { rows2d<T>(OP_ADD, o, x, xrs, xcs, y, yrs, ycs, m, n); }
function sub2d<T>(o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void { rows2d<T>(OP_SUB, o, x, xrs, xcs, y, yrs, ycs, m, n); }
function mul2d<T>(o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void { rows2d<T>(OP_MUL, o, x, xrs, xcs, y, yrs, ycs, m, n); }
function div2d<T>(o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void { rows2d<T>(OP_DIV, o, x, xrs, xcs, y, yrs, ycs, m, n); }
function reluGrad2d<T>(o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void { rows2d<T>(OP_RELU_GRAD, o, x, xrs, xcs, y, yrs, ycs, m, n); }

/**
 * float32 broadcasting `o[i, j] = x[i*xrs + j*xcs] op y[i*yrs + j*ycs]` for an m x n row-major `o`.
 * Column strides are 1 or 0 (not both 0); row strides are any. Covers a scalar operand (m = 1,
 * column stride 0), a row vector (row stride 0, e.g. a bias) and a column vector (column stride 0).
 * op: 0 add, 1 sub, 2 mul, 3 div, 4 relu gradient.
 */
export function binary2d_f32(op: i32, o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void {
  binary2d<f32>(op, o, x, xrs, xcs, y, yrs, ycs, m, n);
}

/** float64 version of binary2d_f32. */
export function binary2d_f64(op: i32, o: usize, x: usize, xrs: i32, xcs: i32, y: usize, yrs: i32, ycs: i32, m: i32, n: i32): void {
  binary2d<f64>(op, o, x, xrs, xcs, y, yrs, ycs, m, n);
}

// ------------------------------------------------------------------------------------------------
// unary maths (float32 approximations of exp, log, tanh, sigmoid; the rest exact)

// e^x for four float32 lanes. x = k ln2 + r with k = round(x / ln2) and |r| <= ln2/2 (Cody–Waite
// split of ln2, so k*LN2_HI is exact), e^r = 1 + r + r² P(r) with the degree-5 minimax polynomial P
// of the Cephes library's expf, then scaled by 2^k as 2^(k>>1) * 2^(k - (k>>1)) so results in the
// subnormal range and up to overflow come out right. x is clamped to [-104, 89] first (beyond that
// e^x rounds to 0 or overflows to +inf anyway) with pseudo-min/max, single instructions that keep
// a NaN x (it is their first operand). k is rounded by adding and subtracting 1.5 * 2^23, whose
// float bits then also give k as an integer.
// p·v + c: fused (one rounding) in the relaxed-SIMD build, multiply then add in the other.
@inline function fmadd(p: v128, v: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(p, v, c);
  return f32x4.add(f32x4.mul(p, v), c);
}

@inline function expf4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const magic = f32x4.splat(12582912.0);
  const kb = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), magic);
  const k = f32x4.sub(kb, magic);
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = fmadd(p, r, f32x4.splat(1.3981999507e-3));
  p = fmadd(p, r, f32x4.splat(8.3334519073e-3));
  p = fmadd(p, r, f32x4.splat(4.1665795894e-2));
  p = fmadd(p, r, f32x4.splat(1.6666665459e-1));
  p = fmadd(p, r, f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1.0));
  const ki = i32x4.sub(kb, magic);
  const k1 = i32x4.shr_s(ki, 1);
  const k2 = i32x4.sub(ki, k1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(k1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(k2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

// ln x for four float32 lanes: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), ln m = f - f²/2 + f³ P(f)
// with f = m - 1 (the minimax polynomial P of the Cephes library's logf), plus e ln2 split in two.
// Subnormal inputs are scaled by 2^23 first. Special values as Math.log: ln 0 = -inf, ln(x<0) = NaN,
// ln inf = inf, NaN stays NaN.
@inline function logf4(x0: v128): v128 {
  const tiny = f32x4.lt(x0, f32x4.splat(1.17549435e-38));
  const x = v128.bitselect(f32x4.mul(x0, f32x4.splat(8388608.0)), x0, tiny);
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(127));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big);
  const f = f32x4.sub(m, f32x4.splat(1.0));
  const z = f32x4.mul(f, f);
  let p = f32x4.splat(7.0376836292e-2);
  p = fmadd(p, f, f32x4.splat(-1.1514610310e-1));
  p = fmadd(p, f, f32x4.splat(1.1676998740e-1));
  p = fmadd(p, f, f32x4.splat(-1.2420140846e-1));
  p = fmadd(p, f, f32x4.splat(1.4249322787e-1));
  p = fmadd(p, f, f32x4.splat(-1.6668057665e-1));
  p = fmadd(p, f, f32x4.splat(2.0000714765e-1));
  p = fmadd(p, f, f32x4.splat(-2.4999993993e-1));
  p = fmadd(p, f, f32x4.splat(3.3333331174e-1));
  const ef = f32x4.convert_i32x4_s(e);
  let y = f32x4.mul(f32x4.mul(p, f), z);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let r = f32x4.add(f32x4.add(f, y), f32x4.mul(ef, f32x4.splat(0.693359375)));
  const inf = f32x4.splat(Infinity);
  r = v128.bitselect(inf, r, f32x4.eq(x0, inf));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x0, f32x4.splat(0)));
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x0, f32x4.splat(0)));
  return v128.bitselect(x0, r, f32x4.ne(x0, x0));
}

// tanh for four float32 lanes: x + x³ P(x²) (Cephes tanhf's polynomial) for |x| < 0.625, else
// 1 - 2 / (e^{2|x|} + 1) with the sign of x. The sign is copied from x in both cases (so tanh(-0)
// is -0); NaN stays NaN.
@inline function tanhf4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const ex = expf4(f32x4.add(ax, ax));
  const one = f32x4.splat(1.0);
  const big = f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(ex, one)));
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = fmadd(p, z, f32x4.splat(2.06390887954e-2));
  p = fmadd(p, z, f32x4.splat(-5.37397155531e-2));
  p = fmadd(p, z, f32x4.splat(1.33314422036e-1));
  p = fmadd(p, z, f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(ax, f32x4.mul(f32x4.mul(ax, z), p));
  const r = v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.625)));
  return v128.or(r, v128.and(x, i32x4.splat(0x80000000)));
}

// The logistic function for four float32 lanes, without overflow: with e = e^{-|x|},
// 1 / (1 + e) for x >= 0 and e / (1 + e) below. NaN stays NaN.
@inline function sigmoidf4(x: v128): v128 {
  const e = expf4(f32x4.neg(f32x4.abs(x)));
  const d = f32x4.add(f32x4.splat(1.0), e);
  return v128.bitselect(f32x4.div(f32x4.splat(1.0), d), f32x4.div(e, d), f32x4.ge(x, f32x4.splat(0)));
}

@inline function vun<T>(op: i32, x: v128): v128 {
  if (op == U_NEG) return v128.neg<T>(x);
  if (op == U_ABS) return v128.abs<T>(x);
  // x with the lanes where x <= 0 cleared: +0 for -0 and negatives, NaN stays NaN (as the TS
  // kernel's `x > 0 || x !== x ? x : 0`). Two instructions, where wasm's max takes about eight.
  if (op == U_RELU) return v128.andnot(x, v128.le<T>(x, v128.splat<T>(<T>0)));
  if (op == U_SQRT) return v128.sqrt<T>(x);
  if (op == U_SQUARE) return v128.mul<T>(x, x);
  if (op == U_EXP) return expf4(x);
  if (op == U_LOG) return logf4(x);
  if (op == U_TANH) return tanhf4(x);
  return sigmoidf4(x);
}

@inline function unaryLoop<T>(op: i32, o: usize, x: usize, n: i32): void {
  const E: usize = sizeof<T>();
  const L: i32 = 16 / <i32>E;
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const off = <usize>i * E;
    const a0 = vun<T>(op, v128.load(x + off));
    const a1 = vun<T>(op, v128.load(x + off, 16));
    const a2 = vun<T>(op, v128.load(x + off, 32));
    const a3 = vun<T>(op, v128.load(x + off, 48));
    v128.store(o + off, a0);
    v128.store(o + off, a1, 16);
    v128.store(o + off, a2, 32);
    v128.store(o + off, a3, 48);
  }
  // The tail goes through the same vector code, one lane at a time, so every element is computed by
  // the same formula.
  for (; i < n; i++) {
    const off = <usize>i * E;
    store<T>(o + off, v128.extract_lane<T>(vun<T>(op, v128.splat<T>(load<T>(x + off))), 0));
  }
}

/**
 * float32 `out = f(x)` over n contiguous elements; `out` may alias `x`. op: 0 neg, 1 abs, 2 relu,
 * 3 sqrt, 4 square (exact, as the TS kernels), 5 exp, 6 log, 7 tanh, 8 sigmoid (approximations).
 */
export function unary_f32(op: i32, o: usize, x: usize, n: i32): void {
  if (op == U_NEG) negLoop32(o, x, n);
  else if (op == U_ABS) absLoop32(o, x, n);
  else if (op == U_RELU) reluLoop32(o, x, n);
  else if (op == U_SQRT) sqrtLoop32(o, x, n);
  else if (op == U_SQUARE) squareLoop32(o, x, n);
  else if (op == U_EXP) expLoop32(o, x, n);
  else if (op == U_LOG) logLoop32(o, x, n);
  else if (op == U_TANH) tanhLoop32(o, x, n);
  else sigmoidLoop32(o, x, n);
}
function negLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_NEG, o, x, n); }
function absLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_ABS, o, x, n); }
function reluLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_RELU, o, x, n); }
function sqrtLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_SQRT, o, x, n); }
function squareLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_SQUARE, o, x, n); }
function expLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_EXP, o, x, n); }
function logLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_LOG, o, x, n); }
function tanhLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_TANH, o, x, n); }
function sigmoidLoop32(o: usize, x: usize, n: i32): void { unaryLoop<f32>(U_SIGMOID, o, x, n); }

/** float64 `out = f(x)` for the exact ops 0 neg, 1 abs, 2 relu, 3 sqrt, 4 square (others: nothing). */
export function unary_f64(op: i32, o: usize, x: usize, n: i32): void {
  if (op == U_NEG) unaryLoop<f64>(U_NEG, o, x, n);
  else if (op == U_ABS) unaryLoop<f64>(U_ABS, o, x, n);
  else if (op == U_RELU) unaryLoop<f64>(U_RELU, o, x, n);
  else if (op == U_SQRT) unaryLoop<f64>(U_SQRT, o, x, n);
  else if (op == U_SQUARE) unaryLoop<f64>(U_SQUARE, o, x, n);
}

/** float32 `out = exp(x)` over n contiguous elements (kept for callers of the first version). */
export function exp_f32(o: usize, x: usize, n: i32): void {
  unaryLoop<f32>(U_EXP, o, x, n);
}

// ------------------------------------------------------------------------------------------------
// optimizer updates on float32 storage, computed in float64 lanes and rounded once per stored value,
// exactly as the TS loops of @gd/optim do (so both give the same bits).

@inline function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
@inline function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)); }
@inline function to32(lo: v128, hi: v128): v128 {
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** float32 `s[i] = k * d[i] + s[i]` with the product and sum in float64 (one rounding, to float32). */
export function axpy_f32(s: usize, d: usize, k: f64, n: i32): void {
  const kv = f64x2.splat(k);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    const d0 = v128.load(d + off), s0 = v128.load(s + off);
    const d1 = v128.load(d + off, 16), s1 = v128.load(s + off, 16);
    v128.store(s + off, to32(f64x2.add(f64x2.mul(kv, lo64(d0)), lo64(s0)), f64x2.add(f64x2.mul(kv, hi64(d0)), hi64(s0))));
    v128.store(s + off, to32(f64x2.add(f64x2.mul(kv, lo64(d1)), lo64(s1)), f64x2.add(f64x2.mul(kv, hi64(d1)), hi64(s1))), 16);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(s + off, <f32>(k * <f64>load<f32>(d + off) + <f64>load<f32>(s + off)));
  }
}


/**
 * float32 `o[i] = a * x[i] + y[i] * b` with both products and the sum in float64, rounded once to
 * float32 (momentum buffers, weight decay and Nesterov steps of @gd/optim). `o` may alias `x` or `y`.
 */
export function axpby_f32(o: usize, x: usize, y: usize, a: f64, b: f64, n: i32): void {
  const av = f64x2.splat(a), bv = f64x2.splat(b);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    const x0 = v128.load(x + off), y0 = v128.load(y + off);
    const x1 = v128.load(x + off, 16), y1 = v128.load(y + off, 16);
    const r0 = to32(f64x2.add(f64x2.mul(av, lo64(x0)), f64x2.mul(lo64(y0), bv)), f64x2.add(f64x2.mul(av, hi64(x0)), f64x2.mul(hi64(y0), bv)));
    const r1 = to32(f64x2.add(f64x2.mul(av, lo64(x1)), f64x2.mul(lo64(y1), bv)), f64x2.add(f64x2.mul(av, hi64(x1)), f64x2.mul(hi64(y1), bv)));
    v128.store(o + off, r0);
    v128.store(o + off, r1, 16);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(o + off, <f32>(a * <f64>load<f32>(x + off) + <f64>load<f32>(y + off) * b));
  }
}

/**
 * One float32 Adam step (the fused-learning-rate path of @gd/optim's scaleByAdam), per element in
 * float64 with float32 storage: m = c1 g + b1 m0, v = (c2 g) g + b2 v0 (each rounded to float32 when
 * stored), u = (k m) / (sqrt(v) / bc2s + eps) from the stored m and v. `m`, `v` may alias `m0`, `v0`.
 */
export function adam_f32(m: usize, v: usize, u: usize, g: usize, m0: usize, v0: usize, n: i32,
  c1: f64, b1: f64, c2: f64, b2: f64, k: f64, bc2s: f64, eps: f64): void {
  const C1 = f64x2.splat(c1), B1 = f64x2.splat(b1), C2 = f64x2.splat(c2), B2 = f64x2.splat(b2);
  const K = f64x2.splat(k), S = f64x2.splat(bc2s), EPS = f64x2.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const gv = v128.load(g + off), mv = v128.load(m0 + off), vv = v128.load(v0 + off);
    // New moments, rounded to float32 as stored...
    const gl = lo64(gv), gh = hi64(gv);
    const m32 = to32(f64x2.add(f64x2.mul(C1, gl), f64x2.mul(lo64(mv), B1)), f64x2.add(f64x2.mul(C1, gh), f64x2.mul(hi64(mv), B1)));
    const v32 = to32(f64x2.add(f64x2.mul(f64x2.mul(C2, gl), gl), f64x2.mul(lo64(vv), B2)),
      f64x2.add(f64x2.mul(f64x2.mul(C2, gh), gh), f64x2.mul(hi64(vv), B2)));
    v128.store(m + off, m32);
    v128.store(v + off, v32);
    // ...and the update from the stored values.
    const ul = f64x2.div(f64x2.mul(K, lo64(m32)), f64x2.add(f64x2.div(f64x2.sqrt(lo64(v32)), S), EPS));
    const uh = f64x2.div(f64x2.mul(K, hi64(m32)), f64x2.add(f64x2.div(f64x2.sqrt(hi64(v32)), S), EPS));
    v128.store(u + off, to32(ul, uh));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const gj = <f64>load<f32>(g + off);
    const mj = <f32>(c1 * gj + <f64>load<f32>(m0 + off) * b1);
    const vj = <f32>(c2 * gj * gj + <f64>load<f32>(v0 + off) * b2);
    store<f32>(m + off, mj);
    store<f32>(v + off, vj);
    store<f32>(u + off, <f32>((k * <f64>mj) / (Math.sqrt(<f64>vj) / bc2s + eps)));
  }
}

// ------------------------------------------------------------------------------------------------
// sums over one axis of a row-major m x n matrix (row stride ld), accumulated in float64 in the
// order the TS reduction kernels use (row after row), so results are the same bits.

/**
 * float32 column sums `o[j] = sum_i x[i*ld + j]` (float64 accumulators, divided by `div` — 1 for a
 * sum, the count for a mean — and rounded once to float32).
 */
export function colsum_f32(o: usize, x: usize, m: i32, n: i32, ld: i32, div: f64): void {
  const rowBytes = <usize>ld << 2;
  const dv = f64x2.splat(div);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let p = x + (<usize>j << 2);
    for (let i = 0; i < m; i++, p += rowBytes) {
      const v0 = v128.load(p), v1 = v128.load(p, 16);
      a0 = f64x2.add(a0, lo64(v0)); a1 = f64x2.add(a1, hi64(v0));
      a2 = f64x2.add(a2, lo64(v1)); a3 = f64x2.add(a3, hi64(v1));
    }
    v128.store(o + (<usize>j << 2), to32(f64x2.div(a0, dv), f64x2.div(a1, dv)));
    v128.store(o + (<usize>j << 2), to32(f64x2.div(a2, dv), f64x2.div(a3, dv)), 16);
  }
  for (; j < n; j++) {
    let a: f64 = 0;
    let p = x + (<usize>j << 2);
    for (let i = 0; i < m; i++, p += rowBytes) a += <f64>load<f32>(p);
    store<f32>(o + (<usize>j << 2), <f32>(a / div));
  }
}

/** float64 column sums (divided by `div`); see colsum_f32. */
export function colsum_f64(o: usize, x: usize, m: i32, n: i32, ld: i32, div: f64): void {
  const rowBytes = <usize>ld << 3;
  const dv = f64x2.splat(div);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let p = x + (<usize>j << 3);
    for (let i = 0; i < m; i++, p += rowBytes) {
      a0 = f64x2.add(a0, v128.load(p)); a1 = f64x2.add(a1, v128.load(p, 16));
      a2 = f64x2.add(a2, v128.load(p, 32)); a3 = f64x2.add(a3, v128.load(p, 48));
    }
    const q = o + (<usize>j << 3);
    v128.store(q, f64x2.div(a0, dv)); v128.store(q, f64x2.div(a1, dv), 16);
    v128.store(q, f64x2.div(a2, dv), 32); v128.store(q, f64x2.div(a3, dv), 48);
  }
  for (; j < n; j++) {
    let a: f64 = 0;
    let p = x + (<usize>j << 3);
    for (let i = 0; i < m; i++, p += rowBytes) a += load<f64>(p);
    store<f64>(o + (<usize>j << 3), a / div);
  }
}

/**
 * float32 row sums `o[i] = sum_j x[i*ld + j]`, each row added left to right into a float64
 * accumulator (the TS reduction's order, so the same bits), divided by `div` (1, or the count for a
 * mean) before the one rounding. Four rows at a time: their elements are
 * interleaved pairwise into float64 lanes, two rows per accumulator.
 */
export function rowsum_f32(o: usize, x: usize, m: i32, n: i32, ld: i32, div: f64): void {
  const rb = <usize>ld << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const p0 = x + <usize>i * rb, p1 = p0 + rb, p2 = p1 + rb, p3 = p2 + rb;
    let a01 = f64x2.splat(0), a23 = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const r0 = v128.load(p0 + off), r1 = v128.load(p1 + off), r2 = v128.load(p2 + off), r3 = v128.load(p3 + off);
      const u0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5); // r0[j] r1[j] r0[j+1] r1[j+1]
      const u1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
      const u2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7); // r0[j+2] r1[j+2] r0[j+3] r1[j+3]
      const u3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      a01 = f64x2.add(a01, lo64(u0)); a23 = f64x2.add(a23, lo64(u1));
      a01 = f64x2.add(a01, hi64(u0)); a23 = f64x2.add(a23, hi64(u1));
      a01 = f64x2.add(a01, lo64(u2)); a23 = f64x2.add(a23, lo64(u3));
      a01 = f64x2.add(a01, hi64(u2)); a23 = f64x2.add(a23, hi64(u3));
    }
    let s0 = f64x2.extract_lane(a01, 0), s1 = f64x2.extract_lane(a01, 1);
    let s2 = f64x2.extract_lane(a23, 0), s3 = f64x2.extract_lane(a23, 1);
    for (; j < n; j++) {
      const off = <usize>j << 2;
      s0 += <f64>load<f32>(p0 + off); s1 += <f64>load<f32>(p1 + off);
      s2 += <f64>load<f32>(p2 + off); s3 += <f64>load<f32>(p3 + off);
    }
    const q = o + (<usize>i << 2);
    store<f32>(q, <f32>(s0 / div)); store<f32>(q, <f32>(s1 / div), 4);
    store<f32>(q, <f32>(s2 / div), 8); store<f32>(q, <f32>(s3 / div), 12);
  }
  for (; i < m; i++) {
    const p = x + <usize>i * rb;
    let s: f64 = 0;
    for (let j = 0; j < n; j++) s += <f64>load<f32>(p + (<usize>j << 2));
    store<f32>(o + (<usize>i << 2), <f32>(s / div));
  }
}

/** float64 row sums (divided by `div`); see rowsum_f32 (two rows per accumulator, four rows at a time). */
export function rowsum_f64(o: usize, x: usize, m: i32, n: i32, ld: i32, div: f64): void {
  const rb = <usize>ld << 3;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const p0 = x + <usize>i * rb, p1 = p0 + rb, p2 = p1 + rb, p3 = p2 + rb;
    let a01 = f64x2.splat(0), a23 = f64x2.splat(0);
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      const off = <usize>j << 3;
      const r0 = v128.load(p0 + off), r1 = v128.load(p1 + off), r2 = v128.load(p2 + off), r3 = v128.load(p3 + off);
      a01 = f64x2.add(a01, v128.shuffle<i64>(r0, r1, 0, 2)); a23 = f64x2.add(a23, v128.shuffle<i64>(r2, r3, 0, 2));
      a01 = f64x2.add(a01, v128.shuffle<i64>(r0, r1, 1, 3)); a23 = f64x2.add(a23, v128.shuffle<i64>(r2, r3, 1, 3));
    }
    let s0 = f64x2.extract_lane(a01, 0), s1 = f64x2.extract_lane(a01, 1);
    let s2 = f64x2.extract_lane(a23, 0), s3 = f64x2.extract_lane(a23, 1);
    if (j < n) {
      const off = <usize>j << 3;
      s0 += load<f64>(p0 + off); s1 += load<f64>(p1 + off); s2 += load<f64>(p2 + off); s3 += load<f64>(p3 + off);
    }
    const q = o + (<usize>i << 3);
    store<f64>(q, s0 / div); store<f64>(q, s1 / div, 8); store<f64>(q, s2 / div, 16); store<f64>(q, s3 / div, 24);
  }
  for (; i < m; i++) {
    const p = x + <usize>i * rb;
    let s: f64 = 0;
    for (let j = 0; j < n; j++) s += load<f64>(p + (<usize>j << 3));
    store<f64>(o + (<usize>i << 3), s / div);
  }
}
