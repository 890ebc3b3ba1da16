// useState whose latest value key handlers can read before React re-renders: one chunk of
// terminal input (a paste, tmux send-keys with several keys) runs the handler once per key
// with no render between them, so each key must see what the one before it set.
import { useRef, useState } from 'react'

/** [value for rendering, setter, getter of the value as last set]. */
export function useLiveState<T>(initial: T): [T, (next: T | ((prev: T) => T)) => void, () => T] {
  const [value, setValue] = useState(initial)
  const latest = useRef(value)
  const set = useRef((next: T | ((prev: T) => T)) => {
    latest.current = typeof next === 'function' ? (next as (prev: T) => T)(latest.current) : next
    setValue(latest.current)
  }).current
  return [value, set, () => latest.current]
}
