// Everything the engine keeps or emits is plain JSON, so events and snapshots can be stored
// in JetStream as they are and read back by any process.

/** A JSON value: what search-space choices, params and snapshots are made of. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A trial's hyperparameters, keyed by dotted paths into the job spec (`optimizer.learningRate`). */
export type Params = Record<string, JsonValue>

/** True when two JSON values are equal (key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => jsonEqual(v, b[i]))
  }
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => k in b && jsonEqual(a[k], b[k]))
}

/** A deep copy (values given to callers never alias engine state). */
export function cloneJson<T extends JsonValue | object>(value: T): T {
  return structuredClone(value)
}
