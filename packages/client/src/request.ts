// The client's requests go through Kiln's one request/reply helper (@kiln/cluster-state's
// call); this only names who should be answering when nothing does.
import { call as callCluster, type CallOptions } from '@kiln/cluster-state'
import type { z } from 'zod'

/** Said when no coordinator answers. */
export const NO_COORDINATOR = 'is a coordinator running (kiln up, or kiln coordinator)?'

/** A request to the coordinator's API: `body` checked against `request`, the reply's data against `reply`. */
export function call<Q extends z.ZodTypeAny, R extends z.ZodTypeAny>(
  nc: Parameters<typeof callCluster>[0],
  subject: string,
  request: Q,
  body: z.input<Q>,
  reply: R,
  options: CallOptions = {},
): Promise<z.output<R>> {
  return callCluster(nc, subject, request, body, reply, { noResponders: NO_COORDINATOR, ...options })
}
