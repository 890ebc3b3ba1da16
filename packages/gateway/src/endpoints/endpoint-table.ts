// Every gateway replica's view of the endpoints: kiln_endpoints watched from the start, so a
// change made through any replica is applied by all of them.
import type { KV } from '@nats-io/kv'
import { watchFromStart } from '@kiln/cluster-state'
import { EndpointRecordSchema, decode, type EndpointRecord } from '@kiln/protocol'

/** The endpoints by name, kept current by a KV watch (or set directly without NATS). */
export class EndpointTable {
  private readonly records = new Map<string, EndpointRecord>()
  private stopWatch: (() => void) | undefined
  private listeners: ((name: string, record: EndpointRecord | undefined) => void)[] = []

  /** The endpoint called `name`, if any. */
  get(name: string): EndpointRecord | undefined {
    return this.records.get(name)
  }

  /** Every endpoint, by name. */
  list(): EndpointRecord[] {
    return [...this.records.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Sets or removes a record (what the watch does; tests and NATS-less gateways call it). */
  apply(name: string, record: EndpointRecord | undefined): void {
    if (record) this.records.set(name, record)
    else this.records.delete(name)
    for (const l of this.listeners) l(name, record)
  }

  /** Calls `fn` after every change. */
  onChange(fn: (name: string, record: EndpointRecord | undefined) => void): void {
    this.listeners.push(fn)
  }

  /** Watches the bucket; resolves once the existing records are in. */
  async follow(kv: KV, onBadRecord?: (key: string, err: unknown) => void): Promise<void> {
    let initialized!: () => void
    const ready = new Promise<void>((ok) => {
      initialized = ok
    })
    const { iter, empty } = await watchFromStart(kv, '>')
    this.stopWatch = () => iter.stop()
    if (empty) initialized()
    void (async () => {
      for await (const entry of iter) {
        if (entry.operation !== 'PUT' || entry.value.length === 0) this.apply(entry.key, undefined)
        else {
          try {
            this.apply(entry.key, decode(EndpointRecordSchema, entry.value))
          } catch (err) {
            onBadRecord?.(entry.key, err) // a malformed record is skipped, not fatal
          }
        }
        if (entry.isUpdate) initialized()
      }
    })()
    await ready
  }

  /** Stops the watch. */
  stop(): void {
    this.stopWatch?.()
  }
}
