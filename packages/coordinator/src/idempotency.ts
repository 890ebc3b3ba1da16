// An idempotency key names one submission: the same key with the same body is a retry (the
// first job is answered), the same key with another body is a mistake (or an attempt to pass
// one job off as another) and is refused, naming the job the key belongs to.
import { createHash, randomBytes } from 'node:crypto'
import { ErrorCode, KilnError, type JobRecord } from '@kiln/protocol'
import type { JobSpec } from '@kiln/train/spec'

/** What a submission asks for, besides its key. */
export interface SubmissionBody {
  spec: JobSpec
  bundleId?: string | undefined
  datasetId?: string | undefined
}

/** A new record id's own part: the hash of its idempotency key (two keys never name one record), else random. */
export function idSuffix(key: string | undefined): string {
  return key ? createHash('sha256').update(key).digest('hex').slice(0, 16) : randomBytes(6).toString('hex')
}

/** Throws a `conflict` unless `body` is what the job (or sweep) `recordId` was submitted with. */
export function assertSameSubmission(key: string, recordId: string, job: JobRecord, body: SubmissionBody): void {
  const same =
    canonical(job.spec) === canonical(body.spec) && job.bundleId === body.bundleId && job.datasetId === body.datasetId
  if (same) return
  throw new KilnError(
    ErrorCode.conflict,
    `idempotency key "${key}" was used for ${recordId} with another spec, bundle or dataset; use a new key for a new submission`,
    { data: { jobId: job.id, ...(recordId !== job.id ? { id: recordId } : {}) } },
  )
}

// JSON with keys sorted at every level: two specs that differ only in key order are equal.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  )
}
