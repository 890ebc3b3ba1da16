// Parsing and overriding job specs. Pure: no I/O, so the coordinator, sweeps and the CLI all
// get the same answer for the same text.
import { parseDocument, parse as parseYaml } from 'yaml'
import { ValidationError, isRecord, parseWith, problemsFrom } from '@kiln/protocol'
import type { z } from 'zod'
import { SpecError, type SpecProblem } from './errors.js'
import { specSchema, type Spec } from './spec-schema.js'

export interface ParseSpecOptions {
  /** Named in error messages; `.json` files are read as JSON, anything else as YAML. */
  filename?: string
}

/** Checks an already-parsed value (from YAML, JSON or a message) and fills in the defaults. */
export function validateSpec(value: unknown, source = 'spec'): Spec {
  const result = parseWith(specSchema, value)
  if (result.success) return result.data
  throw new SpecError(source, specProblems(result.error.issues, value))
}

// Lines name fields from the spec's top (`training.epochs`), the spec itself as `spec`.
function specProblems(issues: readonly z.ZodIssue[], value: unknown): SpecProblem[] {
  return problemsFrom('', issues, value, { whole: 'spec' }).map((p) => ({ field: p.field, message: p.message }))
}

/**
 * Parses a job spec from YAML or JSON text: a typed, defaulted Spec, or a SpecError listing
 * every problem as `field: expected X, got Y`.
 */
export function parseSpec(text: string, options: ParseSpecOptions = {}): Spec {
  const source = options.filename ?? 'spec'
  return validateSpec(documentValue(text, source), source)
}

/**
 * The value of a YAML or JSON document (JSON for `.json` sources); a SpecError naming the
 * line for text that does not parse. Every document a person writes is read this way.
 */
export function documentValue(text: string, source: string, what = 'job spec'): unknown {
  if (typeof text !== 'string')
    throw new SpecError(
      source,
      [
        {
          field: '',
          message: `${what === 'job spec' ? 'spec' : what}: expected YAML or JSON text, got ${typeof text}`,
        },
      ],
      {
        what,
      },
    )
  if (source.endsWith('.json')) {
    try {
      return JSON.parse(text)
    } catch (err) {
      throw new SpecError(source, [{ field: '', message: `not valid JSON: ${(err as Error).message}` }], {
        cause: err,
        what,
      })
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    // The first line of a pretty yaml error already says where ("... at line 3, column 5:").
    const problems = doc.errors.map((e) => ({
      field: '',
      message: `not valid YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`,
    }))
    throw new SpecError(source, problems, { what })
  }
  return doc.toJS()
}

/**
 * Checks a document's value against its schema: the parsed value, or a SpecError (titled
 * "invalid <what>") listing every problem, fields named from the document's top.
 */
export function validateDocument<S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
  source: string,
  what: string,
): z.output<S> {
  const result = parseWith(schema, value)
  if (result.success) return result.data
  const problems = problemsFrom('', result.error.issues, value, { whole: what }).map((p) => ({
    field: p.field,
    message: p.message,
  }))
  throw new SpecError(source, problems, { what })
}

/** Overrides by dotted path: `{ 'training.epochs': 2, 'model.hidden': [64] }`. */
export type SpecOverrides = Readonly<Record<string, unknown>>

/**
 * Returns a new spec with values set at dotted paths (CLI `--set`, sweep trials), checked
 * again as a whole; a null value removes its key (no spec field takes null). The input spec
 * is not changed, also when this throws.
 */
export function applyOverrides(spec: Spec, overrides: SpecOverrides, source = 'overrides'): Spec {
  const copy = structuredClone(spec) as Record<string, unknown>
  const problems: SpecProblem[] = []
  for (const [key, value] of Object.entries(overrides)) {
    const parts = key.split('.')
    if (parts.some((p) => p === '')) {
      problems.push({ field: key, message: `${key}: expected a dotted path like training.epochs` })
      continue
    }
    // A copy: a later override inside this one (`model.trees` after `model`) must not write
    // into the caller's value.
    const problem = setPath(copy, parts, structuredClone(value))
    if (problem !== undefined) problems.push({ field: key, message: `${key}: ${problem}` })
  }
  if (problems.length === 0) return validateSpec(copy, source)
  // Still validate what could be set, so the user hears about every problem at once.
  const result = parseWith(specSchema, copy)
  throw new SpecError(source, result.success ? problems : [...problems, ...specProblems(result.error.issues, copy)])
}

// Creates missing mappings on the way (an optional section); refuses to walk into a scalar or
// list, which would otherwise be replaced silently.
function setPath(root: Record<string, unknown>, parts: string[], value: unknown): string | undefined {
  let node = root
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!
    if (node[part] === undefined) node[part] = {}
    const next = node[part]
    if (!isRecord(next)) return `cannot set inside ${parts.slice(0, i + 1).join('.')}, which is not a mapping`
    node = next
  }
  const last = parts[parts.length - 1]!
  // null takes the key out (a sweep's "none" for an optional section: `preprocessing: null`).
  if (value === null) delete node[last]
  else node[last] = value
  return undefined
}

/**
 * Splits a `key=value` flag; the value is read as YAML, so `2` is a number, `[64, 32]` a
 * list, `true` a boolean and anything else a string.
 */
export function parseOverride(flag: string): [string, unknown] {
  const eq = flag.indexOf('=')
  if (eq <= 0) throw new ValidationError('--set', `key=value, like training.epochs=2, got ${JSON.stringify(flag)}`)
  const key = flag.slice(0, eq).trim()
  const text = flag.slice(eq + 1)
  let value: unknown = text
  try {
    value = text.trim() === '' ? '' : parseYaml(text)
  } catch {
    // Not YAML (an unbalanced bracket, say): the text itself, which validation then judges.
  }
  return [key, value]
}
