// AssemblyScript source of @gd/tensor's WebAssembly SIMD kernels, part "gemm" (matrix products).
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
// matrix product: C[m x n] (row stride ldc) = A[m x k] @ B[k x n], A and B read through strides.
//
// GotoBLAS / BLIS structure. B is packed a KC x NC block at a time into NR-wide strips, A an
// MC x KC block at a time into MR-tall strips (both zero-padded at the edges), and an MR x NR
// register tile (NR = two SIMD vectors: 8 floats or 4 doubles) accumulates over KC.
//
// Register budget: V8 gives wasm 15 XMM registers (xmm15 is its scratch) and its scheduler issues a
// loop body's loads, broadcasts included, before the arithmetic that uses them, so every broadcast
// of A holds a register of its own through the whole k-step. MR = 4 (8 accumulators, 2 B vectors,
// 4 broadcasts = 14) is the largest splat-based tile; 5 or 6 rows spill accumulators to the stack and
// run at half speed. The float32 FMA build uses MR = 5 instead, taking rows 0-3 from one vector load
// of the packed A strip and lane shuffles, which V8 places next to their use (one temporary): 10
// accumulators + 2 B + the A vector + a temporary + the row-4 broadcast = 15. More independent
// accumulators hide more of the FMA latency (tile alone: +10%, whole product +3-12%). Without FMA
// the multiply needs a temporary register too, and the shuffles compete with the multiplies for
// ports: 4 rows stay faster there, as they do for float64 (2 doubles per vector).

/** The largest MR of any build (scratch is sized for it). */
const MRMAX: i32 = 5;
const KC: i32 = 256;
const MC: i32 = 120;
const NC: i32 = 1024;

// Rows of the register tile for element type T: 5 for float32 with fused multiply-add, else 4.
@inline function tileRows<T>(): i32 {
  return sizeof<T>() == 4 && ASC_FEATURE_RELAXED_SIMD ? 5 : 4;
}

/** Rows of the register tile for element size `e` (4 or 8): products split between threads on multiples of it. */
export function gemmTileRows(e: i32): i32 {
  return e == 4 ? tileRows<f32>() : tileRows<f64>();
}

// Bytes of scratch one gemm call needs for element size `e`: packed A block, packed B block and an
// MR x NR edge tile.
export function gemmScratchBytes(e: i32): i32 {
  return (MC * KC + KC * NC + MRMAX * (32 / e)) * e;
}

@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return v128.relaxed_madd<T>(a, b, c);
  } else {
    return v128.add<T>(v128.mul<T>(a, b), c);
  }
}

