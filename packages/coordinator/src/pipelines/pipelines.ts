// The leader's pipelines: `kiln pipeline run` plans the file (every problem refused before
// anything is written), stores the definition and a run, and drives it; list, show, retry and
// cancel; at takeover every running run is rebuilt from its event log and resumed.
import { createHash, randomBytes } from 'node:crypto'
import { KvBucket } from '@kiln/cluster-state'
import { planPipeline, type PipelineEvent, type PipelinePlan } from '@kiln/pipeline'
import {
  ErrorCode,
  KilnError,
  NotFoundError,
  PipelineDefinitionSchema,
  PipelineRunRecordSchema,
  encode,
  type PipelineRunRecord,
  type PipelinesReply,
} from '@kiln/protocol'
import type { z } from 'zod'
import type { PipelinesRequestSchema } from '@kiln/protocol'
import { Records } from '../records.js'
import { PipelineRun } from './pipeline-run.js'
import type { PipelineDeps } from './step-executor.js'
import { SYSTEM_CLOCK, Triggers, type TriggerClock } from './triggers.js'

type Request = z.output<typeof PipelinesRequestSchema>
type RunRequest = Extract<Request, { op: 'run' }>

/** What started a run, as its record says. */
export type RunTrigger = PipelineRunRecord['trigger']

export interface PipelinesOptions extends PipelineDeps {
  bad(what: string, err: unknown): void
  /** The clock cron triggers follow (default: the system's). */
  clock?: TriggerClock
}

export class Pipelines {
  readonly records: Records<typeof PipelineRunRecordSchema>
  private readonly active = new Map<string, PipelineRun>()
  private readonly triggers: Triggers

  constructor(private readonly o: PipelinesOptions) {
    this.records = new Records(o.layout.kv.pipelineRuns, PipelineRunRecordSchema, KvBucket.pipelineRuns)
    this.triggers = new Triggers({
      nc: o.nc,
      definitions: o.layout.kv.pipelines,
      datasets: o.layout.objects.datasets,
      endpoints: o.layout.kv.endpoints,
      log: o.log,
      clock: o.clock ?? SYSTEM_CLOCK,
      start: async (def, t, kind, detail) => {
        const params = { ...def.params, ...(t.params ?? {}) }
        await this.start({ document: def.document, source: def.source, params, noCache: false }, { kind, detail })
      },
      running: (pipeline) => this.records.values().filter((r) => r.pipeline === pipeline && r.state === 'running'),
      bad: (what, err) => o.bad(what, err),
    })
  }

  /** At takeover: every running run, rebuilt from its log and resumed. */
  async load(): Promise<void> {
    await this.records.load((key, err) => this.o.bad(`kiln_pipeline_runs/${key}`, err))
    for (const record of this.records.values()) {
      if (record.state !== 'running') continue
      const events = await PipelineRun.readEvents(this.o, record.id)
      const run = this.adopt(record, events)
      this.o.log('info', 'pipeline run resumed from its log', { runId: record.id, events: events.length })
      void run.resume().catch((err) => this.o.bad(`pipeline run ${record.id}`, err))
    }
    await this.triggers.start()
  }

  /** Stops driving runs (this coordinator no longer leads). */
  stop(): void {
    this.triggers.stop()
    for (const run of this.active.values()) run.abandon()
    this.active.clear()
  }

  private adopt(record: PipelineRunRecord, events: readonly PipelineEvent[] = []): PipelineRun {
    const run = new PipelineRun(
      record,
      this.o,
      {
        write: (r) => this.records.update(r.id, r),
        bad: (what, err) => this.o.bad(what, err),
      },
      events,
    )
    this.active.set(record.id, run)
    return run
  }

  /** Answers one `kiln.api.pipelines` request. */
  async handle(req: Request): Promise<PipelinesReply> {
    switch (req.op) {
      case 'run':
        return this.start(req, { kind: 'user' })
      case 'list':
        return {
          runs: this.records
            .values()
            .filter((r) => !req.pipeline || r.pipeline === req.pipeline)
            .sort((a, b) => b.createdAt - a.createdAt)
            .slice(0, req.limit ?? 100),
        }
      case 'show':
        return { run: this.find(req.id) }
      case 'retry': {
        const record = this.find(req.id)
        if (record.state === 'running' || record.state === 'succeeded')
          throw new KilnError(
            ErrorCode.conflict,
            `run ${record.id} is ${record.state}: only a failed, stopped or cancelled run is retried`,
          )
        const run = this.active.get(record.id) ?? this.adopt(record, await PipelineRun.readEvents(this.o, record.id))
        await run.retry()
        return { run: run.current }
      }
      case 'cancel': {
        const record = this.find(req.id)
        const run = this.active.get(record.id)
        if (!run || record.state !== 'running') return { run: record }
        await run.cancel(req.reason ?? 'cancelled by a user')
        return { run: run.current }
      }
    }
  }

  /** Plans and starts a run (triggers start them too); the same run again for a repeated idempotency key. */
  async start(
    req: Pick<RunRequest, 'document' | 'source' | 'params' | 'noCache' | 'idempotencyKey'>,
    trigger: RunTrigger,
  ): Promise<PipelinesReply> {
    // Everything is checked before anything is written: a bad file changes no state.
    const plan: PipelinePlan = planPipeline(req.document, { source: req.source, params: req.params })
    const suffix = req.idempotencyKey
      ? createHash('sha256').update(req.idempotencyKey).digest('hex').slice(0, 12)
      : randomBytes(6).toString('hex')
    const id = `run-${suffix}`
    const existing = this.records.get(id) ?? (req.idempotencyKey ? await this.records.refresh(id) : undefined)
    if (existing) return { run: existing, created: false }
    const now = Date.now()
    if (trigger.kind === 'user') {
      // The latest file of a pipeline is what its triggers run.
      const def = {
        v: 1 as const,
        name: plan.name,
        document: req.document,
        source: req.source,
        params: req.params,
        updatedAt: now,
      }
      await this.o.layout.kv.pipelines.put(plan.name, encode(PipelineDefinitionSchema, def))
      await this.triggers.define(def)
    }
    const record: PipelineRunRecord = {
      v: 1,
      id,
      pipeline: plan.name,
      state: 'running',
      params: plan.params,
      noCache: req.noCache,
      trigger,
      plan: plan as unknown as Record<string, unknown>,
      steps: [],
      createdAt: now,
      updatedAt: now,
    }
    if (!(await this.records.create(id, record))) return { run: (await this.records.refresh(id))!, created: false }
    const run = this.adopt(this.records.get(id)!)
    this.o.log('info', 'pipeline run started', { runId: id, pipeline: plan.name, trigger: trigger.kind })
    await run.resume()
    return { run: run.current, created: true }
  }

  private find(id: string): PipelineRunRecord {
    const record = this.active.get(id)?.current ?? this.records.get(id)
    if (!record) throw new NotFoundError('pipeline run', id)
    return record
  }
}
