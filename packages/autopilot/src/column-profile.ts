// What each feature column is, from its cells: numbers (gaps allowed), a few repeated words
// (categorical), one value everywhere (constant), a different word on every row (an
// identifier, like a name or an order number) or free text. Only numeric and categorical
// columns become features.
import { isNumberCell } from './raw-table.js'

/** The kinds of column. */
export const ColumnKind = {
  numeric: 'numeric',
  categorical: 'categorical',
  constant: 'constant',
  identifier: 'identifier',
  text: 'text',
  empty: 'empty',
} as const
export type ColumnKind = (typeof ColumnKind)[keyof typeof ColumnKind]

/** One column as the autopilot sees it. */
export interface ColumnProfile {
  name: string
  kind: ColumnKind
  /** Cells that are missing (empty, NA, NaN, null, ?). */
  missing: number
  /** Distinct values among the present cells. */
  distinct: number
  /** A categorical column's values, sorted: value i is encoded as i. */
  levels?: string[]
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-'])

/** True for a cell that stands for a missing value. */
export function isMissing(cell: string): boolean {
  return MISSING.has(cell.toLowerCase())
}

/** Text columns with at most this many distinct values are categorical. */
export const MAX_LEVELS = 50

/** Profiles one column's cells. */
export function profileColumn(name: string, cells: readonly string[]): ColumnProfile {
  const values = new Set<string>()
  let missing = 0
  let numeric = true
  for (const cell of cells) {
    if (isMissing(cell)) {
      missing++
      continue
    }
    values.add(cell)
    if (numeric && !isNumberCell(cell)) numeric = false
  }
  const present = cells.length - missing
  const distinct = values.size
  const base = { name, missing, distinct }
  if (present === 0) return { ...base, kind: ColumnKind.empty }
  if (distinct === 1) return { ...base, kind: ColumnKind.constant }
  if (numeric) return { ...base, kind: ColumnKind.numeric }
  if (distinct <= MAX_LEVELS && distinct < present)
    return { ...base, kind: ColumnKind.categorical, levels: [...values].sort() }
  // Mostly different on every row: a name or an id, which would only let a model memorize.
  if (distinct > 0.9 * present) return { ...base, kind: ColumnKind.identifier }
  return { ...base, kind: ColumnKind.text }
}

/** Whether a column of this kind becomes features. */
export function isFeature(profile: ColumnProfile): boolean {
  return profile.kind === ColumnKind.numeric || profile.kind === ColumnKind.categorical
}
