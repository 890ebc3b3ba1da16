// The agent's side of one running trial: starts it in a pool thread, publishes its metrics,
// logs and checkpoints, relays the coordinator's decisions, and reports how it ended. Every
// status update is retried until the coordinator answers (it may be failing over); an answer
// that this placement is stale stops the trial at once.
import { MessageChannel, type TransferListItem } from 'node:worker_threads'
import type { NatsConnection } from 'nats'
import type { Piscina } from 'piscina'
import {
  ErrorCode,
  type KilnError,
  LogLineSchema,
  MAX_LOG_LINE,
  MetricReportSchema,
  Subjects,
  TrialDecisionSchema,
  TrialReportSchema,
  TrialStatusReplySchema,
  TrialStatusUpdateSchema,
  encode,
  type CheckpointRef,
  type TrialAssignment,
  type TrialStatusUpdate,
} from '@kiln/protocol'
import { call, publishModelVersion, storeModelFiles, type Layout } from '@kiln/cluster-state'
import type { Logger } from '@kiln/train/spec'
import type { ThreadConnection } from '@kiln/train'
import type { FromThread, ToThread, TrialOutcome, TrialTask } from './thread-messages.js'

// How long one status or report waits for the coordinator, and how long a status is retried
// (the coordinator may be failing over) before the trial gives up on it.
const REQUEST_TIMEOUT_MS = 5000
const STATUS_RETRY_MS = 5 * 60_000
// A stale placement: the trial runs somewhere else now, or no more.
const isStale = (err: KilnError) => err.code === ErrorCode.conflict || err.code === ErrorCode.notFound

export interface TrialHostOptions {
  nc: NatsConnection
  layout: Layout
  pool: Piscina
  nodeId: string
  log: Logger
  assignment: TrialAssignment
  threads: number
  /** How a data-parallel trial's thread connects to NATS for its ring. */
  connection: ThreadConnection
  checkpointEveryEpochs?: number
  checkpointEveryMs?: number
  /** Resolve extra task inputs (resume bytes, dataset, bundle) before the thread starts. */
  prepare: (a: TrialAssignment) => Promise<Partial<TrialTask>>
  /** Called once the trial ended, however it ended. */
  onEnd: () => void
}

/** One trial running on this node. */
export class TrialHost {
  readonly trialId: string
  readonly attempt: number
  /** This host's rank in a data-parallel trial (0 otherwise), and the trial's rank count. */
  readonly rank: number
  readonly worldSize: number
  epoch = 0
  private readonly port: MessageChannel['port1']
  private readonly hardStop = new AbortController()
  private stopReason: 'cancel' | 'drain' | 'fenced' | undefined
  private lastCheckpoint: CheckpointRef | undefined
  readonly done: Promise<void>

  constructor(private readonly o: TrialHostOptions) {
    this.trialId = o.assignment.trialId
    this.attempt = o.assignment.attempt
    this.rank = o.assignment.rank ?? 0
    this.worldSize = o.assignment.worldSize ?? 1
    this.lastCheckpoint = o.assignment.resumeFrom
    const channel = new MessageChannel()
    this.port = channel.port1
    this.port.on('message', (m: FromThread) => void this.onThreadMessage(m))
    this.done = this.run(channel.port2).finally(() => {
      this.port.close()
      o.onEnd()
    })
  }

  /** Asks the trial to stop: a drain checkpoints and hands it back, a cancel just ends it. */
  stop(reason: 'cancel' | 'drain' | 'fenced', graceMs = 30_000): void {
    if (this.stopReason) return
    this.stopReason = reason
    this.port.postMessage({ type: 'abort', reason: reason === 'drain' ? 'drain' : 'cancel' } satisfies ToThread)
    setTimeout(() => this.hardStop.abort(), graceMs).unref()
  }

