// A sweep is checked against the job spec before it launches: every `search.space` key must
// be a field of the spec (with a did-you-mean when it is not), and the values each
// distribution can give must fit that field's type and range. Checked with the spec schema
// itself, by setting each dimension's extreme values (every value of a list) and validating:
// a trial never finds out on a worker what could be known here. A conditional dimension is
// tried with its parent set to each value that switches it on (`model: { builtin: gbdt }`
// before `model.trees`), since that is how its trials will see it.
import {
  inSpaceOrder,
  isNumeric,
  parseSearchSpec,
  switchesOn,
  type Domain,
  type JsonValue,
  type Params,
  type Space,
} from '@kiln/sweep'
import { SpecError, type SpecProblem } from './errors.js'
import type { Spec } from './spec-schema.js'
import { applyOverrides } from './spec.js'

// A list dimension is tried value by value, up to this many.
const MAX_VALUES = 64
// A conditional dimension is tried under this many of its parent's values that switch it on.
const MAX_CONTEXTS = 8

// The values a dimension is tried with, and how each is named in a problem line.
function probes(domain: Domain): Array<{ value: unknown; name: string }> {
  if (!isNumeric(domain))
    return domain.values.slice(0, MAX_VALUES).map((value) => ({ value, name: JSON.stringify(value) }))
  const out = [
    { value: domain.low, name: `its low bound ${domain.low}` },
    { value: domain.high, name: `its high bound ${domain.high}` },
  ]
  // A float dimension also gives values between its bounds (2.5 for an integer field).
  if (domain.kind === 'float') {
    const inside = domain.q !== undefined ? domain.low + domain.q : domain.low + (domain.high - domain.low) * 0.37
    if (inside < domain.high) out.push({ value: inside, name: `a value between its bounds like ${inside}` })
  }
  return out
}

// Problems of one override that concern its key: the field itself, inside it, or a section
// above it that does not exist.
function concerns(key: string, problem: SpecProblem): boolean {
  const f = problem.field
  return f === key || f.startsWith(`${key}.`) || f.startsWith(`${key}[`) || key.startsWith(`${f}.`)
}

/**
 * Checks a sweep's search section (its own rules, then each space key against the job spec);
 * throws a SearchSpecError or a SpecError listing every problem, before any trial exists.
 */
export function checkSearchSpace(spec: Spec, source = 'spec'): void {
  if (!spec.search) return
  const search = parseSearchSpec(spec.search, { metric: spec.metric })
  const problems: SpecProblem[] = []
  const { space } = search
  for (const [key, domain] of Object.entries(space)) {
    const found = firstMisfit(spec, space, key, domain, source)
    if (found !== undefined) problems.push(found)
  }
  if (problems.length > 0) throw new SpecError(source, problems)
}

// Each probe of a dimension, under each way its condition can be met, until one does not fit.
function firstMisfit(spec: Spec, space: Space, key: string, domain: Domain, source: string): SpecProblem | undefined {
  for (const context of contexts(space, domain)) {
    for (const probe of probes(domain)) {
      let found: SpecProblem[] = []
      try {
        applyOverrides(spec, inSpaceOrder(space, { ...context, [key]: probe.value as JsonValue }), source)
      } catch (err) {
        if (!(err instanceof SpecError)) throw err
        found = err.problems.filter((p) => concerns(key, p))
      }
      if (found.length === 0) continue
      const field = `search.space.${key}`
      const what = found.map((p) => p.message).join('; ')
      // An unknown key fails whatever the value: say so without naming one.
      const unknown = found.every((p) => p.message.includes('unknown key') || p.message.includes('cannot set inside'))
      const where = domain.when === undefined ? '' : ` (with ${describeContext(context)})`
      return {
        field,
        message: unknown ? `${field}${where}: ${what}` : `${field}: ${probe.name} does not fit${where}: ${what}`,
      }
    }
  }
  return undefined
}

// The parent values under which a conditional dimension exists: each value of its parent
// that switches it on (up to a few), with the parent's own first such context. An
// unconditional dimension has one empty context.
function contexts(space: Space, domain: Domain): Params[] {
  const c = domain.when
  if (c === undefined) return [{}]
  const parent = space[c.key]!
  const above = contexts(space, parent)[0] ?? {}
  if (isNumeric(parent)) return []
  return parent.values
    .filter((v) => switchesOn(c, v))
    .slice(0, MAX_CONTEXTS)
    .map((v) => ({ ...above, [c.key]: v }))
}

function describeContext(context: Params): string {
  return Object.entries(context)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(', ')
}
