// `--where` expressions and sorting over runs, without a cluster: every operator, names of
// each kind, missing values, and malformed expressions named by position.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ValidationError } from '@kiln/protocol'
import { compileWhere, queryRuns, runsOf, specParams, type Run } from '@kiln/client'

const run = (id: string, o: Partial<Run>): Run => ({
  id,
  kind: 'job',
  jobId: id,
  name: 'fashion',
  experiment: 'fashion',
  state: 'succeeded',
  tags: {},
  params: {},
  metrics: {},
  createdAt: 0,
  ...o,
})

const RUNS = [
  run('a', {
    metrics: { test_accuracy: 0.91, val_loss: 0.3 },
    tags: { team: 'vision', baseline: true },
    params: { 'optimizer.learningRate': 0.001, 'model.hidden': [128] },
  }),
  run('b', {
    metrics: { test_accuracy: 0.85, val_loss: 0.5 },
    tags: { team: 'nlp' },
    params: { 'optimizer.learningRate': 0.01, 'model.hidden': [256, 128] },
    experiment: 'other',
  }),
  run('c', {
    metrics: { test_accuracy: 0.95 },
    tags: { team: 'vision' },
    state: 'failed',
    params: { 'optimizer.learningRate': 0.003 },
  }),
  run('d', { metrics: {}, tags: {}, state: 'running' }),
]
const ids = (where: string) => queryRuns(RUNS, { where }).map((r) => r.id)

const q = suite('client - runs --where expressions')

q('each comparison operator, on metrics, tags, params and fields', () => {
  assert.equal(ids('test_accuracy > 0.9'), ['a', 'c'])
  assert.equal(ids('test_accuracy >= 0.91'), ['a', 'c'])
  assert.equal(ids('test_accuracy < 0.91'), ['b'])
  assert.equal(ids('test_accuracy <= 0.91'), ['a', 'b'])
  assert.equal(ids('metrics.test_accuracy == 0.85'), ['b'])
  assert.equal(ids('test_accuracy != 0.85'), ['a', 'c'], 'a run without the metric matches no comparison')
  assert.equal(ids('tags.team == "vision"'), ['a', 'c'])
  assert.equal(ids("tags.team = 'nlp'"), ['b'])
  assert.equal(ids('tags.baseline'), ['a'], 'a bare name tests that it is set and true')
  assert.equal(ids('params.optimizer.learningRate < 5e-3'), ['a', 'c'])
  assert.equal(ids('params.model.hidden == params.model.hidden'), ['a', 'b'])
  assert.equal(ids('state == "failed"'), ['c'])
  assert.equal(ids('experiment == "other"'), ['b'])
  assert.equal(ids('val_loss > -1'), ['a', 'b'])
})

q('and, or, not, parentheses and their precedence', () => {
  assert.equal(ids('test_accuracy > 0.9 and tags.team == "vision"'), ['a', 'c'])
  assert.equal(ids('test_accuracy > 0.9 and tags.team == "vision" and state == "succeeded"'), ['a'])
  assert.equal(ids('tags.team == "nlp" or state == "running"'), ['b', 'd'])
  assert.equal(ids('not tags.team == "vision"'), ['b', 'd'])
  assert.equal(
    ids('state == "running" or tags.team == "nlp" and test_accuracy > 0.9'),
    ['d'],
    'and binds tighter than or',
  )
  assert.equal(ids('(state == "running" or tags.team == "nlp") and test_accuracy > 0.8'), ['b'])
  assert.equal(ids('!(test_accuracy > 0.9) && (val_loss < 1 || state == "running")'), ['b', 'd'])
  assert.equal(ids('NOT tags.baseline AND test_accuracy > 0'), ['b', 'c'])
})

