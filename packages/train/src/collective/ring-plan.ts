// How a buffer is cut for the ring: `parts` near-equal segments (one per rank), each in
// chunks of at most `chunkElems` elements (one message each, below the server's
// max_payload). Every rank computes the same cut from the same numbers.

export class RingPlan {
  constructor(
    readonly total: number,
    readonly parts: number,
    readonly chunkElems: number,
  ) {}

  /** First element of segment g (g may equal parts: the end). */
  segStart(g: number): number {
    return Math.floor((g * this.total) / this.parts)
  }

  /** Chunks in segment g (0 for an empty segment). */
  chunks(g: number): number {
    return Math.ceil((this.segStart(g + 1) - this.segStart(g)) / this.chunkElems)
  }

  /** [begin, end) of chunk j of segment g. */
  range(g: number, j: number): [number, number] {
    const begin = this.segStart(g) + j * this.chunkElems
    return [begin, Math.min(this.segStart(g + 1), begin + this.chunkElems)]
  }
}

/** a mod n, never negative. */
export function mod(a: number, n: number): number {
  return ((a % n) + n) % n
}
