// Every Kiln process (coordinator, worker, gateway, CLI) calls ensureLayout when it starts:
// whoever comes first creates the layout, the rest find it and check it.
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { type KV, Kvm } from '@nats-io/kv'
import { type ObjectStore, Objm } from '@nats-io/obj'
import type { NatsConnection } from '@nats-io/transport-node'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { ensureStream, type EnsuredStream } from './ensure-stream.js'
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
