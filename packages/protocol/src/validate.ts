// Turns a failed message parse into one ValidationError that reads `heartbeat.load: expected
// a number >= 0, got string`. Every message schema carries its name as its zod description,
// so the field path starts with the message it belongs to.
import type { z } from 'zod'
import { ValidationError } from './errors.js'
import { parseWith, problemsFrom, typeOf } from './problems.js'

/** Builds the ValidationError for a failed parse: the first problem in the message, up to ten in `data.issues`. */
export function validationErrorFrom(root: string, issues: readonly z.ZodIssue[], input: unknown): ValidationError {
  const listed = problemsFrom(root, issues, input, { style: 'message' })
    .slice(0, 10)
    .map((p) => ({ field: p.field, expected: p.expected ?? p.message, got: p.got ?? '' }))
  const first = listed[0] ?? { field: root, expected: 'a valid message', got: typeOf(input) }
  return new ValidationError(first.field, first.expected, {
    got: first.got,
    data: listed.length > 1 ? { issues: listed } : {},
  })
}

/** Validates `value` against `schema`; returns the parsed value or throws a ValidationError naming the field. */
export function check<S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
  name = schema.description ?? 'message',
): z.output<S> {
  const result = parseWith(schema, value)
  if (result.success) return result.data
  throw validationErrorFrom(name, result.error.issues, value)
}
