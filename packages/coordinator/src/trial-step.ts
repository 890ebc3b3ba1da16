// The vocabulary of the trial state machine (trial-machine.ts): what can happen to a trial,
// what the machine decides (the changes to keep, in order, and what to tell nodes), and the
// steps that several events share. Pure: no I/O, no clock but the one passed in.
import {
  ErrorCode,
  KilnError,
  RunState,
  type CheckpointRef,
  type RankPlacement,
  type TrialRecord,
  type TrialReportMessage,
  type TrialStatusUpdate,
} from '@kiln/protocol'
import { nextAttemptAt, type RetryPolicy } from './retry.js'

/** A slot a rank is placed on. */
export interface SlotRef {
  nodeId: string
  slotId: string
}

/** What can happen to a trial. */
export type TrialEvent =
  /** The placement loop chose slots for a pending trial (one per rank). */
  | { kind: 'place'; slots: SlotRef[] }
  /** A node did not accept an assignment of `attempt` (refused, or never answered). */
  | { kind: 'refused'; attempt: number; nodeId: string; rank?: number; error: string }
  /** A node says how the trial it runs is doing. */
  | { kind: 'status'; update: TrialStatusUpdate }
  /** An epoch's metrics from the node that runs it. */
  | { kind: 'report'; report: TrialReportMessage }
  /** The node (or a rank's node) is gone. */
  | { kind: 'lost'; why: string }
  /** A user (or the end of a sweep) cancels it. */
  | { kind: 'cancel'; reason: string }

/** What the machine asks of the world besides keeping the changes. */
export type TrialEffect =
  /** Tell a node to run one rank of the trial as placed (attempt, slot, rank of a gang). */
  | {
      kind: 'assign'
      nodeId: string
      slotId: string
      attempt: number
      rank?: number
      worldSize?: number
      /** The previous rank's node (data-parallel trials). */
      prevNodeId?: string
    }
  /** Tell these nodes to stop the trial's attempt; nothing waits for them. */
  | { kind: 'stop'; nodeIds: string[]; attempt: number; reason: string }
  /** Look at the trial again at `at` (a retry's backoff ends). */
  | { kind: 'wakeAt'; at: number }
  | { kind: 'log'; level: 'info' | 'warn'; message: string; data: Record<string, unknown> }

/**
 * How a change is kept: `write` to the store (the default), `stage` in memory until the
 * trial's next write (a state a new leader may forget), `patch` in memory only (metrics;
 * their history is in KILN_METRICS).
 */
export type Keep = 'write' | 'stage' | 'patch'

/** One change to the trial record. */
export interface TrialChange {
  changes: Partial<TrialRecord>
  keep?: Keep
}

/** The machine's answer to an event. */
export interface TrialStep {
  /** Applied in order, each to the result of the one before. */
  changes: TrialChange[]
  effects: TrialEffect[]
}

/** What the machine may know besides the trial: the time and the retry policy. */
export interface StepContext {
  now: number
  retry: RetryPolicy
}

/** Nothing changes. */
export const NOTHING: TrialStep = { changes: [], effects: [] }

/** Every rank's placement of a trial; a one-rank trial's node counts as rank 0. */
export function placementsOf(t: TrialRecord): RankPlacement[] {
  if (t.ranks?.length) return t.ranks
  return t.node ? [{ rank: 0, nodeId: t.node.nodeId, slotId: t.node.slotId }] : []
}

/** Whether the trial is placed as a gang of several ranks. */
export function isGang(t: TrialRecord): boolean {
  return (t.ranks?.length ?? 0) > 1
}

/** The key of one rank of one trial (heartbeat bookkeeping). */
export function rankKey(trialId: string, rank = 0): string {
  return `${trialId}#${rank}`
}

/** Tell every node of the trial (as placed now) to stop it. */
export function stopAll(t: TrialRecord, reason: string): TrialEffect {
  const nodeIds = [...new Set(placementsOf(t).map((r) => r.nodeId))]
  return { kind: 'stop', nodeIds, attempt: t.attempts, reason: reason.slice(0, 512) }
}

/** The refusal a node gets for a status or report of a placement that is no longer the trial's. */
export function notCurrent(
  t: TrialRecord,
  u: Pick<TrialStatusUpdate, 'trialId' | 'attempt' | 'nodeId'>,
  rank?: number,
): KilnError {
  const which = rank === undefined ? '' : ` rank ${rank}`
  return new KilnError(
    ErrorCode.conflict,
    `trial ${u.trialId} attempt ${u.attempt}${which} on ${u.nodeId} is not the current placement; stop it`,
    { data: { trialId: u.trialId, state: t.state } },
  )
}

/** The refusal for a status of a trial that already ended. */
export function ended(t: TrialRecord): KilnError {
  return new KilnError(ErrorCode.conflict, `trial ${t.id} is ${t.state}; stop it`, {
    data: { trialId: t.id, state: t.state },
  })
}

/** A trial whose node is gone: lost, then retried from its checkpoint after a backoff, or failed. */
export function lostStep(t: TrialRecord, why: string, ctx: StepContext): TrialStep {
  // Its node is told to stop the attempt too: a node that only looked dead (beats that came
  // late on a loaded machine) must not train on beside the retry. The rest of a gang is
  // stopped as well: it restarts as a whole, from the checkpoint.
  const effects: TrialEffect[] = [stopAll(t, why)]
  const attempts = t.attempts
  const at = nextAttemptAt(ctx.retry, attempts, ctx.now)
  effects.push({
    kind: 'log',
    level: 'warn',
    message: 'trial lost',
    data: { trialId: t.id, why, retry: at !== undefined },
  })
  const lost: TrialChange = { changes: { state: RunState.lost, reason: why } }
  if (at === undefined) {
    const error = new KilnError(ErrorCode.unavailable, `${why}; gave up after ${attempts} attempts`)
    return { changes: [lost, { changes: { state: RunState.failed, error } }], effects }
  }
  effects.push({ kind: 'wakeAt', at })
  const retry = { state: RunState.pending, node: undefined, ranks: undefined, notBefore: at }
  return { changes: [lost, { changes: retry }], effects }
}

/** The fields a node's final word keeps on the record. */
export function outcomeOf(u: TrialStatusUpdate): Partial<TrialRecord> {
  return {
    ...(u.checkpoint ? { checkpoint: u.checkpoint as CheckpointRef } : {}),
    ...(u.metrics ? { metrics: u.metrics } : {}),
    ...(u.model ? { model: u.model } : {}),
    ...(u.artifact ? { artifact: u.artifact } : {}),
    ...(u.evaluation ? { evaluation: u.evaluation } : {}),
  }
}