  private async run(threadPort: MessageChannel['port2']): Promise<void> {
    const { assignment: a, log } = this.o
    let outcome: TrialOutcome
    try {
      // The coordinator must know it runs before it trains: if this placement is already
      // stale (the trial went elsewhere), it never starts.
      await this.status({ state: 'running' })
      const extra = await this.o.prepare(a)
      const task: TrialTask = {
        trialId: a.trialId,
        spec: a.spec,
        threads: this.o.threads,
        ...(a.params ? { params: a.params } : {}),
        port: threadPort as unknown as TrialTask['port'],
        ...(this.o.checkpointEveryEpochs !== undefined ? { checkpointEveryEpochs: this.o.checkpointEveryEpochs } : {}),
        ...(this.o.checkpointEveryMs !== undefined ? { checkpointEveryMs: this.o.checkpointEveryMs } : {}),
        ...(this.worldSize > 1
          ? { ring: { rank: this.rank, worldSize: this.worldSize, attempt: a.attempt, connection: this.o.connection } }
          : {}),
        ...extra,
      }
      const transfer: TransferListItem[] = [
        threadPort,
        ...(task.resumeFrom ? [task.resumeFrom.buffer as ArrayBuffer] : []),
      ]
      outcome = await this.o.pool.run(task, { transferList: transfer, signal: this.hardStop.signal })
    } catch (err) {
      if (this.stopReason === 'fenced') return
      if (this.stopReason === 'drain') {
        log('info', 'trial handed back', { trialId: a.trialId, checkpoint: this.lastCheckpoint?.name })
        await this.status({
          state: 'handed_back',
          ...(this.lastCheckpoint ? { checkpoint: this.lastCheckpoint } : {}),
        }).catch(() => undefined)
        return
      }
      if (this.stopReason === 'cancel') {
        await this.status({ state: 'cancelled' }).catch(() => undefined)
        return
      }
      log('error', 'trial failed', { trialId: a.trialId, error: String((err as Error)?.message ?? err).slice(0, 1000) })
      await this.status({ state: 'failed', error: err as KilnError }).catch(() => undefined)
      return
    }
    try {
      const spec = a.spec as { name: string }
      if (Object.keys(outcome.files).length === 0) {
        // An objective-function trial: its metrics are its result.
        await this.status({ state: 'succeeded', metrics: outcome.metrics })
        log('info', 'trial succeeded (no model)', { trialId: a.trialId, ...outcome.metrics })
        return
      }
      const evaluation = outcome.evaluation ? { evaluation: outcome.evaluation } : {}
      if (a.publish === 'artifact') {
        // A sweep trial: its files are kept; the coordinator registers the sweep's best.
        const stored = await storeModelFiles(this.o.layout, spec.name, new Map(Object.entries(outcome.files)))
        await this.status({ state: 'succeeded', metrics: outcome.metrics, artifact: stored.object, ...evaluation })
        log('info', 'trial succeeded', { trialId: a.trialId, artifact: stored.object, ...outcome.metrics })
        return
      }
      const version = await publishModelVersion(this.o.layout, {
        model: spec.name,
        files: new Map(Object.entries(outcome.files)),
        metrics: outcome.metrics,
        lineage: {
          jobId: a.jobId,
          trialId: a.trialId,
          ...(a.params ? { params: a.params } : {}),
          ...(a.datasetId ? { datasetHash: a.datasetId } : {}),
        },
      })
      await this.status({
        state: 'succeeded',
        metrics: outcome.metrics,
        model: { name: version.model, version: version.version },
        ...evaluation,
      })
      log('info', 'trial succeeded', {
        trialId: a.trialId,
        model: `${version.model}@${version.version}`,
        ...outcome.metrics,
      })
    } catch (err) {
      if (this.stopReason === 'fenced') return
      await this.status({ state: 'failed', error: err as KilnError }).catch(() => undefined)
    }
  }

