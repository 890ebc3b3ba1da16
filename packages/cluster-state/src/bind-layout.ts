// Binding to a layout that someone else created, without creating or checking anything:
// what clients use. ensureLayout checks every stream against this process's settings
// (heartbeat, lease TTL), which a client does not know and has no business enforcing.
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { type Layout, objectStoreManager } from './ensure-layout.js'
import { KvBucket, ObjectStoreBucket } from './layout-spec.js'

/** The KV buckets and object stores of an existing layout. */
export type BoundLayout = Pick<Layout, 'js' | 'jsm' | 'kv' | 'objects'>

/** Binds every bucket and store; `unavailable` when the cluster has no layout (yet). */
export async function bindLayout(nc: NatsConnection, options: { timeoutMs?: number } = {}): Promise<BoundLayout> {
  const js = jetstream(nc, { timeout: options.timeoutMs ?? 5000 })
  try {
    const kvm = new Kvm(js)
    const kv = await Promise.all(
      Object.entries(KvBucket).map(async ([role, bucket]) => [role, await kvm.open(bucket)] as const),
    )
    const objm = objectStoreManager(nc, options.timeoutMs ?? 5000)
    const objects = await Promise.all(
      Object.entries(ObjectStoreBucket).map(async ([role, bucket]) => [role, await objm.open(bucket)] as const),
    )
    // No API check: binding the buckets above already found JetStream.
    const jsm = await jetstreamManager(nc, { timeout: options.timeoutMs ?? 5000, checkAPI: false })
    return {
      js,
      jsm,
      kv: Object.fromEntries(kv) as Layout['kv'],
      objects: Object.fromEntries(objects) as Layout['objects'],
    }
  } catch (err) {
    throw new KilnError(
      ErrorCode.unavailable,
      `the cluster's JetStream layout is not there (is a coordinator of this Kiln version running?): ${(err as Error).message}`,
      { cause: err },
    )
  }
}
