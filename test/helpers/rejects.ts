// uvu/assert has no async `rejects`; this is it: the promise must reject, and the error must
// pass `check` (an Error class, or a predicate).
import * as assert from 'uvu/assert'

type ErrorCheck = (new (...args: never[]) => Error) | ((err: unknown) => boolean)

/** Asserts that `fn()` rejects with an error matching `check`; returns that error. */
export async function rejects(fn: () => Promise<unknown>, check: ErrorCheck, what = 'the call'): Promise<unknown> {
  let error: unknown
  try {
    await fn()
  } catch (err) {
    error = err
  }
  if (error === undefined) assert.unreachable(`${what} resolved; expected it to reject`)
  const ok =
    check.prototype instanceof Error || check === Error
      ? error instanceof (check as new () => Error)
      : (check as (err: unknown) => boolean)(error)
  assert.ok(ok, `${what} rejected with an unexpected error: ${String((error as Error)?.stack ?? error)}`)
  return error
}
