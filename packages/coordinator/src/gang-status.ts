// Data-parallel trials (resources.replicas > 1) run as gangs: all ranks are placed at once
// (placement.ts reserves slots so gangs neither starve nor deadlock), the trial runs once
// every rank said it runs, and the first rank that fails or is lost stops the whole gang,
// which is placed again from the last checkpoint (rank 0 writes them) within the retry
// limit, on whatever slots are free then (an elastic restart, as torchrun does). This is the
// gang half of the trial state machine: one rank's status.
import { RunState, isTerminal, type RankPlacement, type TrialRecord, type TrialStatusUpdate } from '@kiln/protocol'
import {
  NOTHING,
  ended,
  lostStep,
  notCurrent,
  outcomeOf,
  stopAll,
  type StepContext,
  type TrialStep,
} from './trial-step.js'

const write = (changes: Partial<TrialRecord>): TrialStep => ({ changes: [{ changes }], effects: [] })

/** One rank's status of a gang trial. */
export function gangStatusStep(t: TrialRecord, u: TrialStatusUpdate, ctx: StepContext): TrialStep {
  const rank = u.rank ?? 0
  const mine = t.ranks!.find((r) => r.rank === rank)
  if (!mine || mine.nodeId !== u.nodeId || t.attempts !== u.attempt) throw notCurrent(t, u, rank)
  if (isTerminal(t.state)) {
    // Rank 0 ended the trial (or a user did): what the other ranks say no longer matters.
    if (rank !== 0 || t.state === RunState.cancelled || (u.state === 'succeeded' && t.state === RunState.succeeded))
      return NOTHING
    throw ended(t)
  }
  const withRank = (state: RankPlacement['state']) => t.ranks!.map((r) => (r.rank === rank ? { ...r, state } : r))
  switch (u.state) {
    case 'running': {
      const ranks = withRank('running')
      const all = ranks.every((r) => r.state === 'running' || r.state === 'done')
      return write({ ranks, ...(all && t.state === RunState.placed ? { state: RunState.running } : {}) })
    }
    case 'checkpointed':
      return rank === 0 && u.checkpoint ? write({ checkpoint: u.checkpoint }) : NOTHING
    case 'succeeded':
      if (rank !== 0) return write({ ranks: withRank('done') })
      return write({ state: RunState.succeeded, ...outcomeOf(u) })
    case 'handed_back': {
      const why = `rank ${rank} handed back by ${u.nodeId} (draining)`
      const checkpoint = rank === 0 && u.checkpoint ? { checkpoint: u.checkpoint } : {}
      return {
        changes: [
          { changes: { state: RunState.pending, node: undefined, ranks: undefined, ...checkpoint, reason: why } },
        ],
        effects: [stopAll(t, why)],
      }
    }
    case 'failed':
    case 'cancelled': {
      const detail = u.error ? `: ${u.error.message}` : ''
      const what = u.state === 'failed' ? 'failed' : 'stopped'
      return lostStep(t, `rank ${rank} on ${u.nodeId} ${what}${detail}`.slice(0, 400), ctx)
    }
  }
}
