/**
 * Sliding-window data movement for convolutions: `unfold` (im2col) and its adjoint `fold`
 * (col2im), as PyTorch's `F.unfold` / `F.fold`. A 2-d convolution is a matmul of the weights,
 * reshaped to `[O, C*kh*kw]`, with `unfold(x)`; each op is the other's vector-Jacobian product, so
 * gradients of any order come out of the two recorded ops.
 * @module
 */
import { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { fmt } from '../shape.js';
import { record, type WindowAttrs } from '../dispatch.js';
import { getBackend } from '../kernels/backend.js';
import { type ConvGeometry, foldKernel, unfoldKernel } from '../kernels/conv.js';

/** A size for both spatial axes, or `[height, width]`. */
export type Pair = number | readonly [number, number];

/** Options of {@link unfold} and {@link fold}. */
export interface UnfoldOptions {
  /** Step between windows (default 1). */
  stride?: Pair;
  /** Zero padding on each side (default 0). */
  padding?: Pair;
  /** Spacing between kernel elements (default 1). */
  dilation?: Pair;
}

function pairOf(op: string, name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) ? [v[0], v[1]] : [NaN, NaN];
  if ((typeof v !== 'number' && (v as readonly number[]).length !== 2) || p.some((x) => !Number.isInteger(x) || x < min)) {
    // (numbers by String, so NaN and Infinity are not printed as JSON's null)
    const shown = Array.isArray(v) ? `[${v.map((e) => (typeof e === 'number' ? String(e) : JSON.stringify(e))).join(',')}]` : typeof v === 'number' ? String(v) : JSON.stringify(v);
    throw new RangeError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${shown}`);
  }
  return p;
}

/** Number of window positions along one axis (may be < 1 when the kernel does not fit). */
function positions(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function resolve(op: string, kernelSize: Pair, opts: UnfoldOptions): Omit<WindowAttrs, 'size'> {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${op}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  return {
    kernel: pairOf(op, 'kernelSize', kernelSize, 1),
    stride: pairOf(op, 'stride', opts.stride ?? 1, 1),
    padding: pairOf(op, 'padding', opts.padding ?? 0, 0),
    dilation: pairOf(op, 'dilation', opts.dilation ?? 1, 1),
  };
}

function geometry(op: string, n: number, c: number, a: WindowAttrs): ConvGeometry {
  const [h, w] = a.size;
  const ho = positions(h, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
  const wo = positions(w, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
  if (ho < 1 || wo < 1) {
    throw new RangeError(`${op}: kernel ${fmt(a.kernel)} (dilation ${fmt(a.dilation)}) does not fit the padded ${h + 2 * a.padding[0]}x${w + 2 * a.padding[1]} image (size ${fmt(a.size)}, padding ${fmt(a.padding)})`);
  }
  return {
    n, c, h, w, kh: a.kernel[0], kw: a.kernel[1], sh: a.stride[0], sw: a.stride[1],
    ph: a.padding[0], pw: a.padding[1], dh: a.dilation[0], dw: a.dilation[1], ho, wo,
  };
}

function isContiguous(t: Tensor): boolean {
  let s = 1;
  for (let d = t.ndim - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.strides[d] !== s) return false;
    s *= t.shape[d]!;
  }
  return true;
}

function checkInput(op: string, x: unknown, rank: number, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected a float32 or float64 tensor, got ${x.dtype} of shape ${fmt(x.shape)}`);
  if (x.ndim !== rank) throw new RangeError(`${op}: expected ${what} input, got shape ${fmt(x.shape)}`);
}

/** unfold with resolved attributes (the autograd rule of `fold` calls it too). */
function unfoldWith(x: Tensor, a: WindowAttrs): Tensor {
  const [n, c] = x.shape as [number, number];
  const g = geometry('unfold', n, c, a);
  // Stored as [C·kh·kw, N, L] and returned as the [N, C·kh·kw, L] view of it: a convolution then
  // multiplies the weights with one [C·kh·kw, N·L] matrix (one large product instead of N).
  const rows = c * g.kh * g.kw, l = g.ho * g.wo;
  const base = Tensor._uninit([rows, n, l], x.dtype);
  const out = Tensor._view(base, [n, rows, l], [l, n * l, 1], 0);
  const xs = x.storage as Float32Array | Float64Array;
  const cols = base.storage as Float32Array | Float64Array;
  if (out.size > 0) {
    const be = getBackend();
    if (!(be?.unfold !== undefined && isContiguous(x) && be.unfold(g, xs, x.offset, cols, 0, out.strides))) {
      unfoldKernel(g, xs, x.offset, x.strides, cols, 0, out.strides);
    }
  }
  return record('unfold', [x], out, a);
}

/** fold with resolved attributes (the autograd rule of `unfold` calls it too). */
function foldWith(cols: Tensor, a: WindowAttrs): Tensor {
  const [n, r, l] = cols.shape as [number, number, number];
  const kk = a.kernel[0] * a.kernel[1];
  if (r % kk !== 0) {
    throw new RangeError(`fold: dim 1 of the columns ${fmt(cols.shape)} must be a multiple of kh*kw = ${kk} (kernel ${fmt(a.kernel)})`);
  }
  const g = geometry('fold', n, r / kk, a);
  if (l !== g.ho * g.wo) {
    throw new RangeError(`fold: columns ${fmt(cols.shape)} have ${l} windows, but output size ${fmt(a.size)} with kernel ${fmt(a.kernel)}, stride ${fmt(a.stride)}, padding ${fmt(a.padding)} and dilation ${fmt(a.dilation)} has ${g.ho}x${g.wo} = ${g.ho * g.wo}`);
  }
  const out = Tensor._uninit([n, g.c, g.h, g.w], cols.dtype);
  const cs = cols.storage as Float32Array | Float64Array;
  const os = out.storage as Float32Array | Float64Array;
  if (out.size > 0) {
    const be = getBackend();
    if (!(be?.fold !== undefined && be.fold(g, cs, cols.offset, cols.strides, os))) {
      foldKernel(g, cs, cols.offset, cols.strides, os);
    }
  }
  return record('fold', [cols], out, a);
}

