// `kiln.api.models`: registry changes (aliases, approval, archive/delete, settings). Clients
// may read the registry buckets but not write them; the coordinator writes for them, with
// the checks in @kiln/cluster-state's registry-ops (compare-and-set, so no mutex is needed).
import { ModelsReplySchema, ModelsRequestSchema, Subjects } from '@kiln/protocol'
import { applyModelsRequest, serve } from '@kiln/cluster-state'
import type { Leader } from './leader.js'

/** Serves the registry API for as long as the leader leads. */
export function serveModelsApi(leader: Leader, opts: { queue: string; onError: (err: unknown) => void }): void {
  leader.own(
    serve(
      leader.o.nc,
      Subjects.api.models,
      ModelsRequestSchema,
      async (req) => {
        const reply = await applyModelsRequest(leader.o.layout, req)
        leader.o.log('info', 'model registry changed', { ...req, v: undefined })
        return reply
      },
      { ...opts, reply: ModelsReplySchema },
    ),
  )
}
