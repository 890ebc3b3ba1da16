// The coordinator's view of one KV bucket of records (jobs or trials): every record with
// the revision it was read or written at. The leader is the only writer, and every write is
// a compare-and-set on that revision, so a deposed leader that still believes it leads
// cannot overwrite what its successor wrote: its write fails and it steps down.
import type { KV } from '@nats-io/kv'
import type { z } from 'zod'
import { KilnError, ErrorCode, decode, encode } from '@kiln/protocol'

/** A write lost a compare-and-set: someone else (a newer leader) wrote the record. */
export class StaleWriteError extends KilnError {
  override name = 'StaleWriteError'
  constructor(bucket: string, key: string) {
    super(
      ErrorCode.conflict,
      `${bucket}/${key} was changed by another writer; this coordinator is no longer the leader`,
      { data: { bucket, key } },
    )
  }
}

interface Entry<T> {
  value: T
  revision: number
}

/** Records of one schema in one bucket, cached in memory. */
export class Records<S extends z.ZodTypeAny> {
  private readonly entries = new Map<string, Entry<z.output<S>>>()

  constructor(
    private readonly kv: KV,
    private readonly schema: S,
    private readonly bucket: string,
  ) {}

  /** Reads every record (at leader takeover); unreadable ones are reported, not fatal. */
  async load(onBad: (key: string, err: unknown) => void): Promise<void> {
    this.entries.clear()
    const keys: string[] = []
    for await (const k of await this.kv.keys()) keys.push(k)
    for (const key of keys) {
      const e = await this.kv.get(key)
      if (!e || e.operation !== 'PUT') continue
      try {
        this.entries.set(key, { value: decode(this.schema, e.value), revision: e.revision })
      } catch (err) {
        onBad(key, err)
      }
    }
  }

  get(key: string): z.output<S> | undefined {
    return this.entries.get(key)?.value
  }

  /** Every key held. */
  keys(): IterableIterator<string> {
    return this.entries.keys()
  }

  values(): z.output<S>[] {
    return [...this.entries.values()].map((e) => e.value)
  }

  /** Creates a record; false when the key exists already (nothing written). */
  async create(key: string, value: z.input<S>): Promise<boolean> {
    try {
      const revision = await this.kv.create(key, encode(this.schema, value))
      this.entries.set(key, { value: this.schema.parse(value), revision })
      return true
    } catch (err) {
      if (isWrongSequence(err)) return false
      throw err
    }
  }

  /** Replaces a record at the revision last seen; StaleWriteError when another writer won. */
  async update(key: string, value: z.input<S>): Promise<z.output<S>> {
    const current = this.entries.get(key)
    if (!current) throw new KilnError(ErrorCode.notFound, `${this.bucket}/${key} is not known`)
    let revision: number
    try {
      revision = await this.kv.update(key, encode(this.schema, value), current.revision)
    } catch (err) {
      if (isWrongSequence(err)) throw new StaleWriteError(this.bucket, key)
      throw err
    }
    const parsed = this.schema.parse(value) as z.output<S>
    this.entries.set(key, { value: parsed, revision })
    return parsed
  }

  /** Changes the cached copy only (written with the next update); returns it. */
  patch(key: string, changes: Partial<z.output<S>>): z.output<S> {
    const current = this.entries.get(key)
    if (!current) throw new KilnError(ErrorCode.notFound, `${this.bucket}/${key} is not known`)
    current.value = { ...current.value, ...changes }
    return current.value
  }

  /** Deletes a record this leader created, at the revision it wrote (a failed submission's). */
  async remove(key: string): Promise<void> {
    const current = this.entries.get(key)
    if (!current) return
    await this.kv.delete(key, { previousSeq: current.revision })
    this.entries.delete(key)
  }

  /** Replaces the cached copy only (written with the next update, at the revision last written). */
  stage(key: string, value: z.output<S>): z.output<S> {
    const current = this.entries.get(key)
    if (!current) throw new KilnError(ErrorCode.notFound, `${this.bucket}/${key} is not known`)
    current.value = value
    return value
  }

  /** Reads a record straight from the bucket (for records another process may have created). */
  async refresh(key: string): Promise<z.output<S> | undefined> {
    const e = await this.kv.get(key)
    if (!e || e.operation !== 'PUT') return undefined
    const value = decode(this.schema, e.value)
    this.entries.set(key, { value, revision: e.revision })
    return value
  }
}

function isWrongSequence(err: unknown): boolean {
  return /wrong last sequence|key exists/i.test(String((err as Error)?.message))
}
