import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { KV } from '@nats-io/kv'
import {
  LeaseLostError,
  acquireLease,
  ensureLayout,
  leaseValid,
  releaseLease,
  renewLease,
  waitForLeaseFree,
} from '@kiln/cluster-state'
import { KilnError, LeaseRecordSchema, ValidationError, decode } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'

const TTL = 1000

// Two contenders, each on its own connection (as two coordinators would be).
type Ctx = { server?: NatsServer; ncs?: NatsConnection[]; a?: KV; b?: KV; jobs?: KV }
const lease = suite<Ctx>('cluster - leader lease')

lease.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1].map(() => connect({ servers: ctx.server!.url, timeout: 5000 })))
    const [la, lb] = await Promise.all(ctx.ncs.map((nc) => ensureLayout(nc, { leaseTtlMs: TTL })))
    ctx.a = la!.kv.leader
    ctx.b = lb!.kv.leader
    ctx.jobs = la!.kv.jobs
  }),
)
lease.after(
  loud(async (ctx) => {
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

lease('two contenders racing for a free lease: exactly one wins, every time', async ({ a, b }) => {
  for (let k = 0; k < 10; k++) {
    const key = `race-${k}`
    const [la, lb] = await Promise.all([acquireLease(a!, key, 'coord-a', TTL), acquireLease(b!, key, 'coord-b', TTL)])
    assert.ok((la === null) !== (lb === null), `key ${key}: ${la?.holderId} / ${lb?.holderId}`)
    const holder = (la ?? lb)!
    assert.ok(leaseValid(holder))
    const stored = decode(LeaseRecordSchema, (await a!.get(key))!.value)
    assert.is(stored.holderId, holder.holderId)
  }
})

lease('a held lease refuses the other contender until released, then the other takes it', async ({ a, b }) => {
  const held = (await acquireLease(a!, 'coordinator', 'coord-a', TTL))!
  assert.ok(held)
  assert.is(await acquireLease(b!, 'coordinator', 'coord-b', TTL), null)
  const renewed = await renewLease(held)
  assert.ok(renewed.revision > held.revision)
  assert.is(await acquireLease(b!, 'coordinator', 'coord-b', TTL), null, 'still held after renewal')
  const waiting = waitForLeaseFree(b!, 'coordinator', { timeoutMs: 5000, pollMs: 5000 })
  assert.ok(await releaseLease(renewed))
  await waiting // the watch sees the delete: no poll interval (5 s here) was needed
  const taken = await acquireLease(b!, 'coordinator', 'coord-b', TTL)
  assert.is(taken?.holderId, 'coord-b')
  assert.not.ok(await releaseLease(renewed), 'a stale holder cannot release the new lease')
  assert.is(decode(LeaseRecordSchema, (await a!.get('coordinator'))!.value).holderId, 'coord-b')
  await releaseLease(taken!)
})

lease('a holder that stops renewing loses the lease once the TTL passes, and learns it', async ({ a, b }) => {
  const held = (await acquireLease(a!, 'failover', 'coord-a', TTL))!
  assert.is(await acquireLease(b!, 'failover', 'coord-b', TTL), null)
  const started = performance.now()
  await waitForLeaseFree(b!, 'failover', { timeoutMs: 5 * TTL })
  const waited = performance.now() - started
  assert.ok(waited < 3 * TTL, `took ${Math.round(waited)} ms to expire`)
  assert.not.ok(leaseValid(held), 'the old holder already considers its lease gone')
  const taken = await acquireLease(b!, 'failover', 'coord-b', TTL)
  assert.is(taken?.holderId, 'coord-b')
  try {
    await renewLease(held)
    assert.unreachable('the old holder renewed a lease it lost')
  } catch (err) {
    assert.instance(err, LeaseLostError)
    assert.is((err as LeaseLostError).code, 'conflict')
  }
  assert.not.ok(await releaseLease(held))
  assert.is(decode(LeaseRecordSchema, (await b!.get('failover'))!.value).holderId, 'coord-b')
  await releaseLease(taken!)
})

lease('an expired lease nobody took cannot be renewed either: the holder must acquire again', async ({ a }) => {
  const held = (await acquireLease(a!, 'lapsed', 'coord-a', TTL))!
  await waitForLeaseFree(a!, 'lapsed', { timeoutMs: 5 * TTL })
  await renewLease(held).then(
    () => assert.unreachable('renewed'),
    (err) => assert.instance(err, LeaseLostError),
  )
  const again = await acquireLease(a!, 'lapsed', 'coord-a', TTL)
  assert.ok(again)
  await releaseLease(again!)
})

lease('waiting for a lease that stays held times out', async ({ a, b }) => {
  const held = (await acquireLease(a!, 'busy', 'coord-a', TTL))!
  const err = await waitForLeaseFree(b!, 'busy', { timeoutMs: 50, pollMs: 10 }).then(
    () => null,
    (e: unknown) => e,
  )
  assert.instance(err, KilnError)
  assert.is((err as KilnError).code, 'timeout')
  await releaseLease(held)
})

lease('unsafe or malformed requests are refused', async ({ a, jobs }) => {
  await acquireLease(a!, 'k', 'coord-a', TTL + 1).then(
    () => assert.unreachable('accepted a TTL longer than the bucket keeps keys'),
    (err) => {
      assert.instance(err, ValidationError)
      assert.is(err.data.field, 'ttlMs')
    },
  )
  await acquireLease(jobs!, 'k', 'coord-a', TTL).then(
    () => assert.unreachable('accepted a bucket without TTL'),
    (err) => {
      assert.instance(err, KilnError)
      assert.match(err.message, /kiln_jobs has no TTL/)
    },
  )
  await acquireLease(a!, 'k', 'coord.a', TTL).then(
    () => assert.unreachable('accepted a holder id with a dot'),
    (err) => {
      assert.instance(err, ValidationError)
      assert.is(err.data.field, 'holderId')
    },
  )
  await acquireLease(a!, 'a..b', 'coord-a', TTL).then(
    () => assert.unreachable('accepted a bad key'),
    (err) => {
      assert.instance(err, ValidationError)
      assert.is(err.data.field, 'key')
    },
  )
})

lease.run()
