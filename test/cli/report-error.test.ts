// How the kiln command reports errors it did not raise itself: the NATS client's terse errors
// ("timeout", "no responders") get a sentence saying what they mean.
import { Writable } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { errors } from '@nats-io/transport-node'
import { reportError } from '@kiln/cli'

const report = suite('cli - errors the command did not raise itself')

function io() {
  let text = ''
  const stderr = new Writable({
    write(chunk, _e, done) {
      text += String(chunk)
      done()
    },
  })
  return { io: { stdout: stderr, stderr, env: {}, cwd: '/', onInterrupt: () => () => {} }, text: () => text }
}

report('a NATS timeout says what it means, exit 1', () => {
  const out = io()
  const code = reportError(new errors.TimeoutError(), out.io, { command: 'kiln submit', json: false })
  assert.is(code, 1)
  assert.match(out.text(), /^kiln submit: failed: NATS did not answer in time \(timeout\): the server or its JetStream/)
})

report('no responders says the cluster may not run', () => {
  const out = io()
  reportError(
    new errors.RequestError("no responders: 'kiln.api.jobs'", { cause: new errors.NoRespondersError('kiln.api.jobs') }),
    out.io,
    { command: 'kiln jobs', json: false },
  )
  assert.match(out.text(), /nothing answered on NATS .*is the cluster running\?/)
})

report.run()
