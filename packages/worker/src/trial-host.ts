// The agent's side of one running trial: starts it (a builtin model in a pool thread, a
// script in its own sandboxed process), publishes its metrics, logs and checkpoints, relays
// the coordinator's decisions, and reports how it ended. Every status update is retried
// until the coordinator answers (it may be failing over); an answer that this placement is
// stale stops the trial at once.
import { MessageChannel, type TransferListItem } from 'node:worker_threads'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Piscina } from 'piscina'
import {
  ErrorCode,
  KilnError,
  LogBatchSchema,
  MAX_LOG_LINE,
  MetricReportSchema,
  Subjects,
  TrialDecisionSchema,
  TrialReportSchema,
  TrialStatusReplySchema,
  TrialStatusUpdateSchema,
  encode,
  type CheckpointRef,
  type LogLevel,
  type TrialAssignment,
  type TrialStatusUpdate,
} from '@kiln/protocol'
import { call, type Layout } from '@kiln/cluster-state'
import type { Logger } from '@kiln/train/spec'
import type { ThreadConnection } from '@kiln/train'
import type { FromThread, ToThread, TrialOutcome, TrialTask } from './thread-messages.js'
import type { TrialProcesses } from './warm-trial-processes.js'
import { storeOutcome } from './trial-outcome.js'
import { LogBatcher } from './log-batcher.js'

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
  /** Where script trials run: their own sandboxed process (builtin ones run in the pool). */
  processes: TrialProcesses
  /** Whether the slot is a GPU (its device nodes go into the sandbox). */
  gpu: boolean
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
  // The epoch reports being stored in KILN_METRICS, in order.
  private stored: Promise<void> = Promise.resolve()
  private readonly logs: LogBatcher
  // Resolved by the thread's last message (or its port closing): its result comes through
  // the pool's own port, and may arrive before the lines it logged last.
  private threadEnded!: () => void
  private readonly threadDone = new Promise<void>((ok) => {
    this.threadEnded = ok
  })
  private threadStarted = false
  readonly done: Promise<void>

  constructor(private readonly o: TrialHostOptions) {
    this.trialId = o.assignment.trialId
    this.attempt = o.assignment.attempt
    this.rank = o.assignment.rank ?? 0
    this.worldSize = o.assignment.worldSize ?? 1
    this.lastCheckpoint = o.assignment.resumeFrom
    this.logs = new LogBatcher((lines) =>
      o.layout.js.publish(
        Subjects.logs.of(this.trialId, o.nodeId),
        encode(LogBatchSchema, { v: 1, trialId: this.trialId, lines }),
      ),
    )
    const channel = new MessageChannel()
    this.port = channel.port1
    this.port.on('message', (m: FromThread) => void this.onThreadMessage(m))
    this.port.once('close', () => this.threadEnded())
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
        ...(a.shard ? { shard: a.shard } : {}),
        ...(this.worldSize > 1
          ? {
              ring: {
                rank: this.rank,
                worldSize: this.worldSize,
                attempt: a.attempt,
                connection: this.o.connection,
                nodeId: this.o.nodeId,
                prevNodeId: a.prevNodeId ?? this.o.nodeId,
              },
            }
          : {}),
        ...extra,
      }
      outcome = isScript(a.spec) ? await this.runScript(task) : await this.runThread(task, threadPort)
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
    // Training ended on a refused report: nothing of this attempt is kept.
    if (this.isFenced()) return
    try {
      const stored = await storeOutcome(this.o.layout, a, outcome)
      await this.status(stored.update)
      log('info', stored.message, stored.fields)
    } catch (err) {
      if (this.stopReason === 'fenced') return
      await this.status({ state: 'failed', error: err as KilnError }).catch(() => undefined)
    }
  }

  private runThread(task: TrialTask, threadPort: MessageChannel['port2']): Promise<TrialOutcome> {
    this.threadStarted = true
    const transfer: TransferListItem[] = [
      threadPort,
      ...(task.resumeFrom ? [task.resumeFrom.buffer as ArrayBuffer] : []),
    ]
    return this.o.pool.run(task, { transferList: transfer, signal: this.hardStop.signal })
  }

  // Trial code from a client: its own process, sandbox and limits; no NATS of its own (the
  // ring, if any, runs here and the process's collective operations are relayed to it).
  private async runScript(task: TrialTask): Promise<TrialOutcome> {
    if (!task.scriptFile)
      throw new KilnError(
        ErrorCode.invalidArgument,
        'a script trial runs from a bundle in the cluster: submit it with kiln submit, which bundles model.script',
      )
    const resources = (task.spec as { resources?: { memoryMb?: number; timeout?: number } }).resources ?? {}
    let leave: (() => Promise<void>) | undefined
    const collective = task.ring
      ? (async () => {
          const [{ joinRing }, { validateSpec }] = await Promise.all([
            import('./trial-ring.js'),
            import('@kiln/train/spec'),
          ])
          const ring = await joinRing(task, validateSpec(task.spec, `trial ${task.trialId}`), this.hardStop.signal)
          leave = ring?.leave
          return ring?.collective
        })()
      : undefined
    // Awaited when the process first asks for it; a ring that fails to form fails that call.
    collective?.catch(() => undefined)
    const { runTrialProcess } = await import('./trial-process.js')
    try {
      const proc = await this.o.processes.take(this.o.assignment.slotId, {
        gpu: this.o.gpu,
        ...(resources.memoryMb ? { memoryMb: resources.memoryMb } : {}),
      })
      return await runTrialProcess({
        task,
        process: proc,
        signal: this.hardStop.signal,
        ...(resources.memoryMb ? { memoryMb: resources.memoryMb } : {}),
        ...(resources.timeout ? { timeoutS: resources.timeout } : {}),
        ...(collective ? { collective } : {}),
        onOutput: (stream, line) => this.publishLog({ level: stream === 'stdout' ? 'info' : 'warn', msg: line }),
      })
    } finally {
      await collective?.catch(() => undefined)
      await leave?.()
    }
  }

  // One line of the trial's log stream (KILN_LOGS): a record the trial logged, or a line it printed.
  private publishLog(line: { level: LogLevel; msg: string; time?: string; component?: string }): void {
    this.logs.add({
      time: line.time ?? new Date().toISOString(),
      level: line.level,
      component: line.component ?? 'trial',
      msg: line.msg.slice(0, MAX_LOG_LINE),
    })
  }

  private async onThreadMessage(m: FromThread): Promise<void> {
    const a = this.o.assignment
    switch (m.type) {
      case 'log': {
        // The trial's own record, with its id; details that are not the line's own fields
        // are kept in its text (the stream's line has a fixed shape).
        const { level, msg, time, component, trial: _trial, ...data } = m.record
        this.publishLog({
          level,
          time,
          component,
          msg: Object.keys(data).length ? `${msg} ${JSON.stringify(data)}` : msg,
        })
        return
      }
      case 'epoch':
        this.epoch = m.epoch
        return
      case 'end':
        this.threadEnded()
        return
      case 'report':
        this.port.postMessage({ type: 'decision', id: m.id, decision: await this.report(m) } satisfies ToThread)
        return
      case 'checkpoint': {
        const name = `${a.jobId}/${a.trialId}/epoch-${m.epoch}`
        try {
          // A fenced attempt's checkpoint would take the name the current placement writes.
          if (this.stopReason === 'fenced') throw new KilnError(ErrorCode.conflict, 'this placement is stale')
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

  // An epoch's report. The coordinator's answer comes first: a report it refuses (this
  // placement is stale: the trial was lost and placed again, or it ended) is no part of the
  // trial's history, so it is never stored, and the trial stops. One it accepts, or that
  // nobody answers (a failover: the next leader catches up from KILN_METRICS), is stored
  // while the trial trains on; a status waits for the stores before it (see status()).
  private async report(m: Extract<FromThread, { type: 'report' }>): Promise<'continue' | 'stop'> {
    const a = this.o.assignment
    const body = { ...this.placement(), epoch: m.epoch, metrics: m.metrics }
    let decision: 'continue' | 'stop' = 'continue'
    try {
      const subject = Subjects.trial.report(a.trialId, this.o.nodeId)
      const options = { timeoutMs: REQUEST_TIMEOUT_MS }
      decision = (await call(this.o.nc, subject, TrialReportSchema, body, TrialDecisionSchema, options)).decision
    } catch (err) {
      if (isStale(err as KilnError)) {
        this.fence(err as KilnError)
        return 'stop'
      }
      this.o.log('warn', 'report not answered; continuing', {
        trialId: a.trialId,
        error: String((err as Error).message),
      })
    }
    const report = {
      v: 1,
      trialId: a.trialId,
      epoch: m.epoch,
      attempt: this.attempt,
      metrics: m.metrics,
      at: Date.now(),
    } as const
    this.stored = this.stored
      .then(() =>
        this.o.layout.js.publish(Subjects.metrics.of(a.trialId, this.o.nodeId), encode(MetricReportSchema, report)),
      )
      .then(
        () => undefined,
        (err) =>
          this.o.log('warn', 'metrics not stored', {
            trialId: a.trialId,
            epoch: m.epoch,
            error: String((err as Error).message),
          }),
      )
    return decision
  }

  // Who speaks, in every status and report: the coordinator refuses a stale placement's.
  private placement() {
    return { v: 1, trialId: this.o.assignment.trialId, nodeId: this.o.nodeId, attempt: this.attempt } as const
  }

  private isFenced(): boolean {
    return this.stopReason === 'fenced'
  }

  // The coordinator says this placement is stale: the trial stops at once, and says nothing more.
  private fence(err: KilnError): void {
    this.o.log('warn', 'placement is stale; stopping the trial', {
      trialId: this.o.assignment.trialId,
      error: err.message,
    })
    this.stop('fenced', 2000)
  }

  // Retried until answered (the coordinator may be failing over); a refusal because this
  // placement is stale stops the trial. Sent after the reports before it are stored: a
  // trial's end (or checkpoint) never reaches the coordinator ahead of its epochs' history.
  private async status(update: Omit<TrialStatusUpdate, 'v' | 'trialId' | 'nodeId' | 'attempt'>): Promise<void> {
    const a = this.o.assignment
    const body = { ...this.placement(), ...(this.worldSize > 1 ? { rank: this.rank } : {}), ...update }
    await this.stored
    // Whoever sees the trial end finds its whole log, a thread's last lines included (a
    // thread that died without its last message is not waited for long).
    if (update.state !== 'running' && update.state !== 'checkpointed') {
      if (this.threadStarted) await Promise.race([this.threadDone, delay(1000)])
      await this.logs.flush()
    }
    try {
      await call(
        this.o.nc,
        Subjects.trial.status(a.trialId, this.o.nodeId),
        TrialStatusUpdateSchema,
        body,
        TrialStatusReplySchema,
        {
          timeoutMs: REQUEST_TIMEOUT_MS,
          retryForMs: STATUS_RETRY_MS,
          final: isStale,
        },
      )
    } catch (err) {
      if (isStale(err as KilnError)) this.fence(err as KilnError)
      throw err
    }
  }
}

const delay = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms).unref())

/** Whether a job spec (plain JSON) is a script trial. */
function isScript(spec: unknown): boolean {
  const model = (spec as { model?: unknown } | undefined)?.model
  return typeof model === 'object' && model !== null && 'script' in model
}
