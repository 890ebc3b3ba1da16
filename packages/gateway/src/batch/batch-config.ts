// Dynamic batching settings per model (Triton's dynamic_batching, in the gateway's words).
import { ValidationError } from '@kiln/protocol'

export interface BatchConfig {
  /** Most rows one batch may hold; 1 turns batching off. */
  maxBatch: number
  /** How long the oldest queued request may wait for company (µs). */
  maxDelayUs: number
  /** Batch sizes that go out at once, without waiting for the delay. */
  preferredSizes: number[]
  /** Requests waiting at most; more get 503 with Retry-After. */
  queueLimit: number
  /** A request not answered in this time fails with 504 (ms). */
  timeoutMs: number
  /** Batches in flight at once (usually the number of inference threads). */
  maxInflight: number
}

/** Defaults (as Triton's): batches of up to 64, no added delay, 1024 queued requests, 30 s timeout. */
export const DEFAULT_BATCH: BatchConfig = {
  maxBatch: 64,
  maxDelayUs: 0,
  preferredSizes: [],
  queueLimit: 1024,
  timeoutMs: 30_000,
  maxInflight: 1,
}

function positiveInt(field: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min)
    throw new ValidationError(`batching.${field}`, `an integer >= ${min}`, { got: String(v) })
  return v
}

/** Fills in defaults and checks every field. */
export function batchConfig(partial: Partial<BatchConfig> = {}): BatchConfig {
  const c = { ...DEFAULT_BATCH, ...partial }
  positiveInt('maxBatch', c.maxBatch, 1)
  positiveInt('maxDelayUs', c.maxDelayUs, 0)
  positiveInt('queueLimit', c.queueLimit, 1)
  positiveInt('timeoutMs', c.timeoutMs, 1)
  positiveInt('maxInflight', c.maxInflight, 1)
  c.preferredSizes.forEach((p, i) => {
    positiveInt(`preferredSizes[${i}]`, p, 1)
  })
  return { ...c, preferredSizes: [...c.preferredSizes].sort((a, b) => a - b) }
}
