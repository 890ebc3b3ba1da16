// The feature columns the profile keeps, as the numbers a dataset holds: numeric cells as
// they are, categorical cells as indices into their sorted values (as @kiln/data's CSV
// reader encodes text columns), missing cells as NaN. Rows without a target are left out.
import { ColumnKind, isFeature, isMissing, profileColumn, type ColumnProfile } from './column-profile.js'
import { ProblemKind, type Problem } from './problem.js'
import { isNumberCell, type RawTable } from './raw-table.js'

/** A categorical feature: its index in a sample and its values (index i names values[i]). */
export interface CategoryFeature {
  feature: number
  values: string[]
}

/** A table ready to become a dataset. */
export interface EncodedTable {
  rows: number
  /** Row-major [rows, features]. */
  x: Float32Array
  featureNames: string[]
  /** Classification: class indices into problem.classNames. */
  labels?: Int32Array
  /** Regression: the target values. */
  targets?: Float32Array
  categories: CategoryFeature[]
  /** Every column but the target, kept or not, for the plan's notes. */
  columns: ColumnProfile[]
  /** Feature cells that were missing, in all. */
  missingCells: number
}

/** Profiles the feature columns and encodes the ones that are features. */
export function encodeTable(table: RawTable, targetIndex: number, problem: Problem): EncodedTable {
  const targetCells = table.cells[targetIndex]!
  const keep: number[] = []
  for (let r = 0; r < table.rows; r++) if (!isMissing(targetCells[r]!)) keep.push(r)
  const columns = table.columns.flatMap((name, c) =>
    c === targetIndex
      ? []
      : [
          {
            c,
            profile: profileColumn(
              name,
              keep.map((r) => table.cells[c]![r]!),
            ),
          },
        ],
  )
  const features = columns.filter(({ profile }) => isFeature(profile))
  const width = features.length
  const x = new Float32Array(keep.length * width)
  const categories: CategoryFeature[] = []
  let missingCells = 0
  features.forEach(({ c, profile }, f) => {
    const cells = table.cells[c]!
    const index = profile.kind === ColumnKind.categorical ? new Map(profile.levels!.map((v, i) => [v, i])) : undefined
    if (index) categories.push({ feature: f, values: profile.levels! })
    keep.forEach((r, i) => {
      const cell = cells[r]!
      let v = Number.NaN
      if (isMissing(cell)) missingCells++
      else v = index ? index.get(cell)! : Number(cell)
      x[i * width + f] = v
    })
  })
  const out: EncodedTable = {
    rows: keep.length,
    x,
    featureNames: features.map(({ profile }) => profile.name),
    categories,
    columns: columns.map(({ profile }) => profile),
    missingCells,
  }
  if (problem.kind === ProblemKind.regression) out.targets = Float32Array.from(keep, (r) => Number(targetCells[r]))
  else {
    const classIndex = new Map(problem.classNames!.map((name, i) => [name, i]))
    // Numeric classes are named by their number ("1.0" and "1" are one class), as in detectProblem.
    const numeric = keep.every((r) => isNumberCell(targetCells[r]!))
    out.labels = Int32Array.from(keep, (r) => {
      const cell = targetCells[r]!
      return classIndex.get(numeric ? String(Number(cell)) : cell)!
    })
  }
  return out
}
