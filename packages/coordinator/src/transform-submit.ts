// `kiln.api.transform`: a batch transform becomes a job with one trial per shard of its
// dataset. The trials are ordinary trials (placed, retried on a lost node, cancelled with the
// job), so a worker killed mid-job costs only the shard it was scoring.
import { createHash, randomBytes } from 'node:crypto'
import type { z } from 'zod'
import { RunState, Subjects, TransformSubmitRequestSchema, type JobRecord, type TrialRecord } from '@kiln/protocol'
import { KvBucket, getModelVersion, serve } from '@kiln/cluster-state'
import { validateTransformSpec } from '@kiln/train/spec'
import { assertSameSubmission } from './idempotency.js'
import type { Leader } from './leader.js'

/** Serves kiln.api.transform for a leader (one of the coordinators answers: a queue group). */
export function serveTransformApi(leader: Leader, opts: { queue: string; onError: (err: unknown) => void }): void {
  leader.own(
    serve(
      leader.o.nc,
      Subjects.api.transform,
      TransformSubmitRequestSchema,
      (req) => leader.mutex.run(() => submitTransform(leader, req)),
      opts,
    ),
  )
}

async function submitTransform(
  leader: Leader,
  req: z.output<typeof TransformSubmitRequestSchema>,
): Promise<{ job: JobRecord; trials: TrialRecord[]; created: boolean }> {
  // Checked before anything is written: the spec, and that its model version exists.
  const spec = validateTransformSpec(req.spec, 'spec')
  await getModelVersion(leader.o.layout, spec.model, spec.version)
  const jobId = req.idempotencyKey
    ? `job-${createHash('sha256').update(`transform:${req.idempotencyKey}`).digest('hex').slice(0, 16)}`
    : `job-${randomBytes(6).toString('hex')}`
  const body = { spec, datasetId: req.datasetId }
  const existing =
    leader.store.jobs.get(jobId) ?? (req.idempotencyKey ? await leader.store.jobs.refresh(jobId) : undefined)
  if (existing) {
    if (req.idempotencyKey) assertSameSubmission(req.idempotencyKey, existing.id, existing, body)
    return { job: existing, trials: leader.trialsOf(jobId), created: false }
  }
  const now = Date.now()
  const job: JobRecord = {
    v: 1,
    id: jobId,
    name: spec.name ?? `${spec.model}-transform`,
    state: RunState.pending,
    attempts: 0,
    spec,
    datasetId: req.datasetId,
    timestamps: { createdAt: now, updatedAt: now },
    ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
    trialIds: Array.from({ length: spec.shards }, (_, i) => `${jobId}-t${i}`),
  }
  // The job first, then its shards: a leader that dies in between leaves a job whose missing
  // trials the next leader creates (TrialStore.load), the shard being the trial's position.
  if (!(await leader.store.timed(KvBucket.jobs, leader.store.jobs.create(jobId, job)))) {
    const raced = (await leader.store.jobs.refresh(jobId))!
    return { job: raced, trials: leader.trialsOf(jobId), created: false }
  }
  leader.store.jobSpecOf(job)
  await Promise.all(job.trialIds.map((id) => leader.store.create(job, id)))
  leader.kick()
  leader.o.log('info', 'transform submitted', { jobId, model: `${spec.model}@${spec.version}`, shards: spec.shards })
  return { job: leader.store.jobs.get(jobId)!, trials: leader.trialsOf(jobId), created: true }
}
