// The next version of a trial record: what a write (Leader.putTrial) stores and a staged
// change (Leader.stageTrial) keeps in memory are built the same way.
import { RunState, isTerminal, type TrialRecord } from '@kiln/protocol'

/** A trial with `changes` applied and timestamped; fields set to undefined are dropped. */
export function changed(trial: TrialRecord, changes: Partial<TrialRecord>): TrialRecord {
  const now = Date.now()
  const next: TrialRecord = { ...trial, ...changes, timestamps: { ...trial.timestamps, ...changes.timestamps, updatedAt: now } }
  if (changes.state === RunState.running && !trial.timestamps.startedAt) next.timestamps.startedAt = now
  if (changes.state && isTerminal(changes.state)) next.timestamps.endedAt = now
  for (const key of Object.keys(next) as (keyof TrialRecord)[]) if (next[key] === undefined) delete next[key]
  return next
}
