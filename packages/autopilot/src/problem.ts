// The problem a target column poses: classes (two or more) or a number to predict. Text
// targets are classes; numeric ones are classes when they are a few integers (0/1, star
// ratings), else regression. `--problem` overrides the guess, and what cannot be learned
// (one class, words to regress on) is refused before anything is uploaded.
import { ValidationError, didYouMean } from '@kiln/protocol'
import { isMissing } from './column-profile.js'
import { isNumberCell, type RawTable } from './raw-table.js'

/** What the autopilot learns to predict. */
export const ProblemKind = { binary: 'binary', multiclass: 'multiclass', regression: 'regression' } as const
export type ProblemKind = (typeof ProblemKind)[keyof typeof ProblemKind]

/** The target and what predicting it means. */
export interface Problem {
  kind: ProblemKind
  /** The target column's name. */
  target: string
  /** Classification: class names in label order (sorted; numerically when they are numbers). */
  classNames?: string[]
  /** Rows left out because their target is missing. */
  missingTargets: number
}

/** Integer targets with at most this many distinct values are taken as classes. */
export const MAX_INTEGER_CLASSES = 20

/** The index of the target column: by name (with a did-you-mean), else the last column. */
export function targetColumn(table: RawTable, target: string | undefined): number {
  if (target === undefined) return table.columns.length - 1
  const at = table.columns.indexOf(target)
  if (at >= 0) return at
  const guess = didYouMean(target, table.columns)
  throw new ValidationError(
    '--target',
    `a column of ${table.file} (${table.columns.map((c) => JSON.stringify(c)).join(', ')})`,
    { got: `${JSON.stringify(target)}${guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`}` },
  )
}

function sortedClasses(values: Iterable<string>, numeric: boolean): string[] {
  const list = [...values]
  return numeric ? list.sort((a, b) => Number(a) - Number(b)) : list.sort()
}

/** Decides the problem of the target column `column` (`forced`: the user's --problem). */
export function detectProblem(table: RawTable, column: number, forced?: ProblemKind): Problem {
  const name = table.columns[column]!
  const present = table.cells[column]!.filter((cell) => !isMissing(cell))
  const missingTargets = table.rows - present.length
  if (present.length === 0)
    throw new ValidationError('--target', `a column with values to learn (${name} is empty in every row)`)
  const numeric = present.every(isNumberCell)
  const values = new Set(present)
  if (forced === ProblemKind.regression || (forced === undefined && numeric && !looksLikeClasses(present, values))) {
    if (!numeric) {
      const bad = present.find((cell) => !isNumberCell(cell))!
      throw new ValidationError(
        '--target',
        `numbers in ${name} to predict with --problem regression (or leave --problem out to predict its classes)`,
        { got: `the text ${JSON.stringify(bad.slice(0, 40))}` },
      )
    }
    return { kind: ProblemKind.regression, target: name, missingTargets }
  }
  const classNames = sortedClasses(numeric ? new Set(present.map((v) => String(Number(v)))) : values, numeric)
  if (classNames.length < 2)
    throw new ValidationError('--target', `a column with at least 2 classes to tell apart`, {
      got: `only ${JSON.stringify(classNames[0])} in ${name}`,
    })
  const kind = classNames.length === 2 ? ProblemKind.binary : ProblemKind.multiclass
  if (forced !== undefined && forced !== kind)
    throw new ValidationError('--problem', `${kind} (${name} has ${classNames.length} classes)`, { got: forced })
  return { kind, target: name, classNames, missingTargets }
}

// A few distinct integers (labels 0/1, ratings 1-5) are classes; anything else is a quantity.
function looksLikeClasses(present: string[], values: Set<string>): boolean {
  if (values.size > MAX_INTEGER_CLASSES) return false
  return present.every((v) => Number.isInteger(Number(v)))
}
