// A job submission (`kiln submit`, and a pipeline's train step): the spec checked first, then
// the job and its first trial written together; a resubmission with the same idempotency key
// gets the same job. Takes the parts of the leader it needs, so callers other than the API
// (pipelines) can submit without importing the leader.
import type { z } from 'zod'
import { EventKind, RunState, type JobRecord, type JobSubmitRequestSchema, type TrialRecord } from '@kiln/protocol'
import { KvBucket } from '@kiln/cluster-state'
import { validateSpec, type Logger, type Spec } from '@kiln/train/spec'
import { assertSameSubmission, idSuffix } from './idempotency.js'
import { pendingTrial } from './trial-change.js'
import type { TrialStore } from './trial-store.js'

/** What submitting a job needs of the leader. */
export interface JobSubmitDeps {
  store: TrialStore
  kick(): void
  log: Logger
  bad(what: string, err: unknown): void
}

/** The submit dependencies of a leader-like object. */
export function jobDeps(leader: {
  store: TrialStore
  kick(): void
  bad(what: string, err: unknown): void
  o: { log: Logger }
}): JobSubmitDeps {
  return { store: leader.store, kick: () => leader.kick(), log: leader.o.log, bad: (w, e) => leader.bad(w, e) }
}

/** A new job's record, pending, with the stored bundle and dataset and the key it was submitted with. */
export function pendingJob(
  id: string,
  spec: Spec,
  req: { bundleId?: string | undefined; datasetId?: string | undefined; idempotencyKey?: string | undefined },
  trialIds: string[],
): JobRecord {
  const now = Date.now()
  return {
    v: 1,
    id,
    name: spec.name,
    state: RunState.pending,
    attempts: 0,
    spec,
    timestamps: { createdAt: now, updatedAt: now },
    ...(req.bundleId ? { bundleId: req.bundleId } : {}),
    ...(req.datasetId ? { datasetId: req.datasetId } : {}),
    ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
    trialIds,
  }
}

/** Checks and stores a job and its first trial; the same job again for a repeated idempotency key. */
export async function submitJob(
  leader: JobSubmitDeps,
  req: z.output<typeof JobSubmitRequestSchema>,
): Promise<{ job: JobRecord; trials: TrialRecord[]; created: boolean }> {
  // Validation first: a bad spec is refused with every problem and nothing is written.
  const spec = validateSpec(req.spec, 'spec')
  const jobId = `job-${idSuffix(req.idempotencyKey)}`
  const body = { spec, bundleId: req.bundleId, datasetId: req.datasetId }
  const resubmitted = (job: JobRecord) => {
    if (req.idempotencyKey) assertSameSubmission(req.idempotencyKey, job.id, job, body)
    return { job, trials: leader.store.trialsOf(jobId), created: false }
  }
  const existing =
    leader.store.jobs.get(jobId) ?? (req.idempotencyKey ? await leader.store.jobs.refresh(jobId) : undefined)
  if (existing) return resubmitted(existing)
  const job = pendingJob(jobId, spec, req, [`${jobId}-t0`])
  // The job and its trial are written at once: one write's wait under the leader's mutex
  // instead of two in turn. A job without its trial is what a leader that died between the
  // two writes leaves, and the next leader repairs it (Leader.repairJobs); a trial whose job
  // was not written is deleted again, and announced only once both are stored.
  const trialId = job.trialIds[0]!
  const [jobWrite, trialWrite] = await Promise.allSettled([
    leader.store.timed(KvBucket.jobs, leader.store.jobs.create(jobId, job)),
    leader.store.timed(KvBucket.trials, leader.store.trials.create(trialId, pendingTrial(jobId, trialId))),
  ])
  if (jobWrite.status === 'rejected') {
    if (trialWrite.status === 'fulfilled' && trialWrite.value)
      await leader.store.trials.remove(trialId).catch((err) => leader.bad(`removal of ${trialId}`, err))
    throw jobWrite.reason
  }
  // Someone else's job of this id (an idempotent resubmission): its trial, if this call
  // wrote it, is the same pending first trial its own writer would have written.
  if (!jobWrite.value) return resubmitted((await leader.store.jobs.refresh(jobId))!)
  if (trialWrite.status === 'rejected') throw trialWrite.reason
  // A trial of this id already stored (left by an earlier, failed submission) is this job's.
  const trial = leader.store.trials.get(trialId) ?? (await leader.store.trials.refresh(trialId))!
  leader.store.event(EventKind.trial, trial)
  leader.store.specOf(leader.store.jobs.get(jobId)!)
  leader.kick()
  leader.log('info', 'job submitted', { jobId, name: spec.name })
  return { job: leader.store.jobs.get(jobId)!, trials: [trial], created: true }
}