/** Whether this build fuses multiply-adds (relaxed SIMD). */
export function hasFma(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// Store v at c, or add it to what c holds.
@inline function accStore<T>(c: usize, v: v128, acc: bool): void {
  v128.store(c, acc ? v128.add<T>(v, v128.load(c)) : v);
}

// The register tile: C[0..MR, 0..NR] (+)= Apanel[kc x MR]^T @ Bpanel[kc x NR].
@inline function tile<T>(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  const E: usize = sizeof<T>();
  const MR = tileRows<T>();
  const z = v128.splat<T>(<T>0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
  let c30 = z, c31 = z, c40 = z, c41 = z;
  const end = pb + <usize>kc * 32;
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    if (MR == 5) {
      // float32, 5 rows: rows 0-3 come from one vector load and lane shuffles (a shuffle is placed
      // next to its use, a broadcast load is not), row 4 from a broadcast load: 10 accumulators,
      // 2 B vectors, the A vector and one temporary fit in 14 registers.
      const av = v128.load(pa);
      let a = v128.load_splat<T>(pa, 4 * E);
      c40 = madd<T>(a, b0, c40); c41 = madd<T>(a, b1, c41);
      a = v128.shuffle<i32>(av, av, 0, 0, 0, 0);
      c00 = madd<T>(a, b0, c00); c01 = madd<T>(a, b1, c01);
      a = v128.shuffle<i32>(av, av, 1, 1, 1, 1);
      c10 = madd<T>(a, b0, c10); c11 = madd<T>(a, b1, c11);
      a = v128.shuffle<i32>(av, av, 2, 2, 2, 2);
      c20 = madd<T>(a, b0, c20); c21 = madd<T>(a, b1, c21);
      a = v128.shuffle<i32>(av, av, 3, 3, 3, 3);
      c30 = madd<T>(a, b0, c30); c31 = madd<T>(a, b1, c31);
    } else {
      let a = v128.load_splat<T>(pa);
      c00 = madd<T>(a, b0, c00); c01 = madd<T>(a, b1, c01);
      a = v128.load_splat<T>(pa, E);
      c10 = madd<T>(a, b0, c10); c11 = madd<T>(a, b1, c11);
      a = v128.load_splat<T>(pa, 2 * E);
      c20 = madd<T>(a, b0, c20); c21 = madd<T>(a, b1, c21);
      a = v128.load_splat<T>(pa, 3 * E);
      c30 = madd<T>(a, b0, c30); c31 = madd<T>(a, b1, c31);
    }
    pa += <usize>MR * E;
    pb += 32;
  }
  accStore<T>(c, c00, acc); accStore<T>(c + 16, c01, acc); c += ldc;
  accStore<T>(c, c10, acc); accStore<T>(c + 16, c11, acc); c += ldc;
  accStore<T>(c, c20, acc); accStore<T>(c + 16, c21, acc); c += ldc;
  accStore<T>(c, c30, acc); accStore<T>(c + 16, c31, acc);
  if (MR == 5) { c += ldc; accStore<T>(c, c40, acc); accStore<T>(c + 16, c41, acc); }
}

// Transpose the 4x4 float32 block whose rows are r0..r3 and store its rows (the block's columns) at
// d, d + stride, d + 2*stride, d + 3*stride.
@inline function storeTransposed4(r0: v128, r1: v128, r2: v128, r3: v128, d: usize, stride: usize): void {
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<i64>(t0, t2, 0, 2));
  v128.store(d + stride, v128.shuffle<i64>(t0, t2, 1, 3));
  v128.store(d + 2 * stride, v128.shuffle<i64>(t1, t3, 0, 2));
  v128.store(d + 3 * stride, v128.shuffle<i64>(t1, t3, 1, 3));
}

// Copy MR contiguous elements of type T from s to d.
@inline function copyRow<T>(d: usize, s: usize): void {
  const B = tileRows<T>() * <i32>sizeof<T>();
  v128.store(d, v128.load(s));
  if (B >= 32) v128.store(d, v128.load(s, 16), 16);
  if (B >= 48) v128.store(d, v128.load(s, 32), 32);
  const done = B & ~15;
  const rest = B - done;
  if (rest == 8) store<u64>(d, load<u64>(s, done), done);
  if (rest == 4) store<u32>(d, load<u32>(s, done), done);
}

// Pack A[0..mc, 0..kc] (at byte address a, byte strides rs, cs) into MR-row strips:
// strip s holds element (s*MR + r, p) at [p*MR + r]; rows past mc are zero.
function packA<T>(mc: i32, kc: i32, a: i32, rs: i32, cs: i32, dst: i32): void {
  const E = <i32>sizeof<T>();
  const MR = tileRows<T>();
  const SE = MR * E;
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    const src0 = a + i * rs;
    if (rows == MR && rs == E) {
      // A is stored transposed (a.T @ b): the strip's MR values at each p are adjacent.
      for (let p = 0; p < kc; p++) copyRow<T>(<usize>(dst + p * SE), <usize>(src0 + p * cs));
    } else if (rows == MR && cs == E && E == 4) {
      // Row-major float32 A: transpose 4x4 blocks with shuffles, the rows past 4 lane by lane.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const s = <usize>(src0 + p * E);
        const d = <usize>(dst + p * SE);
        storeTransposed4(v128.load(s), v128.load(s + <usize>rs), v128.load(s + <usize>(2 * rs)), v128.load(s + <usize>(3 * rs)), d, <usize>SE);
        for (let r = 4; r < MR; r++) {
          const v = v128.load(s + <usize>(r * rs));
          const dr = d + <usize>(r * E);
          v128.store32_lane(dr, v, 0);
          v128.store32_lane(dr + <usize>SE, v, 1);
          v128.store32_lane(dr + <usize>(2 * SE), v, 2);
          v128.store32_lane(dr + <usize>(3 * SE), v, 3);
        }
      }
      for (; p < kc; p++) {
        const s = src0 + p * cs;
        const d = dst + p * SE;
        for (let r = 0; r < MR; r++) store<T>(<usize>(d + r * E), load<T>(<usize>(s + r * rs)));
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const s = src0 + p * cs;
        const d = dst + p * SE;
        for (let r = 0; r < MR; r++) {
          store<T>(<usize>(d + r * E), r < rows ? load<T>(<usize>(s + r * rs)) : <T>0);
        }
      }
    }
    dst += kc * SE;
  }
}

