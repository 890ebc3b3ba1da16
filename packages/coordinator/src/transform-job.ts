// A batch transform's job (`kiln transform`, and a pipeline's score step): one trial per
// shard of its dataset, the spec and its model version checked before anything is written; a
// resubmission with the same idempotency key gets the same job. Takes the parts of the leader
// it needs (as job-submit.ts does), so pipelines submit without importing the leader.
import { createHash, randomBytes } from 'node:crypto'
import type { z } from 'zod'
import { RunState, type JobRecord, type TransformSubmitRequestSchema, type TrialRecord } from '@kiln/protocol'
import { KvBucket, getModelVersion, type Layout } from '@kiln/cluster-state'
import { validateTransformSpec } from '@kiln/train/spec'
import { assertSameSubmission } from './idempotency.js'
import type { JobSubmitDeps } from './job-submit.js'

/** What submitting a transform needs of the leader. */
export type TransformSubmitDeps = JobSubmitDeps & { layout: Layout }

/** Submits a transform (the job and its shard trials); the caller holds the leader's mutex. */
export async function submitTransform(
  leader: TransformSubmitDeps,
  req: z.output<typeof TransformSubmitRequestSchema>,
): Promise<{ job: JobRecord; trials: TrialRecord[]; created: boolean }> {
  // Checked before anything is written: the spec, and that its model version exists.
  const spec = validateTransformSpec(req.spec, 'spec')
  await getModelVersion(leader.layout, spec.model, spec.version)
  const jobId = req.idempotencyKey
    ? `job-${createHash('sha256').update(`transform:${req.idempotencyKey}`).digest('hex').slice(0, 16)}`
    : `job-${randomBytes(6).toString('hex')}`
  const body = { spec, datasetId: req.datasetId }
  const existing =
    leader.store.jobs.get(jobId) ?? (req.idempotencyKey ? await leader.store.jobs.refresh(jobId) : undefined)
  if (existing) {
    if (req.idempotencyKey) assertSameSubmission(req.idempotencyKey, existing.id, existing, body)
    return { job: existing, trials: leader.store.trialsOf(jobId), created: false }
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
    return { job: raced, trials: leader.store.trialsOf(jobId), created: false }
  }
  leader.store.jobSpecOf(job)
  await Promise.all(job.trialIds.map((id) => leader.store.create(job, id)))
  leader.kick()
  leader.log('info', 'transform submitted', { jobId, model: `${spec.model}@${spec.version}`, shards: spec.shards })
  return { job: leader.store.jobs.get(jobId)!, trials: leader.store.trialsOf(jobId), created: true }
}
