import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  ErrorCode,
  KilnError,
  NotFoundError,
  TimeoutError,
  ValidationError,
  fromWire,
  isBadInput,
  registerError,
  toWire,
} from '@kiln/protocol'

const roundTrip = suite('protocol - error round trip')

roundTrip('a ValidationError comes back as a ValidationError with its field', () => {
  const sent = new ValidationError('training.epochs', 'a positive integer', { data: { received: -1 } })
  const wire = toWire(sent)
  assert.equal(wire, {
    name: 'ValidationError',
    code: 'invalid_argument',
    message: 'training.epochs: expected a positive integer',
    data: { received: -1, field: 'training.epochs', expected: 'a positive integer' },
  })
  const got = fromWire(JSON.parse(JSON.stringify(wire)))
  assert.instance(got, ValidationError)
  assert.instance(got, KilnError)
  assert.instance(got, Error)
  assert.is(got.name, 'ValidationError')
  assert.is(got.code, ErrorCode.invalidArgument)
  assert.is(got.message, sent.message)
  assert.equal(got.data, wire.data)
  assert.ok(got.stack?.includes('ValidationError'), 'has a stack from the receiving side')
})

roundTrip('NotFoundError and TimeoutError keep their classes and codes', () => {
  const nf = fromWire(toWire(new NotFoundError('job', 'j-1')))
  assert.instance(nf, NotFoundError)
  assert.is(nf.code, 'not_found')
  assert.is(nf.message, 'job "j-1" not found')
  const to = fromWire(toWire(new TimeoutError('heartbeat', 500)))
  assert.instance(to, TimeoutError)
  assert.equal(to.data, { what: 'heartbeat', ms: 500 })
})

roundTrip('an unknown name becomes a KilnError that keeps name, code and message', () => {
  const got = fromWire({ name: 'FutureError', code: 'quota', message: 'over quota', data: { n: 3 } })
  assert.is(got.constructor, KilnError)
  assert.is(got.name, 'FutureError')
  assert.is(got.code, 'quota')
  assert.is(got.message, 'over quota')
  assert.equal(got.data, { n: 3 })
})

roundTrip('registered classes from other packages are rebuilt', () => {
  class PlacementError extends KilnError {
    override name = 'PlacementError'
    constructor(slots: number) {
      super('unavailable', `no slot among ${slots}`)
    }
  }
  registerError('PlacementError', PlacementError)
  const got = fromWire(toWire(new PlacementError(4)))
  assert.instance(got, PlacementError)
  assert.is(got.message, 'no slot among 4')
})

roundTrip('malformed wire objects give an internal KilnError, not a crash', () => {
  for (const bad of [
    null,
    'boom',
    42,
    {},
    { name: 1, code: 'x', message: 'y' },
    { name: 'a', code: 'b', message: 'c', data: [] },
  ]) {
    const got = fromWire(bad)
    assert.instance(got, KilnError)
    assert.is(got.code, 'internal')
  }
})

const secrets = suite('protocol - errors never carry secrets')

secrets('cause and stack stay behind', () => {
  const cause = new Error('connect failed with password hunter2')
  const wire = toWire(new KilnError('unavailable', 'nats is down', { cause }))
  assert.equal(Object.keys(wire).sort(), ['code', 'message', 'name'])
  assert.not.ok(JSON.stringify(wire).includes('hunter2'))
})

secrets('secret-looking keys in data are redacted, nested too', () => {
  const wire = toWire(
    new KilnError('permission_denied', 'denied', {
      data: { user: 'ana', apiKey: 'k-123', nested: { nkeySeed: 'SU...', list: [{ token: 't' }] } },
    }),
  )
  assert.equal(wire.data, {
    user: 'ana',
    apiKey: '[redacted]',
    nested: { nkeySeed: '[redacted]', list: [{ token: '[redacted]' }] },
  })
})

secrets('plain errors and thrown non-errors become internal', () => {
  assert.equal(toWire(new TypeError('bad')), { name: 'TypeError', code: 'internal', message: 'bad' })
  assert.equal(toWire('oops'), { name: 'Error', code: 'internal', message: 'oops' })
})

const codes = suite('protocol - one error code list')

codes('every code is snake_case, dataset codes included, and says whether it is bad input', () => {
  for (const code of Object.values(ErrorCode)) assert.match(code, /^[a-z]+(_[a-z]+)*$/)
  assert.is(ErrorCode.datasetTruncated, 'dataset_truncated')
  for (const code of ['invalid_argument', 'not_found', 'dataset_not_found', 'dataset_malformed', 'dataset_mismatch'])
    assert.ok(isBadInput(code), code)
  for (const code of ['internal', 'timeout', 'unavailable', 'conflict', 'cancelled', 'DATASET_TRUNCATED'])
    assert.not.ok(isBadInput(code), code)
})

roundTrip.run()
secrets.run()
codes.run()
