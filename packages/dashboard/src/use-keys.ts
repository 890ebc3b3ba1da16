// useInput with the latest handler. Ink attaches a changed handler in an effect, after the
// render; keys typed quickly (a paste, tmux send-keys, a fast typist) then reach the
// previous render's handler and its stale state. Here one stable listener calls whatever
// handler the last render made.
import { useCallback, useRef } from 'react'
import { useInput, type Key } from 'ink'

/** Calls `handler` for each key while `active`. */
export function useKeys(handler: (input: string, key: Key) => void, active = true): void {
  const latest = useRef(handler)
  latest.current = handler
  const stable = useCallback((input: string, key: Key) => latest.current(input, key), [])
  useInput(stable, { isActive: active })
}
