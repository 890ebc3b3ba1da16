import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SearchSpecError } from '@kiln/sweep'
import { SpecError, applyOverrides, checkSearchSpace, parseOverride, validateSpec } from '@kiln/train/spec'

const base = { name: 'sweep-check', dataset: 'fashion-mnist', model: { builtin: 'mlp' } }
const sweep = (space: Record<string, unknown>) => validateSpec({ ...base, search: { maxTrials: 4, space } })

/** The problem lines of a space that must be refused. */
function problems(space: Record<string, unknown>): string[] {
  try {
    checkSearchSpace(sweep(space))
  } catch (err) {
    assert.instance(err, SpecError)
    return (err as SpecError).problems.map((p) => p.message)
  }
  assert.unreachable(`expected a SpecError for ${JSON.stringify(space)}`)
  return []
}

const check = suite('sweep - search spaces checked against the job spec before launch')

check('keys and values that fit the spec pass', () => {
  checkSearchSpace(
    sweep({
      'optimizer.learningRate': { loguniform: [1e-4, 1e-2] },
      'training.batchSize': { int: [16, 256], log: true },
      'model.hidden': { choice: [[128], [256, 128]] },
      'model.dropout': { quniform: [0, 0.5, 0.1] },
      'model.activation': { grid: ['relu', 'tanh'] },
    }),
  )
})

check('a misspelt key is refused with a did-you-mean', () => {
  assert.equal(problems({ 'optimizer.learningrate': { loguniform: [1e-4, 1e-2] } }), [
    'search.space.optimizer.learningrate: optimizer.learningrate: unknown key (did you mean "learningRate"?)',
  ])
  assert.match(
    problems({ 'traning.epochs': { int: [1, 3] } })[0]!,
    /traning: unknown key \(did you mean "training"\?\)/,
  )
})

check("a distribution whose values do not fit the field's type or range is refused", () => {
  assert.equal(problems({ 'training.batchSize': { int: [0, 64] } }), [
    'search.space.training.batchSize: its low bound 0 does not fit: training.batchSize: expected a positive integer, got 0',
  ])
  assert.equal(problems({ 'model.dropout': { uniform: [0.1, 1.5] } }), [
    'search.space.model.dropout: its high bound 1.5 does not fit: model.dropout: expected a number from 0 up to (not including) 1, got 1.5',
  ])
  assert.match(
    problems({ 'model.activation': { choice: ['relu', 'rleu'] } })[0]!,
    /model\.activation: "rleu" does not fit: .*got "rleu" \(did you mean "relu"\?\)/,
  )
  assert.match(
    problems({ 'training.epochs': { uniform: [1, 5] } })[0]!,
    /a value between its bounds like 2.48 does not fit: training.epochs: expected a positive integer/,
  )
})

check('every bad dimension is listed at once; a bad search section is its own error', () => {
  assert.is(problems({ 'optimizer.lr': { uniform: [0, 1] }, 'training.batchSize': { int: [-1, 8] } }).length, 2)
  assert.throws(
    () => checkSearchSpace(sweep({ a: { uniform: [2, 1] } })),
    (err: unknown) => err instanceof SearchSpecError,
  )
})

check("--set search.space='{optimizer.learningrate: ...}' (as kiln sweep reads it) is refused", () => {
  const spec = sweep({ 'optimizer.learningRate': { uniform: [0.001, 0.01] } })
  const [key, value] = parseOverride('search.space={optimizer.learningrate: {loguniform: [1.0e-4, 1.0e-2]}}')
  const set = applyOverrides(spec, { [key]: value }, 'job.yaml with --set')
  assert.throws(
    () => checkSearchSpace(set, 'job.yaml with --set'),
    (err: unknown) =>
      err instanceof SpecError &&
      /optimizer\.learningrate: unknown key \(did you mean "learningRate"\?\)/.test(err.message),
  )
})

check.run()