/**
 * Extract sliding windows (im2col), as PyTorch's `F.unfold`: for `[N, C, H, W]` input, output
 * `[N, C·kh·kw, L]` with `L = Ho·Wo` window positions, where
 * `out[n, (c·kh + i)·kw + j, p·Wo + q] = x[n, c, p·s₀ − p₀ + i·d₀, q·s₁ − p₁ + j·d₁]` (zero in the
 * padding) and `Ho = ⌊(H + 2p₀ − d₀(kh − 1) − 1) / s₀⌋ + 1` (likewise `Wo`).
 * A convolution is `w.reshape([O, C·kh·kw]).matmul(unfold(x, ...))`. Differentiable (its gradient
 * is {@link fold}) to any order.
 * @param x - `[N, C, H, W]` float tensor (any strides).
 * @param kernelSize - `kh` (square) or `[kh, kw]`.
 * @param opts - stride, padding, dilation (each a number or a pair; defaults 1, 0, 1).
 * @returns a new `[N, C·kh·kw, Ho·Wo]` tensor, stored batch-inner (`permute([1, 0, 2])` of it is
 *   contiguous, so a convolution multiplies one `[C·kh·kw, N·L]` matrix).
 * @throws TypeError for a non-float input; RangeError for a wrong rank, bad window parameters or a
 *   kernel larger than the padded input.
 * @example
 * ```ts
 * unfold(tensor([[[[0, 1], [2, 3]]]]), 1).toArray(); // [[[0, 1, 2, 3]]]
 * unfold(tensor([[[[1, 2], [3, 4]]]]), 2, { padding: [0, 1] }).shape; // [1, 4, 3]
 * ```
 */
export function unfold(x: Tensor, kernelSize: Pair, opts: UnfoldOptions = {}): Tensor {
  checkInput('unfold', x, 4, '[N, C, H, W]');
  const a: WindowAttrs = { ...resolve('unfold', kernelSize, opts), size: [x.shape[2]!, x.shape[3]!] };
  return unfoldWith(x, a);
}

/**
 * Sum sliding-window columns back into an image (col2im), as PyTorch's `F.fold`: the adjoint of
 * {@link unfold}, so `fold(unfold(x))` multiplies each pixel by the number of windows covering it.
 * `cols[n, (c·kh + i)·kw + j, p·Wo + q]` is added to `out[n, c, p·s₀ − p₀ + i·d₀, q·s₁ − p₁ + j·d₁]`;
 * entries that fall in the padding are dropped. Differentiable (its gradient is {@link unfold}) to
 * any order.
 * @param cols - `[N, C·kh·kw, L]` float tensor (any strides), `L` the number of windows.
 * @param outputSize - the image size `H` (square) or `[H, W]`.
 * @param kernelSize - `kh` (square) or `[kh, kw]`.
 * @param opts - stride, padding, dilation, as given to the matching {@link unfold}.
 * @returns a new contiguous `[N, C, H, W]` tensor.
 * @throws TypeError for a non-float input; RangeError when dim 1 is not a multiple of `kh·kw`, when
 *   `L` is not the window count of `outputSize`, or for bad window parameters.
 * @example
 * ```ts
 * fold(ones([1, 4, 1]), 2, 2).toArray(); // [[[[1, 1], [1, 1]]]]
 * fold(unfold(ones([1, 1, 3, 3]), 2), 3, 2).toArray(); // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
 * ```
 */
export function fold(cols: Tensor, outputSize: Pair, kernelSize: Pair, opts: UnfoldOptions = {}): Tensor {
  checkInput('fold', cols, 3, '[N, C*kh*kw, L]');
  const a: WindowAttrs = { ...resolve('fold', kernelSize, opts), size: pairOf('fold', 'outputSize', outputSize, 1) };
  return foldWith(cols, a);
}

/**
 * {@link unfold} with the attributes a recorded `unfold` or `fold` carries (for gradient rules).
 * @param x - `[N, C, H, W]`; its spatial size must equal `attrs.size`.
 * @param attrs - the recorded window attributes.
 * @returns `[N, C·kh·kw, L]`.
 * @example
 * ```ts
 * unfoldAttrs(tensor([[[[1, 2]]]]), { kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], size: [1, 2] }).toArray(); // [[[1, 2]]]
 * ```
 */
export function unfoldAttrs(x: Tensor, attrs: WindowAttrs): Tensor {
  checkInput('unfold', x, 4, '[N, C, H, W]');
  if (x.shape[2] !== attrs.size[0] || x.shape[3] !== attrs.size[1]) {
    throw new RangeError(`unfold: input ${fmt(x.shape)} does not have the recorded spatial size ${fmt(attrs.size)}`);
  }
  return unfoldWith(x, attrs);
}

/**
 * {@link fold} with the attributes a recorded `unfold` or `fold` carries (for gradient rules).
 * @param cols - `[N, C·kh·kw, L]`.
 * @param attrs - the recorded window attributes; `attrs.size` is the output size.
 * @returns `[N, C, H, W]`.
 * @example
 * ```ts
 * foldAttrs(ones([1, 1, 2]), { kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], size: [1, 2] }).toArray(); // [[[[1, 1]]]]
 * ```
 */
export function foldAttrs(cols: Tensor, attrs: WindowAttrs): Tensor {
  checkInput('fold', cols, 3, '[N, C*kh*kw, L]');
  return foldWith(cols, attrs);
}
