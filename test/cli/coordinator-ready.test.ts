// `kiln coordinator` prints its ready line only once the election is decided, and says how
// it ended: `kiln up` returns on that line, so a leader's API must answer the moment it is
// printed (CI once saw `kiln status` find "nothing answers" right after `kiln up --detach`).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { PROTOCOL_VERSION, Subjects, decode, encode } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startKiln, type KilnChild } from '../helpers/kiln-process.js'
import { startNats, type NatsServer } from '../helpers/nats.js'

const ready = suite<{ nats?: NatsServer; nc?: NatsConnection; coords: KilnChild[] }>(
  'cli - the coordinator is ready once it leads or stands by',
  { coords: [] },
)
ready.before(
  loud(async (ctx) => {
    ctx.nats = await startNats()
    ctx.nc = await connect({ servers: ctx.nats.url })
  }),
)
ready.after(
  loud(async (ctx) => {
    await Promise.all(ctx.coords.map((c) => c.stop()))
    await ctx.nc?.close()
    await ctx.nats?.stop()
  }),
)

ready('the first says leader and answers at once; the second says standby', async (ctx) => {
  const coordinator = (id: string) => startKiln(['coordinator', '--nats', ctx.nats!.url, '--id', id])
  ctx.coords.push(coordinator('coord-a'))
  const first = await ctx.coords[0]!.ready
  assert.equal([first.id, first.role], ['coord-a', 'leader'])
  // One request, no retry: "no responders" here means the line came before the API.
  const reply = await ctx.nc!.request(Subjects.api.status, encode({ v: PROTOCOL_VERSION }), { timeout: 5000 })
  const status = decode<{ ok: boolean; data?: { leader: string } }>(reply.data)
  assert.equal([status.ok, status.data?.leader], [true, 'coord-a'], JSON.stringify(status))

  ctx.coords.push(coordinator('coord-b'))
  const second = await ctx.coords[1]!.ready
  assert.equal([second.id, second.role], ['coord-b', 'standby'])
})

ready.run()
