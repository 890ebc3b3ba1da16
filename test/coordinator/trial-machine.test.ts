import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DEFAULT_RETRY, trialStep, type StepContext, type TrialEvent, type TrialStep } from '@kiln/coordinator'
import {
  ErrorCode,
  KilnError,
  RunState,
  Rng,
  canTransition,
  type TrialRecord,
  type TrialStatusUpdate,
} from '@kiln/protocol'

const ctx: StepContext = { now: 1_000_000, retry: { maxAttempts: 3, backoffMs: 100, maxBackoffMs: 1000 } }

function trial(over: Partial<TrialRecord> = {}): TrialRecord {
  return {
    v: 1,
    id: 'job-1-t0',
    jobId: 'job-1',
    state: RunState.pending,
    attempts: 0,
    timestamps: { createdAt: 1, updatedAt: 1 },
    ...over,
  }
}

/** The record after a step's changes (as the store would keep them). */
function after(t: TrialRecord, step: TrialStep): TrialRecord {
  let out = t
  for (const { changes } of step.changes) {
    out = { ...out, ...changes }
    for (const k of Object.keys(out) as (keyof TrialRecord)[]) if (out[k] === undefined) delete out[k]
  }
  return out
}

const placed = (over: Partial<TrialRecord> = {}) =>
  trial({ state: RunState.placed, attempts: 1, node: { nodeId: 'n1', slotId: 'cpu0' }, ...over })
const running = (over: Partial<TrialRecord> = {}) => placed({ state: RunState.running, ...over })
const status = (state: TrialStatusUpdate['state'], over: Partial<TrialStatusUpdate> = {}): TrialEvent => ({
  kind: 'status',
  update: { v: 1, trialId: 'job-1-t0', nodeId: 'n1', attempt: 1, state, ...over },
})
const conflict = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(
    fn,
    (err: unknown) => err instanceof KilnError && err.code === ErrorCode.conflict && pattern.test(err.message),
  )

const one = suite('coordinator - trial state machine, one rank')

one('a pending trial is placed in memory only, and its node is told to run attempt 1', () => {
  const step = trialStep(trial(), { kind: 'place', slots: [{ nodeId: 'n1', slotId: 'cpu0' }] }, ctx)
  assert.equal(
    step.changes.map((c) => c.keep),
    ['stage'],
  )
  const t = after(trial(), step)
  assert.is(t.state, RunState.placed)
  assert.is(t.attempts, 1)
  assert.equal(step.effects, [{ kind: 'assign', nodeId: 'n1', slotId: 'cpu0', attempt: 1 }])
  assert.equal(trialStep(running(), { kind: 'place', slots: [{ nodeId: 'n2', slotId: 'x' }] }, ctx).changes, [])
})

one("the node's running status writes the placement; a stale attempt is told to stop", () => {
  assert.is(after(placed(), trialStep(placed(), status('running'), ctx)).state, RunState.running)
  assert.equal(trialStep(running(), status('running'), ctx).changes, [])
  conflict(
    () => trialStep(placed(), status('running', { attempt: 2 }), ctx),
    /attempt 2 on n1 is not the current placement/,
  )
  conflict(() => trialStep(placed(), status('running', { nodeId: 'n9' }), ctx), /not the current placement/)
})

one('success keeps metrics, model and checkpoint; a repeat is answered, a contradiction refused', () => {
  const done = status('succeeded', { metrics: { val_accuracy: 0.9 }, model: { name: 'm', version: 2 } })
  const t = after(running(), trialStep(running(), done, ctx))
  assert.is(t.state, RunState.succeeded)
  assert.equal(t.metrics, { val_accuracy: 0.9 })
  assert.equal(t.model, { name: 'm', version: 2 })
  assert.equal(trialStep(t, done, ctx).changes, [])
  conflict(() => trialStep(t, status('failed'), ctx), /trial job-1-t0 is succeeded; stop it/)
  const cancelled = running({ state: RunState.cancelled })
  assert.equal(trialStep(cancelled, status('failed'), ctx).changes, [])
})

