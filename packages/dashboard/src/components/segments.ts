// Coloured pieces of one line, cut and padded to a width (Ink cannot put a fixed-width
// Box inside a Text, so fixed columns of coloured text are built from pieces).
import { createElement as h, type ReactElement } from 'react'
import { Text } from 'ink'

export interface Segment {
  text: string
  color?: string
}

/** The pieces as Text elements, exactly `width` characters in all (cut with … if longer). */
export function segments(parts: readonly Segment[], width: number): ReactElement[] {
  const out: ReactElement[] = []
  let used = 0
  const total = parts.reduce((n, p) => n + p.text.length, 0)
  const limit = total > width ? width - 1 : width
  for (const [i, p] of parts.entries()) {
    if (used >= limit) break
    const text = p.text.slice(0, limit - used)
    used += text.length
    out.push(h(Text, { key: i, ...(p.color ? { color: p.color } : {}) }, text))
  }
  if (total > width && width > 0) out.push(h(Text, { key: 'cut' }, '…'))
  else if (used < width) out.push(h(Text, { key: 'pad' }, ' '.repeat(width - used)))
  return out
}