q('a malformed expression names the position of the problem', () => {
  const bad = (where: string, pattern: RegExp) => {
    try {
      compileWhere(where)
    } catch (err) {
      assert.instance(err, ValidationError)
      assert.match((err as Error).message, pattern)
      return (err as ValidationError).data
    }
    assert.unreachable(`${where} compiled`)
  }
  assert.equal(
    bad('test_accuracy > and x', /^where: expected a value after > at position 17, got "and"$/)?.position,
    17,
  )
  bad('test_accuracy > 0.9 tags.team', /expected and, or, a comparison or the end at position 21, got "tags\.team"/)
  bad('(a > 1', /expected a closing \) at position 7, got the end of the expression/)
  bad('tags.team == "vision', /expected a closing " at position 14/)
  bad('a > 1 and', /expected a name, number, "string" or \( at position 10, got the end/)
  bad('a # 1', /at position 3, got "#"/)
  bad('', /expected an expression at position 1, got nothing/)
  bad('a >', /a value after > at position 4/)
})

q('sort is best first per metric direction; limit and experiment filter', () => {
  assert.equal(
    queryRuns(RUNS, { sort: 'test_accuracy' }).map((r) => r.id),
    ['c', 'a', 'b', 'd'],
  )
  assert.equal(
    queryRuns(RUNS, { sort: 'test_accuracy:asc' }).map((r) => r.id),
    ['b', 'a', 'c', 'd'],
  )
  assert.equal(
    queryRuns(RUNS, { sort: 'val_loss' }).map((r) => r.id),
    ['a', 'b', 'c', 'd'],
    'losses ascend',
  )
  assert.equal(
    queryRuns(RUNS, { sort: '-val_loss', limit: 1 }).map((r) => r.id),
    ['b'],
  )
  assert.equal(
    queryRuns(RUNS, { experiment: 'fashion', where: 'test_accuracy > 0' }).map((r) => r.id),
    ['a', 'c'],
  )
})

q('runs from records: a job is one run, a sweep each trial; params are dotted spec paths', () => {
  const spec = {
    name: 'm',
    experiment: 'e1',
    tags: { team: 'x' },
    model: { builtin: 'mlp', hidden: [8] },
    optimizer: { name: 'adam', learningRate: 0.01 },
    training: { epochs: 2 },
  }
  assert.equal(specParams(spec), {
    'model.builtin': 'mlp',
    'model.hidden': [8],
    'optimizer.name': 'adam',
    'optimizer.learningRate': 0.01,
    'training.epochs': 2,
  })
  const ts = { createdAt: 1, updatedAt: 1 }
  const job = (id: string, t: number) => ({
    v: 1 as const,
    id,
    state: 'succeeded' as const,
    attempts: 1,
    spec,
    trialIds: [],
    timestamps: { ...ts, createdAt: t },
  })
  const trial = (id: string, jobId: string, o: Record<string, unknown> = {}) => ({
    v: 1 as const,
    id,
    jobId,
    state: 'succeeded' as const,
    attempts: 1,
    timestamps: ts,
    metrics: { test_accuracy: 0.5 },
    ...o,
  })
  const runs = runsOf(
    [job('j1', 1), job('j2', 2)],
    [
      trial('j1-t0', 'j1'),
      trial('j2-t0', 'j2', {
        sweepId: 's',
        params: { 'optimizer.learningRate': 0.1 },
        timestamps: { ...ts, createdAt: 3 },
      }),
      trial('j2-t1', 'j2', { sweepId: 's', timestamps: { ...ts, createdAt: 4 } }),
    ],
  )
  assert.equal(
    runs.map((r) => [r.id, r.kind, r.experiment]),
    [
      ['j2-t1', 'trial', 'e1'],
      ['j2-t0', 'trial', 'e1'],
      ['j1', 'job', 'e1'],
    ],
  )
  assert.is(runs[1]!.params['optimizer.learningRate'], 0.1, "a sweep trial's own value")
  assert.is(runs[0]!.params['optimizer.learningRate'], 0.01, "else the job spec's")
  assert.equal(runs[2]!.tags, { team: 'x' })
})

q.run()
