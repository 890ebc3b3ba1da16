// A step's cache key: a hash of what it is (its kind and the version of how Kiln carries it
// out) and everything it takes, as resolved for this run: the outputs of the steps before it
// (dataset ids and model versions, which name content that never changes), its spec with the
// parameters filled in, and the content ids of the data and code it names. The same key
// means the same work: an earlier run's outputs are reused instead.
import { createHash } from 'node:crypto'

// Bumped when what a kind of step does for the same inputs changes.
const STEP_FORMAT = 'kiln-pipeline-step/1'

/** JSON with mapping keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** The cache key of a step of `kind` with these resolved inputs. */
export function cacheKey(kind: string, inputs: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalJson({ format: STEP_FORMAT, kind, inputs }))
    .digest('hex')
}
