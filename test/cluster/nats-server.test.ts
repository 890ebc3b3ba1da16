import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { Kvm } from '@nats-io/kv'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'

const nats = suite<{ server?: NatsServer; nc?: NatsConnection }>('cluster - nats-server helper')

nats.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url, timeout: 5000 })
  }),
)

nats.after(
  loud(async (ctx) => {
    await ctx.nc?.close()
    await ctx.server?.stop()
  }),
)

nats('serves JetStream key-value put and get', async ({ nc }) => {
  const kv = await new Kvm(nc!).create('kiln_test', { history: 2 })
  await kv.put('node.a', new TextEncoder().encode('ready'))
  await kv.put('node.a', new TextEncoder().encode('busy'))
  const entry = await kv.get('node.a')
  assert.ok(entry)
  assert.is(entry.string(), 'busy')
  assert.is(entry.revision, 2)
})

nats('listens only on loopback, on the port it reports', ({ server }) => {
  assert.match(server!.url, /^nats:\/\/127\.0\.0\.1:\d+$/)
  assert.ok(server!.port > 0)
})

nats('stop() ends the server and removes its directory', async () => {
  const other = await startNats({ jetstream: false })
  assert.ok(existsSync(other.dir))
  await other.stop()
  assert.not.ok(existsSync(other.dir))
  const refused = await connect({ servers: other.url, timeout: 1000, reconnect: false }).then(
    async (nc) => {
      await nc.close()
      return false
    },
    () => true,
  )
  assert.ok(refused, 'a stopped server refuses connections')
})

nats.run()

const single = suite('cluster - single-node config')

single('cluster/nats-single.conf runs: JetStream on, 8 MB payloads', async () => {
  const text = readFileSync(new URL('../../cluster/nats-single.conf', import.meta.url), 'utf8')
  assert.match(text, /sync_interval: always/)
  // Same file, but on this test's own port and temp dir instead of the operator's.
  const server = await startNats({
    jetstream: false, // the file brings its own jetstream block
    config: text
      .replace(/store_dir: .*/, `store_dir: ${JSON.stringify(join(tmpdir(), `kiln-single-${process.pid}`))}`)
      .replace(/^http: .*$/m, 'http: 127.0.0.1:-1'),
  })
  const nc = await connect({ servers: server.url, timeout: 5000 })
  try {
    assert.is(nc.info?.max_payload, 8 * 1024 * 1024)
    assert.ok(nc.info?.jetstream, 'JetStream is enabled by the file')
    const kv = await new Kvm(nc).create('kiln_single')
    await kv.put('k', new Uint8Array(4 * 1024 * 1024))
    assert.is((await kv.get('k'))?.value.length, 4 * 1024 * 1024)
  } finally {
    await nc.close()
    await server.stop()
    rmSync(join(tmpdir(), `kiln-single-${process.pid}`), { recursive: true, force: true })
  }
})

single.run()
