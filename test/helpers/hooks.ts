// uvu swallows an exception thrown in a before/after hook (its runner returns from a
// `finally`), so the suite just shows 0 passed with no reason. Wrap hooks in `loud`.

/** Wraps a uvu hook so that its error is printed before uvu drops it. */
export function loud<T>(hook: (ctx: T) => unknown): (ctx: T) => Promise<void> {
  return async (ctx) => {
    try {
      await hook(ctx)
    } catch (err) {
      console.error('uvu hook failed:', err)
      throw err
    }
  }
}
