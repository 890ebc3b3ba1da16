// Feature references of a preprocessing step (a CSV header name, or an index) resolved
// against a dataset, with errors that name the step's field and offer the closest name.
import { ValidationError, didYouMean } from '@kiln/protocol'
import type { ColumnRef } from './preprocessing-spec.js'

/** The names of a dataset's features: its CSV headers, else "feature N". */
export function featureNamesOf(width: number, names: readonly string[] | undefined): string[] {
  return names ? [...names] : Array.from({ length: width }, (_, i) => `feature ${i}`)
}

/** Resolves each reference to a feature index; `field` is the step's path (`preprocessing.drop`). */
export function resolveColumns(refs: readonly ColumnRef[], names: readonly string[], field: string): number[] {
  return refs.map((ref, i) => {
    if (typeof ref === 'number') {
      if (ref < names.length) return ref
      throw new ValidationError(`${field}[${i}]`, `a feature index below ${names.length}`, { got: String(ref) })
    }
    const at = names.indexOf(ref)
    if (at >= 0) return at
    const guess = didYouMean(ref, names)
    const known = names.length <= 12 ? ` (${names.map((n) => JSON.stringify(n)).join(', ')})` : ''
    throw new ValidationError(`${field}[${i}]`, `a feature of the dataset${known}`, {
      got: `${JSON.stringify(ref)}${guess ? ` (did you mean "${guess}"?)` : ''}`,
    })
  })
}
