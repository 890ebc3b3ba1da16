// Carries out what the trial state machine decides: keeps its changes through the trial
// store, then does its effects through the node port. The caller holds the leader's mutex;
// what a node is told is sent outside it (a slow node must not hold up everything else), and
// a refused assignment comes back in as an event, under the mutex again.
import {
  NotFoundError,
  RunState,
  isTerminal,
  type JobRecord,
  type TrialAssignment,
  type TrialRecord,
} from '@kiln/protocol'
import { isTransformSpec, type Logger } from '@kiln/train/spec'
import type { Mutex } from './mutex.js'
import { stopOn, type NodePort } from './node-port.js'
import type { RetryPolicy } from './retry.js'
import { trialStep } from './trial-machine.js'
import type { TrialEffect, TrialEvent, TrialStep } from './trial-step.js'
import type { TrialStore } from './trial-store.js'

export interface TrialDriverOptions {
  store: TrialStore
  port: NodePort
  mutex: Mutex
  log: Logger
  retry: RetryPolicy
  /** Asks for a placement pass soon. */
  kick(): void
  /** Counts what happens (for /metrics). */
  observe?(what: 'placement' | 'lost', trial: TrialRecord): void
}

/** Applies events to trials. */
export class TrialDriver {
  constructor(private readonly o: TrialDriverOptions) {}

  /** Applies `event` to the trial as it is now; the trial as kept, and the machine's step. */
  async apply(trial: TrialRecord, event: TrialEvent): Promise<{ trial: TrialRecord; step: TrialStep }> {
    const step = trialStep(trial, event, { now: Date.now(), retry: this.o.retry })
    let current = trial
    for (const { changes, keep } of step.changes) {
      if (keep === 'stage') current = this.o.store.stage(current, changes)
      else if (keep === 'patch') current = this.o.store.patch(current.id, changes)
      else current = await this.o.store.write(current, changes)
    }
    if (event.kind === 'place' && current !== trial) this.o.observe?.('placement', current)
    if (event.kind === 'lost' && current !== trial) this.o.observe?.('lost', current)
    for (const effect of step.effects) this.effect(current, effect, trial)
    return { trial: current, step }
  }

  /** Applies `event` to the trial of this id, if it exists. */
  async applyTo(trialId: string, event: TrialEvent): Promise<TrialRecord> {
    const trial = this.o.store.trials.get(trialId)
    if (!trial) throw new NotFoundError('trial', trialId)
    return (await this.apply(trial, event)).trial
  }

  /** Cancels every trial of a job that has not ended, then the job; the trials cancelled. */
  async cancelJob(jobId: string, reason: string): Promise<string[]> {
    const cancelled: string[] = []
    for (const t of this.o.store.trialsOf(jobId)) {
      if (isTerminal(t.state)) continue
      await this.apply(t, { kind: 'cancel', reason })
      cancelled.push(t.id)
    }
    const job = this.o.store.jobs.get(jobId)
    if (job && !isTerminal(job.state)) await this.o.store.writeJob(job, { state: RunState.cancelled })
    return cancelled
  }

  /** What a node is told to run for one rank of a placed trial. */
  assignmentOf(placed: TrialRecord, slotId: string, attempt: number): TrialAssignment {
    const job = this.o.store.jobs.get(placed.jobId)!
    return {
      v: 1,
      trialId: placed.id,
      jobId: job.id,
      slotId,
      spec: job.spec,
      attempt,
      ...(placed.checkpoint ? { resumeFrom: placed.checkpoint } : {}),
      ...(job.bundleId ? { bundleId: job.bundleId } : {}),
      ...(job.datasetId ? { datasetId: job.datasetId } : {}),
      ...(placed.params ? { params: placed.params } : {}),
      ...(placed.sweepId ? { publish: 'artifact' as const } : {}),
      ...shardOf(job, placed.id),
    }
  }

  private effect(current: TrialRecord, e: TrialEffect, before: TrialRecord): void {
    switch (e.kind) {
      case 'assign': {
        const base = this.assignmentOf(current, e.slotId, e.attempt)
        const assignment =
          e.rank === undefined
            ? base
            : { ...base, rank: e.rank, worldSize: e.worldSize, ...(e.prevNodeId ? { prevNodeId: e.prevNodeId } : {}) }
        // The one place a refusal comes back: as an event, under the mutex, for the attempt
        // that was sent (the machine ignores it once the trial moved on).
        void this.o.port.command(e.nodeId, { v: 1, kind: 'assign', assignment }).catch((err) =>
          this.o.mutex
            .run(async () => {
              const now = this.o.store.trials.get(current.id)
              if (!now) return
              const error = String((err as Error)?.message ?? err)
              const rank = e.rank !== undefined ? { rank: e.rank } : {}
              await this.apply(now, { kind: 'refused', attempt: e.attempt, nodeId: e.nodeId, ...rank, error })
            })
            .catch((failed) =>
              this.o.log('warn', 'a refused assignment was not undone', {
                trialId: current.id,
                error: String((failed as Error)?.message ?? failed),
              }),
            ),
        )
        return
      }
      case 'stop':
        stopOn(this.o.port, e.nodeIds, { trialId: before.id, attempt: e.attempt, reason: e.reason }, (nodeId, err) =>
          this.o.log('warn', 'ignored bad input from cancel', {
            nodeId,
            error: String((err as Error)?.message ?? err).slice(0, 500),
          }),
        )
        return
      case 'wakeAt':
        setTimeout(() => this.o.kick(), Math.max(0, e.at - Date.now()) + 5)
        return
      case 'log':
        this.o.log(e.level, e.message, e.data)
    }
  }
}

// A transform job's trials are its shards, in the order of its trialIds.
function shardOf(job: JobRecord, trialId: string): { shard?: { index: number; count: number } } {
  if (!isTransformSpec(job.spec)) return {}
  return { shard: { index: job.trialIds.indexOf(trialId), count: job.trialIds.length } }
}
