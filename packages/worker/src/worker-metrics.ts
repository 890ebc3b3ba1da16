// A worker's /metrics (prom-client): its slots and how many are busy, the trials it started
// and ended (their rate is the node's trial throughput), its script-trial processes (started
// ahead or for their trial), the native kernel thread pool, and the process itself (CPU,
// memory, event-loop lag).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Slot } from '@kiln/protocol'

/** What the gauges read from the running agent. */
export interface WorkerView {
  slots: readonly Slot[]
  /** The slot ids busy now. */
  busy(): string[]
  /** The native kernel thread pool's size, when the addon is loaded in this process. */
  kernelThreads?: () => number
  /** Script-trial processes started ahead and loaded, waiting for a trial. */
  trialProcessesReady?: () => number
}

/** A worker's metrics in their own registry. */
export class WorkerMetrics {
  readonly registry = new Registry()
  readonly started = new Counter({
    name: 'kiln_worker_trials_started_total',
    help: 'Trials (ranks) this node accepted and started',
    registers: [this.registry],
  })
  readonly ended = new Counter({
    name: 'kiln_worker_trials_ended_total',
    help: 'Trials (ranks) that ended on this node, however they ended',
    registers: [this.registry],
  })
  readonly trialProcesses = new Counter({
    name: 'kiln_worker_trial_processes_total',
    help: 'Script trials by how their process started: prestarted (ahead, for the slot) or cold (for the trial)',
    labelNames: ['start'],
    registers: [this.registry],
  })

  constructor(view: WorkerView) {
    new Gauge({
      name: 'kiln_worker_slots',
      help: 'Slots this node offers, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const s of view.slots) this.inc({ kind: s.kind })
      },
    })
    new Gauge({
      name: 'kiln_worker_slots_busy',
      help: 'Slots running a trial now, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const s of view.slots) this.inc({ kind: s.kind }, 0)
        const busy = new Set(view.busy())
        for (const s of view.slots) if (busy.has(s.id)) this.inc({ kind: s.kind })
      },
    })
    if (view.kernelThreads) {
      const threads = view.kernelThreads
      new Gauge({
        name: 'kiln_worker_kernel_threads',
        help: "Threads of the native kernels' CPU pool (shared by every trial thread)",
        registers: [this.registry],
        collect() {
          this.set(threads())
        },
      })
    }
    if (view.trialProcessesReady) {
      const ready = view.trialProcessesReady
      new Gauge({
        name: 'kiln_worker_trial_processes_ready',
        help: 'Script-trial processes started ahead and loaded, waiting for a trial',
        registers: [this.registry],
        collect() {
          this.set(ready())
        },
      })
    }
    collectDefaultMetrics({ register: this.registry })
  }
}
