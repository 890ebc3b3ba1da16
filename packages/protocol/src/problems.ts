// Turns zod issues into the lines a person reads: `training.batchSize: expected a positive
// integer, got 0`, `search.space.lr.uniform: expected low < high, got [2,1]`,
// `heartbeat.load: expected a number >= 0, got string`. One formatter for job specs, search
// sections and messages; they differ only in how the value found is shown (see ProblemStyle).
import { defaultErrorMap, type z } from 'zod'
import { didYouMean } from './did-you-mean.js'
import { CANDIDATES, GOT, WHOLE_MESSAGE } from './schema-kit.js'

type Path = readonly (string | number)[]

/** One thing wrong with a value. */
export interface Problem {
  /** `training.batchSize`, `model.hidden[1]`, `heartbeat.load`; the root for the value itself. */
  field: string
  /** What would have been right, as a phrase; absent when `message` is a whole sentence. */
  expected?: string
  /** What was found, as shown in `message`. */
  got?: string
  /** The whole line: `field: expected X, got Y`. */
  message: string
}

/**
 * `document`: a file a person wrote (the value found is echoed, near misses get a "did you
 * mean"); `message`: a message a program sent (a wrong type is named, big values summarized,
 * so an error about a message stays one short line and never echoes what it carried).
 */
export type ProblemStyle = 'document' | 'message'

export interface ProblemOptions {
  style?: ProblemStyle
  /** Names the value itself in lines when `root` is empty (`spec: expected a mapping`). */
  whole?: string
}

/** `heartbeat.trials[0].epoch`; just `root` for the value itself (`root` may be empty). */
export function fieldPath(root: string, path: Path): string {
  let out = root
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`
  return out
}

/** The value at a zod path (undefined where the path runs off the value). */
export function valueAt(root: unknown, path: Path): unknown {
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

/** A short rendering of a value for the "got" half of a line. */
export function describeValue(value: unknown, style: ProblemStyle = 'document'): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (style === 'message') {
    // What a sender wrote in a message field is shown only when short: never a payload.
    if (typeof value === 'string')
      return value.length <= 32 ? JSON.stringify(value) : `a string of ${value.length} characters`
    if (Array.isArray(value)) return `an array of ${value.length}`
    return typeOf(value)
  }
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`)

// The phrase for a check that its schema did not word itself (see `expecting`).
function derivedPhrase(issue: z.ZodIssueOptionalMessage): string {
  switch (issue.code) {
    case 'invalid_type':
      return article(issue.expected === 'nan' ? 'number' : issue.expected)
    case 'invalid_literal':
      return JSON.stringify(issue.expected)
    case 'invalid_enum_value':
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

/**
 * The error map every schema is parsed with: keeps a phrase the schema gave, derives one
 * where zod would have used its own English ("Expected number, received string"), which
 * does not fit our sentence.
 */
export const phrases: z.ZodErrorMap = (issue, ctx) => {
  const zodDefault = defaultErrorMap(issue, { data: ctx.data, defaultError: '' }).message
  return { message: ctx.defaultError !== zodDefault ? ctx.defaultError : derivedPhrase(issue) }
}

/** `schema.safeParse` with the kit's wording (use this, not safeParse, wherever lines are shown). */
export function parseWith<S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
): z.SafeParseReturnType<unknown, z.output<S>> {
  return schema.safeParse(value, { errorMap: phrases })
}

function gotOf(issue: z.ZodIssue, value: unknown, style: ProblemStyle): string {
  if (issue.code === 'custom' && typeof issue.params?.[GOT] === 'string') return issue.params[GOT]
  if (style === 'message' && issue.code === 'invalid_type') return typeOf(value)
  return describeValue(value, style)
}

function candidatesOf(issue: z.ZodIssue): readonly string[] | undefined {
  if (issue.code === 'invalid_enum_value') return issue.options.map(String)
  if (issue.code === 'custom') return issue.params?.[CANDIDATES] as readonly string[] | undefined
  return undefined
}

/**
 * One problem per field (one wrong value can fail several checks, a person needs to hear it
 * once), in the order the value reads, whichever order the schema checked them in.
 */
export function problemsFrom(
  root: string,
  issues: readonly z.ZodIssue[],
  input: unknown,
  options: ProblemOptions = {},
): Problem[] {
  const style = options.style ?? 'document'
  const seen = new Set<string>()
  const found: { problem: Problem; order: number[] }[] = []
  const add = (path: Path, make: (label: string) => Omit<Problem, 'field'>) => {
    const field = fieldPath(root, path)
    if (seen.has(field)) return
    seen.add(field)
    found.push({ problem: { field, ...make(field || options.whole || 'value') }, order: documentOrder(input, path) })
  }
  for (const issue of issues) {
    if (issue.code === 'custom' && issue.params?.[WHOLE_MESSAGE]) {
      add(issue.path, (label) => ({ message: `${label}: ${issue.message}` }))
      continue
    }
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]
    for (const path of paths) {
      const value = valueAt(input, path)
      const got = issue.code === 'unrecognized_keys' ? 'an unknown key' : gotOf(issue, value, style)
      const candidates = candidatesOf(issue)
      const guess =
        style === 'document' && typeof value === 'string' && candidates ? didYouMean(value, candidates) : undefined
      const hint = guess === undefined ? '' : ` (did you mean "${guess}"?)`
      add(path, (label) => ({
        expected: issue.message,
        got,
        message: `${label}: expected ${issue.message}, got ${got}${hint}`,
      }))
    }
  }
  return found.sort((a, b) => compareOrder(a.order, b.order)).map((f) => f.problem)
}

// Where a path sits in the value: the position of each key among its siblings (keys the
// value does not have sort after those it has).
function documentOrder(root: unknown, path: Path): number[] {
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
