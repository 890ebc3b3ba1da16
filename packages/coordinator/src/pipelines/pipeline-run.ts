// One pipeline run on the leader: its engine, its event log in KILN_PIPELINES and its record
// in kiln_pipeline_runs. Every event is logged before anything acts on it (a step's start
// before its executor runs, its end before the steps after it start), so a new leader that
// replays the log resumes exactly the steps that were under way, under the same attempt.
import { headers } from '@nats-io/transport-node'
import {
  PipelineEngine,
  PipelineEventSchema,
  cacheKey,
  type PipelineEvent,
  type PipelinePlan,
  type PlannedStep,
} from '@kiln/pipeline'
import { EventKind, PipelineCacheEntrySchema, Subjects, decode, encode, type PipelineRunRecord } from '@kiln/protocol'
import { publishEvent } from '../events.js'
import { Mutex } from '../mutex.js'
import { executorFor } from './executors.js'
import type { PipelineDeps } from './step-executor.js'

/** What a run needs besides the cluster: its record's store. */
export interface RunStore {
  write(record: PipelineRunRecord): Promise<PipelineRunRecord>
  bad(what: string, err: unknown): void
}

export class PipelineRun {
  readonly engine: PipelineEngine
  private readonly mutex = new Mutex()
  private readonly executing = new Map<string, AbortController>()
  private published: number
  private stopped = false

  constructor(
    private record: PipelineRunRecord,
    private readonly deps: PipelineDeps,
    private readonly store: RunStore,
    events: readonly PipelineEvent[] = [],
  ) {
    this.engine = PipelineEngine.replay(record.plan as unknown as PipelinePlan, events)
    this.published = events.length
  }

  get id(): string {
    return this.record.id
  }

  /** The run's record as last written. */
  get current(): PipelineRunRecord {
    return this.record
  }

  /** Reads a run's logged events, oldest first. */
  static async readEvents(deps: PipelineDeps, runId: string): Promise<PipelineEvent[]> {
    const { readSubject, StreamName } = await import('@kiln/cluster-state')
    const out: PipelineEvent[] = []
    for await (const data of readSubject(deps.nc, StreamName.pipelines, Subjects.pipeline.events(runId)))
      out.push(decode(PipelineEventSchema, data))
    return out
  }

  /** Starts what can start, and (after a takeover) resumes the steps that were under way. */
  async resume(): Promise<void> {
    await this.mutex.run(async () => {
      for (const s of this.engine.running())
        if (!this.executing.has(s.name)) this.launch(this.planned(s.name), s.attempts, s.inputs ?? {})
      await this.advance()
    })
  }

  /** Cancels the run: no step starts again, running ones are stopped (their jobs cancelled). */
  async cancel(reason: string): Promise<void> {
    await this.mutex.run(async () => {
      if (this.engine.state() !== 'running') return
      await this.log({ type: 'cancelled', reason, at: Date.now() })
      for (const c of this.executing.values()) c.abort('cancelled')
      await this.write()
    })
  }

  /** Sends failed, stopped, skipped and cancelled steps round again. */
  async retry(): Promise<void> {
    await this.mutex.run(async () => {
      await this.log({ type: 'retried', at: Date.now() })
      await this.advance()
    })
  }

  /** This leader stops leading: executors are abandoned (the next leader resumes them). */
  abandon(): void {
    this.stopped = true
    for (const c of this.executing.values()) c.abort('deposed')
  }

  private planned(name: string): PlannedStep {
    return this.engine.plan.steps.find((s) => s.name === name)!
  }

  // Logs an event, then applies it: what the log holds is what happened.
  private async log(event: PipelineEvent): Promise<void> {
    if (this.stopped) throw new Error('this coordinator no longer leads')
    const h = headers()
    h.set('Nats-Msg-Id', `${this.record.id}-${this.published}`)
    await this.deps.layout.js.publish(Subjects.pipeline.events(this.record.id), encode(PipelineEventSchema, event), {
      headers: h,
    })
    this.published++
    this.engine.apply(event)
  }

