// The `when:` of a search-space dimension, which makes it conditional:
//   model:       { choice: [{ builtin: gbdt }, { builtin: mlp }] }
//   model.trees: { int: [50, 500], when: { model.builtin: gbdt } }
//   model.hidden: { choice: [[64], [128, 64]], when: { model.builtin: mlp } }
//   optimizer.learningRate: { loguniform: [1.0e-4, 1.0e-1], when: { model.builtin: [mlp, linear] } }
// The one key of `when` is a choice or grid dimension listed earlier, or a path inside the
// mappings it chooses between; its value is one value or a list of them (a list value is
// written inside a list: `when: { model.hidden: [[64]] }`).
import { didYouMean, isRecord } from '@kiln/protocol'
import { valueAtPath } from './conditions.js'
import { isNumeric, type Condition, type Domain } from './domain.js'
import { jsonEqual, type JsonValue } from './json.js'

type Issue = (path: (string | number)[], phrase: string, extra?: { got?: string; candidates?: string[] }) => void

const WHEN_PHRASE =
  'a mapping of one earlier choice or grid key to its value or a list of values (like { model.builtin: gbdt })'

// The dimension a `when` key names: the key itself, or the longest key it lies inside.
function parentOf(key: string, earlier: readonly string[]): string | undefined {
  let best: string | undefined
  for (const k of earlier) {
    if ((key === k || key.startsWith(`${k}.`)) && (best === undefined || k.length > best.length)) best = k
  }
  return best
}

function describe(values: readonly JsonValue[]): string {
  const shown = values.slice(0, 8).map((v) => JSON.stringify(v))
  return values.length > 8 ? `${shown.join(', ')}, ...` : shown.join(', ')
}

/**
 * Checks one dimension's `when` against the dimensions listed before it (`earlier`, parsed;
 * `broken`, those that had problems) and returns its condition; problems are reported through `issue`, relative to `when`.
 */
export function parseWhen(
  raw: unknown,
  earlier: Readonly<Record<string, Domain>>,
  broken: ReadonlySet<string>,
  issue: Issue,
): Condition | undefined {
  if (!isRecord(raw) || Object.keys(raw).length !== 1) return void issue([], WHEN_PHRASE)
  const [whenKey, wanted] = Object.entries(raw)[0]!
  const keys = Object.keys(earlier)
  const parent = parentOf(whenKey, [...keys, ...broken])
  // A parent with problems of its own has been reported already.
  if (parent !== undefined && broken.has(parent)) return undefined
  if (parent === undefined) {
    const lists = keys.filter((k) => !isNumeric(earlier[k]!))
    const guess = didYouMean(whenKey, lists)
    return void issue([whenKey], `a choice or grid key listed before this one (${lists.join(', ') || 'none'})`, {
      got: guess === undefined ? 'an unknown key' : `an unknown key (did you mean "${guess}"?)`,
    })
  }
  const domain = earlier[parent]!
  if (isNumeric(domain))
    return void issue([whenKey], `a choice or grid key (${parent} is numeric, so it cannot switch others on)`, {
      got: 'a numeric dimension',
    })
  const path = parent === whenKey ? [] : whenKey.slice(parent.length + 1).split('.')
  const produced: JsonValue[] = []
  for (const v of domain.values) {
    const at = valueAtPath(v, path)
    if (at !== undefined && !produced.some((p) => jsonEqual(p, at))) produced.push(at)
  }
  if (produced.length === 0)
    return void issue([whenKey], `a path inside the values of ${parent}`, { got: 'a path none of them has' })
  const values = (Array.isArray(wanted) ? wanted : [wanted]) as JsonValue[]
  let ok = values.length > 0
  if (!ok) issue([whenKey], `one of the values ${whenKey} takes (${describe(produced)})`, { got: 'an empty list' })
  for (const [i, value] of values.entries()) {
    if (produced.some((p) => jsonEqual(p, value))) continue
    ok = false
    issue(
      Array.isArray(wanted) ? [whenKey, i] : [whenKey],
      `one of the values ${whenKey} takes (${describe(produced)})`,
      {
        candidates: produced.filter((p): p is string => typeof p === 'string'),
      },
    )
  }
  return ok ? { key: parent, path, values: structuredClone(values) } : undefined
}
