// The two pieces of nats.js 3.x that Kiln wraps, against a real nats-server: what a client
// error means (natsFailure) and when a KV watch has delivered the records present at its
// start (watchFromStart, since 3.x watches have no initializedFn).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv'
import { connect, errors, type NatsConnection } from '@nats-io/transport-node'
import { natsFailure, watchFromStart } from '@kiln/cluster-state'
import { KilnError } from '@kiln/protocol'
import { freePort, startNats, type NatsServer } from '../helpers/nats.ts'
import { waitFor } from '../helpers/wait-for.ts'

const s = suite<{ server?: NatsServer; nc?: NatsConnection }>('cluster-state - the nats.js 3.x client as Kiln uses it')

s.before(async (ctx) => {
  ctx.server = await startNats()
  ctx.nc = await connect({ servers: ctx.server.url })
})
s.after(async (ctx) => {
  await ctx.nc?.close()
  await ctx.server?.stop()
})

const failed = (p: Promise<unknown>) =>
  p.then(
    () => assert.unreachable('expected a rejection'),
    (e: unknown) => e,
  )

s('natsFailure tells no responders, a timeout and a refused connection apart', async ({ nc }) => {
  assert.is(natsFailure(await failed(nc!.request('kiln.nobody.here', 'x', { timeout: 5000 }))), 'no_responders')
  const sub = nc!.subscribe('kiln.silent', { callback: () => {} })
  assert.is(natsFailure(await failed(nc!.request('kiln.silent', 'x', { timeout: 200 }))), 'timeout')
  sub.unsubscribe()
  // A port nobody listens on.
  const refused = await failed(connect({ servers: `127.0.0.1:${await freePort()}`, reconnect: false }))
  assert.is(natsFailure(refused), 'refused', String(refused))
  assert.is(natsFailure(new errors.PermissionViolationError('x', 'publish', 's')), 'permission')
  assert.is(natsFailure(new KilnError('internal', 'not a NATS error')), undefined)
  assert.is(natsFailure('a string'), undefined)
})

async function collect(kv: KV, key: string) {
  const { iter, empty } = await watchFromStart(kv, key)
  const seen: KvWatchEntry[] = []
  void (async () => {
    for await (const e of iter) seen.push(e)
  })()
  return { iter, empty, seen }
}

s('watchFromStart: an empty watch says so; a full one marks the last initial entry', async ({ nc }) => {
  const kv = await new Kvm(nc!).create('kiln_watch_test', { history: 1 })
  const none = await collect(kv, 'a.>')
  assert.is(none.empty, true)
  await kv.put('a.1', 'one')
  await waitFor('the update to arrive', async () => none.seen.length === 1 || undefined, 10_000)
  assert.is(none.seen[0]!.isUpdate, true, 'an entry written after the start is an update')
  none.iter.stop()

  await kv.put('a.2', 'two')
  await kv.delete('a.1')
  const full = await collect(kv, 'a.>')
  assert.is(full.empty, false)
  await waitFor('the initial entries', async () => full.seen.length === 2 || undefined, 10_000)
  assert.equal(
    full.seen.map((e) => [e.key, e.operation, e.isUpdate]),
    [
      ['a.2', 'PUT', false],
      ['a.1', 'DEL', true],
    ],
  )
  full.iter.stop()
})

s.run()