  // Starts every ready step (or takes its outputs from the cache), then writes the record.
  private async advance(): Promise<void> {
    for (let guard = 0; guard < 1000 && !this.stopped; guard++) {
      const step = this.engine.ready().find((s) => !this.executing.has(s.name))
      if (!step) break
      const attempt = (this.engine.statuses().find((s) => s.name === step.name)?.attempts ?? 0) + 1
      const executor = executorFor(step.kind, step.name)
      const resolved = this.engine.inputsOf(step)
      let inputs = resolved
      let key = ''
      try {
        inputs = executor.materialize ? await executor.materialize(resolved, this.deps) : resolved
        key = cacheKey(step.kind, inputs)
      } catch (err) {
        await this.log({ type: 'started', step: step.name, attempt, key, inputs: resolved, at: Date.now() })
        await this.log({ type: 'failed', step: step.name, attempt, error: message(err), at: Date.now() })
        continue
      }
      const hit = step.cache && !this.record.noCache ? await this.cached(key) : undefined
      if (hit) {
        await this.log({
          type: 'cached',
          step: step.name,
          key,
          inputs,
          outputs: hit.outputs,
          from: { run: hit.run, step: hit.step },
          at: Date.now(),
        })
        continue
      }
      await this.log({ type: 'started', step: step.name, attempt, key, inputs, at: Date.now() })
      this.launch(step, attempt, inputs)
    }
    await this.write()
  }

  private async cached(key: string) {
    const entry = await this.deps.layout.kv.pipelineCache.get(key)
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined
    try {
      return decode(PipelineCacheEntrySchema, entry.value)
    } catch (err) {
      this.store.bad(`kiln_pipeline_cache/${key}`, err)
      return undefined
    }
  }

  // Runs a step's executor off the run's mutex; its end is logged under it.
  private launch(step: PlannedStep, attempt: number, inputs: Record<string, unknown>): void {
    const control = new AbortController()
    this.executing.set(step.name, control)
    // Retries of the whole run (the log's retried events) keep apart what each round submits.
    const round = this.engine.events().filter((e) => e.type === 'retried').length
    const ctx = {
      runId: this.record.id,
      step: step.name,
      attempt,
      round,
      inputs,
      signal: control.signal,
      deps: this.deps,
    }
    void executorFor(step.kind, step.name)
      .run(ctx)
      .then(
        (result) => ({ result, error: undefined }),
        (error: unknown) => ({ result: undefined, error }),
      )
      .then(({ result, error }) =>
        this.mutex.run(async () => {
          this.executing.delete(step.name)
          // Cancelled: the cancel event said so already. Deposed: the next leader resumes it.
          if (control.signal.aborted || this.stopped) return
          const at = Date.now()
          if (!result) await this.log({ type: 'failed', step: step.name, attempt, error: message(error), at })
          else if (result.stop)
            await this.log({ type: 'stopped', step: step.name, outputs: result.outputs, reason: result.stop, at })
          else {
            await this.log({ type: 'succeeded', step: step.name, outputs: result.outputs, at })
            const key = this.engine.statuses().find((s) => s.name === step.name)?.key
            if (key)
              await this.deps.layout.kv.pipelineCache.put(
                key,
                encode(PipelineCacheEntrySchema, {
                  v: 1,
                  outputs: result.outputs,
                  run: this.record.id,
                  step: step.name,
                  at,
                }),
              )
          }
          await this.advance()
        }),
      )
      .catch((err) => this.store.bad(`pipeline run ${this.record.id} step ${step.name}`, err))
  }

  // The record from the engine's state; an event when the run's state changes.
  private async write(): Promise<void> {
    const state = this.engine.state()
    const now = Date.now()
    const reason = this.engine.endReason()
    const deps = new Map(this.engine.plan.steps.map((s) => [s.name, s.deps]))
    const next: PipelineRunRecord = {
      ...this.record,
      state,
      steps: this.engine.statuses().map((s) => ({
        name: s.name,
        kind: s.kind,
        state: s.state,
        attempts: s.attempts,
        cached: s.cached,
        ...(s.cachedFrom ? { cachedFrom: s.cachedFrom } : {}),
        deps: deps.get(s.name) ?? [],
        ...(s.key ? { key: s.key } : {}),
        ...(s.outputs ? { outputs: s.outputs } : {}),
        ...(s.error ? { error: s.error.slice(0, 4096) } : {}),
        ...(s.reason ? { reason: s.reason.slice(0, 4096) } : {}),
        ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
        ...(s.endedAt !== undefined ? { endedAt: s.endedAt } : {}),
      })),
      updatedAt: now,
      ...(reason ? { endReason: reason.slice(0, 4096) } : {}),
      ...(state !== 'running' ? { endedAt: this.record.endedAt ?? now } : {}),
    }
    if (state === 'running') delete next.endedAt
    if (!reason) delete next.endReason
    const before = this.record.state
    this.record = await this.store.write(next)
    if (before !== state || this.published <= 1)
      void publishEvent(
        this.deps.layout.js,
        { kind: EventKind.pipeline, id: this.record.id, state, at: now, pipeline: this.record.pipeline },
        `pipeline-${this.record.id}-${state}-${this.published}`,
        (err) => this.store.bad('event publish', err),
      )
  }
}

function message(err: unknown): string {
  return String((err as Error)?.message ?? err).slice(0, 4000)
}
