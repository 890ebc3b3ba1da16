// Admission by bytes: every inference request reserves its body's size before the body is
// read and releases it once answered, so the requests a gateway holds at once (read,
// parsed, queued, computing) stay within one budget however few or large they are. The
// queue limit per model bounds their count; this bounds their memory.
import { OverloadedError, PayloadTooLargeError } from '../errors.js'

/** Bytes of request bodies held at once, at most `limitBytes`. */
export class ByteBudget {
  heldBytes = 0
  /** The most ever held at once (for tests and the operator). */
  peakBytes = 0

  constructor(
    readonly limitBytes: number,
    private readonly onChange: (heldBytes: number) => void = () => {},
  ) {}

  /**
   * Reserves `bytes` for one request and returns the function that gives them back (once).
   * More than the whole budget: PayloadTooLargeError (413, retrying cannot help); more than
   * is left: OverloadedError (503 with Retry-After).
   */
  admit(bytes: number): () => void {
    if (bytes > this.limitBytes) throw new PayloadTooLargeError(this.limitBytes)
    if (this.heldBytes + bytes > this.limitBytes) {
      throw new OverloadedError(
        `the gateway's byte budget for queued requests (${this.limitBytes} bytes) is in use; retry later`,
        1,
      )
    }
    this.heldBytes += bytes
    this.peakBytes = Math.max(this.peakBytes, this.heldBytes)
    this.onChange(this.heldBytes)
    let released = false
    return () => {
      if (released) return
      released = true
      this.heldBytes -= bytes
      this.onChange(this.heldBytes)
    }
  }
}
