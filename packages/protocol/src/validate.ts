// Turns a zod failure into one ValidationError that reads `heartbeat.load: expected a number
// >= 0, got string`. Every message schema carries its name as its zod description, so the
// field path starts with the message it belongs to.
import { defaultErrorMap, type z } from 'zod'
import { ValidationError } from './errors.js'

type Path = readonly (string | number)[]

/** `heartbeat.trials[0].epoch`; just `heartbeat` for the message itself. */
export function fieldPath(root: string, path: Path): string {
  let out = root
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${part}`
  return out
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[part]
  }
  return value
}

/** The kind of a received value: `string`, `array`, `Float32Array`, `nothing`. */
export function typeOf(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (ArrayBuffer.isView(value)) return value.constructor.name
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN'
  return typeof value
}

// Numbers and short strings are shown (they are what the sender wrote in a message field,
// never credentials); anything bigger is summarized so an error stays one short line.
function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (typeof value === 'string')
    return value.length <= 32 ? JSON.stringify(value) : `a string of ${value.length} characters`
  if (Array.isArray(value)) return `an array of ${value.length}`
  return typeOf(value)
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`)

// The phrase for a check that its schema did not word itself (see `expecting` in fields.ts).
function derivedPhrase(issue: z.ZodIssueOptionalMessage): string {
  switch (issue.code) {
    case 'invalid_type':
      return article(issue.expected === 'nan' ? 'number' : issue.expected)
    case 'invalid_literal':
      return JSON.stringify(issue.expected)
    case 'invalid_enum_value':
      return issue.options.map((o) => JSON.stringify(o)).join(' or ')
    case 'invalid_union_discriminator':
      return issue.options.map((o) => JSON.stringify(o)).join(' or ')
    case 'not_finite':
      return 'a finite number'
    case 'too_small':
    case 'too_big': {
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<'
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum
      if (issue.type === 'string') return `a string of ${op} ${bound} characters`
      if (issue.type === 'array' || issue.type === 'set') return `${op} ${bound} items`
      return `a number ${op} ${bound}`
    }
    default:
      return 'a valid value'
  }
}

// Contextual map: keeps a phrase the schema gave, derives one where zod would have used its
// own English ("Expected number, received string"), which does not fit our sentence.
const phrases: z.ZodErrorMap = (issue, ctx) => {
  const zodDefault = defaultErrorMap(issue, { data: ctx.data, defaultError: '' }).message
  return { message: ctx.defaultError !== zodDefault ? ctx.defaultError : derivedPhrase(issue) }
}

/** Builds the ValidationError for a failed parse: the first problem in the message, up to ten in `data.issues`. */
export function validationErrorFrom(root: string, issues: readonly z.ZodIssue[], input: unknown): ValidationError {
  const listed = issues.slice(0, 10).map((issue) => {
    const value = valueAt(input, issue.path)
    return {
      field: fieldPath(root, issue.path),
      expected: issue.message,
      got: issue.code === 'invalid_type' ? typeOf(value) : describe(value),
    }
  })
  const first = listed[0] ?? { field: root, expected: 'a valid message', got: typeOf(input) }
  return new ValidationError(first.field, first.expected, {
    got: first.got,
    data: issues.length > 1 ? { issues: listed } : {},
  })
}

/** Validates `value` against `schema`; returns the parsed value or throws a ValidationError naming the field. */
export function check<S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
  name = schema.description ?? 'message',
): z.output<S> {
  const result = schema.safeParse(value, { errorMap: phrases })
  if (result.success) return result.data
  throw validationErrorFrom(name, result.error.issues, value)
}
