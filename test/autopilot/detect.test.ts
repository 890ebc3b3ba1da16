// Problem detection and column types from a CSV, and the bad input refused before anything
// reaches a cluster: a target that does not exist, one class, words to regress on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ValidationError } from '@kiln/protocol'
import {
  analyzeDataset,
  ColumnKind,
  datasetName,
  detectProblem,
  encodeTable,
  rawTable,
  targetColumn,
  type ProblemKind,
} from '@kiln/autopilot'
import { fromArrays } from '@kiln/data'
import { runKiln } from '../helpers/kiln-process.js'

const CSV = `name,age,city,income,vip,score
ann,34,paris,51000.5,yes,1
bob,,berlin,42000,no,0
cy,51,paris,,no,1
dee,29,rome,38000,no,0
ed,45,berlin,61000,yes,1
flo,38,,47000,no,0
`

function problemOf(text: string, target?: string, forced?: ProblemKind) {
  const table = rawTable(text, 'data.csv')
  const column = targetColumn(table, target)
  return { table, column, problem: detectProblem(table, column, forced) }
}

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.instance(err, ValidationError)
    return (err as Error).message
  }
  assert.unreachable('expected a ValidationError')
  return ''
}

const detect = suite('autopilot - problem detection and column types')

detect('binary, multiclass and regression targets are told apart', () => {
  assert.equal(problemOf(CSV, 'vip').problem, {
    kind: 'binary',
    target: 'vip',
    classNames: ['no', 'yes'],
    missingTargets: 0,
  })
  assert.equal(problemOf(CSV).problem.classNames, ['0', '1'], 'the last column by default; numeric classes')
  assert.is(problemOf(CSV, 'city').problem.kind, 'multiclass')
  assert.is(problemOf(CSV, 'city').problem.missingTargets, 1, 'the row without a city is left out')
  assert.is(problemOf(CSV, 'income').problem.kind, 'regression', 'many distinct numbers')
  const ratings = 'x,stars\n1,1\n2,3\n3,5\n4,2\n5,4\n6,3.0\n'
  assert.equal(problemOf(ratings).problem.classNames, ['1', '2', '3', '4', '5'], 'a few integers are classes; 3.0 is 3')
  assert.is(problemOf(ratings, 'stars', 'regression').problem.kind, 'regression', '--problem overrides the guess')
})

detect('column types: numbers with gaps, categories, identifiers; the target is not a feature', () => {
  const { table, column, problem } = problemOf(CSV, 'score')
  const encoded = encodeTable(table, column, problem)
  const kinds = Object.fromEntries(encoded.columns.map((c) => [c.name, c.kind]))
  assert.equal(kinds, {
    name: ColumnKind.identifier,
    age: ColumnKind.numeric,
    city: ColumnKind.categorical,
    income: ColumnKind.numeric,
    vip: ColumnKind.categorical,
  })
  assert.equal(encoded.featureNames, ['age', 'city', 'income', 'vip'])
  assert.equal(encoded.categories, [
    { feature: 1, values: ['berlin', 'paris', 'rome'] },
    { feature: 3, values: ['no', 'yes'] },
  ])
  assert.equal(Array.from(encoded.x.subarray(0, 8)), [34, 1, 51000.5, 1, Number.NaN, 0, 42000, 0])
  assert.is(encoded.missingCells, 3)
  assert.equal(Array.from(encoded.labels!), [1, 0, 1, 0, 1, 0])
  const regression = problemOf(CSV, 'income')
  const targets = encodeTable(regression.table, regression.column, regression.problem)
  assert.is(targets.rows, 5, 'the row without an income is left out')
  assert.equal(Array.from(targets.targets!), [51000.5, 42000, 38000, 61000, 47000])
})

detect('a target column that does not exist is refused with the columns and a did-you-mean', () => {
  assert.is(
    refusal(() => problemOf(CSV, 'scroe')),
    '--target: expected a column of data.csv ("name", "age", "city", "income", "vip", "score"), got "scroe" (did you mean "score"?)',
  )
})

detect('a target with one class is refused', () => {
  assert.is(
    refusal(() => problemOf('a,b,label\n1,2,cat\n3,4,cat\n5,6,cat\n')),
    '--target: expected a column with at least 2 classes to tell apart, got only "cat" in label',
  )
})

detect('non-numeric labels for regression are refused, naming the first one', () => {
  assert.match(
    refusal(() => problemOf(CSV, 'city', 'regression')),
    /^--target: expected numbers in city to predict with --problem regression .*, got the text "paris"$/,
  )
  assert.match(
    refusal(() => problemOf(CSV, 'city', 'binary')),
    /--problem: expected multiclass \(city has 3 classes\), got binary/,
  )
})

detect('a file without a header row names its columns by position', () => {
  const { table, problem } = problemOf('1,2,a\n3,4,b\n5,6,a\n')
  assert.equal(table.columns, ['column 1', 'column 2', 'column 3'])
  assert.is(problem.kind, 'binary')
})

detect('a prepared dataset: its labels are the target, images are told from tables, bad input refused', () => {
  const images = fromArrays({ name: 'img', x: new Float32Array(4 * 16), labels: [0, 1, 2, 1], sampleShape: [4, 4] })
  const a = analyzeDataset({ train: images }, 'My Images')
  assert.equal([a.name, a.problem.kind, a.traits.images], ['autopilot-my-images', 'multiclass', true])
  assert.is(datasetName('/data/Sales 2024.CSV'), 'autopilot-sales-2024')
  const one = fromArrays({ name: 'one', x: new Float32Array(6), labels: [0, 0, 0], sampleShape: [2] })
  assert.match(
    refusal(() => analyzeDataset({ train: one }, 'one')),
    /^DATASET: expected a dataset with at least 2 classes/,
  )
  assert.match(
    refusal(() => analyzeDataset({ train: images }, 'img', { target: 'y' })),
    /^--target: expected no --target for img: its target is its labels/,
  )
  assert.match(
    refusal(() => analyzeDataset({ train: images }, 'img', { problem: 'regression' })),
    /^--problem: expected multiclass \(the problem img poses\), got regression/,
  )
})

detect('kiln autopilot refuses bad input with exit 2 before connecting to any cluster', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-autopilot-bad-'))
  try {
    writeFileSync(join(dir, 'data.csv'), CSV)
    writeFileSync(join(dir, 'one.csv'), 'a,b,label\n1,2,cat\n3,4,cat\n')
    // An address where nothing listens: reaching it would fail differently.
    const nats = ['--nats', 'nats://127.0.0.1:9']
    const cases: [string[], RegExp][] = [
      [
        ['data.csv', '--target', 'scroe'],
        /--target: expected a column of data\.csv .* got "scroe" \(did you mean "score"\?\)/,
      ],
      [['one.csv'], /--target: expected a column with at least 2 classes to tell apart, got only "cat" in label/],
      [
        ['data.csv', '--target', 'city', '--problem', 'regression'],
        /--target: expected numbers in city .* got the text "paris"/,
      ],
      [['data.csv', '--metric', 'rmse'], /--metric: expected accuracy or log_loss for binary, got rmse/],
    ]
    for (const [args, message] of cases) {
      const run = await runKiln(['autopilot', ...args, ...nats], dir)
      assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, message)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

detect.run()
