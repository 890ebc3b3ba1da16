// What starts pipeline runs without a person: a new version (a new content id) of a named
// dataset, a drift alert from the gateway about an endpoint's or a model's traffic, and cron
// schedules (UTC). Each pipeline's triggers come from its latest definition (the file of its
// last `kiln pipeline run`); a trigger does not start a run while one of that pipeline runs.
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import type { ObjectStore } from '@nats-io/obj'
import { nextCronTime, parseCron, type CronSchedule, type TriggerDocument } from '@kiln/pipeline'
import { DatasetRecordSchema, type DatasetRecord } from '@kiln/data'
import {
  DriftAlertSchema,
  EndpointRecordSchema,
  GatewaySubjects,
  PipelineDefinitionSchema,
  decode,
  type PipelineDefinition,
  type PipelineRunRecord,
} from '@kiln/protocol'
import type { KV } from '@nats-io/kv'
import type { Logger } from '@kiln/train/spec'

/** A clock and timers (real ones, or a test's). */
export interface TriggerClock {
  now(): number
  setTimeout(fn: () => void, ms: number): { cancel(): void }
}

/** The system clock. */
export const SYSTEM_CLOCK: TriggerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    // Long waits in steps, so a timer never overflows setTimeout's 2^31 ms.
    const t = setTimeout(fn, Math.min(ms, 2 ** 30))
    return { cancel: () => clearTimeout(t) }
  },
}

export interface TriggersOptions {
  nc: NatsConnection
  definitions: KV
  datasets: ObjectStore
  endpoints: KV
  log: Logger
  clock: TriggerClock
  /** Starts a run of a definition; `detail` says what started it. */
  start(
    def: PipelineDefinition,
    trigger: TriggerDocument,
    kind: 'dataset' | 'drift' | 'cron',
    detail: string,
  ): Promise<void>
  /** The pipeline's runs that have not ended. */
  running(pipeline: string): PipelineRunRecord[]
  bad(what: string, err: unknown): void
}

const NAMES = 'names/'

export class Triggers {
  private readonly defs = new Map<string, PipelineDefinition>()
  /** The dataset id each dataset trigger last saw, by dataset name. */
  private readonly seen = new Map<string, string>()
  private readonly timers = new Map<string, { cancel(): void }>()
  private readonly subs: Subscription[] = []
  private stopped = false
  private watch: (AsyncIterable<unknown> & { stop?: () => void }) | undefined

  constructor(private readonly o: TriggersOptions) {}

  /** Reads every definition, then follows new dataset versions, drift alerts and schedules. */
  async start(): Promise<void> {
    for await (const key of await this.o.definitions.keys()) {
      const e = await this.o.definitions.get(key)
      if (!e || e.operation !== 'PUT') continue
      try {
        await this.define(decode(PipelineDefinitionSchema, e.value))
      } catch (err) {
        this.o.bad(`kiln_pipelines/${key}`, err)
      }
    }
    const drift = this.o.nc.subscribe(GatewaySubjects.driftAlerts, {
      callback: (err, msg) => {
        if (err) return
        void this.onDrift(msg.data).catch((e) => this.o.bad('drift alert', e))
      },
    })
    this.subs.push(drift)
    const watcher = await this.o.datasets.watch({ includeHistory: false, ignoreDeletes: true })
    void (async () => {
      for await (const info of watcher) {
        if (this.stopped) break
        if (info?.name.startsWith(NAMES))
          await this.onDataset(info.name.slice(NAMES.length)).catch((e) => this.o.bad('dataset trigger', e))
      }
    })()
    this.watch = watcher as never
  }

  /** Stops every watch and timer. */
  stop(): void {
    this.stopped = true
    for (const s of this.subs) s.unsubscribe()
    for (const t of this.timers.values()) t.cancel()
    this.timers.clear()
    this.watch?.stop?.()
  }

