// The one kit every schema is built from: job specs (@kiln/train), search sections
// (@kiln/sweep) and messages (this package). Every check words what it expects as one
// phrase ("a positive integer"); problems.ts turns a failed check into
// `field: expected <phrase>, got <value>`, so lines stay uniform without per-check text.
import { z } from 'zod'
import { didYouMean } from './did-you-mean.js'

/** Issue params: the message is a whole sentence, not an "expected" phrase. */
export const WHOLE_MESSAGE = 'kiln.wholeMessage'
/** Issue params: the values a string could have been ("did you mean" candidates). */
export const CANDIDATES = 'kiln.candidates'
/** Issue params: what to print as the value found, instead of the value itself. */
export const GOT = 'kiln.got'

/** Schema params that word every issue of that schema as "expected <phrase>". */
export function expecting(phrase: string): { errorMap: z.ZodErrorMap } {
  return { errorMap: () => ({ message: phrase }) }
}

/** A plain (non-array) object, as parsed from YAML, JSON or msgpack. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Adds a complete-sentence issue at `path` (relative to the schema being checked). */
export function addProblem(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, path, message, params: { [WHOLE_MESSAGE]: true } })
}

/**
 * Adds an "expected <phrase>" issue at `path`; the line shows `got` (or the value found) and,
 * given `candidates`, the closest one.
 */
export function addExpected(
  ctx: z.RefinementCtx,
  path: (string | number)[],
  phrase: string,
  extra: { got?: string; candidates?: readonly string[] } = {},
): void {
  const params = {
    ...(extra.got !== undefined ? { [GOT]: extra.got } : {}),
    ...(extra.candidates ? { [CANDIDATES]: extra.candidates } : {}),
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: phrase, params })
}

/** An integer > 0. */
export const positiveInt = (phrase = 'a positive integer') => z.number(expecting(phrase)).int().positive()

/** A finite number > 0 (steps, epochs, seconds, rates). */
export const positiveNumber = (phrase = 'a positive number') => z.number(expecting(phrase)).positive().finite()

/** An integer >= 0 that fits a uint32 (seeds). */
export const uint32 = (phrase = 'an integer from 0 to 4294967295') =>
  z.number(expecting(phrase)).int().min(0).max(0xffffffff)

/** A number in [0, 1): rates, fractions, betas. */
export const fraction = (phrase = 'a number from 0 up to (not including) 1') => z.number(expecting(phrase)).min(0).lt(1)

/** A number in [low, high]. */
export const between = (low: number, high: number, phrase = `a number from ${low} to ${high}`) =>
  z.number(expecting(phrase)).min(low).max(high)

/** A list of positive integers (layer widths, filter counts). */
export const positiveIntList = (phrase = 'a list of positive integers') => z.array(positiveInt(), expecting(phrase))

/** True or false. */
export const bool = (phrase = 'true or false') => z.boolean(expecting(phrase))

/** The values of an `as const` enum object, typed for z.enum. */
export function enumValues<T extends string>(obj: Readonly<Record<string, T>>): [T, ...T[]] {
  return Object.values(obj) as [T, ...T[]]
}

/** One of a fixed set of strings; the line adds "did you mean" for near misses. */
export function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values as [T, ...T[]], expecting(`one of ${values.join(', ')}`))
}

/**
 * How an unknown key is worded: `hint` (job specs) says `unknown key (did you mean "epochs"?)`
 * or lists the known keys; `list` (search sections) says `expected a known key (a, b), got an
 * unknown key`.
 */
export type UnknownKeyWording = 'hint' | 'list'

/** Reports every key of `raw` that is not in `known`. */
export function rejectUnknownKeys(
  raw: Record<string, unknown>,
  known: readonly string[],
  ctx: z.RefinementCtx,
  wording: UnknownKeyWording = 'hint',
): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue
    if (wording === 'list') {
      addExpected(ctx, [key], `a known key (${known.join(', ')})`, { got: 'an unknown key' })
      continue
    }
    const guess = didYouMean(key, known)
    const hint = guess === undefined ? `known keys: ${known.join(', ')}` : `did you mean "${guess}"?`
    addProblem(ctx, [key], `unknown key (${hint})`)
  }
}

export interface StrictObjectOptions {
  /** Checks on the raw mapping, run with the unknown-key check (cross-field rules). */
  check?: (raw: Record<string, unknown>, ctx: z.RefinementCtx) => void
  unknownKeys?: UnknownKeyWording
}

/**
 * A mapping that refuses unknown keys (often typos) and runs `check` on the raw value first.
 * Both run before the fields are parsed, so their problems are reported together with the
 * fields' own instead of only once those are fixed.
 */
export function strictObject<T extends z.ZodRawShape>(
  shape: T,
  phrase = 'a mapping',
  options: StrictObjectOptions = {},
) {
  const known = Object.keys(shape)
  return z.preprocess(
    (raw, ctx) => {
      if (isRecord(raw)) {
        rejectUnknownKeys(raw, known, ctx, options.unknownKeys)
        options.check?.(raw, ctx)
      }
      return raw
    },
    z.object(shape, expecting(phrase)),
  )
}

/**
 * A choice written either as a bare name (`tpe`) or as a mapping with `name` and that
 * variant's own options (`{ name: tpe, startupTrials: 20 }`). Each variant's schema checks
 * its options; the issues keep their paths, so lines name `scheduler.maxT`, not the union.
 */
export function namedVariant<V extends Record<string, z.ZodTypeAny>>(what: string, variants: V) {
  const names = Object.keys(variants)
  const phrase = `${what}: one of ${names.join(', ')}, or a mapping { name: ${names[0]}, ... }`
  return z.unknown().transform((raw, ctx): z.output<V[keyof V]> => {
    const bare = typeof raw === 'string'
    const obj = bare ? { name: raw } : raw
    const name = isRecord(obj) ? obj.name : undefined
    if (typeof name !== 'string' || !Object.hasOwn(variants, name)) {
      addExpected(ctx, bare || !isRecord(raw) ? [] : ['name'], phrase)
      return z.NEVER
    }
    const result = variants[name]!.safeParse(obj)
    if (result.success) return result.data
    for (const issue of result.error.issues) ctx.addIssue(issue)
    return z.NEVER
  })
}
