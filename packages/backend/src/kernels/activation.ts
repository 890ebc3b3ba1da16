// Fused activations of _FusedMatMul / FusedConv2D as the native epilogue codes.
// prelu needs a weights tensor and is left to the cpu kernel.
import { addon } from '@kiln/native'

const CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 }

/** Native activation code, or undefined when the native epilogue does not have it. */
export function activationCode(name: string | undefined | null): number | undefined {
  return CODES[name ?? 'linear']
}

/**
 * The fused epilogue of _FusedMatMul / FusedConv2D in place on out ([rows, cols]):
 * y = act(y + bias). A one-element bias broadcasts to every column.
 */
export function biasActivation(
  out: Float32Array,
  cols: number,
  bias: Float32Array | null,
  act: number,
  alpha: number,
): void {
  const row = bias && bias.length === 1 && cols !== 1 ? new Float32Array(cols).fill(bias[0]!) : bias
  if (row || act !== 0) addon.biasAct(out, out.length / cols, cols, row, act, alpha)
}
