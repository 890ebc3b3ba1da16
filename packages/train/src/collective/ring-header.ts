// The fixed header in front of every ring message (little endian). The payload follows
// at HEADER_BYTES, so native kernels write a chunk straight into the outgoing message.
// `attempt` keeps a stale rank of an earlier gang out; `op` orders the collectives (every
// rank numbers them alike); `total` lets a receiver notice ranks that disagree on sizes.
export const RingKind = { ping: 0, reduceScatter: 1, allGather: 2, broadcast: 3 } as const
export type RingKind = (typeof RingKind)[keyof typeof RingKind]

export const HEADER_BYTES = 24

export interface RingHeader {
  kind: RingKind
  wire: number
  step: number
  attempt: number
  op: number
  seg: number
  chunk: number
  /** Elements in the whole buffer of the operation. */
  total: number
}

/** Writes `h` into the first HEADER_BYTES of `msg`. */
export function writeHeader(msg: Uint8Array, h: RingHeader): void {
  const v = new DataView(msg.buffer, msg.byteOffset, HEADER_BYTES)
  v.setUint8(0, h.kind)
  v.setUint8(1, h.wire)
  v.setUint16(2, h.step, true)
  v.setUint32(4, h.attempt, true)
  v.setUint32(8, h.op, true)
  v.setUint32(12, h.seg, true)
  v.setUint32(16, h.chunk, true)
  v.setUint32(20, h.total, true)
}

/** Reads the header of a message, or undefined when it is too short to have one. */
export function readHeader(msg: Uint8Array): RingHeader | undefined {
  if (msg.byteLength < HEADER_BYTES) return undefined
  const v = new DataView(msg.buffer, msg.byteOffset, HEADER_BYTES)
  return {
    kind: v.getUint8(0) as RingKind,
    wire: v.getUint8(1),
    step: v.getUint16(2, true),
    attempt: v.getUint32(4, true),
    op: v.getUint32(8, true),
    seg: v.getUint32(12, true),
    chunk: v.getUint32(16, true),
    total: v.getUint32(20, true),
  }
}
