// Reconciles what nodes say they run (heartbeats) with the trial records: a trial a node
// runs that is not (or no longer) its own is cancelled there; a rank of ours that a node
// keeps omitting from its beats counts as lost.
import { RunState, type Heartbeat } from '@kiln/protocol'
import { isGang, placementsOf, rankKey } from './gang.js'
import type { Leader } from './leader.js'

// Heartbeats in a row that may omit a running trial before it counts as lost on its node.
const MISSING_BEATS = 3

export class HeartbeatReconciler {
  private readonly missing = new Map<string, number>()

  constructor(private readonly leader: Leader) {}

  // Reconciles what a node says it runs with the records: a trial it runs that is not
  // (or no longer) its own is cancelled there; a trial of ours it keeps omitting is lost.
  onHeartbeat(beat: Heartbeat): void {
    // One entry per trial and rank: two ranks of one data-parallel trial may share a node.
    const listed = new Map(beat.trials.map((t) => [rankKey(t.trialId, t.rank), t]))
    // A node beats at once when a trial ends: its slot is free for the next one now.
    if (beat.busySlots.length < (this.leader.nodes.get(beat.nodeId)?.registration.slots.length ?? 0)) this.leader.kick()
    for (const info of listed.values()) {
      const t = this.leader.trials.get(info.trialId)
      const ours =
        t &&
        placementsOf(t).some((r) => r.nodeId === beat.nodeId && r.rank === (info.rank ?? 0)) &&
        (t.state === RunState.running || t.state === RunState.placed) &&
        (info.attempt === undefined || info.attempt === t.attempts)
      if (!ours) {
        void this.leader
          .command(beat.nodeId, {
            v: 1,
            kind: 'cancel',
            trialId: info.trialId,
            ...(info.attempt ? { attempt: info.attempt } : {}),
            reason: 'not assigned to this node any more',
          })
          .catch((err) => this.leader.bad(`cancel on ${beat.nodeId}`, err))
      }
    }
    for (const t of this.leader.trials.values()) {
      if (t.state !== RunState.running) continue
      for (const r of placementsOf(t)) {
        if (r.nodeId !== beat.nodeId || r.state === 'done') continue
        const key = rankKey(t.id, r.rank)
        if (listed.has(key)) {
          this.missing.delete(key)
          continue
        }
        const n = (this.missing.get(key) ?? 0) + 1
        this.missing.set(key, n)
        if (n < MISSING_BEATS) continue
        this.missing.delete(key)
        void this.leader.mutex
          .run(async () => {
            const now = this.leader.trials.get(t.id)
            const still =
              now && placementsOf(now).some((p) => p.rank === r.rank && p.nodeId === beat.nodeId && p.state !== 'done')
            if (now?.state === RunState.running && still)
              await this.leader.lose(now, `node ${beat.nodeId} no longer runs ${isGang(now) ? `rank ${r.rank}` : 'it'}`)
          })
          .catch(() => undefined)
      }
    }
  }
}
