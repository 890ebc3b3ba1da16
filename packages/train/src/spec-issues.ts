// Turns zod issues into the lines a person reads: `field.path: expected X, got Y`.
import type { z } from 'zod'
import { didYouMean } from './did-you-mean.js'
import type { SpecProblem } from './errors.js'
import { CANDIDATES, WHOLE_MESSAGE } from './spec-fields.js'

/** `training.batchSize`, `model.hidden[1]`; `spec` for the document itself. */
export function fieldPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`
  return out === '' ? 'spec' : out
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let value = root
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[part]
  }
  return value
}

/** A short rendering of what the user wrote, for the "got" half of a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (typeof value === 'bigint') return `${value}n`
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 48 ? `${text.slice(0, 45)}...` : text
}

function candidatesOf(issue: z.ZodIssue): readonly string[] | undefined {
  if (issue.code === 'invalid_enum_value') return issue.options.map(String)
  if (issue.code === 'custom') return issue.params?.[CANDIDATES] as readonly string[] | undefined
  return undefined
}

/**
 * One problem per field, in the order zod found them: one wrong value can fail several
 * checks (integer, positive, a cross-field rule) and the user needs to hear it once.
 */
export function problemsFrom(issues: readonly z.ZodIssue[], input: unknown): SpecProblem[] {
  const seen = new Set<string>()
  const found: { problem: SpecProblem; order: number[] }[] = []
  for (const issue of issues) {
    const field = fieldPath(issue.path)
    if (seen.has(field)) continue
    seen.add(field)
    let message: string
    if (issue.code === 'custom' && issue.params?.[WHOLE_MESSAGE]) {
      message = `${field}: ${issue.message}`
    } else {
      const value = valueAt(input, issue.path)
      message = `${field}: expected ${issue.message}, got ${describeValue(value)}`
      const candidates = candidatesOf(issue)
      const guess = typeof value === 'string' && candidates ? didYouMean(value, candidates) : undefined
      if (guess !== undefined) message += ` (did you mean "${guess}"?)`
    }
    found.push({ problem: { field: field === 'spec' ? '' : field, message }, order: documentOrder(input, issue.path) })
  }
  return found.sort((a, b) => compareOrder(a.order, b.order)).map((f) => f.problem)
}

// Where a path sits in the document: the position of each key among its siblings (keys the
// user did not write sort after those they did). Comparing these lists orders problems as
// the file reads, whichever order the schema checked them in.
function documentOrder(root: unknown, path: readonly (string | number)[]): number[] {
  const order: number[] = []
  let node = root
  for (const part of path) {
    if (Array.isArray(node) && typeof part === 'number') {
      order.push(part)
      node = node[part]
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node)
      const at = keys.indexOf(String(part))
      order.push(at < 0 ? keys.length : at)
      node = (node as Record<string, unknown>)[part]
    } else {
      order.push(0)
      node = undefined
    }
  }
  return order
}

function compareOrder(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}
