import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  KilnError,
  RUN_STATES,
  RunState,
  assertTransition,
  canTransition,
  isTerminal,
  type RunState as State,
} from '@kiln/protocol'

const states = suite('protocol - run state transitions')

// The whole table, written out: a change to the machine must change this test too.
const allowed: Record<State, State[]> = {
  pending: ['placed', 'cancelled', 'failed'],
  placed: ['running', 'pending', 'lost', 'cancelled', 'failed'],
  running: ['succeeded', 'failed', 'cancelled', 'lost', 'pending'],
  lost: ['pending', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
}

states('every pair of states is allowed or refused exactly as the table says', () => {
  assert.equal([...RUN_STATES].sort(), Object.keys(allowed).sort())
  for (const from of RUN_STATES) {
    for (const to of RUN_STATES) {
      assert.is(canTransition(from, to), allowed[from].includes(to), `${from} -> ${to}`)
    }
  }
})

states('terminal states have no way out and nothing moves to itself', () => {
  assert.equal(RUN_STATES.filter(isTerminal), ['succeeded', 'failed', 'cancelled'])
  for (const s of RUN_STATES) assert.not.ok(canTransition(s, s), s)
})

states('a trial only runs after being placed, and a lost one is retried through pending', () => {
  assert.not.ok(canTransition(RunState.pending, RunState.running))
  assert.not.ok(canTransition(RunState.lost, RunState.running))
  assert.ok(canTransition(RunState.lost, RunState.pending))
  assert.not.ok(canTransition(RunState.succeeded, RunState.running), 'a late report cannot revive a finished trial')
})

states('states read off the wire that are not states are refused, not crashed on', () => {
  for (const bad of ['constructor', '__proto__', 'toString', 'done']) {
    assert.not.ok(canTransition(bad as State, RunState.pending), bad)
    assert.not.ok(canTransition(RunState.pending, bad as State), bad)
    assert.not.ok(isTerminal(bad as State), bad)
  }
})

states('assertTransition throws a conflict naming both states', () => {
  assertTransition('trial t-1', 'running', 'succeeded')
  try {
    assertTransition('trial t-1', 'succeeded', 'running')
    assert.unreachable()
  } catch (err) {
    assert.instance(err, KilnError)
    assert.is((err as KilnError).code, 'conflict')
    assert.is((err as Error).message, 'trial t-1 cannot go from succeeded to running')
  }
})

states.run()
