import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EventKind, Subjects, ValidationError } from '@kiln/protocol'

const subjects = suite('protocol - subjects')

subjects('builders produce the documented names', () => {
  assert.is(Subjects.api.submit, 'kiln.api.submit')
  assert.is(Subjects.node.heartbeat('node-a1'), 'kiln.node.node-a1.heartbeat')
  assert.is(Subjects.events.of(EventKind.trial), 'kiln.events.trial')
  assert.is(Subjects.trial.ring('t_7', 3, 'node-a1'), 'kiln.trial.t_7.ring.3.node-a1')
  assert.is(Subjects.logs.of('t_7', 'node-a1'), 'kiln.logs.t_7.node-a1')
  assert.is(Subjects.logs.trial('t_7'), 'kiln.logs.t_7.*')
  assert.is(Subjects.metrics.of('t_7', 'node-a1'), 'kiln.metrics.t_7.node-a1')
})

subjects('ids that could widen a subject are refused with the field named', () => {
  for (const bad of ['a.b', '*', '>', 'a b', '', 'x'.repeat(129), 'é']) {
    try {
      Subjects.node.heartbeat(bad)
      assert.unreachable(`accepted ${JSON.stringify(bad)}`)
    } catch (err) {
      assert.instance(err, ValidationError)
      assert.is((err as ValidationError).data?.field, 'nodeId')
    }
  }
  assert.throws(
    () => Subjects.trial.ring('t1', -1, 'n1'),
    (e: unknown) => e instanceof ValidationError,
  )
  assert.throws(
    () => Subjects.trial.ring('t1', 1.5, 'n1'),
    (e: unknown) => e instanceof ValidationError,
  )
})

subjects.run()