one('the state table is enforced: no success from a trial that never ran', () => {
  conflict(() => trialStep(placed(), status('succeeded'), ctx), /cannot go from placed to succeeded/)
})

one('a lost trial is retried after a backoff, then failed once out of attempts', () => {
  const step = trialStep(running(), { kind: 'lost', why: 'node n1 stopped heartbeating' }, ctx)
  assert.equal(
    step.changes.map((c) => c.changes.state),
    [RunState.lost, RunState.pending],
  )
  const t = after(running(), step)
  assert.is(t.notBefore, ctx.now + 100)
  assert.is(t.node, undefined)
  assert.ok(step.effects.some((e) => e.kind === 'wakeAt' && e.at === ctx.now + 100))
  const last = trialStep(running({ attempts: 3 }), { kind: 'lost', why: 'gone' }, ctx)
  const failed = after(running({ attempts: 3 }), last)
  assert.is(failed.state, RunState.failed)
  assert.is(failed.error?.code, ErrorCode.unavailable)
  assert.match(failed.error?.message ?? '', /gone; gave up after 3 attempts/)
  assert.equal(trialStep(trial(), { kind: 'lost', why: 'x' }, ctx).changes, [])
})

one('a refused assignment puts the trial back, unless it has moved on', () => {
  const refused: TrialEvent = { kind: 'refused', attempt: 1, nodeId: 'n1', error: 'slot cpu0 is busy' }
  const t = after(placed(), trialStep(placed(), refused, ctx))
  assert.is(t.state, RunState.pending)
  assert.is(t.reason, 'node n1 did not accept it: slot cpu0 is busy')
  assert.equal(trialStep(running(), refused, ctx).changes, [])
  assert.equal(trialStep(placed({ attempts: 2 }), refused, ctx).changes, [])
})

one('reports of the current placement are kept in memory; others are told to stop', () => {
  const report = (attempt: number): TrialEvent => ({
    kind: 'report',
    report: { v: 1, trialId: 'job-1-t0', nodeId: 'n1', attempt, epoch: 1, metrics: { loss: 0.5 } },
  })
  const step = trialStep(running(), report(1), ctx)
  assert.equal(step.changes, [{ changes: { metrics: { loss: 0.5 } }, keep: 'patch' }])
  assert.is(step.decision, undefined)
  assert.equal(trialStep(running(), report(2), ctx).decision, { decision: 'stop', reason: 'not the current placement' })
  const merged = trialStep(running({ metrics: { val_accuracy: 0.8, loss: 0.9 } }), report(1), ctx)
  assert.equal(merged.changes[0]!.changes.metrics, { val_accuracy: 0.8, loss: 0.5 }, 'merged, the objective kept')
})

one('cancel ends a live trial and stops it on its node; an ended one stays as it is', () => {
  const step = trialStep(running(), { kind: 'cancel', reason: 'by a user' }, ctx)
  assert.is(after(running(), step).state, RunState.cancelled)
  assert.equal(step.effects, [{ kind: 'stop', nodeIds: ['n1'], attempt: 1, reason: 'by a user' }])
  assert.equal(trialStep(running({ state: RunState.succeeded }), { kind: 'cancel', reason: 'x' }, ctx).changes, [])
})

const gang = suite('coordinator - trial state machine, gangs')
const slots = [
  { nodeId: 'n1', slotId: 'cpu0' },
  { nodeId: 'n2', slotId: 'cpu0' },
]
const gangPlaced = () => after(trial(), trialStep(trial(), { kind: 'place', slots }, ctx))

