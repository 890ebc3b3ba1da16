// What the ranks of a data-parallel trial do together. The ring implementation talks over
// NATS (ring-communicator.ts); a trial with one rank gets soloCollective, which does
// nothing, so trial code never branches on the world size.
import { WireType } from '@kiln/native'

/** How gradients travel: full float32, or compressed to 16 bits (half the bytes). */
export const Compression = { none: 'none', fp16: 'fp16', bf16: 'bf16' } as const
export type Compression = (typeof Compression)[keyof typeof Compression]

/** The wire type a compression setting sends. */
export function wireTypeOf(c: Compression): WireType {
  return c === Compression.fp16 ? WireType.float16 : c === Compression.bf16 ? WireType.bfloat16 : WireType.float32
}

export interface AllReduceOptions {
  /** Divide the sum by the world size (default true). */
  average?: boolean
  /** Wire type of the traffic (default float32). */
  wire?: WireType
}

/**
 * Collective operations over the ranks of one trial. Every rank must call the same
 * operations in the same order with the same sizes; each returns when this rank's part
 * is done, and rejects when a peer is gone or stalls (CollectiveError).
 */
export interface Collective {
  readonly rank: number
  readonly worldSize: number
  /** In place: buf becomes the element-wise sum (or average) over all ranks. */
  allReduce(buf: Float32Array, options?: AllReduceOptions): Promise<void>
  /** In place: buf becomes root's buf on every rank. */
  broadcast(buf: Float32Array, root?: number): Promise<void>
  /** Returns once every rank has called it. */
  barrier(): Promise<void>
  close(): void
}

/** The collective of a one-rank trial: every operation is the identity. */
export const soloCollective: Collective = {
  rank: 0,
  worldSize: 1,
  allReduce: async () => undefined,
  broadcast: async () => undefined,
  barrier: async () => undefined,
  close: () => undefined,
}
