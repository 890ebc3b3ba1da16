// The trial state machine: (trial, event) → the changes to keep and what to tell nodes.
// Pure, so every rule is tested without NATS (test/coordinator/trial-machine.test.ts), and
// every state change it decides is checked against protocol/src/run-state.ts: a late or
// duplicated word from a node can never move a trial somewhere it cannot come from.
import { RunState, assertTransition, isTerminal, type TrialRecord, type TrialStatusUpdate } from '@kiln/protocol'
import { gangStatusStep } from './gang-status.js'
import {
  NOTHING,
  ended,
  isGang,
  lostStep,
  notCurrent,
  outcomeOf,
  stopAll,
  type SlotRef,
  type StepContext,
  type TrialEvent,
  type TrialStep,
} from './trial-step.js'

/** What `event` does to `trial`; throws a `conflict` KilnError for a status the trial must refuse. */
export function trialStep(trial: TrialRecord, event: TrialEvent, ctx: StepContext): TrialStep {
  const step = decide(trial, event, ctx)
  let state = trial.state
  for (const { changes } of step.changes) {
    if (changes.state === undefined || changes.state === state) continue
    assertTransition(`trial ${trial.id}`, state, changes.state)
    state = changes.state
  }
  return step
}

function decide(t: TrialRecord, event: TrialEvent, ctx: StepContext): TrialStep {
  switch (event.kind) {
    case 'place':
      return placeStep(t, event.slots)
    case 'refused': {
      if (t.state !== RunState.placed || t.attempts !== event.attempt) return NOTHING
      const rank = isGang(t) ? ` rank ${event.rank ?? 0}` : ''
      const what = isGang(t) ? `did not accept${rank}` : 'did not accept it'
      const why = `node ${event.nodeId} ${what}: ${event.error.slice(0, 200)}`
      const log = {
        kind: 'log',
        level: 'warn',
        message: 'node did not accept a trial',
        data: { trialId: t.id, why },
      } as const
      return {
        changes: [{ changes: { state: RunState.pending, node: undefined, ranks: undefined, reason: why } }],
        effects: isGang(t) ? [log, stopAll(t, why)] : [log],
      }
    }
    case 'status':
      return isGang(t) ? gangStatusStep(t, event.update, ctx) : statusStep(t, event.update)
    case 'report': {
      const r = event.report
      if (t.node?.nodeId !== r.nodeId || t.attempts !== r.attempt || isTerminal(t.state))
        return { ...NOTHING, decision: { decision: 'stop', reason: 'not the current placement' } }
      // Kept in memory and written with the trial's next state change: the full history is
      // in KILN_METRICS, and one fsync per epoch per trial is what limits dispatch rates.
      // Merged: a report of custom metrics never hides the epoch's (issue 15).
      return { changes: [{ changes: { metrics: { ...t.metrics, ...r.metrics } }, keep: 'patch' }], effects: [] }
    }
    case 'lost':
      return t.state === RunState.placed || t.state === RunState.running ? lostStep(t, event.why, ctx) : NOTHING
    case 'cancel':
      if (isTerminal(t.state)) return NOTHING
      return {
        changes: [{ changes: { state: RunState.cancelled, reason: event.reason } }],
        effects: [stopAll(t, event.reason)],
      }
  }
}

// One rank: staged, not written. The node's "running" status, which it needs answered before
// it starts the trial, writes the placement together with that state (one write instead of
// two). A leader that dies before then leaves the trial pending in the store; its successor
// refuses that status (not the current placement), so the node never starts it, and places
// it again. The "placed" state of one rank is never durable, so it has no event. A gang is
// written at once: its ranks report one by one.
function placeStep(t: TrialRecord, slots: SlotRef[]): TrialStep {
  if (t.state !== RunState.pending) return NOTHING
  const attempt = t.attempts + 1
  const placed = { state: RunState.placed, node: slots[0], attempts: attempt, reason: undefined, notBefore: undefined }
  if (slots.length === 1) {
    const [s] = slots
    return { changes: [{ changes: placed, keep: 'stage' }], effects: [{ kind: 'assign', ...s!, attempt }] }
  }
  const ranks = slots.map((s, rank) => ({ rank, nodeId: s.nodeId, slotId: s.slotId, state: 'placed' as const }))
  return {
    changes: [{ changes: { ...placed, ranks } }],
    effects: ranks.map((r) => ({
      kind: 'assign',
      nodeId: r.nodeId,
      slotId: r.slotId,
      attempt,
      rank: r.rank,
      worldSize: ranks.length,
    })),
  }
}

const write = (changes: Partial<TrialRecord>): TrialStep => ({ changes: [{ changes }], effects: [] })

// A one-rank trial's status. Stale attempts are refused (the node stops); a trial that ended
// answers a repeat of its own end, and refuses anything else.
function statusStep(t: TrialRecord, u: TrialStatusUpdate): TrialStep {
  if (t.node?.nodeId !== u.nodeId || t.attempts !== u.attempt) throw notCurrent(t, u)
  const checkpoint = u.checkpoint ? { checkpoint: u.checkpoint } : {}
  if (isTerminal(t.state)) {
    if (t.state === RunState.cancelled && u.state !== 'succeeded') return NOTHING
    if (
      (u.state === 'succeeded' && t.state === RunState.succeeded) ||
      (u.state === 'failed' && t.state === RunState.failed)
    )
      return NOTHING
    throw ended(t)
  }
  switch (u.state) {
    case 'running':
      return t.state === RunState.placed ? write({ state: RunState.running, ...checkpoint }) : NOTHING
    case 'checkpointed':
      return write(checkpoint)
    case 'succeeded':
      return write({ state: RunState.succeeded, ...outcomeOf(u) })
    case 'failed':
      return write({ state: RunState.failed, ...(u.error ? { error: u.error } : {}) })
    case 'handed_back':
      return write({
        state: RunState.pending,
        node: undefined,
        ...checkpoint,
        reason: `handed back by ${u.nodeId} (draining)`,
      })
    case 'cancelled':
      return write({ state: RunState.cancelled })
  }
}
