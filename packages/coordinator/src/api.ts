// The coordinator's request/reply API (kiln.api.*) and the node-facing subjects (trial
// status and reports). Every request is validated before anything is written, and a job is
// persisted before submit answers.
import { z } from 'zod'
import {
  CancelRequestSchema,
  JobSubmitRequestSchema,
  ListRequestSchema,
  PipelinesReplySchema,
  PipelinesRequestSchema,
  NotFoundError,
  ShowRequestSchema,
  Subjects,
  TrialReportSchema,
  TrialStatusUpdateSchema,
  TrialStatusReplySchema,
  TrialDecisionSchema,
  SweepSubmitRequestSchema,
  PROTOCOL_VERSION,
  type JobRecord,
  type SweepRecord,
  type TrialRecord,
} from '@kiln/protocol'
import type { Leader } from './leader.js'
import { jobDeps, submitJob } from './job-submit.js'
import { serveModelsApi } from './models-api.js'
import { resolveId, type IdSpace } from './resolve-id.js'
import { serveTransformApi } from './transform-submit.js'
import { serve } from '@kiln/cluster-state'

const QUEUE = 'kiln-coordinator'
const StatusRequestSchema = z
  .object({ v: z.literal(PROTOCOL_VERSION) })
  .passthrough()
  .describe('status')

/** Subscribes the API of a leader; the subscriptions end with the leader. */
export function serveApi(leader: Leader): void {
  const { nc, log } = leader.o
  const onError = (err: unknown) =>
    log('error', 'request handler failed', { error: String((err as Error)?.stack ?? err).slice(0, 2000) })
  const opts = { queue: QUEUE, onError }
  const locked = <T>(fn: () => Promise<T>) => leader.mutex.run(fn)

  leader.own(
    serve(
      nc,
      Subjects.api.submit,
      JobSubmitRequestSchema,
      (req) => locked(() => submitJob(jobDeps(leader), req)),
      opts,
    ),
  )
  leader.own(
    serve(nc, Subjects.api.sweep, SweepSubmitRequestSchema, (req) => locked(() => leader.sweeps.submit(req)), opts),
  )
  leader.own(
    serve(
      nc,
      Subjects.api.cancel,
      CancelRequestSchema,
      (req) => locked(() => leader.cancel(resolveId(req.id, idSpaces(leader)), req.reason)),
      opts,
    ),
  )
  leader.own(serve(nc, Subjects.api.list, ListRequestSchema, async (req) => list(leader, req), opts))
  leader.own(
    serve(
      nc,
      Subjects.api.show,
      ShowRequestSchema,
      async (req) => show(leader, resolveId(req.id, idSpaces(leader))),
      opts,
    ),
  )
  serveModelsApi(leader, opts)
  serveTransformApi(leader, opts)
  // Pipelines keep their own order (a run's mutex); their steps take the leader's for writes.
  leader.own(
    serve(nc, Subjects.api.pipelines, PipelinesRequestSchema, (req) => leader.pipelines.handle(req), {
      ...opts,
      reply: PipelinesReplySchema,
    }),
  )
  leader.own(
    serve(
      nc,
      Subjects.api.status,
      StatusRequestSchema,
      async () => ({
        leader: leader.o.coordinatorId,
        leaderSince: leader.since,
        nodes: { live: leader.nodes.live().length, known: leader.nodes.all().length },
        jobs: leader.store.jobs.values().length,
        trials: countBy(leader.store.trials.values().map((t) => t.state)),
      }),
      opts,
    ),
  )
  // A node may speak for a trial only on that trial's own subject, under its own node id
  // (issue 13: subject and body ids agree; only node N may publish on kiln.trial.*.status.N),
  // so the node a status names is the node that sent it, and the placement checks hold.
  leader.own(
    serve(nc, Subjects.trial.allStatus, TrialStatusUpdateSchema, (u) => locked(() => leader.applyStatus(u)), {
      ...opts,
      reply: TrialStatusReplySchema,
      subjectOf: (u) => Subjects.trial.status(u.trialId, u.nodeId),
    }),
  )
  leader.own(
    serve(nc, Subjects.trial.allReports, TrialReportSchema, (r) => locked(() => leader.applyReport(r)), {
      ...opts,
      reply: TrialDecisionSchema,
      subjectOf: (r) => Subjects.trial.report(r.trialId, r.nodeId),
    }),
  )
}

function list(leader: Leader, req: z.output<typeof ListRequestSchema>): unknown[] {
  const limit = req.limit ?? 1000
  const newest = <T extends { timestamps: { createdAt: number } }>(xs: T[]) =>
    xs.sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt).slice(0, limit)
  if (req.what === 'jobs') return newest(leader.store.jobs.values())
  if (req.what === 'sweeps')
    return leader.sweeps.records
      .values()
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit)
  if (req.what === 'trials') {
    // A job, or a sweep (its job's trials), by id or unique prefix.
    const id = req.jobId === undefined ? undefined : resolveId(req.jobId, idSpaces(leader).slice(0, 2))
    const jobId = id === undefined ? undefined : (leader.sweeps.records.get(id)?.jobId ?? id)
    // A list leaves each trial's evaluation out (show has it): a thousand of them would
    // outgrow a NATS message.
    return newest(leader.store.trials.values().filter((t) => !jobId || t.jobId === jobId)).map(
      ({ evaluation: _evaluation, ...t }) => t,
    )
  }
  const now = Date.now()
  return leader.nodes
    .all()
    .map((n) => ({
      ...n.registration,
      live: leader.nodes.isLive(n.registration.nodeId, now),
      lastBeatAgoMs: now - n.lastBeat,
      load: n.heartbeat?.load ?? 0,
      busySlots: n.heartbeat?.busySlots ?? [],
      trials: n.heartbeat?.trials ?? [],
    }))
    .slice(0, limit)
}

function show(
  leader: Leader,
  id: string,
): { job?: JobRecord; trial?: TrialRecord; trials?: TrialRecord[]; sweep?: SweepRecord } {
  const sweep = leader.sweeps.records.get(id)
  if (sweep) return { sweep, job: leader.store.jobs.get(sweep.jobId)!, trials: leader.trialsOf(sweep.jobId) }
  const job = leader.store.jobs.get(id)
  if (job) return { job, trials: leader.trialsOf(id) }
  const trial = leader.store.trials.get(id)
  if (trial) return { trial }
  throw new NotFoundError('sweep, job or trial', id)
}

// Where ids are looked up, in this order.
function idSpaces(leader: Leader): IdSpace[] {
  const space = (kind: string, records: { get(id: string): unknown; keys(): Iterable<string> }): IdSpace => ({
    kind,
    has: (id) => records.get(id) !== undefined,
    ids: () => records.keys(),
  })
  return [space('sweep', leader.sweeps.records), space('job', leader.store.jobs), space('trial', leader.store.trials)]
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const x of xs) out[x] = (out[x] ?? 0) + 1
  return out
}
