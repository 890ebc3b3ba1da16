// Trial records as the leader builds them: a new one, and the next version of one (what a
// write, Leader.putTrial, stores and a staged change, Leader.stageTrial, keeps in memory).
import { RunState, isTerminal, type TrialRecord } from '@kiln/protocol'

/** A trial with `changes` applied and timestamped; fields set to undefined are dropped. */
export function changed(trial: TrialRecord, changes: Partial<TrialRecord>): TrialRecord {
  const now = Date.now()
  const next: TrialRecord = {
    ...trial,
    ...changes,
    timestamps: { ...trial.timestamps, ...changes.timestamps, updatedAt: now },
  }
  if (changes.state === RunState.running && !trial.timestamps.startedAt) next.timestamps.startedAt = now
  if (changes.state && isTerminal(changes.state)) next.timestamps.endedAt = now
  for (const key of Object.keys(next) as (keyof TrialRecord)[]) if (next[key] === undefined) delete next[key]
  return next
}

/** A new trial of job `jobId`, pending. */
export function pendingTrial(
  jobId: string,
  trialId: string,
  params?: Record<string, unknown>,
  sweepId?: string,
): TrialRecord {
  const now = Date.now()
  return {
    v: 1,
    id: trialId,
    jobId,
    state: RunState.pending,
    attempts: 0,
    timestamps: { createdAt: now, updatedAt: now },
    ...(params ? { params } : {}),
    ...(sweepId ? { sweepId } : {}),
  }
}
