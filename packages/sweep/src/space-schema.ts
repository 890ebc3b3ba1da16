// The `space:` mapping of a search section, in its YAML-friendly form:
//   optimizer.learningRate: { loguniform: [1.0e-4, 1.0e-2] }
//   training.batchSize:     { int: [16, 256], log: true }      (bounds inclusive; step: n)
//   model.dropout:          { quniform: [0, 0.5, 0.1] }
//   model.hidden:           { choice: [[128], [256, 128]] }
//   training.seed:          { grid: [1, 2, 3] }
// Checked by hand rather than as a zod union, so that each mistake gets its own line that
// names the dimension and the rule it broke.
import { z } from 'zod'
import type { Domain } from './domain.js'
import type { JsonValue } from './json.js'
import { addExpected, isRecord } from '@kiln/protocol'

/** The distribution keys a dimension may use. */
export const DISTRIBUTIONS = ['uniform', 'loguniform', 'quniform', 'qloguniform', 'int', 'choice', 'grid'] as const

const KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/
const DISTRIBUTION_PHRASE = `a distribution: one mapping key of ${DISTRIBUTIONS.join(', ')} (like { uniform: [0, 1] })`

type Issue = (path: (string | number)[], phrase: string, got?: string) => void

function isNumberList(value: unknown, length: number): value is number[] {
  return (
    Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'number' && Number.isFinite(v))
  )
}

// [low, high] or [low, high, q]: shape first, then each rule on its own so the line says
// which one failed.
function numericBounds(args: unknown, name: string, log: boolean, issue: Issue): [number, number, number?] | undefined {
  const withQ = name.startsWith('q')
  if (!isNumberList(args, withQ ? 3 : 2)) {
    issue([name], withQ ? '[low, high, q] (three numbers)' : '[low, high] (two numbers)')
    return undefined
  }
  const [low, high, q] = args as [number, number, number?]
  if (!(low < high)) issue([name], 'low < high')
  else if (log && low <= 0) issue([name], 'a positive low bound (a log scale needs 0 < low < high)')
  else if (q !== undefined && !(q > 0)) issue([name, 2], 'a step q > 0')
  else return [low, high, q]
  return undefined
}

function intDomain(raw: Record<string, unknown>, issue: Issue): Domain | undefined {
  let ok = true
  const fail: Issue = (path, phrase, got) => {
    ok = false
    issue(path, phrase, got)
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'int' && key !== 'log' && key !== 'step')
      fail([key], 'a known key of an int dimension (int, log, step)', 'an unknown key')
  }
  if (raw.log !== undefined && typeof raw.log !== 'boolean') fail(['log'], 'true or false')
  const step = raw.step
  if (step !== undefined && !(typeof step === 'number' && Number.isInteger(step) && step > 0))
    fail(['step'], 'a positive integer step')
  const bounds = numericBounds(raw.int, 'int', raw.log === true, issue)
  if (bounds !== undefined && !(Number.isInteger(bounds[0]) && Number.isInteger(bounds[1])))
    fail(['int'], '[low, high] as integers')
  if (!ok || bounds === undefined) return undefined
  const q = typeof step === 'number' && step !== 1 ? { q: step } : {}
  return { kind: 'int', low: bounds[0], high: bounds[1], log: raw.log === true, ...q }
}

/** Parses one dimension, reporting each problem through `issue` (paths relative to it). */
export function parseDomain(raw: unknown, issue: Issue): Domain | undefined {
  if (!isRecord(raw)) return void issue([], DISTRIBUTION_PHRASE)
  const names = Object.keys(raw).filter((k) => (DISTRIBUTIONS as readonly string[]).includes(k))
  if (names.length !== 1)
    return void issue(
      [],
      names.length === 0 ? DISTRIBUTION_PHRASE : `exactly one distribution key (found ${names.join(', ')})`,
    )
  const name = names[0]!
  if (name === 'int') return intDomain(raw, issue)
  const extra = Object.keys(raw).filter((k) => k !== name)
  for (const key of extra) issue([key], `no other key beside ${name}`, 'an unknown key')
  const args = raw[name]
  if (name === 'choice' || name === 'grid') {
    if (!Array.isArray(args) || args.length === 0) return void issue([name], 'a non-empty list of values')
    return extra.length > 0 ? undefined : { kind: name, values: structuredClone(args) as JsonValue[] }
  }
  const log = name.includes('log')
  const bounds = numericBounds(args, name, log, issue)
  if (bounds === undefined || extra.length > 0) return undefined
  const [low, high, q] = bounds
  return { kind: 'float', low, high, log, ...(q !== undefined ? { q } : {}) }
}

/** The `space:` mapping: dotted keys to dimensions, at least one. */
export const spaceSchema = z.unknown().transform((raw, ctx): Record<string, Domain> => {
  if (!isRecord(raw) || Object.keys(raw).length === 0) {
    addExpected(ctx, [], 'a mapping of at least one dotted key (like optimizer.learningRate) to a distribution')
    return z.NEVER
  }
  const space: Record<string, Domain> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (!KEY.test(key)) {
      addExpected(ctx, [key], 'a dotted path into the job spec like optimizer.learningRate', {
        got: JSON.stringify(key),
      })
      continue
    }
    const domain = parseDomain(value, (path, phrase, got) =>
      addExpected(ctx, [key, ...path], phrase, got === undefined ? {} : { got }),
    )
    if (domain !== undefined) space[key] = domain
  }
  return space
})
