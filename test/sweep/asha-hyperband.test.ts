import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ashaMilestones, hyperbandBrackets, keepCount } from '@kiln/sweep'
import { engine, startMany } from './drive.js'

const SPACE = { x: { uniform: [0, 1] } }

const asha = suite('sweep - ASHA')

asha('rungs sit at gracePeriod * eta^k up to maxT, one bracket further per s', () => {
  assert.equal(ashaMilestones({ gracePeriod: 1, reductionFactor: 3, maxT: 10, brackets: 1 }, 0), [1, 3, 9])
  assert.equal(ashaMilestones({ gracePeriod: 1, reductionFactor: 3, maxT: 9, brackets: 2 }, 1), [3, 9])
  assert.equal(ashaMilestones({ gracePeriod: 2, reductionFactor: 2, maxT: 16, brackets: 1 }, 0), [2, 4, 8, 16])
  assert.equal(ashaMilestones({ gracePeriod: 0.5, reductionFactor: 4, maxT: 8, brackets: 1 }, 0), [0.5, 2, 8])
})

asha('a trial reaching a rung continues only in the top floor(n / eta) of the results there so far', () => {
  const { engine: e } = engine({
    scheduler: { name: 'asha', gracePeriod: 1, reductionFactor: 3, maxT: 9 },
    maxTrials: 6,
    maxConcurrent: 6,
    space: SPACE,
  })
  const ids = startMany(e, 6)
  // Rung t=1, eta 3: n = 1..6 results, keep max(1, floor(n/3)) = 1,1,1,1,1,2.
  const at1 = [0.5, 0.4, 0.6, 0.55, 0.7, 0.65]
  const actions = ids.map((id, i) => e.report(id, 1, at1[i]!).action)
  assert.equal(actions, ['continue', 'stop', 'continue', 'stop', 'continue', 'continue'])
  const d = e.report(ids[1]!, 2, 0.9)
  assert.is(d.action, 'stop', 'a stopped trial stays stopped')
  assert.is(e.report(ids[0]!, 2, 0.7).action, 'continue', 'no rung at t=2')
  // Rung t=3: trial-1 is first there (continues), trial-3 second and worse (stops).
  assert.is(e.report(ids[0]!, 3, 0.8).action, 'continue')
  const second = e.report(ids[2]!, 3, 0.75)
  assert.is(second.action, 'stop')
  assert.match((second as { reason: string }).reason, 'rank 2 of 2 at rung t=3')
  assert.is(e.report(ids[0]!, 9, 0.9).action, 'stop', 'stops at maxT')
  // A trial that ran to maxT reached the top rung (t=9, rung 2), and completed: only trials
  // the scheduler cut short are "stopped" (issue 15: it used to show rung 1 and "stopped").
  const rows = e.leaderboard()
  const rungs = Object.fromEntries(rows.map((r) => [r.trialId, r.rung]))
  assert.equal(rungs, { 'trial-1': 2, 'trial-2': 0, 'trial-3': 1, 'trial-4': 0, 'trial-5': 0, 'trial-6': 0 })
  const states = Object.fromEntries(rows.map((r) => [r.trialId, r.state]))
  assert.equal([states['trial-1'], states['trial-2'], states['trial-3']], ['completed', 'stopped', 'stopped'])
})

asha('a report jumping past several rungs is recorded at the highest one only', () => {
  const { engine: e } = engine({
    scheduler: { name: 'asha', gracePeriod: 1, reductionFactor: 3, maxT: 27 },
    maxTrials: 2,
    maxConcurrent: 2,
    space: SPACE,
  })
  const [a, b] = startMany(e, 2)
  assert.is(e.report(a!, 5, 0.5).action, 'continue')
  assert.is(e.leaderboard().find((r) => r.trialId === a)!.rung, 1, 'rung t=3')
  assert.is(e.report(b!, 1, 0.1).action, 'continue', 'rung t=1 had no result yet')
})

