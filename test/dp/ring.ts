// Opens N ring ranks of one trial in this process, each on its own NATS connection, as
// N trial threads would.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { RingCommunicator, type RingOptions } from '@kiln/train'

export interface Ring {
  ranks: RingCommunicator[]
  close(): Promise<void>
}

/** N communicators of `trialId` (attempt 1 unless given), joined. */
export async function openRing(url: string, trialId: string, n: number, o: Partial<RingOptions> = {}): Promise<Ring> {
  const ncs: NatsConnection[] = await Promise.all(Array.from({ length: n }, () => connect({ servers: url })))
  const ranks = await Promise.all(
    ncs.map((nc, rank) =>
      RingCommunicator.open({ nc, trialId, attempt: 1, rank, worldSize: n, nodeId: 'node-1', ...o }),
    ),
  )
  return {
    ranks,
    close: async () => {
      for (const r of ranks) r.close()
      await Promise.all(ncs.map((nc) => nc.close()))
    },
  }
}
