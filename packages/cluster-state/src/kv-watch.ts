// A KV watch that can tell when the records present at its start are all delivered. nats.js
// 3.x dropped the watch's `initializedFn`: an entry's `isUpdate` is true from the last
// initial entry on, and a watch that found no keys delivers nothing to say so.
import type { KV, KvWatchEntry } from '@nats-io/kv'
import type { QueuedIterator } from '@nats-io/transport-node'

/** A watch from the last value of each key on; `empty` when it began with no keys. */
export interface StartedWatch {
  iter: QueuedIterator<KvWatchEntry>
  /** No initial entry will come: the records present at the start are all (none) delivered. */
  empty: boolean
}

/**
 * Watches the last value of every key matching `key`, then each change. The initial values
 * are all delivered once an entry with `isUpdate` has been handled, or at once when `empty`.
 */
export async function watchFromStart(kv: KV, key: string): Promise<StartedWatch> {
  const iter = await kv.watch({ key })
  // keys() looks after the watch began: a key added since arrives as an update (isUpdate),
  // and one deleted since was counted by the watch, whose entries then come with isUpdate.
  const keys = await kv.keys(key)
  let empty = true
  for await (const _ of keys) {
    empty = false
    keys.stop()
    break
  }
  return { iter, empty }
}