asha('with two brackets trials alternate, and bracket 1 first judges at gracePeriod * eta', () => {
  const { engine: e } = engine({
    scheduler: { name: 'asha', gracePeriod: 1, reductionFactor: 3, maxT: 9, brackets: 2 },
    maxTrials: 4,
    maxConcurrent: 4,
    space: SPACE,
  })
  const ids = startMany(e, 4)
  assert.is(e.report(ids[0]!, 1, 0.9).action, 'continue') // bracket 0, rung 1
  assert.is(e.report(ids[2]!, 1, 0.1).action, 'stop') // bracket 0, worse at rung 1
  assert.is(e.report(ids[1]!, 1, 0.1).action, 'continue') // bracket 1 has no rung at 1
  assert.is(e.report(ids[3]!, 1, 0.05).action, 'continue')
  assert.is(e.report(ids[1]!, 3, 0.5).action, 'continue')
  assert.is(e.report(ids[3]!, 3, 0.4).action, 'stop')
})

const hb = suite('sweep - Hyperband')

hb('brackets follow the s_max / n / r arithmetic of Li et al. (R = 81, eta = 3)', () => {
  const plans = hyperbandBrackets({ gracePeriod: 1, reductionFactor: 3, maxT: 81 })
  assert.equal(
    plans.map((p) => [p.s, p.n, p.r]),
    [
      [4, 81, 1],
      [3, 34, 3],
      [2, 15, 9],
      [1, 8, 27],
      [0, 5, 81],
    ],
  )
  assert.equal(plans[0]!.milestones, [1, 3, 9, 27, 81])
  assert.equal(plans[3]!.milestones, [27, 81])
  const small = hyperbandBrackets({ gracePeriod: 1, reductionFactor: 3, maxT: 9 })
  assert.equal(
    small.map((p) => [p.s, p.n, p.r]),
    [
      [2, 9, 1],
      [1, 5, 3],
      [0, 3, 9],
    ],
  )
  assert.equal(
    hyperbandBrackets({ gracePeriod: 3, reductionFactor: 3, maxT: 9 }).map((p) => [p.s, p.n]),
    [
      [1, 3],
      [0, 2],
    ],
  )
  assert.equal(
    [9, 8, 3, 2, 1].map((n) => keepCount(n, 3)),
    [3, 2, 1, 1, 1],
  )
})

hb('trials pause at a rung until the bracket has recorded there; the best go on, the rest stop', () => {
  // gracePeriod 3, eta 3, maxT 9: bracket s=1 (3 trials, rungs 3 and 9), then s=0 (2 trials).
  const { engine: e } = engine({
    scheduler: { name: 'hyperband', gracePeriod: 3, reductionFactor: 3, maxT: 9 },
    maxTrials: 5,
    maxConcurrent: 5,
    space: SPACE,
  })
  const [t1, t2, t3, t4] = startMany(e, 5)
  assert.is(e.report(t1!, 1, 0.9).action, 'continue', 'before the milestone')
  const paused = e.report(t1!, 3, 0.5)
  assert.is(paused.action, 'pause')
  assert.match((paused as { reason: string }).reason, '1 of 3 trials recorded')
  assert.is(e.report(t2!, 3, 0.9).action, 'pause')
  assert.is(e.report(t4!, 3, 0.1).action, 'continue', 'bracket s=0 runs straight to maxT')
  assert.equal(e.next(), { wait: 'no new trials to start; 5 still running or paused' })
  // The last report of the rung resolves it: keep floor(3/3) = 1, the best (trial-2).
  assert.is(e.report(t3!, 3, 0.7).action, 'stop')
  const states = Object.fromEntries(e.leaderboard().map((r) => [r.trialId, r.state]))
  assert.equal(states, {
    'trial-1': 'stopped',
    'trial-2': 'paused',
    'trial-3': 'stopped',
    'trial-4': 'running',
    'trial-5': 'running',
  })
  assert.equal(e.next(), {
    trialId: t2,
    params: e.leaderboard().find((r) => r.trialId === t2)!.params,
    resume: { fromT: 3 },
  })
  assert.is(e.report(t2!, 9, 0.95).action, 'stop', 'stops at maxT')
  assert.is(e.leaderboard().find((r) => r.trialId === t2)!.rung, 1)
})

