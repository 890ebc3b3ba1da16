// A leader lease on one KV key (kiln_leader), for the coordinator and its standbys.
//
// Exclusivity comes from JetStream's compare-and-set alone: acquiring writes the key only if
// it is absent (or deleted), renewing and releasing only if it still has the revision this
// holder wrote. Expiry comes from the bucket's max age, enforced by the server's clock, so
// holders' clocks never need to agree. A holder counts its lease valid for ttlMs from the
// moment it *sent* the write, which is never later than the server stored it; with ttlMs at
// most the bucket's TTL the key cannot expire (and be taken) while the holder still trusts it.
import { KvWatchInclude, type KV } from '@nats-io/kv'
import {
  KilnError,
  ErrorCode,
  LeaseRecordSchema,
  PROTOCOL_VERSION,
  TimeoutError,
  ValidationError,
  encode,
  subjectToken,
} from '@kiln/protocol'
import { apiErrorCode } from './ensure-stream.js'
import { LeaseLostError } from './errors.js'

const WRONG_LAST_SEQUENCE = 10071
const KEY = /^[-/=\w]+(\.[-/=\w]+)*$/

/** A held lease; pass it to renewLease / releaseLease. */
export interface Lease {
  readonly kv: KV
  readonly key: string
  readonly holderId: string
  readonly ttlMs: number
  /** KV revision this holder last wrote; only a write at this revision is ours. */
  readonly revision: number
  readonly acquiredAt: number
  /** performance.now() after which the holder must assume it lost the lease. */
  readonly validUntil: number
}

const buckets = new WeakMap<KV, { name: string; ttlMs: number }>()

// A bucket's TTL cannot change under us (ensureLayout refuses a different one), so one
// status request per handle is enough.
async function bucketOf(kv: KV): Promise<{ name: string; ttlMs: number }> {
  let bucket = buckets.get(kv)
  if (!bucket) {
    const status = await kv.status()
    bucket = { name: status.bucket, ttlMs: status.ttl }
    buckets.set(kv, bucket)
  }
  return bucket
}

function record(holderId: string, ttlMs: number, acquiredAt: number, renewedAt: number): Uint8Array {
  return encode(LeaseRecordSchema, { v: PROTOCOL_VERSION, holderId, acquiredAt, renewedAt, ttlMs })
}

function isCasConflict(err: unknown): boolean {
  return apiErrorCode(err) === WRONG_LAST_SEQUENCE
}

/**
 * Takes the lease on `key` for `holderId` if nobody holds it; null when someone does.
 * `ttlMs` may not exceed the bucket's TTL (kiln_leader's is the layout's leaseTtlMs).
 */
export async function acquireLease(kv: KV, key: string, holderId: string, ttlMs: number): Promise<Lease | null> {
  if (typeof key !== 'string' || !KEY.test(key))
    throw new ValidationError('key', 'a KV key (A-Z a-z 0-9 _ - / = and inner dots)', { got: String(key) })
  subjectToken(holderId, 'holderId')
  const { name, ttlMs: bucketTtl } = await bucketOf(kv)
  if (bucketTtl <= 0) {
    throw new KilnError(
      ErrorCode.invalidArgument,
      `bucket ${name} has no TTL: the lease of a dead holder would never expire`,
      { data: { bucket: name } },
    )
  }
  if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > bucketTtl) {
    throw new ValidationError('ttlMs', `an integer from 1 to the bucket's TTL (${bucketTtl} ms)`, {
      got: String(ttlMs),
    })
  }
  const sent = performance.now()
  const now = Date.now()
  try {
    // create() succeeds only if the key has no value (absent, expired, or deleted).
    const revision = await kv.create(key, record(holderId, ttlMs, now, now))
    return { kv, key, holderId, ttlMs, revision, acquiredAt: now, validUntil: sent + ttlMs }
  } catch (err) {
    if (isCasConflict(err)) return null
    throw err
  }
}

/** Extends a held lease by its TTL; throws LeaseLostError if it expired or was taken over. */
export async function renewLease(lease: Lease): Promise<Lease> {
  const sent = performance.now()
  try {
    const revision = await lease.kv.update(
      lease.key,
      record(lease.holderId, lease.ttlMs, lease.acquiredAt, Date.now()),
      lease.revision,
    )
    return { ...lease, revision, validUntil: sent + lease.ttlMs }
  } catch (err) {
    if (isCasConflict(err)) throw new LeaseLostError(lease.key, lease.holderId, { cause: err })
    throw err
  }
}

/** Gives a lease up so a standby need not wait for the TTL; false if it was no longer ours. */
export async function releaseLease(lease: Lease): Promise<boolean> {
  try {
    await lease.kv.delete(lease.key, { previousSeq: lease.revision })
    return true
  } catch (err) {
    if (isCasConflict(err)) return false
    throw err
  }
}

/** Whether the holder may still act on this lease (by its own clock, before the TTL runs out). */
export function leaseValid(lease: Lease): boolean {
  return performance.now() < lease.validUntil
}

export interface WaitForLeaseOptions {
  /** Give up after this long (default: 3 × the bucket's TTL). */
  timeoutMs?: number
  /** How often to look for an expiry, which the server does not announce (default TTL / 10, 20-250 ms). */
  pollMs?: number
}

/**
 * Resolves once nobody holds `key`: it was released (a watch sees the delete at once) or
 * it expired (JetStream 2.10 drops expired entries silently, so this also looks periodically).
 * Throws TimeoutError if that does not happen in time. Then call acquireLease: another
 * standby may still win the race.
 */
export async function waitForLeaseFree(kv: KV, key: string, options: WaitForLeaseOptions = {}): Promise<void> {
  const ttl = (await bucketOf(kv)).ttlMs
  const timeoutMs = options.timeoutMs ?? 3 * Math.max(ttl, 1000)
  const pollMs = options.pollMs ?? Math.min(250, Math.max(20, Math.floor(ttl / 10)))
  const free = async () => {
    const entry = await kv.get(key)
    return entry === null || entry.operation !== 'PUT'
  }
  let wake: () => void = () => {}
  const watcher = await kv.watch({ key, include: KvWatchInclude.UpdatesOnly })
  void (async () => {
    for await (const entry of watcher) if (entry.operation !== 'PUT') wake()
  })().catch(() => {})
  const deadline = performance.now() + timeoutMs
  try {
    while (!(await free())) {
      const left = deadline - performance.now()
      if (left <= 0) throw new TimeoutError(`waiting for lease ${JSON.stringify(key)} to be free`, timeoutMs)
      await new Promise<void>((ok) => {
        const timer = setTimeout(ok, Math.min(pollMs, left))
        wake = () => {
          clearTimeout(timer)
          ok()
        }
      })
    }
  } finally {
    watcher.stop()
  }
}
