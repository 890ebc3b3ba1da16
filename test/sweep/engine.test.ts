import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { KilnError, NotFoundError, ValidationError } from '@kiln/protocol'
import { parseSearchSpec, SweepEngine } from '@kiln/sweep'
import { engine, FakeClock, start, startMany } from './drive.js'

const SPACE = {
  'optimizer.learningRate': { loguniform: [1e-4, 1e-2] },
  'model.hidden': { choice: [[128], [256, 128]] },
}

const budgets = suite('sweep - engine budgets')

budgets('maxTrials and maxConcurrent: start, wait while full, finish when every trial is done', () => {
  const { engine: e } = engine({ maxTrials: 3, maxConcurrent: 2, space: SPACE })
  const [a, b] = startMany(e, 2)
  assert.equal(e.next(), { wait: '2 trials running (maxConcurrent 2)' })
  e.complete(a!, 0.5)
  const c = start(e)
  assert.is(c, 'trial-3')
  assert.equal(e.next(), { wait: 'no new trials to start; 2 still running or paused' })
  e.report(b!, 1, 0.7)
  e.complete(b!)
  e.fail(c, new Error('worker lost'))
  assert.equal(e.next(), { done: 'all 3 trials finished (maxTrials 3)' })
  assert.equal(e.best(), { trialId: b, params: e.leaderboard()[0]!.params, value: 0.7 })
  assert.equal(
    e.leaderboard().map((r) => [r.trialId, r.state, r.value ?? null]),
    [
      ['trial-2', 'completed', 0.7],
      ['trial-1', 'completed', 0.5],
      ['trial-3', 'failed', null],
    ],
  )
  assert.is(e.leaderboard()[2]!.error, 'worker lost')
})

budgets('maxRuntime uses the injected clock: next() says done and running trials are told to stop', () => {
  const { engine: e, clock } = engine({ maxTrials: 10, maxConcurrent: 2, maxRuntime: '1s', space: SPACE })
  const a = start(e)
  clock.advance(999)
  assert.is(e.report(a, 1, 0.1).action, 'continue')
  clock.advance(1)
  assert.equal(e.next(), { done: 'the time budget (maxRuntime 1000 ms) is spent' })
  assert.equal(e.report(a, 2, 0.2), {
    action: 'stop',
    reason: 'the sweep ended: the time budget (maxRuntime 1000 ms) is spent',
  })
  assert.is(e.leaderboard()[0]!.state, 'stopped')
  assert.equal(e.report(a, 3, 0.3), { action: 'stop', reason: 'trial is stopped' })
  assert.is(e.endReason, 'the time budget (maxRuntime 1000 ms) is spent')
})

budgets('a report after the time budget stops its trial even before next() noticed', () => {
  const { engine: e, clock } = engine({ maxTrials: 10, maxRuntime: 500, space: SPACE })
  const a = start(e)
  clock.advance(600)
  assert.equal(e.report(a, 1, 0.3), {
    action: 'stop',
    reason: 'the sweep ended: the time budget (maxRuntime 500 ms) is spent',
  })
  assert.equal(e.next(), { done: 'the time budget (maxRuntime 500 ms) is spent' })
})

budgets('maxFailedTrials ends the sweep', () => {
  const { engine: e } = engine({ maxTrials: 10, maxConcurrent: 3, maxFailedTrials: 2, space: SPACE })
  const [a, b, c] = startMany(e, 3)
  e.fail(a!, 'CUDA error')
  e.fail(b!, 'CUDA error')
  assert.equal(e.next(), { done: '2 trials failed (maxFailedTrials 2)' })
  assert.is(e.report(c!, 1, 0.5).action, 'stop')
})

budgets('targetValue ends the sweep early, for min and max metrics', () => {
  const max = engine({ maxTrials: 10, maxConcurrent: 2, targetValue: 0.9, space: SPACE }).engine
  const [a, b] = startMany(max, 2)
  assert.is(max.report(a!, 1, 0.89).action, 'continue')
  assert.equal(max.report(a!, 2, 0.91), {
    action: 'stop',
    reason: 'the sweep ended: trial-1 reached the target score 0.9 (0.91)',
  })
  assert.equal(max.next(), { done: 'trial-1 reached the target score 0.9 (0.91)' })
  assert.is(max.report(b!, 1, 0.5).action, 'stop')
  const min = engine({ maxTrials: 10, metric: { name: 'val_loss' }, targetValue: 0.2, space: SPACE }).engine
  const c = start(min)
  min.complete(c, 0.19)
  assert.equal(min.next(), { done: 'trial-1 reached the target val_loss 0.2 (0.19)' })
})

const api = suite('sweep - engine API')

api('bad calls get errors that name the problem and change nothing', () => {
  const { engine: e, events } = engine({ maxTrials: 2, space: SPACE })
  const a = start(e)
  const before = events.length
  assert.throws(
    () => e.report('trial-9', 1, 0.5),
    (err: unknown) => err instanceof NotFoundError && err.message === 'trial "trial-9" not found',
  )
  assert.throws(
    () => e.report(a, 1, Number.NaN),
    (err: unknown) =>
      err instanceof ValidationError && err.message === 'value: expected a finite metric value, got NaN',
  )
  assert.throws(
    () => e.report(a, -1, 0.5),
    (err: unknown) => err instanceof ValidationError && err.message === 't: expected a finite step >= 0, got -1',
  )
  e.complete(a, 0.5)
  assert.throws(
    () => e.complete(a, 0.6),
    (err: unknown) => err instanceof KilnError && err.code === 'conflict',
  )
  assert.is(events.length, before + 1, 'only the complete was recorded')
  assert.equal(e.report(a, 2, 0.5), { action: 'stop', reason: 'trial is completed' })
})

api('an engine needs a metric and a uint32 seed', () => {
  const noMetric = parseSearchSpec({ maxTrials: 1, space: SPACE })
  assert.throws(
    () => new SweepEngine(noMetric, { seed: 1, clock: new FakeClock() }),
    /search\.metric: expected a metric/,
  )
  const s = parseSearchSpec({ maxTrials: 1, space: SPACE }, { metric: { name: 'acc', mode: 'max' } })
  assert.throws(
    () => new SweepEngine(s, { seed: -1, clock: new FakeClock() }),
    /seed: expected an integer from 0 to 4294967295, got -1/,
  )
})

api('params and decisions handed out are copies', () => {
  const { engine: e } = engine({ maxTrials: 1, space: SPACE })
  const n = e.next()
  if (!('trialId' in n)) return assert.unreachable()
  ;(n.params['model.hidden'] as number[]).push(999)
  assert.not.ok((e.leaderboard()[0]!.params['model.hidden'] as number[]).includes(999))
})

budgets.run()
api.run()
