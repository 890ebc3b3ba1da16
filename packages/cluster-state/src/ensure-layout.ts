// Every Kiln process (coordinator, worker, gateway, CLI) calls ensureLayout when it starts:
// whoever comes first creates the layout, the rest find it and check it.
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { type KV, Kvm } from '@nats-io/kv'
import { type ObjectStore, Objm } from '@nats-io/obj'
import type { NatsConnection } from '@nats-io/transport-node'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { apiErrorCode, ensureStream, type EnsuredStream } from './ensure-stream.js'
import { natsFailure } from './nats-errors.js'
import {
  KvBucket,
  ObjectStoreBucket,
  StreamName,
  layoutSpecs,
  type LayoutOptions,
  type LayoutSettings,
} from './layout-spec.js'

export interface EnsureLayoutOptions extends LayoutOptions {
  /** JetStream API request timeout (ms, default 5000). */
  timeoutMs?: number
  /**
   * How long to wait for a NATS cluster that is still forming (ms, default 0: fail at once).
   * The daemons wait (DAEMON_FORMING_WAIT_MS): one started before the last NATS node is up
   * would otherwise exit and be restarted in a loop, which systemd's start limit (by
   * default 5 starts in 10 s) can end for good.
   */
  formingWaitMs?: number
  /** Hears each wait for a forming cluster: why, and how long it has waited so far. */
  onForming?: (why: string, waitedMs: number) => void
}

/** How long coordinators, workers and gateways wait for a forming NATS cluster. */
export const DAEMON_FORMING_WAIT_MS = 10 * 60_000

/**
 * A daemon's layout options: it waits for a forming cluster, saying so in its log at the
 * first wait and then every 30 s (not at every retry), then `base` (which may override).
 */
export function daemonLayoutOptions(
  log: (level: 'warn', msg: string, data: Record<string, unknown>) => void,
  base: EnsureLayoutOptions = {},
): EnsureLayoutOptions {
  let said = -1
  return {
    formingWaitMs: DAEMON_FORMING_WAIT_MS,
    onForming: (why, waitedMs) => {
      const period = Math.floor(waitedMs / 30_000)
      if (period === said) return
      said = period
      log('warn', 'waiting for the NATS cluster to form', { why, waitedS: Math.round(waitedMs / 1000) })
    },
    ...base,
  }
}

// JetStream API errors of a cluster that is still forming (nats-server's errors.json).
const NO_SUITABLE_PEERS = 10005
const CLUSTER_NOT_AVAILABLE = 10008

/** Why `err` means "the NATS cluster is still forming, ask again", or undefined when it means something else. */
export function formingReason(err: unknown): string | undefined {
  const code = apiErrorCode(err) ?? apiErrorCode((err as Error | undefined)?.cause)
  if (code === NO_SUITABLE_PEERS)
    return 'JetStream cannot place the replicas yet (no suitable peers for placement): fewer JetStream servers are up than --replicas'
  if (code === CLUSTER_NOT_AVAILABLE) return 'JetStream is temporarily unavailable (the cluster has no meta leader yet)'
  // No answer at all: the servers are electing a meta leader. (No responders means JetStream
  // is off, which waiting does not mend.)
  if (natsFailure(err) === 'timeout') return 'the JetStream API did not answer (the cluster is electing a leader)'
  return undefined
}

/** Handles on the layout, bound and ready. */
export interface Layout {
  js: JetStreamClient
  jsm: JetStreamManager
  kv: Record<keyof typeof KvBucket, KV>
  objects: Record<keyof typeof ObjectStoreBucket, ObjectStore>
  streams: typeof StreamName
  settings: LayoutSettings
  /** Stream names this call created; empty when the layout was already there. */
  created: string[]
}

/**
 * Creates whatever part of the layout is missing and checks the rest; idempotent and safe
 * to run from several processes at once. Throws LayoutConflictError for an existing bucket
 * or stream Kiln cannot use (it is never changed), KilnError `unavailable` without JetStream.
 */
export async function ensureLayout(nc: NatsConnection, options: EnsureLayoutOptions = {}): Promise<Layout> {
  const waitMs = options.formingWaitMs ?? 0
  const started = Date.now()
  for (let pause = 250; ; pause = Math.min(pause * 2, 5000)) {
    try {
      return await ensureLayoutOnce(nc, options)
    } catch (err) {
      const why = formingReason(err)
      const waited = Date.now() - started
      if (!why || waited + pause > waitMs) {
        if (!why || waitMs === 0) throw err
        throw new KilnError(
          ErrorCode.unavailable,
          `the NATS cluster did not take Kiln's JetStream layout within ${Math.round(waited / 1000)} s: ${why}`,
          { cause: err },
        )
      }
      options.onForming?.(why, waited)
      await new Promise((ok) => setTimeout(ok, pause))
    }
  }
}

async function ensureLayoutOnce(nc: NatsConnection, options: EnsureLayoutOptions): Promise<Layout> {
  const { specs, settings } = layoutSpecs(options)
  const timeout = options.timeoutMs ?? 5000
  let jsm: JetStreamManager
  try {
    jsm = await jetstreamManager(nc, { timeout })
  } catch (err) {
    throw new KilnError(
      ErrorCode.unavailable,
      `JetStream is not available on the NATS server: ${(err as Error).message}`,
      { cause: err },
    )
  }
  const js = jetstream(nc, { timeout })
  const ensured = await Promise.all(specs.map((spec) => ensureStream(jsm, spec)))
  const byName = new Map<string, EnsuredStream>(ensured.map((e) => [e.spec.name, e]))

  const kvm = new Kvm(js)
  const bindKv = (bucket: string) =>
    kvm.open(bucket, { allow_direct: byName.get(bucket)?.info.config.allow_direct ?? false })
  const kvEntries = await Promise.all(
    Object.entries(KvBucket).map(async ([role, bucket]) => [role, await bindKv(bucket)] as const),
  )
  // Opens the stores' streams made above (open checks that each is there).
  const objm = objectStoreManager(nc, timeout)
  const osEntries = await Promise.all(
    Object.entries(ObjectStoreBucket).map(async ([role, bucket]) => [role, await objm.open(bucket)] as const),
  )
  return {
    js,
    jsm,
    kv: Object.fromEntries(kvEntries) as Layout['kv'],
    objects: Object.fromEntries(osEntries) as Layout['objects'],
    streams: StreamName,
    settings,
    created: ensured.filter((e) => e.created).map((e) => e.spec.config.name),
  }
}

/**
 * Object stores get a longer publish-ack timeout than KV: a store writes megabytes chunk by
 * chunk, each acknowledged only after JetStream's fsync (`sync_interval: always`), and on a
 * busy disk one chunk's ack can take longer than the 5 s that suits a KV write. A dataset
 * import that fails halfway with TIMEOUT loses the whole upload.
 */
export function objectStoreManager(nc: NatsConnection, timeoutMs: number): Objm {
  return new Objm(jetstream(nc, { timeout: Math.max(timeoutMs, OBJECT_STORE_TIMEOUT_MS) }))
}

/** The least publish-ack timeout for object-store chunks. */
export const OBJECT_STORE_TIMEOUT_MS = 60_000
