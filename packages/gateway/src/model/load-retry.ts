// When a failed model load is tried again: exponential backoff from `baseMs`, capped at
// `maxMs`, for at most `attempts` tries in all (then the version stays failed until it is
// loaded through the repository API, or a new version replaces it).

export interface LoadRetryPolicy {
  /** Tries in all, the first included (default 8). */
  attempts: number
  /** Wait after the first failure (default 1000 ms); doubled after each further one. */
  baseMs: number
  /** Longest wait (default 60 s). */
  maxMs: number
}

export const DEFAULT_LOAD_RETRY: LoadRetryPolicy = { attempts: 8, baseMs: 1000, maxMs: 60_000 }

/** The wait before try `failed + 1`, or undefined when no tries are left. */
export function retryDelayMs(policy: LoadRetryPolicy, failed: number): number | undefined {
  if (failed >= policy.attempts) return undefined
  return Math.min(policy.baseMs * 2 ** Math.max(0, failed - 1), policy.maxMs)
}
