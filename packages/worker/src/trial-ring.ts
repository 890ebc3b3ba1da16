// A data-parallel trial thread's place in its gang: its own NATS connection (the agent's
// cannot cross threads) and its ring communicator. When the trial is stopped, the ring keeps
// working for a grace period, so the ranks (all told to stop) finish the step they are in
// together and a drained rank 0 can still checkpoint; after that, waiting steps fail.
import type { NatsConnection } from '@nats-io/transport-node'
import { connectThread, RingCommunicator, type Collective, type Spec } from '@kiln/train'
import type { TrialTask } from './thread-messages.js'

const STOP_GRACE_MS = 5000

/** Joins the trial's ring when it has several ranks; undefined for a one-rank trial. */
export async function joinRing(
  task: TrialTask,
  spec: Spec,
  trialSignal: AbortSignal,
): Promise<{ collective: Collective; leave(): Promise<void> } | undefined> {
  const ring = task.ring
  if (!ring || ring.worldSize <= 1) return undefined
  const stop = new AbortController()
  const onAbort = () => setTimeout(() => stop.abort(), STOP_GRACE_MS).unref()
  trialSignal.addEventListener('abort', onAbort, { once: true })
  let nc: NatsConnection | undefined
  try {
    nc = await connectThread(ring.connection, `kiln-trial-${task.trialId}-rank-${ring.rank}`)
    const collective = await RingCommunicator.open({
      nc,
      trialId: task.trialId,
      attempt: ring.attempt,
      rank: ring.rank,
      worldSize: ring.worldSize,
      nodeId: ring.nodeId,
      prevNodeId: ring.prevNodeId,
      signal: stop.signal,
      ...(spec.resources.stepTimeout !== undefined ? { stepTimeoutMs: spec.resources.stepTimeout * 1000 } : {}),
    })
    const conn = nc
    return {
      collective,
      leave: async () => {
        trialSignal.removeEventListener('abort', onAbort)
        collective.close()
        await conn.close().catch(() => undefined)
      },
    }
  } catch (err) {
    trialSignal.removeEventListener('abort', onAbort)
    await nc?.close().catch(() => undefined)
    throw err
  }
}
