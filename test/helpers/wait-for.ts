// Waiting for a condition without fixed sleeps: polls `probe` until it returns a value
// (not undefined/false), failing with `what` after the timeout.

/** Resolves with probe's first truthy result; throws after timeoutMs naming what was awaited. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value as T
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String((last as Error).message ?? last)})` : ''}`,
      )
    await new Promise((ok) => setTimeout(ok, everyMs))
  }
}
