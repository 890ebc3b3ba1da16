// DATASET as the autopilot reads it, before anything reaches a cluster: a CSV file (every
// column looked at: the target's problem, each feature's type), or a prepared dataset (a
// registered name like fashion-mnist, or one the cluster stores), whose labels are the
// target. Bad input is refused here, with the field named, and nothing is stored.
import { basename } from 'node:path'
import { fromArrays, type FromArraysInput, type ResolvedDataset } from '@kiln/data'
import { ValidationError } from '@kiln/protocol'
import type { DataTraits } from './choose-families.js'
import { encodeTable } from './encode-table.js'
import { detectProblem, ProblemKind, targetColumn, type Problem } from './problem.js'
import { rawTable } from './raw-table.js'

/** What the user said about the target. */
export interface TargetOptions {
  target?: string
  problem?: ProblemKind
}

/** The data, ready to store in the cluster, and what the autopilot learned about it. */
export interface AnalyzedInput {
  resolved: ResolvedDataset
  /** The name the cluster stores it under (a subject token). */
  name: string
  /** Where it came from, for people. */
  source: string
  problem: Problem
  traits: DataTraits
  rows: number
  featureNames: string[]
  /** Column decisions and anything left out, for people. */
  notes: string[]
}

/**
 * The name of the autopilot's dataset and model for a file or dataset name: autopilot-<the
 * name in lowercase letters, digits and dashes>, which both a job spec and the stores accept.
 */
export function datasetName(pathOrName: string): string {
  const stem = basename(pathOrName).replace(/\.csv$/i, '')
  const token = stem
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '')
  return `autopilot-${token || 'data'}`
}

/** A CSV file's text: the target's problem, the features' types, and the encoded dataset. */
export function analyzeCsv(text: string, path: string, options: TargetOptions = {}): AnalyzedInput {
  const table = rawTable(text, path)
  const column = targetColumn(table, options.target)
  const problem = detectProblem(table, column, options.problem)
  const encoded = encodeTable(table, column, problem)
  if (encoded.featureNames.length === 0)
    throw new ValidationError('DATASET', `a feature column beside the target in ${path}`, {
      got: `only ${encoded.columns.map((c) => `${c.name} (${c.kind})`).join(', ') || 'the target'}`,
    })
  const notes = encoded.columns.map((c) => {
    const gaps = c.missing > 0 ? `, ${c.missing} missing` : ''
    const kept = c.kind === 'numeric' || c.kind === 'categorical'
    return `${c.name}: ${c.kind}${c.levels ? ` (${c.levels.length} values)` : ''}${gaps}${kept ? '' : ', left out'}`
  })
  if (problem.missingTargets > 0) notes.push(`${problem.missingTargets} rows without a ${problem.target} left out`)
  const input: FromArraysInput & Record<string, unknown> = {
    name: datasetName(path),
    x: encoded.x,
    labels: encoded.labels ?? new Int32Array(encoded.rows),
    sampleShape: [encoded.featureNames.length],
    featureNames: encoded.featureNames,
    ...(problem.classNames ? { classNames: problem.classNames } : { numClasses: 1 }),
    ...(encoded.targets ? { targets: encoded.targets } : {}),
    // As `kiln data import` stores a CSV: the trials one-hot encode these (preprocessing), and
    // each ensemble member carries its own steps, so the served model takes the raw columns.
    ...(encoded.categories.length > 0 ? { categories: encoded.categories } : {}),
  }
  const train = fromArrays(input)
  if (encoded.targets && !('targets' in train))
    throw new ValidationError('--problem', 'binary or multiclass (this Kiln stores no regression targets)', {
      got: 'regression',
    })
  return {
    resolved: { train },
    name: input.name,
    source: path,
    problem,
    traits: {
      problem: problem.kind,
      images: false,
      missing: encoded.missingCells > 0,
      categorical: encoded.categories.length > 0,
    },
    rows: encoded.rows,
    featureNames: encoded.featureNames,
    notes,
  }
}

/** A prepared dataset (its labels, or regression targets, are the target). */
export function analyzeDataset(resolved: ResolvedDataset, name: string, options: TargetOptions = {}): AnalyzedInput {
  if (options.target !== undefined)
    throw new ValidationError(
      '--target',
      `no --target for ${name}: its target is its labels (--target names a CSV column)`,
      {
        got: JSON.stringify(options.target),
      },
    )
  const train = resolved.train
  const regression = (train as { targets?: Float32Array }).targets !== undefined
  const numClasses = train.numClasses
  if (!regression && numClasses < 2)
    throw new ValidationError('DATASET', 'a dataset with at least 2 classes to tell apart', {
      got: `1 class in ${name}`,
    })
  const kind = regression ? ProblemKind.regression : numClasses === 2 ? ProblemKind.binary : ProblemKind.multiclass
  if (options.problem !== undefined && options.problem !== kind)
    throw new ValidationError('--problem', `${kind} (the problem ${name} poses)`, { got: options.problem })
  const problem: Problem = {
    kind,
    target: 'label',
    ...(regression
      ? {}
      : { classNames: [...(train.classNames ?? Array.from({ length: numClasses }, (_, c) => String(c)))] }),
    missingTargets: 0,
  }
  let missing = false
  for (let i = 0; i < train.x.length && !missing; i++) missing = Number.isNaN(train.x[i]!)
  const size = train.sampleShape.reduce((a, b) => a * b, 1)
  return {
    resolved,
    name: datasetName(name),
    source: name,
    problem,
    traits: {
      problem: kind,
      images: train.sampleShape.length >= 2,
      missing,
      categorical: (train.categories?.length ?? 0) > 0,
    },
    rows: train.count,
    featureNames: [...(train.featureNames ?? Array.from({ length: size }, (_, f) => `feature ${f + 1}`))],
    notes: [],
  }
}
