// Building blocks for the search-section schema. Every check words what it expects as one
// phrase; issues.ts turns a failed check into `search.<path>: expected <phrase>, got <value>`.
import { z } from 'zod'

/** Schema params that word every issue of that schema as "expected <phrase>". */
export function expecting(phrase: string): { errorMap: z.ZodErrorMap } {
  return { errorMap: () => ({ message: phrase }) }
}

/** An integer > 0. */
export const positiveInt = (phrase = 'a positive integer') => z.number(expecting(phrase)).int().positive()

/** A finite number > 0 (steps, epochs, seconds). */
export const positiveNumber = (phrase = 'a positive number') => z.number(expecting(phrase)).positive().finite()

/** A number in [low, high]. */
export const between = (low: number, high: number, phrase = `a number from ${low} to ${high}`) =>
  z.number(expecting(phrase)).min(low).max(high)

/**
 * A mapping with exactly these keys: an unknown key (often a typo) is reported by name, with
 * the keys that would have been right.
 */
export function strictObject<T extends z.ZodRawShape>(shape: T, phrase = 'a mapping') {
  const known = `a known key (${Object.keys(shape).join(', ')})`
  return z
    .object(shape, { errorMap: (issue) => ({ message: issue.code === 'unrecognized_keys' ? known : phrase }) })
    .strict()
}

/** A plain (non-array) object, as parsed from YAML or JSON. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Adds an issue at `path` that reads `expected <phrase>, got <got or the value there>`. */
export function addExpected(ctx: z.RefinementCtx, path: (string | number)[], phrase: string, got?: string): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: phrase, params: got === undefined ? {} : { got } })
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
    if (typeof name !== 'string' || !names.includes(name)) {
      addExpected(ctx, bare || !isRecord(raw) ? [] : ['name'], phrase)
      return z.NEVER
    }
    const result = variants[name]!.safeParse(obj)
    if (result.success) return result.data
    for (const issue of result.error.issues) ctx.addIssue(issue)
    return z.NEVER
  })
}