hb('a bracket the budget cannot fill selects among the trials it has; the reporter that resolves it may go on', () => {
  const { engine: e } = engine({
    scheduler: { name: 'hyperband', gracePeriod: 3, reductionFactor: 3, maxT: 9 },
    maxTrials: 2,
    maxConcurrent: 2,
    space: SPACE,
  })
  const [a, b] = startMany(e, 2)
  assert.is(e.report(a!, 3, 0.2).action, 'pause')
  assert.is(e.report(b!, 3, 0.6).action, 'continue', 'best of 2, keep max(1, floor(2/3)) = 1')
  assert.is(e.leaderboard().find((r) => r.trialId === a)!.state, 'stopped')
})

hb('a trial that ends before its rung drops out, which can resolve the rung', () => {
  const { engine: e } = engine({
    scheduler: { name: 'hyperband', gracePeriod: 3, reductionFactor: 3, maxT: 9 },
    maxTrials: 3,
    maxConcurrent: 3,
    space: SPACE,
  })
  const [a, b, c] = startMany(e, 3)
  assert.is(e.report(a!, 3, 0.2).action, 'pause')
  assert.is(e.report(b!, 3, 0.6).action, 'pause')
  e.fail(c!, new Error('out of memory'))
  assert.equal(e.next(), {
    trialId: b,
    params: e.leaderboard().find((r) => r.trialId === b)!.params,
    resume: { fromT: 3 },
  })
  assert.is(e.leaderboard().find((r) => r.trialId === a)!.state, 'stopped')
})

hb('a rung resolved by a trial leaving does not settle higher rungs nobody has reached (no deadlock)', () => {
  // maxT 27, eta 3: the first bracket has 27 trials and rungs 1, 3, 9, 27.
  const { engine: e } = engine({
    scheduler: { name: 'hyperband', reductionFactor: 3, maxT: 27 },
    maxTrials: 27,
    maxConcurrent: 27,
    space: SPACE,
  })
  const ids = startMany(e, 27)
  ids.slice(0, 26).forEach((id, i) => {
    assert.is(e.report(id, 1, i).action, 'pause')
  })
  e.fail(ids[26]!, 'lost') // rung 1 can choose now: the best floor(26/3) = 8
  const inState = (state: string) =>
    e
      .leaderboard()
      .filter((r) => r.state === state)
      .map((r) => r.trialId)
      .sort()
  let live = ids.slice(18, 26)
  for (const rung of [3, 9]) {
    const paused = inState('paused')
    const resumed = paused.map(() => e.next()).map((n) => ('trialId' in n ? n.trialId : JSON.stringify(n)))
    assert.equal(resumed.sort(), paused, `every paused survivor comes back for rung ${rung}`)
    assert.equal(inState('running'), [...live].sort())
    const actions = live.map((id, i) => e.report(id, rung, i).action)
    assert.is(actions.filter((a) => a === 'pause').length, live.length - 1, `all but the last wait at rung ${rung}`)
    assert.is(actions[actions.length - 1], 'continue', 'the best reporter goes on at once')
    live = e
      .leaderboard()
      .filter((r) => r.state === 'running' || r.state === 'paused')
      .map((r) => r.trialId)
  }
  assert.is(live.length, 1)
  assert.is(e.report(live[0]!, 27, 1).action, 'stop')
  assert.equal(e.next(), { done: 'all 27 trials finished (maxTrials 27)' })
})

asha.run()
hb.run()
