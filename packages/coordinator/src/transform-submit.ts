// `kiln.api.transform`: a batch transform becomes a job with one trial per shard of its
// dataset. The trials are ordinary trials (placed, retried on a lost node, cancelled with the
// job), so a worker killed mid-job costs only the shard it was scoring.
import { Subjects, TransformSubmitRequestSchema } from '@kiln/protocol'
import { serve } from '@kiln/cluster-state'
import { jobDeps } from './job-submit.js'
import type { Leader } from './leader.js'
import { submitTransform } from './transform-job.js'

/** Serves kiln.api.transform for a leader (one of the coordinators answers: a queue group). */
export function serveTransformApi(leader: Leader, opts: { queue: string; onError: (err: unknown) => void }): void {
  leader.own(
    serve(
      leader.o.nc,
      Subjects.api.transform,
      TransformSubmitRequestSchema,
      (req) => leader.mutex.run(() => submitTransform({ ...jobDeps(leader), layout: leader.o.layout }, req)),
      opts,
    ),
  )
}