  private async onThreadMessage(m: FromThread): Promise<void> {
    const a = this.o.assignment
    switch (m.type) {
      case 'log': {
        // The trial's own record, with its id; details that are not the line's own fields
        // are kept in its text (the stream's line has a fixed shape).
        const { level, msg, time, component, trial: _trial, ...data } = m.record
        const text = Object.keys(data).length ? `${msg} ${JSON.stringify(data)}` : msg
        this.o.layout.js
          .publish(
            Subjects.logs.of(a.trialId),
            encode(LogLineSchema, {
              v: 1,
              trialId: a.trialId,
              time,
              level,
              component,
              msg: text.slice(0, MAX_LOG_LINE),
            }),
          )
          .catch(() => undefined)
        return
      }
      case 'epoch':
        this.epoch = m.epoch
        return
      case 'report': {
        let decision: 'continue' | 'stop' = 'continue'
        try {
          // The history write (KILN_METRICS) and the coordinator's decision are independent:
          // both are sent at once, so an epoch end waits for one round trip, not two in turn.
          const history = this.o.layout.js
            .publish(
              Subjects.metrics.of(a.trialId),
              encode(MetricReportSchema, {
                v: 1,
                trialId: a.trialId,
                epoch: m.epoch,
                metrics: m.metrics,
                at: Date.now(),
              }),
            )
            .catch((err) =>
              this.o.log('warn', 'metrics not stored', {
                trialId: a.trialId,
                epoch: m.epoch,
                error: String((err as Error).message),
              }),
            )
          const body = {
            v: 1,
            trialId: a.trialId,
            nodeId: this.o.nodeId,
            attempt: this.attempt,
            epoch: m.epoch,
            metrics: m.metrics,
          } as const
          decision = (
            await call(this.o.nc, Subjects.trial.report(a.trialId), TrialReportSchema, body, TrialDecisionSchema, {
              timeoutMs: REQUEST_TIMEOUT_MS,
            }).finally(() => history)
          ).decision
        } catch (err) {
          this.o.log('warn', 'report not answered; continuing', {
            trialId: a.trialId,
            error: String((err as Error).message),
          })
        }
        this.port.postMessage({ type: 'decision', id: m.id, decision } satisfies ToThread)
        return
      }
      case 'checkpoint': {
        const name = `${a.jobId}/${a.trialId}/epoch-${m.epoch}`
        try {
          await this.o.layout.objects.checkpoints.putBlob({ name }, m.bytes)
          this.lastCheckpoint = { name, epoch: m.epoch, at: Date.now() }
          if (this.stopReason !== 'drain') await this.status({ state: 'checkpointed', checkpoint: this.lastCheckpoint })
          this.port.postMessage({ type: 'checkpointed', id: m.id } satisfies ToThread)
        } catch (err) {
          this.port.postMessage({
            type: 'checkpointed',
            id: m.id,
            error: String((err as Error).message),
          } satisfies ToThread)
        }
      }
    }
  }

  // Retried until answered (the coordinator may be failing over); a refusal because this
  // placement is stale stops the trial.
  private async status(update: Omit<TrialStatusUpdate, 'v' | 'trialId' | 'nodeId' | 'attempt'>): Promise<void> {
    const a = this.o.assignment
    const body = {
      v: 1,
      trialId: a.trialId,
      nodeId: this.o.nodeId,
      attempt: this.attempt,
      ...(this.worldSize > 1 ? { rank: this.rank } : {}),
      ...update,
    } as const
    try {
      await call(this.o.nc, Subjects.trial.status(a.trialId), TrialStatusUpdateSchema, body, TrialStatusReplySchema, {
        timeoutMs: REQUEST_TIMEOUT_MS,
        retryForMs: STATUS_RETRY_MS,
        final: isStale,
      })
    } catch (err) {
      if (isStale(err as KilnError)) {
        this.o.log('warn', 'placement is stale; stopping the trial', {
          trialId: a.trialId,
          error: (err as Error).message,
        })
        this.stop('fenced', 2000)
      }
      throw err
    }
  }
}
