// One state machine for jobs and trials. The coordinator is the only writer of these states;
// the table keeps a late or duplicated report (a heartbeat from a node already declared
// lost, a second "succeeded") from moving a record somewhere it cannot come from.
import { KilnError, ErrorCode } from './errors.js'

/** Where a job or trial is in its life. */
export const RunState = {
  /** Waiting for a free slot (new, or handed back for a retry). */
  pending: 'pending',
  /** Assigned to a node's slot; the node has not yet reported that it started. */
  placed: 'placed',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  /** Its node stopped heartbeating; it will be retried from its last checkpoint or fail. */
  lost: 'lost',
} as const
export type RunState = (typeof RunState)[keyof typeof RunState]

/** All states, in life order. */
export const RUN_STATES: readonly RunState[] = Object.values(RunState)

const { pending, placed, running, succeeded, failed, cancelled, lost } = RunState

// placed → pending: the node refused or never acknowledged the assignment.
// running → pending: a draining node checkpointed the trial and handed it back.
// lost → pending: rescheduled (from its last checkpoint); lost → failed: out of retries.
const NEXT: Readonly<Record<RunState, readonly RunState[]>> = {
  pending: [placed, cancelled, failed],
  placed: [running, pending, lost, cancelled, failed],
  running: [succeeded, failed, cancelled, lost, pending],
  lost: [pending, failed, cancelled],
  succeeded: [],
  failed: [],
  cancelled: [],
}

/** Whether a record in state `from` may move to `to` (a state never "moves" to itself). */
export function canTransition(from: RunState, to: RunState): boolean {
  return nextOf(from)?.includes(to) ?? false
}

// Own-property lookup: a state read off the wire might be "constructor".
function nextOf(state: string): readonly RunState[] | undefined {
  return Object.hasOwn(NEXT, state) ? NEXT[state as RunState] : undefined
}

/** States with no way out. */
export function isTerminal(state: RunState): boolean {
  return nextOf(state)?.length === 0
}

/** Throws a `conflict` KilnError unless `canTransition(from, to)`; `what` names the record. */
export function assertTransition(what: string, from: RunState, to: RunState): void {
  if (!canTransition(from, to)) {
    throw new KilnError(ErrorCode.conflict, `${what} cannot go from ${from} to ${to}`, { data: { what, from, to } })
  }
}
