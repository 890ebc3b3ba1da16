// The precision of the kiln backend's products: MatMul, _FusedMatMul and KilnDense (gemmBf16)
// and the three Conv2D kernels (operands rounded, then the fp32 convolution kernels):
// 'fp32', or 'bf16' mixed precision: both inputs rounded to bf16 (round to nearest even)
// and multiplied with fp32 accumulation into an fp32 output. The products of two bf16 are
// exact in fp32, so a convolution of rounded operands is what a bf16 convolution with fp32
// accumulation computes (though no faster). Weights stay fp32 (the optimizer updates the
// fp32 masters); elementwise kernels stay fp32, and the compiled training step is fp32 only
// (refused under bf16, so fit runs kernel by kernel).
import { addon } from '@kiln/native'

/** What the matrix products take as inputs. */
export type Precision = 'fp32' | 'bf16'

let current: Precision = 'fp32'
// Grow-only bf16 copies of the two inputs: a training step runs dozens of products.
let scratchA = new Uint16Array(0)
let scratchB = new Uint16Array(0)
// Grow-only fp32 copies of rounded convolution operands (two per kernel).
const roundedScratch = [new Float32Array(0), new Float32Array(0)]

/** Sets the precision of this thread's kiln matrix products; returns the previous one. */
export function setMatmulPrecision(precision: Precision): Precision {
  if (precision !== 'fp32' && precision !== 'bf16')
    throw new RangeError(`setMatmulPrecision: precision must be 'fp32' or 'bf16', got ${JSON.stringify(precision)}`)
  const previous = current
  current = precision
  return previous
}

/** The precision of the kiln matrix products now. */
export const matmulPrecision = (): Precision => current

function bf16(src: Float32Array, which: 'a' | 'b'): Uint16Array {
  let buf = which === 'a' ? scratchA : scratchB
  if (buf.length < src.length) {
    buf = new Uint16Array(Math.max(src.length, buf.length * 2))
    if (which === 'a') scratchA = buf
    else scratchB = buf
  }
  const view = buf.subarray(0, src.length)
  addon.f32ToBf16(src, view)
  return view
}

/** out = op(A) op(B) for `batch` products (a or b holding one matrix is broadcast), in the precision in effect. */
export function matmul(
  transA: boolean,
  transB: boolean,
  batch: number,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
): void {
  if (current === 'bf16') addon.gemmBf16(transA, transB, batch, m, n, k, 1, bf16(a, 'a'), bf16(b, 'b'), 0, out)
  else addon.sgemm(transA, transB, batch, m, n, k, 1, a, b, 0, out)
}

/**
 * A convolution operand in the precision in effect: itself (fp32), or (bf16) a copy rounded
 * to bf16 values, valid until the next call with the same slot.
 */
export function operand(values: Float32Array, slot: 0 | 1): Float32Array {
  if (current === 'fp32') return values
  const half = bf16(values, slot === 0 ? 'a' : 'b')
  let out = roundedScratch[slot]!
  if (out.length < values.length) out = roundedScratch[slot] = new Float32Array(Math.max(values.length, out.length * 2))
  const view = out.subarray(0, values.length)
  addon.bf16ToF32(half, view)
  return view
}