gang('a gang is written at once and each rank is assigned with the world size', () => {
  const step = trialStep(trial(), { kind: 'place', slots }, ctx)
  assert.equal(
    step.changes.map((c) => c.keep),
    [undefined],
  )
  assert.equal(
    step.effects.map((e) => (e.kind === 'assign' ? [e.nodeId, e.rank, e.worldSize] : e.kind)),
    [
      ['n1', 0, 2],
      ['n2', 1, 2],
    ],
  )
})

gang('it runs once every rank runs; rank 0 ends it; a failed rank loses the whole gang', () => {
  let t = gangPlaced()
  t = after(t, trialStep(t, status('running'), ctx))
  assert.is(t.state, RunState.placed)
  t = after(t, trialStep(t, status('running', { nodeId: 'n2', rank: 1 }), ctx))
  assert.is(t.state, RunState.running)
  const failed = trialStep(t, status('failed', { nodeId: 'n2', rank: 1 }), ctx)
  assert.equal(
    failed.changes.map((c) => c.changes.state),
    [RunState.lost, RunState.pending],
  )
  assert.ok(failed.effects.some((e) => e.kind === 'stop' && e.nodeIds.join() === 'n1,n2'))
  const done = after(t, trialStep(t, status('succeeded', { metrics: { loss: 0.1 } }), ctx))
  assert.is(done.state, RunState.succeeded)
  assert.equal(trialStep(done, status('succeeded', { nodeId: 'n2', rank: 1 }), ctx).changes, [])
  conflict(
    () => trialStep(t, status('running', { nodeId: 'n1', rank: 1 }), ctx),
    /rank 1 on n1 is not the current placement/,
  )
})

const table = suite('coordinator - trial state machine never leaves run-state.ts')

table('random events from random states only make allowed transitions', () => {
  const rng = new Rng(16)
  const nodes = ['n1', 'n2']
  const events = (t: TrialRecord): TrialEvent => {
    // Mostly the trial's own node and attempt, so that runs get far enough to end.
    const rank = rng.int(2)
    const own = t.ranks?.[rank]?.nodeId ?? t.node?.nodeId
    const nodeId = own && rng.next() < 0.8 ? own : rng.pick(nodes)
    const attempt = rng.next() < 0.8 ? t.attempts : rng.pick([t.attempts + 1, 1])
    // Weighted so that runs seldom end before they get going.
    switch (rng.weighted([3, 1, 1, 0.3, 8])) {
      case 0:
        return { kind: 'place', slots: rng.int(2) ? [{ nodeId, slotId: 's' }] : slots }
      case 1:
        return { kind: 'refused', attempt, nodeId, error: 'no' }
      case 2:
        return { kind: 'lost', why: 'gone' }
      case 3:
        return { kind: 'cancel', reason: 'stop' }
      default: {
        const s = rng.pick(['running', 'succeeded', 'failed', 'handed_back', 'cancelled', 'checkpointed'] as const)
        return status(s, { nodeId, attempt: Math.max(1, attempt), ...(t.ranks ? { rank } : {}) })
      }
    }
  }
  let moves = 0
  const seen = new Set<string>()
  for (let run = 0; run < 300; run++) {
    let t = trial()
    for (let k = 0; k < 30; k++) {
      let step: TrialStep
      try {
        step = trialStep(t, events(t), { ...ctx, retry: DEFAULT_RETRY })
      } catch (err) {
        assert.instance(err, KilnError)
        assert.is((err as KilnError).code, ErrorCode.conflict)
        continue
      }
      let state = t.state
      for (const { changes } of step.changes) {
        if (changes.state === undefined || changes.state === state) continue
        assert.ok(canTransition(state, changes.state), `${state} -> ${changes.state}`)
        state = changes.state
        seen.add(state)
        moves++
      }
      t = after(t, step)
    }
  }
  assert.ok(moves > 500, `only ${moves} moves were tried`)
  assert.equal(
    [...seen].sort(),
    Object.values(RunState)
      .filter((s) => s !== RunState.pending)
      .concat(RunState.pending)
      .sort(),
  )
})

one.run()
gang.run()
table.run()
