// Conditional search spaces: a dimension with a `when` exists only while the choice or grid
// dimension it names has one of the listed values, so a model family's parameters exist
// only in trials of that family. Parents come before their children in the space, so one
// pass in space order knows every parent's value before it reaches a child.
import { isRecord } from '@kiln/protocol'
import type { Condition, Domain, Space } from './domain.js'
import { jsonEqual, type JsonValue, type Params } from './json.js'

/** The value at `path` inside `value` (mappings only), undefined where the path runs off it. */
export function valueAtPath(value: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let v = value
  for (const part of path) {
    if (!isRecord(v) || !Object.hasOwn(v, part)) return undefined
    v = v[part]
  }
  return v
}

/** True when a parent value (a value of the condition's dimension) switches the condition on. */
export function switchesOn(condition: Condition, parentValue: JsonValue | undefined): boolean {
  const v = valueAtPath(parentValue, condition.path)
  return v !== undefined && condition.values.some((x) => jsonEqual(x, v))
}

/** True when `domain` exists given the params chosen so far (its parent must be among them). */
export function isActive(domain: Domain, params: Params): boolean {
  const c = domain.when
  return c === undefined || (Object.hasOwn(params, c.key) && switchesOn(c, params[c.key]))
}

/** True when some dimension of the space has a condition. */
export function isConditional(space: Space): boolean {
  return Object.values(space).some((d) => d.when !== undefined)
}

/** Keys that some other dimension's condition names. */
export function parentKeys(space: Space): Set<string> {
  return new Set(Object.values(space).flatMap((d) => (d.when ? [d.when.key] : [])))
}

/** The keys of `params` that are dimensions of the space that exist for them, in space order. */
export function activeKeys(space: Space, params: Params): string[] {
  return Object.keys(space).filter((key) => Object.hasOwn(params, key) && isActive(space[key]!, params))
}

/**
 * The params in space order: a trial's overrides are applied in this order, so a section
 * set by a parent (`model: { builtin: gbdt }`) comes before its children (`model.trees`).
 */
export function inSpaceOrder(space: Space, params: Params): Params {
  const out: Params = {}
  for (const key of Object.keys(space)) if (Object.hasOwn(params, key)) out[key] = params[key]!
  return out
}

/**
 * Dimensions in the order they can be decided, in rounds: the unconditional ones first, then
 * those whose parent was decided in an earlier round. `decide` gets each round's dimensions
 * that exist for the params so far (space order) and returns their values.
 */
export function decideInRounds(space: Space, decide: (dims: [string, Domain][], params: Params) => Params): Params {
  const params: Params = {}
  const decided = new Set<string>()
  const dims = Object.entries(space)
  while (decided.size < dims.length) {
    const ready = dims.filter(([key, d]) => !decided.has(key) && (d.when === undefined || decided.has(d.when.key)))
    // Only a space whose parents do not come first (refused when parsed) could stall here.
    if (ready.length === 0) break
    for (const [key] of ready) decided.add(key)
    const active = ready.filter(([, d]) => isActive(d, params))
    if (active.length > 0) Object.assign(params, decide(active, params))
  }
  return inSpaceOrder(space, params)
}
