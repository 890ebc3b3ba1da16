import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ErrorCode, fromWire, toWire } from '@kiln/protocol'
import { parseDuration, parseSearchSpec, SearchSpecError } from '@kiln/sweep'

const SPACE = { 'optimizer.learningRate': { loguniform: [1e-4, 1e-2] } }

/** The problem lines of a search section that must fail. */
function problems(section: unknown): string[] {
  try {
    parseSearchSpec(section)
  } catch (err) {
    assert.instance(err, SearchSpecError)
    return (err as SearchSpecError).problems
  }
  assert.unreachable(`expected a SearchSpecError for ${JSON.stringify(section)}`)
  return []
}

const parse = suite('sweep - search spec parsing')

parse('the DESIGN.md example parses with its defaults filled in', () => {
  const s = parseSearchSpec(
    {
      algorithm: 'tpe',
      scheduler: { name: 'asha', gracePeriod: 1, reductionFactor: 3, maxT: 10 },
      maxTrials: 12,
      maxConcurrent: 2,
      space: {
        'optimizer.learningRate': { loguniform: [1.0e-4, 1.0e-2] },
        'model.hidden': { choice: [[128], [256, 128], [512, 256]] },
      },
    },
    { metric: { name: 'val_accuracy', mode: 'max' } },
  )
  assert.equal(s.algorithm, {
    name: 'tpe',
    startupTrials: 10,
    eiCandidates: 24,
    priorWeight: 1,
    multivariate: true,
    constantLiar: true,
    minBandwidth: 0.03,
    weighting: 'ei',
  })
  assert.equal(s.scheduler, { name: 'asha', gracePeriod: 1, reductionFactor: 3, maxT: 10, brackets: 1 })
  assert.equal(s.metric, { name: 'val_accuracy', mode: 'max' })
  assert.equal(s.space['optimizer.learningRate'], { kind: 'float', low: 1e-4, high: 1e-2, log: true })
  assert.equal(s.space['model.hidden'], { kind: 'choice', values: [[128], [256, 128], [512, 256]] })
  assert.is(s.maxConcurrent, 2)
})

parse('every distribution form maps to its domain', () => {
  const s = parseSearchSpec({
    maxTrials: 5,
    space: {
      a: { uniform: [0, 1] },
      b: { quniform: [0, 1, 0.1] },
      c: { qloguniform: [1, 100, 5] },
      d: { int: [16, 256], log: true },
      e: { int: [0, 100], step: 10 },
      f: { grid: [1, 2] },
    },
  })
  assert.equal(s.space, {
    a: { kind: 'float', low: 0, high: 1, log: false },
    b: { kind: 'float', low: 0, high: 1, log: false, q: 0.1 },
    c: { kind: 'float', low: 1, high: 100, log: true, q: 5 },
    d: { kind: 'int', low: 16, high: 256, log: true },
    e: { kind: 'int', low: 0, high: 100, log: false, q: 10 },
    f: { kind: 'grid', values: [1, 2] },
  })
  assert.equal(s.algorithm, { name: 'random' })
  assert.equal(s.scheduler, { name: 'fifo' })
})

parse('a metric in the search section wins over the job one; its mode defaults by name', () => {
  const s = parseSearchSpec(
    { maxTrials: 1, metric: { name: 'val_loss' }, space: SPACE },
    { metric: { name: 'val_accuracy', mode: 'max' } },
  )
  assert.equal(s.metric, { name: 'val_loss', mode: 'min' })
  assert.is(parseSearchSpec({ maxTrials: 1, space: SPACE }).metric, undefined)
})

parse('maxRuntime takes durations and milliseconds', () => {
  assert.is(parseSearchSpec({ maxRuntime: '30m', space: SPACE }).maxRuntimeMs, 1_800_000)
  assert.is(parseSearchSpec({ maxRuntime: 2500, space: SPACE }).maxRuntimeMs, 2500)
  assert.is(parseDuration('1h30m'), 5_400_000)
  assert.is(parseDuration('500ms'), 500)
  assert.is(parseDuration('1.5s'), 1500)
  assert.is(parseDuration('30 minutes'), undefined)
  assert.is(parseDuration('0s'), undefined)
})

const bad = suite('sweep - search spec errors')

