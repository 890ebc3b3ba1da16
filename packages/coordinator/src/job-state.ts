// A job's state follows from its trials' states; the job is never moved out of a terminal
// state by this (a cancelled job stays cancelled whatever its trials report afterwards).
import { RunState, isTerminal, type JobRecord, type TrialRecord } from '@kiln/protocol'

/** The state a job should be in given its trials, or undefined to leave it as it is. */
export function derivedJobState(job: JobRecord, trials: readonly TrialRecord[]): RunState | undefined {
  if (isTerminal(job.state) || trials.length === 0) return undefined
  const states = trials.map((t) => t.state)
  const some = (s: RunState) => states.includes(s)
  const active = states.filter((s) => !isTerminal(s)).length
  let next: RunState
  if (active === 0) {
    if (states.every((s) => s === RunState.succeeded)) next = RunState.succeeded
    else if (some(RunState.failed)) next = RunState.failed
    else if (some(RunState.succeeded)) next = RunState.succeeded
    else next = RunState.cancelled
  } else if (some(RunState.running)) next = RunState.running
  // A job waits until a trial runs: "placed" is a trial's passing state, and each job write
  // costs an fsync.
  else next = job.state === RunState.placed ? RunState.placed : RunState.pending
  return next === job.state ? undefined : next
}

/**
 * What to write to a job given its trials (its state, attempts, metrics, error), or
 * undefined when its state stays. A sweep between trials is not over (`sweepActive`): only
 * its end (sweeps.ts) ends its job.
 */
export function jobChanges(
  job: JobRecord,
  trials: readonly TrialRecord[],
  mode: 'min' | 'max',
  sweepActive: boolean,
): Partial<JobRecord> | undefined {
  let state = derivedJobState(job, trials)
  if (state && isTerminal(state) && sweepActive) state = undefined
  // Every write is an fsync on the server (sync_interval: always), the cluster's real cost
  // per trial: a job is rewritten only when its state changes, its attempts ride along.
  if (state === undefined) return undefined
  const attempts = trials.reduce((n, t) => n + t.attempts, 0)
  const metrics = isTerminal(state) ? jobMetrics(trials, mode) : undefined
  const failed = trials.find((t) => t.state === RunState.failed && t.error)
  return {
    state,
    attempts,
    ...(metrics ? { metrics } : {}),
    ...(state === RunState.failed && failed?.error ? { error: failed.error } : {}),
  }
}

/** Job metrics: those of its only trial, or of its best trial by the objective when several succeeded. */
export function jobMetrics(
  trials: readonly TrialRecord[],
  mode: 'min' | 'max' = 'max',
): Record<string, number> | undefined {
  const done = trials.filter((t) => t.state === RunState.succeeded && t.metrics)
  if (done.length === 0) return undefined
  const score = (t: TrialRecord) => t.metrics?.objective ?? (mode === 'max' ? -Infinity : Infinity)
  const best = done.reduce((a, b) => ((mode === 'max' ? score(b) > score(a) : score(b) < score(a)) ? b : a))
  return best.metrics
}
