// Turns zod issues into the lines a person reads: `search.space.lr: expected X, got Y`.
import { fieldPath } from '@kiln/protocol'
import type { z } from 'zod'

/** A short rendering of what the user wrote, for the "got" half of a line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/**
 * One line per problem, at most one per field (one bad value can fail several checks), in
 * the order zod found them. `root` starts every field path (`search`).
 */
export function problemLines(root: string, issues: readonly z.ZodIssue[], input: unknown): string[] {
  const seen = new Set<string>()
  const lines: string[] = []
  const add = (path: readonly (string | number)[], expected: string, got: string) => {
    const field = fieldPath(root, path)
    if (seen.has(field)) return
    seen.add(field)
    lines.push(`${field}: expected ${expected}, got ${got}`)
  }
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], issue.message, 'an unknown key')
    } else if (issue.code === 'invalid_union') {
      // Each member failed for its own reason; the union's own phrase says what would fit.
      add(issue.path, issue.message, describeValue(at(input, issue.path)))
    } else {
      const got = issue.code === 'custom' && typeof issue.params?.got === 'string' ? issue.params.got : undefined
      add(issue.path, issue.message, got ?? describeValue(at(input, issue.path)))
    }
  }
  return lines
}

// The user's value at a zod path (undefined where the path runs off the document).
function at(root: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined,
    root,
  )
}
