// Error feedback for 16-bit gradients (as in 1-bit SGD and EF-SGD): each rank rounds its
// own gradient to the wire type before the all-reduce and keeps what the rounding took
// off; the next step adds it back. A gradient too small for fp16 (below 6e-8) is then
// not lost: it accumulates until it counts. What stays uncompensated is the rounding of
// the partial sums on later hops of the ring, the same on every rank.
import { wireBytes, wireDecode, wireEncode, type WireType } from '@kiln/native'

/** One rank's residuals, one per gradient bucket. */
export class ErrorFeedback {
  private readonly residuals: Float32Array[] = []
  private wire = new Uint8Array(0)

  constructor(private readonly type: WireType) {}

  /**
   * In place: buf (bucket `bucket` of this step) plus the bucket's residual, rounded to the
   * wire type (so the ring sends it exactly); the new residual is what that rounding lost.
   */
  compensate(bucket: number, buf: Float32Array): void {
    let residual = this.residuals[bucket]
    if (residual?.length !== buf.length) {
      residual = new Float32Array(buf.length)
      this.residuals[bucket] = residual
    }
    for (let i = 0; i < buf.length; i++) buf[i]! += residual[i]!
    const bytes = buf.length * wireBytes(this.type)
    if (this.wire.byteLength < bytes) this.wire = new Uint8Array(bytes)
    const wire = this.wire.subarray(0, bytes)
    residual.set(buf)
    wireEncode(buf, wire, this.type)
    wireDecode(wire, buf, this.type)
    for (let i = 0; i < buf.length; i++) {
      const lost = residual[i]! - buf[i]!
      // An overflow to ±Infinity is this step's problem, not one to carry into the next.
      residual[i] = Number.isFinite(lost) ? lost : 0
    }
  }

  /** Forgets every residual (the buckets changed). */
  reset(): void {
    this.residuals.length = 0
  }
}
