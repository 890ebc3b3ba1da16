// References in a pipeline file: `${params.epochs}` and `${steps.prepare.dataset}`. A string
// that is exactly one reference takes the referenced value itself (a dataset id, a model
// version, a metrics mapping); references inside longer text are written into it as text.

/** What a reference points at. */
export type Ref = { kind: 'param'; name: string } | { kind: 'step'; step: string; output: string }

/** A reference found in a value: where (a dotted field path) and what. */
export interface FoundRef {
  field: string
  ref: Ref
  text: string
  /** The string is this reference alone (its value replaces the string). */
  whole: boolean
}

const WHOLE = /^\$\{([^{}]*)\}$/
const ANY = /\$\{([^{}]*)\}/g
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/

/** Parses the inside of `${...}`; a phrase saying what was expected when it is not a reference. */
export function parseRef(inner: string): Ref | { problem: string } {
  const parts = inner.trim().split('.')
  if (parts[0] === 'params' && parts.length === 2 && NAME.test(parts[1]!)) return { kind: 'param', name: parts[1]! }
  if (parts[0] === 'steps' && parts.length === 3 && NAME.test(parts[1]!) && NAME.test(parts[2]!))
    return { kind: 'step', step: parts[1]!, output: parts[2]! }
  return { problem: 'a reference like ${params.NAME} or ${steps.STEP.OUTPUT}' }
}

/** The path of a key under `base`, as problem lines show it. */
export function fieldOf(base: string, key: string | number): string {
  return typeof key === 'number' ? `${base}[${key}]` : base === '' ? key : `${base}.${key}`
}

/** Every reference in `value` (strings, nested in mappings and lists), with its field path. */
export function findRefs(
  value: unknown,
  field: string,
  out: (FoundRef | { field: string; problem: string; text: string })[] = [],
) {
  if (typeof value === 'string') {
    const whole = WHOLE.test(value)
    for (const m of value.matchAll(ANY)) {
      const ref = parseRef(m[1]!)
      out.push('problem' in ref ? { field, problem: ref.problem, text: m[0] } : { field, ref, text: m[0], whole })
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      findRefs(v, fieldOf(field, i), out)
    })
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) findRefs(v, fieldOf(field, k), out)
  }
  return out
}

/** The text form of a value written into a longer string: a model version as NAME@VERSION. */
export function asText(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'name' in value && 'version' in value)
    return `${(value as { name: string }).name}@${(value as { version: number }).version}`
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * A copy of `value` with the references `lookup` answers replaced (a whole-string reference
 * by the value, others as text); references it answers undefined stay as written.
 */
export function substitute(value: unknown, lookup: (ref: Ref) => unknown): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value)
    if (whole) {
      const ref = parseRef(whole[1]!)
      if ('problem' in ref) return value
      const v = lookup(ref)
      return v === undefined ? value : v
    }
    return value.replace(ANY, (text, inner: string) => {
      const ref = parseRef(inner)
      if ('problem' in ref) return text
      const v = lookup(ref)
      return v === undefined ? text : asText(v)
    })
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, lookup))
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, lookup)]))
  return value
}
