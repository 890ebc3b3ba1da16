/** @jsxRuntime automatic */
/** @jsxImportSource react */
// The help screen: every key, the global ones and each view's; any key closes it.
import type { ReactElement } from 'react'
import { Box, Text } from 'ink'

/** Keys and what they do. */
export function HelpView({
  lines,
  width,
  height,
}: {
  lines: ReadonlyArray<readonly [string, string]>
  width: number
  height: number
}): ReactElement {
  const keyW = Math.max(...lines.map(([k]) => k.length)) + 2
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" paddingX={1}>
      <Text bold>kiln dash keys</Text>
      {lines.slice(0, height - 4).map(([k, what]) => (
        <Text key={k} wrap="truncate">
          <Text color="cyan">{k.padEnd(keyW)}</Text>
          {what}
        </Text>
      ))}
      <Text dimColor>any key closes this</Text>
    </Box>
  )
}
