// A failed run for people: its reason on one line, then the user's frames indented below, as
// every command that shows a failure prints it.
import { failureLine, failureOf, type ErrorLike } from '@kiln/client'

/** `prefix: message (at file:line) [code]` and the frames under it; '' when the record has no error. */
export function failureText(record: { error?: ErrorLike | undefined }, prefix: string): string {
  const f = failureOf(record)
  if (!f) return ''
  return `${prefix}${failureLine(f)}\n${f.frames.map((frame) => `    ${frame}\n`).join('')}`
}
