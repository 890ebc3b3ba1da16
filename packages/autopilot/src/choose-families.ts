// Which model families fit the data: trees, linear models and MLPs for tables, CNNs and
// MLPs for images; a family this Kiln's job spec does not know is left out (asked of the
// spec schema itself), and so is one that cannot learn from the data as it is.
import { KilnError, ErrorCode } from '@kiln/protocol'
import { validateSpec } from '@kiln/train/spec'
import { Family } from './families.js'
import { ProblemKind } from './problem.js'

/** What the family choice depends on. */
export interface DataTraits {
  problem: ProblemKind
  /** Samples of rank 2 or 3 (images). */
  images: boolean
  /** Some feature values are missing (NaN). */
  missing: boolean
  /** Some features are categories (text columns), which every trial one-hot encodes. */
  categorical: boolean
}

/** True when the job spec accepts `model: { builtin: family }`. */
export function knowsFamily(family: Family): boolean {
  try {
    validateSpec({ name: 'probe', dataset: 'probe', model: { builtin: family } })
    return true
  } catch {
    return false
  }
}

/** The families to search, and why any were left out. */
export function chooseFamilies(
  traits: DataTraits,
  known: (f: Family) => boolean = knowsFamily,
): { families: Family[]; notes: string[] } {
  const notes: string[] = []
  const regression = traits.problem === ProblemKind.regression
  const wanted: Family[] = traits.images ? [Family.cnn, Family.mlp] : [Family.gbdt, Family.linear, Family.mlp]
  const families = wanted.filter((f) => {
    if (!known(f)) return notes.push(`${f}: not a model kind of this Kiln`), false
    if (regression && (f === Family.mlp || f === Family.cnn))
      return notes.push(`${f}: classification only in this Kiln`), false
    // Networks and linear models turn one NaN into NaN losses: their preprocessing
    // candidates impute (plan.ts); trees learn where gaps go.
    return true
  })
  if (families.length === 0)
    throw new KilnError(ErrorCode.invalidArgument, `no model family can learn from this data: ${notes.join('; ')}`, {
      data: { notes },
    })
  return { families, notes }
}
