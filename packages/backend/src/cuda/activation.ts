// The fused bias + activation epilogue of _FusedMatMul / FusedConv2D on the device, in
// place on the product: y = act(y + bias), one kernel over y.
import type { TensorInfo } from '@tensorflow/tfjs-core'
import { addon, BinaryOp, type DeviceBuffer } from '@kiln/native'
import type { KilnCudaBackend } from './backend.js'

/** y ([rows, cols], in place) = act(y + bias); a one-element bias applies to every column. */
export function biasActivation(
  b: KilnCudaBackend,
  y: DeviceBuffer,
  rows: number,
  cols: number,
  bias: TensorInfo | undefined,
  act: number,
  alpha: number,
): void {
  const one = !!bias && bias.shape.reduce((p, q) => p * q, 1) === 1 && cols !== 1
  if (one) {
    const shape = Int32Array.of(rows * cols)
    addon.cudaBinary(
      b.stream,
      BinaryOp.Add,
      y,
      shape,
      b.hostScalar(bias!) ?? b.buffer(bias!),
      Int32Array.of(1),
      y,
      shape,
    )
  }
  if ((bias && !one) || act !== 0)
    addon.cudaBiasAct(b.stream, y, rows, cols, bias && !one ? b.buffer(bias) : null, act, alpha)
}
