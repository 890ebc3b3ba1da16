// What Kiln's JetStream layout is: every KV bucket, stream and object store, with the
// configuration each is created with and the fields Kiln's correctness depends on (checked
// on every start; the rest are limits an operator may tune). docs/jetstream-layout.md is
// the table of this file.
import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream'
import { nanos } from '@nats-io/transport-node'
import { GatewaySubjects, ValidationError } from '@kiln/protocol'

/** KV buckets (state: one key per record). */
export const KvBucket = {
  nodes: 'kiln_nodes',
  jobs: 'kiln_jobs',
  trials: 'kiln_trials',
  endpoints: 'kiln_endpoints',
  leader: 'kiln_leader',
  modelVersions: 'kiln_model_versions',
  modelRegistry: 'kiln_model_registry',
  sweeps: 'kiln_sweeps',
  /** Async inference requests and results, by request id; expire after asyncResultTtlMs. */
  asyncResults: 'kiln_async_results',
  pipelines: 'kiln_pipelines',
  pipelineRuns: 'kiln_pipeline_runs',
  pipelineCache: 'kiln_pipeline_cache',
} as const
export type KvBucket = (typeof KvBucket)[keyof typeof KvBucket]

/** Streams (history: append-only, bounded by age and size). */
export const StreamName = {
  events: 'KILN_EVENTS',
  metrics: 'KILN_METRICS',
  logs: 'KILN_LOGS',
  capture: 'KILN_CAPTURE',
  sweeps: 'KILN_SWEEPS',
  /** Async inference requests waiting for a gateway replica (a work queue). */
  async: 'KILN_ASYNC',
  pipelines: 'KILN_PIPELINES',
} as const
export type StreamName = (typeof StreamName)[keyof typeof StreamName]

/** Object stores (artifacts: chunked blobs with metadata). */
export const ObjectStoreBucket = {
  datasets: 'kiln_datasets',
  bundles: 'kiln_bundles',
  checkpoints: 'kiln_checkpoints',
  models: 'kiln_models',
  /** Batch transform outputs: one object per shard (`<jobId>/shard-<i>`). */
  transforms: 'kiln_transforms',
} as const
export type ObjectStoreBucket = (typeof ObjectStoreBucket)[keyof typeof ObjectStoreBucket]

/** Bounds of one stream; any field left out takes its default. */
export interface StreamLimits {
  maxAgeMs: number
  maxBytes: number
  maxMsgSize: number
  /** Per subject (per trial for metrics and logs), so one chatty trial cannot evict the others. */
  maxMsgsPerSubject: number
}

export interface LayoutOptions {
  /** How often nodes heartbeat (ms); kiln_nodes entries expire after missedBeats of them. */
  heartbeatMs?: number
  /** Heartbeats a node may miss before its kiln_nodes entry expires (default 3). */
  missedBeats?: number
  /** How long a leader lease in kiln_leader lives without renewal (ms). */
  leaseTtlMs?: number
  /** JetStream replicas of everything (3 on a 3-node NATS cluster). */
  replicas?: number
  /** How long an async inference result is kept (ms, default a day). */
  asyncResultTtlMs?: number
  /** Limits of the event, metric and log streams. */
  limits?: Partial<Record<keyof typeof StreamName, Partial<StreamLimits>>>
}

const DAY = 24 * 60 * 60 * 1000
const GiB = 1024 * 1024 * 1024
const KiB = 1024

/** The defaults every process uses unless told otherwise. */
export const LAYOUT_DEFAULTS = {
  heartbeatMs: 2000,
  missedBeats: 3,
  leaseTtlMs: 10_000,
  replicas: 1,
  asyncResultTtlMs: DAY,
  limits: {
    events: { maxAgeMs: 7 * DAY, maxBytes: GiB, maxMsgSize: 1024 * KiB, maxMsgsPerSubject: -1 },
    metrics: { maxAgeMs: 30 * DAY, maxBytes: GiB, maxMsgSize: 64 * KiB, maxMsgsPerSubject: 100_000 },
    logs: { maxAgeMs: 7 * DAY, maxBytes: GiB, maxMsgSize: 64 * KiB, maxMsgsPerSubject: 100_000 },
    // The gateway's sampled requests and responses: bounded by size first, oldest dropped.
    capture: { maxAgeMs: 7 * DAY, maxBytes: GiB, maxMsgSize: 4096 * KiB, maxMsgsPerSubject: -1 },
    // A sweep's engine is rebuilt by replaying all its events: they must outlive any sweep.
    sweeps: { maxAgeMs: 10 * 365 * DAY, maxBytes: 10 * GiB, maxMsgSize: 1024 * KiB, maxMsgsPerSubject: -1 },
    // Async inference requests: a request body (up to the server's 8 MB payload) each; one
    // nobody works off in a day is dropped (its result record expires with it).
    async: { maxAgeMs: DAY, maxBytes: GiB, maxMsgSize: 8 * 1024 * KiB, maxMsgsPerSubject: -1 },
    // A pipeline run is rebuilt from all its events, as a sweep is.
    pipelines: { maxAgeMs: 10 * 365 * DAY, maxBytes: 10 * GiB, maxMsgSize: 1024 * KiB, maxMsgsPerSubject: -1 },
  },
} as const satisfies Required<LayoutOptions>