const cases: [string, unknown, string][] = [
  [
    'empty choice',
    { maxTrials: 2, space: { 'model.hidden': { choice: [] } } },
    'search.space.model.hidden.choice: expected a non-empty list of values, got []',
  ],
  [
    'low >= high',
    { maxTrials: 2, space: { x: { uniform: [1, 1] } } },
    'search.space.x.uniform: expected low < high, got [1,1]',
  ],
  [
    'log of a non-positive bound',
    { maxTrials: 2, space: { lr: { loguniform: [0, 0.1] } } },
    'search.space.lr.loguniform: expected a positive low bound (a log scale needs 0 < low < high), got [0,0.1]',
  ],
  [
    'q <= 0',
    { maxTrials: 2, space: { d: { quniform: [0, 1, -0.1] } } },
    'search.space.d.quniform[2]: expected a step q > 0, got -0.1',
  ],
  [
    'unknown distribution',
    { maxTrials: 2, space: { x: { normal: [0, 1] } } },
    'search.space.x: expected a distribution: one mapping key of uniform, loguniform, quniform, qloguniform, int, choice, grid (like { uniform: [0, 1] }), got {"normal":[0,1]}',
  ],
  [
    'int with fractional bounds',
    { maxTrials: 2, space: { n: { int: [1.5, 4] } } },
    'search.space.n.int: expected [low, high] as integers, got [1.5,4]',
  ],
  [
    'bounds that are not two numbers',
    { maxTrials: 2, space: { x: { uniform: [0, '1'] } } },
    'search.space.x.uniform: expected [low, high] (two numbers), got [0,"1"]',
  ],
  [
    'a key that is not a dotted path',
    { maxTrials: 2, space: { 'optimizer..lr': { uniform: [0, 1] } } },
    'search.space.optimizer..lr: expected a dotted path into the job spec like optimizer.learningRate, got "optimizer..lr"',
  ],
  [
    'an empty space',
    { maxTrials: 2, space: {} },
    'search.space: expected a mapping of at least one dotted key (like optimizer.learningRate) to a distribution, got {}',
  ],
  [
    'unknown algorithm',
    { algorithm: 'bayes', maxTrials: 2, space: SPACE },
    'search.algorithm: expected a search algorithm: one of grid, random, tpe, or a mapping { name: grid, ... }, got "bayes"',
  ],
  [
    'unknown scheduler name in a mapping',
    { scheduler: { name: 'sha' }, maxTrials: 2, space: SPACE },
    'search.scheduler.name: expected a trial scheduler: one of fifo, asha, hyperband, median, pbt, or a mapping { name: fifo, ... }, got "sha"',
  ],
  [
    'asha without maxT',
    { scheduler: 'asha', maxTrials: 2, space: SPACE },
    'search.scheduler.maxT: expected a positive number (the last step a trial may run to), got nothing',
  ],
  [
    'a misspelt scheduler option',
    { scheduler: { name: 'median', minSample: 3 }, maxTrials: 2, space: SPACE },
    'search.scheduler.minSample: expected a known key (name, gracePeriod, minSamples, compare), got an unknown key',
  ],
  [
    'reductionFactor below 2',
    { scheduler: { name: 'hyperband', maxT: 9, reductionFactor: 1 }, maxTrials: 2, space: SPACE },
    'search.scheduler.reductionFactor: expected a number >= 2, got 1',
  ],
  [
    'gracePeriod above maxT',
    { scheduler: { name: 'asha', maxT: 4, gracePeriod: 5 }, maxTrials: 2, space: SPACE },
    'search.scheduler.gracePeriod: expected at most maxT (4), got 5',
  ],
  [
    'pbt mutating an unknown key',
    { scheduler: { name: 'pbt', perturbationInterval: 2, mutations: ['lr'] }, maxTrials: 2, space: SPACE },
    'search.scheduler.mutations[0]: expected a non-grid key of search.space (optimizer.learningRate), got "lr"',
  ],
  [
    'maxConcurrent of 0',
    { maxTrials: 2, maxConcurrent: 0, space: SPACE },
    'search.maxConcurrent: expected a positive integer, got 0',
  ],
  [
    'a duration in words',
    { maxRuntime: 'half an hour', space: SPACE },
    'search.maxRuntime: expected a duration like "30m", "1h30m", "45s" or a number of milliseconds, got "half an hour"',
  ],
  [
    'random search without a budget',
    { space: SPACE },
    'search.maxTrials: expected a positive integer (random search needs a trial budget unless maxRuntime is set), got nothing',
  ],
  [
    'grid search over numeric dims only',
    { algorithm: 'grid', space: SPACE },
    'search.space: expected at least one grid or choice dimension for algorithm grid, got only numeric dimensions',
  ],
  [
    'a bad metric mode',
    { maxTrials: 2, metric: { name: 'loss', mode: 'lowest' }, space: SPACE },
    'search.metric.mode: expected min or max, got "lowest"',
  ],
  [
    'an unknown top-level key',
    { maxTrial: 2, maxTrials: 2, space: SPACE },
    'search.maxTrial: expected a known key (algorithm, scheduler, maxTrials, maxConcurrent, maxRuntime, maxFailedTrials, metric, targetValue, space), got an unknown key',
  ],
  [
    'not a mapping at all',
    'tpe',
    'search: expected a mapping (algorithm, scheduler, maxTrials, space, ...), got "tpe"',
  ],
]

for (const [name, section, line] of cases) {
  bad(name, () => {
    assert.equal(problems(section), [line])
  })
}

bad('every problem is listed at once, in one error that survives the wire', () => {
  const section = { maxTrials: -1, space: { a: { uniform: [2, 1] }, b: { choice: [] }, c: { int: [1, 5], lg: true } } }
  const lines = problems(section)
  assert.equal(lines, [
    'search.maxTrials: expected a positive integer, got -1',
    'search.space.a.uniform: expected low < high, got [2,1]',
    'search.space.b.choice: expected a non-empty list of values, got []',
    'search.space.c.lg: expected a known key of an int dimension (int, log, step), got an unknown key',
  ])
  try {
    parseSearchSpec(section)
  } catch (err) {
    const back = fromWire(toWire(err))
    assert.is(back.name, 'SearchSpecError')
    assert.is(back.code, ErrorCode.invalidArgument)
    assert.ok(back.message.includes('4 problems'), back.message)
    assert.equal(back.data?.problems, lines)
  }
})

parse.run()
bad.run()
