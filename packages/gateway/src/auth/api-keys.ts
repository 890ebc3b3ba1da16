// API keys are kept and compared only as sha256 hashes: endpoint records, logs and errors
// never hold a key itself.
import { createHash, timingSafeEqual } from 'node:crypto'

/** sha256 of a key, as lowercase hex (what endpoint records store). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** Whether `hash` is one of `allowed`, in time that does not depend on where they differ. */
export function hashAllowed(hash: string, allowed: readonly string[]): boolean {
  const h = Buffer.from(hash, 'hex')
  let ok = false
  for (const a of allowed) {
    const b = Buffer.from(a, 'hex')
    if (b.length === h.length && timingSafeEqual(b, h)) ok = true
  }
  return ok
}