// Pack B[0..kc, 0..nc] into NR-column strips: strip t holds element (p, t*NR + c) at [p*NR + c];
// columns past nc are zero.
function packB<T>(kc: i32, nc: i32, b: i32, rs: i32, cs: i32, dst: i32): void {
  const E = <i32>sizeof<T>();
  const NR = 32 / E;
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const src0 = b + j * cs;
    if (cols == NR && cs == E) {
      for (let p = 0; p < kc; p++) {
        const s = <usize>(src0 + p * rs);
        const d = <usize>(dst + p * 32);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else if (cols == NR && rs == E && E == 4) {
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const s = <usize>(src0 + p * E);
        const d = <usize>(dst + p * 32);
        storeTransposed4(v128.load(s), v128.load(s + <usize>cs), v128.load(s + <usize>(2 * cs)), v128.load(s + <usize>(3 * cs)), d, 32);
        const s4 = s + <usize>(4 * cs);
        storeTransposed4(v128.load(s4), v128.load(s4 + <usize>cs), v128.load(s4 + <usize>(2 * cs)), v128.load(s4 + <usize>(3 * cs)), d + 16, 32);
      }
      for (; p < kc; p++) {
        const s = src0 + p * rs;
        const d = dst + p * 32;
        for (let c = 0; c < NR; c++) store<T>(<usize>(d + c * E), load<T>(<usize>(s + c * cs)));
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const s = src0 + p * rs;
        const d = dst + p * 32;
        for (let c = 0; c < NR; c++) {
          store<T>(<usize>(d + c * E), c < cols ? load<T>(<usize>(s + c * cs)) : <T>0);
        }
      }
    }
    dst += kc * 32;
  }
}

function gemm<T>(m: i32, n: i32, k: i32, a: i32, ars: i32, acs: i32, b: i32, brs: i32, bcs: i32, c: i32, ldc: i32, work: i32): void {
  const E = <i32>sizeof<T>();
  const NR = 32 / E;
  const MR = tileRows<T>();
  ars *= E; acs *= E; brs *= E; bcs *= E;
  const pa = work;
  const pb = pa + MC * KC * E;
  const edge = pb + KC * NC * E;
  if (k == 0) {
    for (let i = 0; i < m; i++) memory.fill(<usize>(c + i * ldc * E), 0, <usize>(n * E));
    return;
  }
  // k in equal blocks of at most KC (784 = 4 x 196, not 3 x 256 + 16).
  const kb = (k + KC - 1) / KC;
  const kcs = (k + kb - 1) / kb;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcs) {
      const kc = min(kcs, k - pc);
      const acc = pc > 0;
      packB<T>(kc, nc, b + pc * brs + jc * bcs, brs, bcs, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA<T>(mc, kc, a + ic * ars + pc * acs, ars, acs, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pbs = <usize>(pb + jr * kc * E);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pas = <usize>(pa + ir * kc * E);
            const cp = c + ((ic + ir) * ldc + jc + jr) * E;
            if (mr == MR && nr == NR) {
              tile<T>(kc, pas, pbs, <usize>cp, <usize>(ldc * E), acc);
            } else {
              tile<T>(kc, pas, pbs, <usize>edge, <usize>(NR * E), false);
              for (let r = 0; r < mr; r++) {
                for (let q = 0; q < nr; q++) {
                  const dst = <usize>(cp + (r * ldc + q) * E);
                  const v = load<T>(<usize>(edge + (r * NR + q) * E));
                  store<T>(dst, acc ? load<T>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

/** float32 C = A @ B; see gemm. Addresses in bytes, strides in elements, ldc in elements. */
export function gemm_f32(m: i32, n: i32, k: i32, a: i32, ars: i32, acs: i32, b: i32, brs: i32, bcs: i32, c: i32, ldc: i32, work: i32): void {
  gemm<f32>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, work);
}

/** float64 C = A @ B; see gemm. */
export function gemm_f64(m: i32, n: i32, k: i32, a: i32, ars: i32, acs: i32, b: i32, brs: i32, bcs: i32, c: i32, ldc: i32, work: i32): void {
  gemm<f64>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, work);
}

