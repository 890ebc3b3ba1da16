// A train or sweep step's job spec, with its `set` overrides, checked as `kiln submit` and
// `kiln sweep` would check it, before the pipeline runs. Overrides that are references to
// steps (known only at run time) are tried with a stand-in of their type.
import { isRecord } from '@kiln/protocol'
import { SearchSpecError } from '@kiln/sweep'
import { SpecError, checkSearchSpace, validateSpec } from '@kiln/train/spec'
import { fieldOf } from './references.js'

/** A problem line with its field. */
export interface PlanProblem {
  field: string
  message: string
}

const STAND_IN = 'pipeline-reference'

// Sets a dotted path, creating mappings on the way (as applyOverrides does).
function setPath(root: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.')
  let node = root
  for (const part of parts.slice(0, -1)) {
    if (!isRecord(node[part])) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  node[parts[parts.length - 1]!] = value
}

/** Problems of a train (`sweep: false`) or sweep step's spec and overrides, named from the pipeline's top. */
export function checkStepSpec(
  at: string,
  spec: Record<string, unknown>,
  set: Record<string, unknown> | undefined,
  sweep: boolean,
): PlanProblem[] {
  const merged = structuredClone(spec)
  const keys = Object.keys(set ?? {})
  for (const [key, value] of Object.entries(set ?? {}))
    setPath(merged, key, typeof value === 'string' && /^\$\{[^{}]*\}$/.test(value) ? STAND_IN : value)
  // A problem inside an override's value is the override's; anything else is the spec's.
  const name = (field: string) => {
    const key = keys.find((k) => field === k || field.startsWith(`${k}.`) || field.startsWith(`${k}[`))
    return key
      ? `${fieldOf(`${at}.set`, key)}${field.slice(key.length)}`
      : field === ''
        ? `${at}.spec`
        : `${at}.spec.${field}`
  }
  const relabel = (field: string, message: string) => {
    const full = name(field)
    return {
      field: full,
      message: field === '' ? message.replace(/^spec:/, `${full}:`) : `${full}${message.slice(field.length)}`,
    }
  }
  try {
    const parsed = validateSpec(merged, `${at}.spec`)
    if (sweep && !parsed.search)
      return [
        {
          field: `${at}.spec.search`,
          message: `${at}.spec.search: expected a search section (a sweep step runs a sweep)`,
        },
      ]
    if (!sweep && parsed.search)
      return [
        {
          field: `${at}.spec.search`,
          message: `${at}.spec.search: expected no search section in a train step (use kind: sweep)`,
        },
      ]
    if (sweep) checkSearchSpace(parsed, `${at}.spec`)
    return []
  } catch (err) {
    if (err instanceof SpecError) return err.problems.map((p) => relabel(p.field, p.message))
    if (err instanceof SearchSpecError)
      return err.problems.map((line) => ({ field: `${at}.spec.search`, message: `${at}.spec.${line}` }))
    throw err
  }
}
