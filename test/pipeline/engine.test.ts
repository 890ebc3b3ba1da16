// The pure pipeline engine (issue 18): steps become ready as their dependencies succeed,
// retries follow a failure, a stop skips what depends on it, cancel and retry, and a replay
// of the log gives the same state (what a new leader does).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  PipelineEngine,
  PipelineReplayError,
  cacheKey,
  nextCronTime,
  parseCron,
  planPipeline,
  type PipelineEvent,
} from '@kiln/pipeline'

const engine = suite('pipeline - engine')

const plan = () =>
  planPipeline({
    name: 'p',
    steps: {
      a: { kind: 'import', source: 'fashion-mnist' },
      b: { kind: 'transform', dataset: '${steps.a.dataset}', steps: { scale: 'minmax' }, to: 'b', retries: 1 },
      c: { kind: 'validate', dataset: '${steps.a.dataset}', schema: { rows: { min: 1 } } },
      d: { kind: 'split', dataset: '${steps.b.dataset}', testSplit: 0.2, to: 'd', after: ['c'] },
    },
  })

const names = (e: PipelineEngine) => e.ready().map((s) => s.name)
const start = (step: string, attempt = 1): PipelineEvent => ({
  type: 'started',
  step,
  attempt,
  key: `k-${step}`,
  inputs: {},
  at: 1,
})
const done = (step: string, outputs: Record<string, unknown> = { dataset: `id-${step}` }): PipelineEvent => ({
  type: 'succeeded',
  step,
  outputs,
  at: 2,
})

engine('steps run as their dependencies succeed; inputs take the outputs they name', () => {
  const e = new PipelineEngine(plan())
  assert.equal(names(e), ['a'])
  e.apply(start('a'))
  assert.equal(names(e), [])
  e.apply(done('a'))
  assert.equal(names(e), ['b', 'c'])
  assert.equal(e.inputsOf(e.plan.steps.find((s) => s.name === 'b')!).dataset, 'id-a')
  for (const s of ['b', 'c']) e.apply(start(s))
  e.apply(done('b'))
  assert.equal(names(e), [], 'd waits for c too (after)')
  e.apply(done('c', { ok: true, failures: [], dataset: 'id-a' }))
  e.apply({
    type: 'cached',
    step: 'd',
    key: 'k',
    inputs: {},
    outputs: { dataset: 'id-d' },
    from: { run: 'r0', step: 'd' },
    at: 3,
  })
  assert.is(e.state(), 'succeeded')
  assert.ok(e.statuses().find((s) => s.name === 'd')!.cached)
})

engine('a failure is retried up to retries, then fails the run and skips what is left', () => {
  const e = new PipelineEngine(plan())
  e.apply(start('a'))
  e.apply(done('a'))
  e.apply(start('b'))
  e.apply({ type: 'failed', step: 'b', attempt: 1, error: 'boom', at: 3 })
  assert.equal(names(e), ['b', 'c'], 'b is ready again for its second attempt')
  e.apply(start('b', 2))
  e.apply({ type: 'failed', step: 'b', attempt: 2, error: 'boom again', at: 4 })
  assert.equal(names(e), [], 'nothing new starts after a final failure')
  assert.is(e.state(), 'failed')
  assert.equal(
    e.statuses().map((s) => [s.name, s.state]),
    [
      ['a', 'succeeded'],
      ['b', 'failed'],
      ['c', 'skipped'],
      ['d', 'skipped'],
    ],
  )
  assert.is(e.endReason(), 'step b failed after 2 attempts: boom again')
  e.apply({ type: 'retried', at: 5 })
  assert.is(e.state(), 'running')
  assert.equal(names(e), ['b', 'c'])
})

engine('a stop ends the run as stopped; cancel ends it; replay rebuilds the same state', () => {
  const e = new PipelineEngine(plan())
  e.apply(start('a'))
  e.apply(done('a'))
  e.apply(start('c'))
  e.apply({
    type: 'stopped',
    step: 'c',
    outputs: { ok: false, failures: ['rows.min'] },
    reason: '1 check failed',
    at: 3,
  })
  assert.is(e.state(), 'stopped')
  assert.is(e.endReason(), 'stopped at step c: 1 check failed')
  const again = PipelineEngine.replay(plan(), e.events())
  assert.equal(again.statuses(), e.statuses())
  const c = new PipelineEngine(plan())
  c.apply(start('a'))
  c.apply({ type: 'cancelled', reason: 'by a user', at: 2 })
  assert.is(c.state(), 'cancelled')
  assert.ok(c.statuses().every((s) => s.state === 'cancelled'))
})

engine('events that do not fit are refused and change nothing', () => {
  const e = new PipelineEngine(plan())
  assert.throws(
    () => e.apply(done('a')),
    (err: Error) => err instanceof PipelineReplayError && /succeeded for step "a", which is pending/.test(err.message),
  )
  assert.throws(() => e.apply(start('a', 2)), /attempt 2 of step "a" after 0/)
  assert.throws(() => e.apply(start('zz')), /step "zz", which the plan does not have/)
  assert.is(e.events().length, 0)
})

engine('cache keys depend on every input, not on key order', () => {
  const k = cacheKey('train', { spec: { a: 1, b: [1, 2] }, dataset: 'x' })
  assert.is(k, cacheKey('train', { dataset: 'x', spec: { b: [1, 2], a: 1 } }))
  assert.is.not(k, cacheKey('train', { dataset: 'y', spec: { a: 1, b: [1, 2] } }))
  assert.is.not(k, cacheKey('sweep', { dataset: 'x', spec: { a: 1, b: [1, 2] } }))
})

engine('cron: next times in UTC, steps, ranges and the either-day rule', () => {
  const at = (iso: string) => Date.parse(iso)
  const next = (s: string, from: string) => new Date(nextCronTime(parseCron(s) as never, at(from))!).toISOString()
  assert.is(next('0 3 * * *', '2024-05-01T03:00:00Z'), '2024-05-02T03:00:00.000Z')
  assert.is(next('*/15 * * * *', '2024-05-01T10:07:30Z'), '2024-05-01T10:15:00.000Z')
  assert.is(next('30 9 * * 1-5', '2024-05-03T10:00:00Z'), '2024-05-06T09:30:00.000Z', 'Friday after 9:30 -> Monday')
  assert.is(next('0 0 1 * 0', '2024-05-01T00:00:00Z'), '2024-05-05T00:00:00.000Z', 'the 1st or a Sunday')
  assert.is(next('0 12 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T12:00:00.000Z')
  assert.match(String(parseCron('61 * * * *')), /minute values from 0 to 59/)
})

engine.run()
