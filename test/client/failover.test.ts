// The client's requests ride out a coordinator failover: while no coordinator serves the API
// (the leader's host is gone, a standby not yet leading) a request that nothing received is
// sent again until one answers; a request that was received but timed out is never repeated.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { EndpointsClient, JobsClient } from '@kiln/client'
import { encode, ErrorCode, KilnError, replyOk, Subjects } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { rejects } from '../helpers/rejects.js'
import { waitFor } from '../helpers/wait-for.js'

type Ctx = { server?: NatsServer; nc?: NatsConnection; api?: NatsConnection }
const fo = suite<Ctx>('client - requests across a coordinator failover')

fo.before(
  loud(async (ctx) => {
    ctx.server = await startNats({ jetstream: false })
    ctx.nc = await connect({ servers: ctx.server.url })
    ctx.api = await connect({ servers: ctx.server.url })
  }),
)
fo.after(
  loud(async (ctx) => {
    await ctx.nc?.close()
    await ctx.api?.close()
    await ctx.server?.stop()
  }),
)

const STATUS = { leader: 'coord-new', leaderSince: 1, nodes: { live: 0, known: 0 }, jobs: 0, trials: {} }

fo('a request sent while nothing serves is answered by the coordinator that starts meanwhile', async (ctx) => {
  const pending = new JobsClient(ctx.nc!).status()
  pending.catch(() => undefined) // awaited below; a rejection must fail the test, not the process
  // Two requests out: the first found no responder and was sent again.
  await waitFor('a retried request', () => ctx.nc!.stats().outMsgs >= 2, 20_000, 20)
  // A coordinator's answer: the reply envelope around a status.
  const sub = ctx.api!.subscribe(Subjects.api.status, {
    callback: (_e, m) => m.respond(encode(replyOk(STATUS))),
  })
  try {
    assert.is((await pending).leader, 'coord-new')
  } finally {
    sub.unsubscribe()
  }
})

fo('a request that reached a coordinator and timed out is not sent again', async (ctx) => {
  let received = 0
  const sub = ctx.api!.subscribe(Subjects.api.status, { callback: () => received++ })
  await ctx.api!.flush()
  try {
    const err = (await rejects(() => new JobsClient(ctx.nc!, 300).status(), KilnError)) as KilnError
    assert.is(err.code, ErrorCode.timeout)
    assert.is(received, 1, 'sent once')
  } finally {
    sub.unsubscribe()
  }
})

fo('a cluster without a gateway says so at once: endpoint requests are not retried', async (ctx) => {
  const sent = ctx.nc!.stats().outMsgs
  const err = (await rejects(() => new EndpointsClient(ctx.nc!).list(), KilnError)) as KilnError
  assert.match(err.message, /no gateway answers/)
  assert.is(ctx.nc!.stats().outMsgs - sent, 1, 'one request')
})

fo.run()
