import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { call, serve } from '@kiln/cluster-state'
import {
  ErrorCode,
  KilnError,
  NotFoundError,
  TrialDecisionSchema,
  TrialReportSchema,
  ValidationError,
  encode,
  type TrialReportMessage,
} from '@kiln/protocol'
import { startNats, type NatsServer } from '../helpers/nats.ts'

const Ask = TrialReportSchema
const Answer = TrialDecisionSchema
// A report of epoch n; the servers below answer stop when n is even.
const ask = (n: number, trialId = 't'): TrialReportMessage => ({
  v: 1,
  trialId,
  nodeId: 'n',
  attempt: 1,
  epoch: n,
  metrics: {},
})
const judge = async (req: TrialReportMessage) => ({
  decision: req.epoch % 2 === 0 ? ('stop' as const) : ('continue' as const),
})

const rr = suite('cluster-state - one request/reply helper (call/serve)')
let server: NatsServer
let nc: NatsConnection

rr.before(async () => {
  server = await startNats({ jetstream: false })
  nc = await connect({ servers: server.url })
})
rr.after(async () => {
  await nc?.close()
  await server?.stop()
})

rr('a typed call gets the typed data a server answers', async () => {
  const sub = serve(nc, 'rr.double', Ask, judge, { reply: Answer })
  try {
    const got = await call(nc, 'rr.double', Ask, ask(2), Answer)
    assert.equal(got, { decision: 'stop' })
  } finally {
    sub.unsubscribe()
  }
})

rr('a bad body is refused before it is sent; a reply of the wrong shape is refused when it arrives', async () => {
  let heard = 0
  const sub = serve(nc, 'rr.wrong', Ask, async () => {
    heard++
    return { decision: 'maybe' }
  })
  try {
    const bad = await call(nc, 'rr.wrong', Ask, ask(-1), Answer).catch((e) => e)
    assert.instance(bad, ValidationError)
    assert.match(bad.message, /^report\.epoch: expected an integer >= 0, got -1/)
    assert.is(heard, 0)
    const shape = await call(nc, 'rr.wrong', Ask, ask(1), Answer).catch((e) => e)
    assert.instance(shape, ValidationError)
    assert.match(shape.message, /rr\.wrong reply\.data\.decision: expected "continue" or "stop", got "maybe"/)
  } finally {
    sub.unsubscribe()
  }
})

rr("the server's error comes back as its class; nobody answering is unavailable with the hint", async () => {
  const sub = serve(nc, 'rr.missing', Ask, async (req) => {
    throw new NotFoundError('trial', req.trialId)
  })
  try {
    const err = await call(nc, 'rr.missing', Ask, ask(1, 'x'), Answer).catch((e) => e)
    assert.instance(err, NotFoundError)
    assert.is(err.message, 'trial "x" not found')
  } finally {
    sub.unsubscribe()
  }
  const none = await call(nc, 'rr.nobody', Ask, ask(1, 'x'), Answer, {
    noResponders: 'is it running?',
  }).catch((e) => e)
  assert.instance(none, KilnError)
  assert.is(none.code, ErrorCode.unavailable)
  assert.is(none.message, 'nothing answers rr.nobody: is it running?')
})

rr('retries ride out an attempt nobody answered in time, but never a final answer', async () => {
  // A server that lets the first request time out and answers the next one.
  let seen = 0
  const flaky = nc.subscribe('rr.late', {
    callback: (_err, msg) => {
      if (++seen > 1) msg.respond(encode({ v: 1, ok: true, data: { decision: 'stop' } }))
    },
  })
  try {
    const got = await call(nc, 'rr.late', Ask, ask(4), Answer, { retryForMs: 60_000, timeoutMs: 500 })
    assert.equal(got, { decision: 'stop' })
    assert.is(seen, 2)
  } finally {
    flaky.unsubscribe()
  }
  let asked = 0
  const conflict = serve(nc, 'rr.conflict', Ask, async () => {
    asked++
    throw new KilnError(ErrorCode.conflict, 'stale')
  })
  try {
    const err = await call(nc, 'rr.conflict', Ask, ask(1), Answer, {
      retryForMs: 20_000,
    }).catch((e) => e)
    assert.is(err.code, ErrorCode.conflict)
    assert.is(asked, 1)
  } finally {
    conflict.unsubscribe()
  }
})

rr('a request whose body names another id than its subject is refused (subjectOf)', async () => {
  let handled = 0
  const sub = serve(
    nc,
    'rr.trial.*.status',
    Ask,
    async (req) => {
      handled++
      return judge(req)
    },
    { subjectOf: (req) => `rr.trial.${req.trialId}.status` },
  )
  try {
    assert.equal(await call(nc, 'rr.trial.A.status', Ask, ask(1, 'A'), Answer), { decision: 'continue' })
    const err = await call(nc, 'rr.trial.A.status', Ask, ask(1, 'B'), Answer).catch((e) => e)
    assert.instance(err, KilnError)
    assert.is(err.code, ErrorCode.permissionDenied)
    assert.match(err.message, /for rr\.trial\.B\.status arrived on rr\.trial\.A\.status/)
    assert.is(handled, 1)
    // A raw publish with no reply subject is dropped the same way, never handled.
    nc.publish('rr.trial.A.status', encode(Ask, ask(1, 'B')))
    await nc.flush()
    assert.equal(await call(nc, 'rr.trial.C.status', Ask, ask(2, 'C'), Answer), { decision: 'stop' })
    assert.is(handled, 2)
  } finally {
    sub.unsubscribe()
  }
})

rr.run()
