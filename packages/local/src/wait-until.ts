/** Polls `check` every `intervalMs` until it returns a value other than undefined; rejects with `onTimeout()` after `timeoutMs`. */
export function waitUntil<T>(
  check: () => T | undefined | Promise<T | undefined>,
  o: {
    timeoutMs: number
    intervalMs?: number
    onTimeout: () => Error
    /** Rejects early when this rejects (a process that exited). */
    abort?: Promise<never>
  },
): Promise<T> {
  return new Promise<T>((ok, fail) => {
    let done = false
    const finish = (fn: () => void) => {
      if (!done) {
        done = true
        clearTimeout(deadline)
        fn()
      }
    }
    const deadline = setTimeout(() => finish(() => fail(o.onTimeout())), o.timeoutMs)
    o.abort?.catch((err: unknown) => finish(() => fail(err)))
    const tick = async () => {
      if (done) return
      try {
        const value = await check()
        if (value !== undefined) return finish(() => ok(value))
      } catch (err) {
        return finish(() => fail(err))
      }
      if (!done) setTimeout(tick, o.intervalMs ?? 50)
    }
    void tick()
  })
}
