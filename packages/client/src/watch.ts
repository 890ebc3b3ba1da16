// The whole cluster as one live feed, for dashboards: KV watches of nodes, jobs, trials,
// sweeps, endpoints, model versions and pipeline runs (the current records, then each change), plus plain
// subscriptions to the event stream, drift alerts and trial metrics. Nothing here polls:
// the server pushes every change once.
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import {
  DriftAlertSchema,
  EndpointRecordSchema,
  GatewaySubjects,
  JobRecordSchema,
  MetricReportSchema,
  ModelRegistryRecordSchema,
  ModelVersionRecordSchema,
  NodeRegistrationSchema,
  PipelineRunRecordSchema,
  Subjects,
  SweepRecordSchema,
  TrialRecordSchema,
  decode,
  relayedMessage,
  type DriftAlert,
  type EndpointRecord,
  type JobRecord,
  type MetricReport,
  type ModelRegistryRecord,
  type ModelVersionRecord,
  type NodeRegistration,
  type PipelineRunRecord,
  type SweepRecord,
  type TrialRecord,
} from '@kiln/protocol'
import { KvBucket } from '@kiln/cluster-state'
import { watchRecords, type RecordWatch } from './watch-kv.js'

/** What a record change carries: the record, or none when it was deleted. */
type Change<K extends string, T> = { kind: K; key: string; record?: T; at: number }

/** One thing that happened in the cluster. */
export type ClusterChange =
  | Change<'node', NodeRegistration>
  | Change<'job', JobRecord>
  | Change<'trial', TrialRecord>
  | Change<'sweep', SweepRecord>
  | Change<'endpoint', EndpointRecord>
  | Change<'model', ModelVersionRecord>
  /** A model's aliases and version states (key: the model name). */
  | Change<'registry', ModelRegistryRecord>
  | Change<'pipeline', PipelineRunRecord>
  | { kind: 'event'; subject: string; event: Record<string, unknown>; at: number }
  | { kind: 'drift'; alert: DriftAlert; at: number }
  | { kind: 'metric'; report: MetricReport; at: number }
  | { kind: 'error'; where: string; error: unknown; at: number }

export interface WatchClusterOptions {
  /** Also stream every trial's metric reports (kiln.metrics.>; default true). */
  metrics?: boolean
  /** Wait between attempts to bind a bucket that is missing (ms, default 2000). */
  retryMs?: number
}

export interface ClusterWatch {
  /** Resolves once every bucket's current records have been delivered. */
  ready: Promise<void>
  stop(): void
}

const BUCKETS = [
  ['node', KvBucket.nodes, NodeRegistrationSchema],
  ['job', KvBucket.jobs, JobRecordSchema],
  ['trial', KvBucket.trials, TrialRecordSchema],
  ['sweep', KvBucket.sweeps, SweepRecordSchema],
  ['endpoint', KvBucket.endpoints, EndpointRecordSchema],
  ['model', KvBucket.modelVersions, ModelVersionRecordSchema],
  ['pipeline', KvBucket.pipelineRuns, PipelineRunRecordSchema],
] as const

/** Model registry records live beside the registry settings: only their `m.` keys. */
const REGISTRY_KEYS = 'm.>'

/** Calls `onChange` for every record and event of the cluster until stop(). */
export function watchCluster(
  nc: NatsConnection,
  onChange: (change: ClusterChange) => void,
  o: WatchClusterOptions = {},
): ClusterWatch {
  const error = (where: string, err: unknown) => onChange({ kind: 'error', where, error: err, at: Date.now() })
  const watches: RecordWatch[] = BUCKETS.map(([kind, bucket, schema]) =>
    watchRecords(
      nc,
      bucket,
      schema,
      {
        put: (key, record) => onChange({ kind, key, record, at: Date.now() } as ClusterChange),
        del: (key) => onChange({ kind, key, at: Date.now() } as ClusterChange),
        error: (err, key) => error(key ? `${bucket} ${key}` : bucket, err),
      },
      o.retryMs === undefined ? {} : { retryMs: o.retryMs },
    ),
  )

  watches.push(
    watchRecords(
      nc,
      KvBucket.modelRegistry,
      ModelRegistryRecordSchema,
      {
        put: (_key, record) => onChange({ kind: 'registry', key: record.model, record, at: Date.now() }),
        del: (key) => onChange({ kind: 'registry', key: key.slice(2), at: Date.now() }),
        error: (err, key) => error(key ? `${KvBucket.modelRegistry} ${key}` : KvBucket.modelRegistry, err),
      },
      { key: REGISTRY_KEYS, ...(o.retryMs === undefined ? {} : { retryMs: o.retryMs }) },
    ),
  )

  const subs: Subscription[] = []
  const listen = (subject: string, handle: (data: Uint8Array, subject: string) => void) => {
    subs.push(
      nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return error(subject, err)
          // Only what was published here, not bytes a push consumer relays from a stream.
          if (relayedMessage(msg, subject)) return
          try {
            handle(msg.data, msg.subject)
          } catch (e) {
            error(msg.subject, e)
          }
        },
      }),
    )
  }
  listen(Subjects.events.all, (data, subject) => {
    const event = decode(data)
    if (event === null || typeof event !== 'object') throw new TypeError('an event that is not a map')
    onChange({ kind: 'event', subject, event: event as Record<string, unknown>, at: Date.now() })
  })
  listen(GatewaySubjects.driftAlerts, (data) =>
    onChange({ kind: 'drift', alert: decode(DriftAlertSchema, data), at: Date.now() }),
  )
  if (o.metrics ?? true)
    listen(Subjects.metrics.all, (data) =>
      onChange({ kind: 'metric', report: decode(MetricReportSchema, data), at: Date.now() }),
    )

  return {
    ready: Promise.all(watches.map((w) => w.initialized)).then(() => undefined),
    stop: () => {
      for (const w of watches) w.stop()
      for (const s of subs) s.unsubscribe()
    },
  }
}