  /** A pipeline's (new) definition: its triggers replace those it had. */
  async define(def: PipelineDefinition): Promise<void> {
    this.defs.set(def.name, def)
    for (const [key, t] of this.timers) if (key.startsWith(`${def.name}\n`)) t.cancel(), this.timers.delete(key)
    for (const [i, t] of triggersOf(def).entries()) {
      if (t.dataset && !this.seen.has(t.dataset)) {
        const record = await this.datasetRecord(t.dataset)
        if (record) this.seen.set(t.dataset, record.id)
      }
      if (t.cron) {
        const schedule = parseCron(t.cron)
        if (typeof schedule !== 'string') this.schedule(def.name, i, t, schedule)
      }
    }
  }

  private schedule(name: string, index: number, trigger: TriggerDocument, schedule: CronSchedule): void {
    const now = this.o.clock.now()
    const next = nextCronTime(schedule, now)
    if (next === undefined) return
    const key = `${name}\n${index}`
    this.timers.set(
      key,
      this.o.clock.setTimeout(() => {
        if (this.stopped) return
        // A long wait is cut into shorter timers: only the last one fires.
        if (this.o.clock.now() < next) return this.schedule(name, index, trigger, schedule)
        const def = this.defs.get(name)
        if (def) void this.fire(def, trigger, 'cron', `schedule "${trigger.cron}" at ${new Date(next).toISOString()}`)
        this.schedule(name, index, trigger, schedule)
      }, next - now),
    )
  }

  private async datasetRecord(name: string): Promise<DatasetRecord | undefined> {
    const blob = await this.o.datasets.getBlob(`${NAMES}${name}`).catch(() => null)
    return blob ? decode(DatasetRecordSchema, blob) : undefined
  }

  // A dataset name was (re)imported: runs for the pipelines that watch it, when its content changed.
  private async onDataset(name: string): Promise<void> {
    const record = await this.datasetRecord(name)
    if (!record || this.seen.get(name) === record.id) return
    this.seen.set(name, record.id)
    for (const def of this.defs.values())
      for (const t of triggersOf(def))
        if (t.dataset === name)
          await this.fire(def, t, 'dataset', `dataset ${name} imported as ${record.id.slice(0, 12)}`)
  }

  private async onDrift(data: Uint8Array): Promise<void> {
    const alert = decode(DriftAlertSchema, data)
    const endpoints = await this.endpointsServing(alert.model)
    for (const def of this.defs.values())
      for (const t of triggersOf(def)) {
        if (!t.drift || (t.drift !== alert.model && !endpoints.includes(t.drift))) continue
        const where = t.drift === alert.model ? `model ${alert.model}` : `endpoint ${t.drift}`
        await this.fire(
          def,
          t,
          'drift',
          `drift alert on ${where} (${alert.model}@${alert.version}, mean feature PSI ${alert.featurePsi.toFixed(3)})`,
        )
      }
  }

  // Endpoints with a variant of `model`.
  private async endpointsServing(model: string): Promise<string[]> {
    const out: string[] = []
    for await (const key of await this.o.endpoints.keys()) {
      const e = await this.o.endpoints.get(key)
      if (!e || e.operation !== 'PUT' || e.value.length === 0) continue
      try {
        const r = decode(EndpointRecordSchema, e.value)
        if (r.variants.some((v) => v.model === model)) out.push(r.name)
      } catch {
        // a malformed endpoint serves nothing
      }
    }
    return out
  }

  private async fire(
    def: PipelineDefinition,
    t: TriggerDocument,
    kind: 'dataset' | 'drift' | 'cron',
    detail: string,
  ): Promise<void> {
    if (this.o.running(def.name).length > 0) {
      this.o.log('info', 'pipeline trigger skipped: a run of the pipeline is under way', { pipeline: def.name, detail })
      return
    }
    try {
      await this.o.start(def, t, kind, detail)
    } catch (err) {
      this.o.log('warn', 'pipeline trigger could not start a run', {
        pipeline: def.name,
        detail,
        error: String((err as Error).message).slice(0, 1000),
      })
    }
  }
}

function triggersOf(def: PipelineDefinition): TriggerDocument[] {
  const t = def.document.triggers
  return Array.isArray(t) ? (t as TriggerDocument[]) : []
}
