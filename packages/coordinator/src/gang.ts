// Data-parallel trials (resources.replicas > 1) run as gangs: all ranks are placed at once
// (placement.ts reserves slots so gangs neither starve nor deadlock), the trial runs once
// every rank said it runs, and the first rank that fails or is lost stops the whole gang,
// which is placed again from the last checkpoint (rank 0 writes them) within the retry
// limit, on whatever slots are free then (an elastic restart, as torchrun does).
import {
  ErrorCode,
  KilnError,
  RunState,
  isTerminal,
  type RankPlacement,
  type TrialAssignment,
  type TrialRecord,
  type TrialStatusUpdate,
} from '@kiln/protocol'
import type { Leader } from './leader.js'
import type { SlotRef } from './placement.js'

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

/** Tells every node that runs a rank of `t` (as placed now) to stop it; nothing waits. */
export function stopRanks(leader: Leader, t: TrialRecord, reason: string): void {
  for (const nodeId of new Set(placementsOf(t).map((r) => r.nodeId))) {
    void leader
      .command(nodeId, { v: 1, kind: 'cancel', trialId: t.id, attempt: t.attempts, reason: reason.slice(0, 512) })
      .catch((err) => leader.bad(`cancel on ${nodeId}`, err))
  }
}

/** Places every rank of `trial` on `slots` (rank k on slots[k]) in one write, then assigns each. */
export async function placeGang(
  leader: Leader,
  trial: TrialRecord,
  slots: SlotRef[],
  assignment: (placed: TrialRecord, slotId: string, attempt: number) => TrialAssignment,
): Promise<void> {
  const attempt = trial.attempts + 1
  const ranks: RankPlacement[] = slots.map((s, rank) => ({ rank, nodeId: s.nodeId, slotId: s.slotId, state: 'placed' }))
  const placed = await leader.putTrial(trial, {
    state: RunState.placed,
    node: slots[0],
    ranks,
    attempts: attempt,
    reason: undefined,
    notBefore: undefined,
  })
  for (const r of ranks) {
    const a: TrialAssignment = { ...assignment(placed, r.slotId, attempt), rank: r.rank, worldSize: ranks.length }
    // Outside the mutex, as for one rank: a slow node must not hold up everything else.
    void leader.command(r.nodeId, { v: 1, kind: 'assign', assignment: a }).catch((err) =>
      leader.mutex.run(async () => {
        const now = leader.trials.get(trial.id)
        if (now?.state !== RunState.placed || now.attempts !== attempt) return
        const why = `node ${r.nodeId} did not accept rank ${r.rank}: ${String((err as Error).message).slice(0, 200)}`
        leader.o.log('warn', 'gang not placed', { trialId: trial.id, why })
        stopRanks(leader, now, why)
        await leader.putTrial(now, { state: RunState.pending, node: undefined, ranks: undefined, reason: why })
      }),
    )
  }
}

/** Applies one rank's status to a gang trial (the gang counterpart of Leader.applyStatus). */
export async function applyGangStatus(
  leader: Leader,
  t: TrialRecord,
  u: TrialStatusUpdate,
): Promise<{ state: RunState }> {
  const rank = u.rank ?? 0
  const mine = t.ranks!.find((r) => r.rank === rank)
  if (!mine || mine.nodeId !== u.nodeId || t.attempts !== u.attempt) {
    throw new KilnError(
      ErrorCode.conflict,
      `trial ${u.trialId} attempt ${u.attempt} rank ${rank} on ${u.nodeId} is not the current placement; stop it`,
      { data: { trialId: u.trialId, state: t.state } },
    )
  }
  if (isTerminal(t.state)) {
    // Rank 0 ended the trial (or a user did): what the other ranks say no longer matters.
    if (rank !== 0 || t.state === RunState.cancelled || (u.state === 'succeeded' && t.state === RunState.succeeded))
      return { state: t.state }
    throw new KilnError(ErrorCode.conflict, `trial ${u.trialId} is ${t.state}; stop it`, {
      data: { trialId: u.trialId, state: t.state },
    })
  }
  const withRank = (state: RankPlacement['state']) => t.ranks!.map((r) => (r.rank === rank ? { ...r, state } : r))
  switch (u.state) {
    case 'running': {
      const ranks = withRank('running')
      const all = ranks.every((r) => r.state === 'running' || r.state === 'done')
      return {
        state: (
          await leader.putTrial(t, {
            ranks,
            ...(all && t.state === RunState.placed ? { state: RunState.running } : {}),
          })
        ).state,
      }
    }
    case 'checkpointed':
      return rank === 0 && u.checkpoint
        ? { state: (await leader.putTrial(t, { checkpoint: u.checkpoint })).state }
        : { state: t.state }
    case 'succeeded':
      if (rank !== 0) return { state: (await leader.putTrial(t, { ranks: withRank('done') })).state }
      return {
        state: (
          await leader.putTrial(t, {
            state: RunState.succeeded,
            ...(u.checkpoint ? { checkpoint: u.checkpoint } : {}),
            ...(u.metrics ? { metrics: u.metrics } : {}),
            ...(u.model ? { model: u.model } : {}),
            ...(u.artifact ? { artifact: u.artifact } : {}),
            ...(u.evaluation ? { evaluation: u.evaluation } : {}),
          })
        ).state,
      }
    case 'handed_back': {
      const why = `rank ${rank} handed back by ${u.nodeId} (draining)`
      stopRanks(leader, t, why)
      const checkpoint = rank === 0 && u.checkpoint ? { checkpoint: u.checkpoint } : {}
      return {
        state: (
          await leader.putTrial(t, {
            state: RunState.pending,
            node: undefined,
            ranks: undefined,
            ...checkpoint,
            reason: why,
          })
        ).state,
      }
    }
    case 'failed':
    case 'cancelled': {
      const detail = u.error ? `: ${u.error.message}` : ''
      await leader.lose(
        t,
        `rank ${rank} on ${u.nodeId} ${u.state === 'failed' ? 'failed' : 'stopped'}${detail}`.slice(0, 400),
      )
      return { state: leader.trials.get(t.id)!.state }
    }
  }
}
