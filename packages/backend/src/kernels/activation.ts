// Fused activations of _FusedMatMul / FusedConv2D as the native epilogue codes.
// prelu needs a weights tensor and is left to the cpu kernel.
const CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 }

/** Native activation code, or undefined when the native epilogue does not have it. */
export function activationCode(name: string | undefined | null): number | undefined {
  return CODES[name ?? 'linear']
}