/** Config fields Kiln relies on: an existing stream that differs in one is refused. */
export type FixedField = 'subjects' | 'storage' | 'retention' | 'max_msgs_per_subject' | 'max_age' | 'allow_rollup_hdrs'

/** One JetStream stream of the layout (a KV bucket and an object store are streams too). */
export interface StreamSpec {
  kind: 'kv bucket' | 'stream' | 'object store'
  /** The name Kiln code uses: the bucket name, or the stream name. */
  name: string
  config: Partial<StreamConfig> & { name: string }
  fixed: readonly FixedField[]
  /** Why a fixed value is what it is, for conflict errors. */
  why?: Partial<Record<FixedField, string>>
}

export interface LayoutSettings {
  heartbeatMs: number
  nodeTtlMs: number
  leaseTtlMs: number
  replicas: number
}

function intIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `an integer from ${min} to ${max}`, { got: String(value) })
  }
  return value
}

// KV buckets follow the conventions of the nats clients (`KV_` stream, `$KV.<b>.>`, rollups,
// direct get), so `nats kv` and any client library can bind to them.
function kv(
  bucket: string,
  o: { ttlMs: number; maxValueSize: number; replicas: number },
  why?: StreamSpec['why'],
): StreamSpec {
  return {
    kind: 'kv bucket',
    name: bucket,
    config: {
      name: `KV_${bucket}`,
      subjects: [`$KV.${bucket}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 1,
      max_age: nanos(o.ttlMs),
      max_bytes: -1,
      max_msg_size: o.maxValueSize,
      discard: DiscardPolicy.New,
      allow_rollup_hdrs: true,
      allow_direct: true,
      num_replicas: o.replicas,
    },
    fixed: ['subjects', 'storage', 'retention', 'max_msgs_per_subject', 'max_age', 'allow_rollup_hdrs'],
    ...(why ? { why } : {}),
  }
}

function objects(bucket: string, replicas: number): StreamSpec {
  return {
    kind: 'object store',
    name: bucket,
    config: {
      name: `OBJ_${bucket}`,
      subjects: [`$O.${bucket}.C.>`, `$O.${bucket}.M.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: 0,
      max_bytes: -1,
      discard: DiscardPolicy.New,
      allow_rollup_hdrs: true,
      allow_direct: true,
      num_replicas: replicas,
    },
    fixed: ['subjects', 'storage', 'retention', 'max_age', 'allow_rollup_hdrs'],
    why: { max_age: 'artifacts never expire on their own' },
  }
}

function stream(name: string, subject: string, description: string, l: StreamLimits, replicas: number): StreamSpec {
  return {
    kind: 'stream',
    name,
    config: {
      name,
      description,
      subjects: [subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(l.maxAgeMs),
      max_bytes: l.maxBytes,
      max_msg_size: l.maxMsgSize,
      max_msgs_per_subject: l.maxMsgsPerSubject,
      discard: DiscardPolicy.Old,
      // Publishers set Nats-Msg-Id, so a retried publish is stored once.
      duplicate_window: nanos(Math.min(2 * 60_000, l.maxAgeMs)),
      num_replicas: replicas,
    },
    fixed: ['subjects', 'storage', 'retention'],
  }
}

// A stream whose messages are gone once acknowledged: one durable consumer shared by every
// reader takes each message once (a reader that dies unacked leaves it to the next).
function workQueue(spec: StreamSpec): StreamSpec {
  return {
    ...spec,
    config: { ...spec.config, retention: RetentionPolicy.Workqueue },
    why: { retention: 'a request is removed once a gateway has answered it' },
  }
}

/** The full layout for these options, with the options checked and defaults applied. */
export function layoutSpecs(options: LayoutOptions = {}): { specs: StreamSpec[]; settings: LayoutSettings } {
  const d = LAYOUT_DEFAULTS
  const heartbeatMs = intIn('heartbeatMs', options.heartbeatMs ?? d.heartbeatMs, 50, 600_000)
  const missedBeats = intIn('missedBeats', options.missedBeats ?? d.missedBeats, 2, 100)
  const leaseTtlMs = intIn('leaseTtlMs', options.leaseTtlMs ?? d.leaseTtlMs, 200, 3_600_000)
  const replicas = intIn('replicas', options.replicas ?? d.replicas, 1, 5)
  const nodeTtlMs = heartbeatMs * missedBeats
  const asyncResultTtlMs = intIn('asyncResultTtlMs', options.asyncResultTtlMs ?? d.asyncResultTtlMs, 1000, 365 * DAY)
  const limits = (which: keyof typeof StreamName): StreamLimits => {
    const l = { ...d.limits[which], ...options.limits?.[which] }
    intIn(`limits.${which}.maxAgeMs`, l.maxAgeMs, 1000, 10 * 365 * DAY)
    intIn(`limits.${which}.maxBytes`, l.maxBytes, KiB, Number.MAX_SAFE_INTEGER)
    intIn(`limits.${which}.maxMsgSize`, l.maxMsgSize, KiB, 64 * 1024 * KiB)
    if (l.maxMsgsPerSubject !== -1)
      intIn(`limits.${which}.maxMsgsPerSubject`, l.maxMsgsPerSubject, 1, Number.MAX_SAFE_INTEGER)
    return l
  }
  const specs: StreamSpec[] = [
    kv(
      KvBucket.nodes,
      { ttlMs: nodeTtlMs, maxValueSize: 64 * KiB, replicas },
      {
        max_age: `${missedBeats} × the heartbeat interval of ${heartbeatMs} ms: a node that stops beating disappears`,
      },
    ),
    kv(KvBucket.jobs, { ttlMs: 0, maxValueSize: 1024 * KiB, replicas }, { max_age: 'jobs never expire on their own' }),
    kv(
      KvBucket.trials,
      { ttlMs: 0, maxValueSize: 256 * KiB, replicas },
      { max_age: 'trials never expire on their own' },
    ),
    kv(
      KvBucket.endpoints,
      { ttlMs: 0, maxValueSize: 64 * KiB, replicas },
      { max_age: 'endpoints never expire on their own' },
    ),
    kv(
      KvBucket.sweeps,
      { ttlMs: 0, maxValueSize: 1024 * KiB, replicas },
      { max_age: 'sweeps never expire on their own' },
    ),
    kv(
      KvBucket.pipelines,
      { ttlMs: 0, maxValueSize: 1024 * KiB, replicas },
      { max_age: 'pipeline definitions never expire on their own' },
    ),
    kv(
      KvBucket.pipelineRuns,
      { ttlMs: 0, maxValueSize: 1024 * KiB, replicas },
      { max_age: 'pipeline runs never expire on their own' },
    ),
    kv(
      KvBucket.pipelineCache,
      { ttlMs: 0, maxValueSize: 256 * KiB, replicas },
      { max_age: 'cached step outputs never expire on their own' },
    ),
    kv(
      KvBucket.modelVersions,
      { ttlMs: 0, maxValueSize: 256 * KiB, replicas },
      { max_age: 'model versions never expire on their own' },
    ),
    kv(
      KvBucket.modelRegistry,
      { ttlMs: 0, maxValueSize: 1024 * KiB, replicas },
      { max_age: 'aliases and approvals never expire on their own' },
    ),
    kv(
      KvBucket.leader,
      { ttlMs: leaseTtlMs, maxValueSize: 4 * KiB, replicas },
      {
        max_age: 'the leader lease TTL: a lease nobody renews must expire, and no sooner than its holder expects',
      },
    ),
    stream(
      StreamName.events,
      'kiln.events.>',
      'Kiln state changes (node, job, trial, sweep, endpoint)',
      limits('events'),
      replicas,
    ),
    stream(
      StreamName.metrics,
      'kiln.metrics.>',
      'Kiln trial metrics, one subject per trial and node',
      limits('metrics'),
      replicas,
    ),
    stream(
      StreamName.logs,
      'kiln.logs.>',
      'Kiln trial log lines, one subject per trial and node',
      limits('logs'),
      replicas,
    ),
    stream(
      StreamName.sweeps,
      'kiln.sweep.>',
      'Kiln sweep engine events (kiln.sweep.<id>.events), replayed on coordinator takeover',
      limits('sweeps'),
      replicas,
    ),
    stream(
      StreamName.pipelines,
      'kiln.pipeline.>',
      'Kiln pipeline run events (kiln.pipeline.<run>.events), replayed on coordinator takeover',
      limits('pipelines'),
      replicas,
    ),
    stream(
      StreamName.capture,
      'kiln.capture.>',
      'Sampled gateway requests and responses, one subject per model',
      limits('capture'),
      replicas,
    ),
    kv(
      KvBucket.asyncResults,
      { ttlMs: asyncResultTtlMs, maxValueSize: 8 * 1024 * KiB, replicas },
      { max_age: 'how long an async inference result is kept (asyncResultTtlMs)' },
    ),
    workQueue(
      stream(
        StreamName.async,
        GatewaySubjects.asyncAll,
        'Async inference requests, each worked off by one gateway replica',
        limits('async'),
        replicas,
      ),
    ),
    ...Object.values(ObjectStoreBucket).map((b) => objects(b, replicas)),
  ]
  return { specs, settings: { heartbeatMs, nodeTtlMs, leaseTtlMs, replicas } }
}
