/** @jsxRuntime automatic */
/** @jsxImportSource react */
// A yes/no question on one line; the view that asks handles the y/n/esc keys.
import type { ReactElement } from 'react'
import { Text } from 'ink'

/** Something waiting for y or n. */
export interface Pending {
  question: string
  run(): Promise<void>
}

/** The question, highlighted, with its keys. */
export function ConfirmLine({ question }: { question: string }): ReactElement {
  return (
    <Text wrap="truncate">
      <Text color="black" backgroundColor="yellow">{` ${question} `}</Text>
      <Text bold> y/n</Text>
    </Text>
  )
}
