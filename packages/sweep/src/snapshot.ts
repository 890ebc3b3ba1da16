// The engine's whole state as plain JSON (SweepEngine.snapshot / restore). The coordinator
// may store one to shorten the event log it replays; restore continues identically.
import type { JsonValue } from './json.js'
import { SweepReplayError } from './errors.js'
import type { RngState } from '@kiln/protocol'
import type { SearchSpec } from './spec-schema.js'
import type { TrialRecord } from './trial.js'

/** The format tag every snapshot carries; a reader refuses others. */
export const SNAPSHOT_FORMAT = 'kiln-sweep/1'

export interface SweepSnapshot {
  format: typeof SNAPSHOT_FORMAT
  spec: SearchSpec
  seed: number
  rng: RngState
  startedAt: number
  trials: TrialRecord[]
  resumeQueue: string[]
  closed: boolean
  failures: number
  ended?: { reason: string; at: number }
  /** Events applied so far: a log replayed on top must start after this many. */
  events: number
  scheduler: JsonValue
}

/** Checks the envelope of a snapshot (not every field: it is our own output, read back). */
export function checkSnapshot(value: unknown): SweepSnapshot {
  const s = value as Partial<SweepSnapshot> | null
  if (s === null || typeof s !== 'object' || s.format !== SNAPSHOT_FORMAT) {
    throw new SweepReplayError(`not a sweep snapshot (expected format ${SNAPSHOT_FORMAT})`)
  }
  const rngOk = Array.isArray(s.rng) && s.rng.length === 4 && s.rng.every((w) => Number.isInteger(w))
  if (
    !rngOk ||
    !Array.isArray(s.trials) ||
    !Array.isArray(s.resumeQueue) ||
    typeof s.spec !== 'object' ||
    typeof s.seed !== 'number'
  ) {
    throw new SweepReplayError('snapshot is missing its rng, trials, resume queue, spec or seed')
  }
  return structuredClone(s as SweepSnapshot)
}
