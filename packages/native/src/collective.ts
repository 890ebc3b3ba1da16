// The arithmetic of ring collectives: wire formats (float32, float16, bfloat16), sums and
// the average's scaling, reading and writing message payloads in place (no copies; any
// byteOffset). Kept apart from NativeAddon's kernel list: these are not tfjs kernels.
import { addon } from './addon.js'

/** How elements travel between ranks. */
export const WireType = { float32: 0, float16: 1, bfloat16: 2 } as const
export type WireType = (typeof WireType)[keyof typeof WireType]

interface CollectiveAddon {
  collectiveEncode(src: Float32Array, wire: Uint8Array, wireType: number): void
  collectiveDecode(wire: Uint8Array, dst: Float32Array, wireType: number): void
  collectiveAccumulate(
    acc: Float32Array,
    wire: Uint8Array,
    wireType: number,
    scale: number,
    out: Uint8Array | null,
  ): void
}

const native = addon as unknown as CollectiveAddon

/** Bytes one element takes on the wire. */
export function wireBytes(type: WireType): number {
  return type === WireType.float32 ? 4 : 2
}

/** wire = src rounded to `type` (nearest even); wire has src.length elements of that type. */
export function wireEncode(src: Float32Array, wire: Uint8Array, type: WireType): void {
  native.collectiveEncode(src, wire, type)
}

/** dst = wire (dst.length elements of `type`) as float32. */
export function wireDecode(wire: Uint8Array, dst: Float32Array, type: WireType): void {
  native.collectiveDecode(wire, dst, type)
}

/**
 * acc = (acc + wire) * scale; with `out`, also out = acc in `type`, and acc keeps exactly
 * what out holds (so the sender and its receivers agree to the bit).
 */
export function wireAccumulate(
  acc: Float32Array,
  wire: Uint8Array,
  type: WireType,
  scale = 1,
  out: Uint8Array | null = null,
): void {
  native.collectiveAccumulate(acc, wire, type, scale, out)
}
