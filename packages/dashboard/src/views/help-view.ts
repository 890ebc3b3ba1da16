// The help screen: every key.
import { type ReactElement, createElement as h } from 'react'
import { Box, Text } from 'ink'
import { HELP } from '../keys.js'

/** Keys and what they do; any key closes it. */
export function HelpView({ width, height }: { width: number; height: number }): ReactElement {
  const keyW = Math.max(...HELP.map(([k]) => k.length)) + 2
  return h(
    Box,
    { flexDirection: 'column', width, height, borderStyle: 'round', paddingX: 1 },
    h(Text, { bold: true }, 'kiln dash keys'),
    ...HELP.slice(0, height - 4).map(([k, what]) =>
      h(Text, { key: k, wrap: 'truncate' }, h(Text, { color: 'cyan' }, k.padEnd(keyW)), what),
    ),
    h(Text, { dimColor: true }, 'any key closes this'),
  )
}
