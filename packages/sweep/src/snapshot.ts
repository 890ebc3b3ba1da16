// The engine's whole state as plain JSON (SweepEngine.snapshot / restore). The coordinator
// may store one to shorten the event log it replays; restore continues identically.
import { cloneJson, type JsonValue } from './json.js'
import { SweepReplayError } from './errors.js'
import { Rng, type RngState } from '@kiln/protocol'
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

/** The engine's live state: a snapshot's fields, with an Rng object instead of its state words. */
export type EngineCore = Pick<
  SweepSnapshot,
  'seed' | 'startedAt' | 'resumeQueue' | 'closed' | 'failures' | 'ended' | 'events'
> & {
  rng: Rng
  trials: TrialRecord[]
}

/** The state of a sweep before its start event. */
export function newCore(seed: number): EngineCore {
  return { seed, startedAt: 0, rng: new Rng(seed), trials: [], resumeQueue: [], closed: false, failures: 0, events: 0 }
}

/** The live state a (checked) snapshot describes, sharing nothing with it. */
export function coreFromSnapshot(s: SweepSnapshot): EngineCore {
  return {
    seed: s.seed,
    startedAt: s.startedAt,
    rng: Rng.fromState(s.rng),
    trials: cloneJson(s.trials),
    resumeQueue: [...s.resumeQueue],
    closed: s.closed,
    failures: s.failures,
    ...(s.ended ? { ended: { ...s.ended } } : {}),
    events: s.events,
  }
}

/** The live state as plain JSON, with the scheduler's own state. */
export function snapshotOf(spec: SearchSpec, c: EngineCore, scheduler: JsonValue): SweepSnapshot {
  return cloneJson({
    format: SNAPSHOT_FORMAT,
    spec,
    seed: c.seed,
    rng: c.rng.state(),
    startedAt: c.startedAt,
    trials: c.trials,
    resumeQueue: c.resumeQueue,
    closed: c.closed,
    failures: c.failures,
    ...(c.ended ? { ended: c.ended } : {}),
    events: c.events,
    scheduler,
  }) as SweepSnapshot
}
