// Building blocks for the spec schema. Every field states what it expects as one phrase
// ("a positive integer"); the formatter in spec-issues.ts turns a failed check into
// `field: expected <phrase>, got <value>`, so messages stay uniform without per-check text.
import { z } from 'zod'
import { didYouMean } from './did-you-mean.js'

/** Marks issues whose message is already a full sentence (not an "expected" phrase). */
export const WHOLE_MESSAGE = 'kiln.wholeMessage'

/** Schema params that word every issue of that schema as "expected <phrase>". */
export function expecting(phrase: string): { errorMap: z.ZodErrorMap } {
  return { errorMap: () => ({ message: phrase }) }
}

/** An integer > 0. */
export function positiveInt(phrase = 'a positive integer') {
  return z.number(expecting(phrase)).int().positive()
}

/** An integer >= 0 that fits a uint32 (seeds). */
export function uint32(phrase = 'an integer from 0 to 4294967295') {
  return z.number(expecting(phrase)).int().min(0).max(0xffffffff)
}

/** A finite number > 0. */
export function positiveNumber(phrase = 'a positive number') {
  return z.number(expecting(phrase)).positive().finite()
}

/** A number in [0, 1): rates, fractions, betas. */
export function fraction(phrase = 'a number from 0 up to (not including) 1') {
  return z.number(expecting(phrase)).min(0).lt(1)
}

/** A list of positive integers (layer widths, filter counts). */
export function positiveIntList(phrase = 'a list of positive integers') {
  return z.array(positiveInt(), expecting(phrase))
}

/** The values of an `as const` enum object, typed for z.enum. */
export function enumValues<T extends string>(obj: Readonly<Record<string, T>>): [T, ...T[]] {
  return Object.values(obj) as [T, ...T[]]
}

/** One of a fixed set of strings; the formatter adds "did you mean" for near misses. */
export function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values as [T, ...T[]], expecting(`one of ${values.join(', ')}`))
}

/** True or false. */
export function bool(phrase = 'true or false') {
  return z.boolean(expecting(phrase))
}

/** A plain (non-array) object, as parsed from YAML or JSON. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Adds a complete-sentence issue at `path` (relative to the schema being checked). */
export function addProblem(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, path, message, params: { [WHOLE_MESSAGE]: true } })
}

/** Params key for the values a string field could have been ("did you mean" candidates). */
export const CANDIDATES = 'kiln.candidates'

/**
 * Adds an "expected <phrase>" issue at `path`; the formatter appends the value found and,
 * given `candidates`, the closest one.
 */
export function addExpected(
  ctx: z.RefinementCtx,
  path: (string | number)[],
  phrase: string,
  candidates?: readonly string[],
): void {
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    path,
    message: phrase,
    ...(candidates ? { params: { [CANDIDATES]: candidates } } : {}),
  })
}

/** Reports every key of `raw` that is not in `known`, with the closest known key when one is near. */
export function rejectUnknownKeys(raw: Record<string, unknown>, known: readonly string[], ctx: z.RefinementCtx): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue
    const guess = didYouMean(key, known)
    const hint = guess === undefined ? `known keys: ${known.join(', ')}` : `did you mean "${guess}"?`
    addProblem(ctx, [key], `unknown key (${hint})`)
  }
}

/**
 * An object schema that rejects unknown keys (with "did you mean") and runs `check` on the
 * raw value first. Both run before the fields are parsed, so their problems are reported
 * together with the fields' own instead of only once those are fixed.
 */
export function strictObject<T extends z.ZodRawShape>(
  shape: T,
  phrase: string,
  check?: (raw: Record<string, unknown>, ctx: z.RefinementCtx) => void,
) {
  const known = Object.keys(shape)
  return z.preprocess(
    (raw, ctx) => {
      if (isRecord(raw)) {
        rejectUnknownKeys(raw, known, ctx)
        check?.(raw, ctx)
      }
      return raw
    },
    z.object(shape, expecting(phrase)),
  )
}
