// Reconciles what nodes say they run (heartbeats) with the trial records: a trial a node
// runs that is not (or no longer) its own is cancelled there; a rank of ours that a node
// keeps omitting from its beats counts as lost.
import { RunState, type Heartbeat, type TrialRecord } from '@kiln/protocol'
import type { Mutex } from './mutex.js'
import { stopOn, type NodePort } from './node-port.js'
import { isGang, placementsOf, rankKey } from './trial-step.js'

// Heartbeats in a row that may omit a running trial before it counts as lost on its node.
const MISSING_BEATS = 3

export interface HeartbeatReconcilerOptions {
  trials: { get(id: string): TrialRecord | undefined; values(): TrialRecord[] }
  port: NodePort
  mutex: Mutex
  /** How many slots a node registered (a beat with fewer busy ones frees a slot). */
  slotsOf(nodeId: string): number
  /** A trial's rank is gone from its node (called under the mutex). */
  lose(trial: TrialRecord, why: string): Promise<void>
  kick(): void
  bad(what: string, err: unknown): void
}

export class HeartbeatReconciler {
  private readonly missing = new Map<string, number>()

  constructor(private readonly o: HeartbeatReconcilerOptions) {}

  /** Checks one beat against the records. */
  onHeartbeat(beat: Heartbeat): void {
    // One entry per trial and rank: two ranks of one data-parallel trial may share a node.
    const listed = new Map(beat.trials.map((t) => [rankKey(t.trialId, t.rank), t]))
    // A node beats at once when a trial ends: its slot is free for the next one now.
    if (beat.busySlots.length < this.o.slotsOf(beat.nodeId)) this.o.kick()
    for (const info of listed.values()) {
      const t = this.o.trials.get(info.trialId)
      const ours =
        t &&
        placementsOf(t).some((r) => r.nodeId === beat.nodeId && r.rank === (info.rank ?? 0)) &&
        (t.state === RunState.running || t.state === RunState.placed) &&
        (info.attempt === undefined || info.attempt === t.attempts)
      if (!ours) {
        const stop = { trialId: info.trialId, reason: 'not assigned to this node any more' }
        stopOn(this.o.port, [beat.nodeId], info.attempt ? { ...stop, attempt: info.attempt } : stop, (nodeId, err) =>
          this.o.bad(`cancel on ${nodeId}`, err),
        )
      }
    }
    for (const t of this.o.trials.values()) {
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
        void this.o.mutex
          .run(async () => {
            const now = this.o.trials.get(t.id)
            const still =
              now && placementsOf(now).some((p) => p.rank === r.rank && p.nodeId === beat.nodeId && p.state !== 'done')
            if (now?.state === RunState.running && still)
              await this.o.lose(now, `node ${beat.nodeId} no longer runs ${isGang(now) ? `rank ${r.rank}` : 'it'}`)
          })
          .catch(() => undefined)
      }
    }
  }
}
