// Retries of trials whose node was lost: how many, and how long to wait before each.

export interface RetryPolicy {
  /** Placements a trial may have in all (the first run included). */
  maxAttempts: number
  /** Wait before the first retry; doubles each time up to maxBackoffMs. */
  backoffMs: number
  maxBackoffMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, backoffMs: 250, maxBackoffMs: 30_000 }

/** When the next attempt after `attempts` placements may start, or undefined if none may. */
export function nextAttemptAt(policy: RetryPolicy, attempts: number, now: number): number | undefined {
  if (attempts >= policy.maxAttempts) return undefined
  return now + Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, attempts - 1))
}
