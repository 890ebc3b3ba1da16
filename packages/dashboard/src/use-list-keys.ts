// The keys of a list whose actions ask first (Endpoints, Models): while a question is up,
// y runs it and any other key drops it; otherwise ↑↓ move the selection and every other key
// goes to the view with the selected row and a way to ask.
import type { Key } from 'ink'
import type { Pending } from './components/confirm.js'
import { useKeys } from './use-keys.js'
import type { ViewProps } from './view-props.js'

/** A list's place: the selected row and the question waiting for y/n. */
export interface ListNav {
  selected: number
  confirm?: Pending
}

/** Keeps `i` inside a list of `n` rows. */
export const clampRow = (i: number, n: number) => Math.max(0, Math.min(n - 1, i))

/** Handles y/n and ↑↓ for `count` rows; `onKey` gets the rest (`ask` takes the keyboard until answered). */
export function useListKeys(
  p: ViewProps<ListNav>,
  count: number,
  onKey: (input: string, key: Key, selected: number, ask: (question: string, run: () => Promise<void>) => void) => void,
): void {
  useKeys((input, key) => {
    const nav = p.getNav()
    const sel = clampRow(nav.selected, count)
    if (nav.confirm) {
      const pending = nav.confirm
      p.holdKeys(false)
      p.setNav({ selected: sel })
      if (input === 'y' || input === 'Y') void pending.run()
      return
    }
    if (key.upArrow) return p.setNav({ selected: clampRow(sel - 1, count) })
    if (key.downArrow) return p.setNav({ selected: clampRow(sel + 1, count) })
    onKey(input, key, sel, (question, run) => {
      p.holdKeys(true)
      p.setNav({ selected: sel, confirm: { question, run } })
    })
  }, p.active)
}
