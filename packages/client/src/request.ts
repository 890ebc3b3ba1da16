// The client's requests go through Kiln's one request/reply helper (@kiln/cluster-state's
// call); this names who should be answering when nothing does, and rides out a failover.
import { call as callCluster, type CallOptions } from '@kiln/cluster-state'
import { ErrorCode, type KilnError } from '@kiln/protocol'
import type { z } from 'zod'

/** Said when no coordinator answers. */
export const NO_COORDINATOR = 'is a coordinator running (kiln up, or kiln coordinator)?'

/**
 * How long a request that nothing answers keeps trying. While a coordinator's host (or the
 * NATS server it was on) is gone, no one serves the API until a standby takes the leader
 * lease: the lease's TTL (10 s), after the processes noticed their server is gone (up to
 * 3 unanswered pings, 15 s: connect.ts), with room for a loaded machine. "No responders"
 * means no one received the request, so sending it again is always safe; a request that
 * timed out is never repeated here.
 */
export const FAILOVER_MS = 30_000

const onlyNoResponders = (err: KilnError) => err.code !== ErrorCode.unavailable

/** A request to the coordinator's API: `body` checked against `request`, the reply's data against `reply`. */
export function call<Q extends z.ZodTypeAny, R extends z.ZodTypeAny>(
  nc: Parameters<typeof callCluster>[0],
  subject: string,
  request: Q,
  body: z.input<Q>,
  reply: R,
  options: CallOptions = {},
): Promise<z.output<R>> {
  return callCluster(nc, subject, request, body, reply, {
    noResponders: NO_COORDINATOR,
    retryForMs: FAILOVER_MS,
    final: onlyNoResponders,
    ...options,
  })
}
