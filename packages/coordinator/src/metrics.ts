// The coordinator's /metrics (prom-client): the scheduling queue, trials by state, nodes,
// placements, heartbeats, JetStream KV write latency, and the process itself (CPU, memory,
// event-loop lag). Counters live as long as the process; gauges read the current leader.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { TrialRecord } from '@kiln/protocol'

/** What the gauges read from the leader while it leads. */
export interface LeaderView {
  store: { trials: { values(): TrialRecord[] } }
  nodes: { live(): unknown[]; all(): unknown[] }
}

/** The coordinator's metrics in their own registry. */
export class CoordinatorMetrics {
  readonly registry = new Registry()
  private leader: LeaderView | undefined
  /** Pending trials that may start now (placement's queue). */
  readonly queue = new Gauge({
    name: 'kiln_coordinator_queue_trials',
    help: 'Pending trials ready to be placed',
    registers: [this.registry],
  })
  readonly placements = new Counter({
    name: 'kiln_coordinator_placements_total',
    help: 'Trials (or gangs) placed on slots',
    registers: [this.registry],
  })
  readonly trialsLost = new Counter({
    name: 'kiln_coordinator_trials_lost_total',
    help: 'Trials whose node (or a rank node) was lost',
    registers: [this.registry],
  })
  readonly heartbeats = new Counter({
    name: 'kiln_coordinator_heartbeats_total',
    help: 'Node heartbeats received while leading',
    registers: [this.registry],
  })
  readonly kvWriteSeconds = new Histogram({
    name: 'kiln_coordinator_kv_write_seconds',
    help: 'JetStream KV writes of job and trial records (each an fsync on the server)',
    labelNames: ['bucket'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })

  constructor() {
    const view = () => this.leader
    new Gauge({
      name: 'kiln_coordinator_leader',
      help: '1 while this coordinator leads',
      registers: [this.registry],
      collect() {
        this.set(view() ? 1 : 0)
      },
    })
    new Gauge({
      name: 'kiln_coordinator_trials',
      help: 'Trial records by state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const t of view()?.store.trials.values() ?? []) this.inc({ state: t.state })
      },
    })
    new Gauge({
      name: 'kiln_coordinator_nodes',
      help: 'Known nodes, live or lost',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const v = view()
        const live = v?.nodes.live().length ?? 0
        this.set({ state: 'live' }, live)
        this.set({ state: 'lost' }, (v?.nodes.all().length ?? 0) - live)
      },
    })
    collectDefaultMetrics({ register: this.registry })
  }

  /** The gauges read this leader from now on. */
  watch(leader: LeaderView): void {
    this.leader = leader
  }

  /** This leader stepped down. */
  unwatch(leader: LeaderView): void {
    if (this.leader === leader) this.leader = undefined
  }
}
