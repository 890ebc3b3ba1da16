// A sweep is checked against the job spec before it launches: every `search.space` key must
// be a field of the spec (with a did-you-mean when it is not), and the values each
// distribution can give must fit that field's type and range. Checked with the spec schema
// itself, by setting each dimension's extreme values (every value of a list) and validating:
// a trial never finds out on a worker what could be known here.
import { isNumeric, parseSearchSpec, type Domain } from '@kiln/sweep'
import { SpecError, type SpecProblem } from './errors.js'
import type { Spec } from './spec-schema.js'
import { applyOverrides } from './spec.js'

// A list dimension is tried value by value, up to this many.
const MAX_VALUES = 64

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
  for (const [key, domain] of Object.entries(search.space)) {
    for (const probe of probes(domain)) {
      let found: SpecProblem[] = []
      try {
        applyOverrides(spec, { [key]: probe.value }, source)
      } catch (err) {
        if (!(err instanceof SpecError)) throw err
        found = err.problems.filter((p) => concerns(key, p))
      }
      if (found.length === 0) continue
      const field = `search.space.${key}`
      const what = found.map((p) => p.message).join('; ')
      // An unknown key fails whatever the value: say so without naming one.
      const unknown = found.every((p) => p.message.includes('unknown key') || p.message.includes('cannot set inside'))
      problems.push({ field, message: unknown ? `${field}: ${what}` : `${field}: ${probe.name} does not fit: ${what}` })
      break
    }
  }
  if (problems.length > 0) throw new SpecError(source, problems)
}
