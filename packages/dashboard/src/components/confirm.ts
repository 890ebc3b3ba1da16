// A yes/no question on one line; the view that asks handles the y/n/esc keys.
import { type ReactElement, createElement as h } from 'react'
import { Text } from 'ink'

/** Something waiting for y or n. */
export interface Pending {
  question: string
  run(): Promise<void>
}

/** The question, highlighted, with its keys. */
export function ConfirmLine({ question }: { question: string }): ReactElement {
  return h(
    Text,
    { wrap: 'truncate' },
    h(Text, { color: 'black', backgroundColor: 'yellow' }, ` ${question} `),
    h(Text, { bold: true }, ' y/n'),
  )
}
