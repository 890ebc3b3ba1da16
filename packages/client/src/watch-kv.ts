// A KV bucket's records as a live feed: every current record first, then each change, with
// malformed values reported and skipped. Binding retries until the bucket exists, so a
// watcher started before the cluster (or an older cluster without a newer bucket) recovers.
import { type KV, type KvWatchEntry, Kvm } from '@nats-io/kv'
import type { NatsConnection, QueuedIterator } from '@nats-io/transport-node'
import { watchFromStart } from '@kiln/cluster-state'
import { decode } from '@kiln/protocol'
import type { z } from 'zod'

export interface RecordFeed<T> {
  /** A record was written (or was there when the watch began). */
  put(key: string, record: T): void
  /** A record was deleted or purged. */
  del(key: string): void
  /** The bucket could not be read, or a value did not decode; the watch goes on. */
  error(err: unknown, key?: string): void
}

export interface RecordWatch {
  /** Resolves once every record present at the start has been delivered. */
  initialized: Promise<void>
  stop(): void
}

export interface RecordWatchOptions {
  /** Wait between attempts to bind a missing bucket (ms, default 2000). */
  retryMs?: number
  /** Only keys matching this filter (default every key, `>`), e.g. `m.>`. */
  key?: string
}

async function bind(nc: NatsConnection, bucket: string): Promise<KV> {
  return new Kvm(nc).open(bucket)
}

/** Watches the keys of `bucket` (all, or `o.key`), decoding values with `schema`. */
export function watchRecords<S extends z.ZodTypeAny>(
  nc: NatsConnection,
  bucket: string,
  schema: S,
  feed: RecordFeed<z.output<S>>,
  o: RecordWatchOptions = {},
): RecordWatch {
  let stopped = false
  let iter: QueuedIterator<KvWatchEntry> | undefined
  let retry: NodeJS.Timeout | undefined
  let markReady!: () => void
  const initialized = new Promise<void>((ok) => {
    markReady = ok
  })

  const start = async (): Promise<void> => {
    try {
      const kv = await bind(nc, bucket)
      if (stopped) return
      const watch = await watchFromStart(kv, o.key ?? '>')
      iter = watch.iter
      if (watch.empty) markReady()
    } catch (err) {
      if (stopped) return
      feed.error(err)
      // Readers wait for ready: a bucket that is not there yet counts as empty for now.
      markReady()
      if (!nc.isClosed()) retry = setTimeout(() => void start(), o.retryMs ?? 2000)
      return
    }
    if (stopped) return iter.stop()
    try {
      for await (const entry of iter) {
        if (entry.operation !== 'PUT' || entry.value.length === 0) feed.del(entry.key)
        else {
          try {
            feed.put(entry.key, decode(schema, entry.value))
          } catch (err) {
            feed.error(err, entry.key)
          }
        }
        if (entry.isUpdate) markReady()
      }
    } catch (err) {
      if (!stopped) feed.error(err)
    }
  }
  void start()
  return {
    initialized,
    stop: () => {
      stopped = true
      if (retry) clearTimeout(retry)
      iter?.stop()
    },
  }
}
