import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { type StreamInfo, jetstreamManager } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import {
  KvBucket,
  LAYOUT_DEFAULTS,
  LayoutConflictError,
  ObjectStoreBucket,
  StreamName,
  ensureLayout,
  layoutSpecs,
} from '@kiln/cluster-state'
import {
  JobRecordSchema,
  KilnError,
  type JobRecord,
  PROTOCOL_VERSION,
  Subjects,
  ValidationError,
  decode,
  encode,
} from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'

const ALL_STREAMS = [
  ...Object.values(KvBucket).map((b) => `KV_${b}`),
  ...Object.values(StreamName),
  ...Object.values(ObjectStoreBucket).map((b) => `OBJ_${b}`),
].sort()

const job: JobRecord = {
  v: PROTOCOL_VERSION,
  id: 'j-1',
  state: 'pending',
  attempts: 0,
  spec: { name: 'mlp' },
  trialIds: [],
  timestamps: { createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000 },
}

async function streamInfos(nc: NatsConnection): Promise<Map<string, StreamInfo>> {
  const jsm = await jetstreamManager(nc)
  const out = new Map<string, StreamInfo>()
  for await (const si of jsm.streams.list()) out.set(si.config.name, si)
  return out
}

type Ctx = { server?: NatsServer; nc?: NatsConnection }
const layout = suite<Ctx>('cluster - jetstream layout')

layout.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url, timeout: 5000 })
  }),
)
layout.after(
  loud(async (ctx) => {
    await ctx.nc?.close()
    await ctx.server?.stop()
  }),
)

layout('the first call creates every bucket, stream and object store, on file storage', async ({ nc }) => {
  const got = await ensureLayout(nc!)
  assert.equal([...got.created].sort(), ALL_STREAMS)
  const infos = await streamInfos(nc!)
  assert.equal([...infos.keys()].sort(), ALL_STREAMS)
  for (const si of infos.values()) assert.is(si.config.storage, 'file', si.config.name)
  const nodes = infos.get('KV_kiln_nodes')!.config
  assert.is(nodes.max_age, LAYOUT_DEFAULTS.heartbeatMs * LAYOUT_DEFAULTS.missedBeats * 1e6)
  assert.is(nodes.max_msgs_per_subject, 1)
  assert.is(infos.get('KV_kiln_leader')!.config.max_age, LAYOUT_DEFAULTS.leaseTtlMs * 1e6)
  assert.is(infos.get('KV_kiln_jobs')!.config.max_age, 0)
  const logs = infos.get('KILN_LOGS')!.config
  assert.equal(logs.subjects, ['kiln.logs.>'])
  assert.is(logs.max_age, LAYOUT_DEFAULTS.limits.logs.maxAgeMs * 1e6)
  assert.is(logs.max_bytes, LAYOUT_DEFAULTS.limits.logs.maxBytes)
  assert.is(logs.max_msgs_per_subject, LAYOUT_DEFAULTS.limits.logs.maxMsgsPerSubject)
  assert.equal(got.settings, { heartbeatMs: 2000, nodeTtlMs: 6000, leaseTtlMs: 10_000, replicas: 1 })
})

layout('the handles work: KV, streams on their subjects, object stores', async ({ nc }) => {
  const { kv, objects, js } = await ensureLayout(nc!)
  await kv.jobs.put('j-1', encode(JobRecordSchema, job))
  assert.equal(decode(JobRecordSchema, (await kv.jobs.get('j-1'))!.value), job)
  const ack = await js.publish(Subjects.events.of('job'), encode({ v: PROTOCOL_VERSION, id: 'j-1' }))
  assert.is(ack.stream, StreamName.events)
  assert.is((await js.publish(Subjects.metrics.of('t-1', 'node-1'), encode({}))).stream, StreamName.metrics)
  assert.is((await js.publish(Subjects.logs.of('t-1', 'node-1'), encode({}))).stream, StreamName.logs)
  await objects.models.putBlob({ name: 'mlp/1/model.json' }, new TextEncoder().encode('{"format":"layers-model"}'))
  assert.is(new TextDecoder().decode((await objects.models.getBlob('mlp/1/model.json'))!), '{"format":"layers-model"}')
})

layout('a second call changes nothing: same configs, same contents, nothing created', async ({ nc }) => {
  const before = await streamInfos(nc!)
  const entry = await (await ensureLayout(nc!)).kv.jobs.get('j-1')
  const again = await ensureLayout(nc!)
  assert.equal(again.created, [])
  const after = await streamInfos(nc!)
  for (const [name, si] of before) {
    assert.equal(after.get(name)!.config, si.config, name)
    assert.is(after.get(name)!.created, si.created, name)
    assert.is(after.get(name)!.state.messages, si.state.messages, name)
  }
  assert.is((await again.kv.jobs.get('j-1'))!.revision, entry!.revision)
})

layout('a process with another heartbeat interval is refused, naming the bucket and why', async ({ nc }) => {
  try {
    await ensureLayout(nc!, { heartbeatMs: 1000 })
    assert.unreachable('accepted a different node TTL')
  } catch (err) {
    assert.instance(err, LayoutConflictError)
    const e = err as LayoutConflictError
    assert.is(e.code, 'conflict')
    assert.match(
      e.message,
      /^kv bucket kiln_nodes already exists with an incompatible configuration: max_age is 6000 ms where Kiln needs 3000 ms \(3 × the heartbeat interval of 1000 ms/,
    )
    assert.match(e.message, /left unchanged/)
  }
  const nodes = (await streamInfos(nc!)).get('KV_kiln_nodes')!
  assert.is(nodes.config.max_age, 6000 * 1e6, 'not changed')
})

layout('limits an operator tuned are kept, not fought over', async ({ nc }) => {
  const jsm = await jetstreamManager(nc!)
  const cfg = (await jsm.streams.info('KILN_EVENTS')).config
  await jsm.streams.update('KILN_EVENTS', { ...cfg, max_bytes: 2 * 1024 * 1024 * 1024 })
  const again = await ensureLayout(nc!)
  assert.equal(again.created, [])
  assert.is((await jsm.streams.info('KILN_EVENTS')).config.max_bytes, 2 * 1024 * 1024 * 1024)
})

layout.run()

const starts = suite('cluster - jetstream layout, first start')

starts('two processes starting at once both succeed and make one layout', async () => {
  const server = await startNats()
  const conns = await Promise.all([0, 1, 2].map(() => connect({ servers: server.url, timeout: 5000 })))
  try {
    const results = await Promise.all(conns.map((nc) => ensureLayout(nc)))
    const created = new Set(results.flatMap((r) => r.created))
    assert.equal([...created].sort(), ALL_STREAMS)
    assert.equal([...(await streamInfos(conns[0]!)).keys()].sort(), ALL_STREAMS)
    const again = await ensureLayout(conns[1]!)
    assert.equal(again.created, [])
  } finally {
    await Promise.all(conns.map((nc) => nc.close()))
    await server.stop()
  }
})

starts('two processes with different settings racing: one makes the layout, the other is refused', async () => {
  const server = await startNats()
  const conns = await Promise.all([0, 1].map(() => connect({ servers: server.url, timeout: 5000 })))
  try {
    const results = await Promise.allSettled([
      ensureLayout(conns[0]!, { heartbeatMs: 1000 }),
      ensureLayout(conns[1]!, { heartbeatMs: 2000 }),
    ])
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    assert.is(failed.length, 1, 'exactly one of them is refused')
    assert.instance(failed[0]!.reason, LayoutConflictError)
    assert.match((failed[0]!.reason as Error).message, /kiln_nodes/)
  } finally {
    await Promise.all(conns.map((nc) => nc.close()))
    await server.stop()
  }
})

starts('an existing bucket with another history is refused and keeps its data', async () => {
  const server = await startNats()
  const nc = await connect({ servers: server.url, timeout: 5000 })
  try {
    const theirs = await new Kvm(nc).create('kiln_jobs', { history: 5 })
    await theirs.put('j-1', new TextEncoder().encode('precious'))
    const err = await ensureLayout(nc).then(
      () => null,
      (e: unknown) => e,
    )
    assert.instance(err, LayoutConflictError)
    assert.match(
      (err as Error).message,
      /^kv bucket kiln_jobs already exists .*max_msgs_per_subject is 5 where Kiln needs 1/,
    )
    assert.equal((err as LayoutConflictError).data?.name, 'kiln_jobs')
    const info = (await streamInfos(nc)).get('KV_kiln_jobs')!
    assert.is(info.config.max_msgs_per_subject, 5)
    assert.is((await theirs.get('j-1'))!.string(), 'precious')
  } finally {
    await nc.close()
    await server.stop()
  }
})

starts('without JetStream the error says so', async () => {
  const server = await startNats({ jetstream: false })
  const nc = await connect({ servers: server.url, timeout: 5000 })
  try {
    const err = await ensureLayout(nc, { timeoutMs: 2000 }).then(
      () => null,
      (e: unknown) => e,
    )
    assert.instance(err, KilnError)
    assert.is((err as KilnError).code, 'unavailable')
    assert.match((err as Error).message, /JetStream is not available/)
  } finally {
    await nc.close()
    await server.stop()
  }
})

starts('bad options are refused before anything is touched', () => {
  for (const [opts, field] of [
    [{ heartbeatMs: 0 }, 'heartbeatMs'],
    [{ leaseTtlMs: 1.5 }, 'leaseTtlMs'],
    [{ replicas: 9 }, 'replicas'],
    [{ limits: { logs: { maxBytes: -5 } } }, 'limits.logs.maxBytes'],
  ] as const) {
    assert.throws(
      () => layoutSpecs(opts),
      (e: unknown) => e instanceof ValidationError && e.data?.field === field,
      field,
    )
  }
})

starts.run()

const restart = suite('cluster - jetstream layout across a nats-server restart')

restart('KV contents, objects and stream history survive a restart of the same store', async () => {
  // The helper keeps its own store in a temp dir it deletes on stop(); a jetstream block
  // in `config` points the server at a store this test owns instead, so a second server
  // can reopen it.
  const store = mkdtempSync(join(tmpdir(), 'kiln-restart-'))
  const config = `jetstream { store_dir: ${JSON.stringify(store)}, sync_interval: always }`
  try {
    let server = await startNats({ jetstream: false, config })
    let nc = await connect({ servers: server.url, timeout: 5000 })
    const first = await ensureLayout(nc)
    assert.is(first.created.length, ALL_STREAMS.length)
    await first.kv.jobs.put('j-1', encode(JobRecordSchema, job))
    await first.objects.checkpoints.putBlob({ name: 'j-1/t-1/epoch-1' }, new Uint8Array([1, 2, 3]))
    await first.js.publish(Subjects.events.of('job'), encode({ v: PROTOCOL_VERSION, id: 'j-1' }))
    await nc.close()
    await server.stop()

    server = await startNats({ jetstream: false, config })
    nc = await connect({ servers: server.url, timeout: 5000 })
    try {
      const second = await ensureLayout(nc)
      assert.equal(second.created, [], 'the layout was found, not recreated')
      assert.equal(decode(JobRecordSchema, (await second.kv.jobs.get('j-1'))!.value), job)
      assert.equal(Array.from((await second.objects.checkpoints.getBlob('j-1/t-1/epoch-1'))!), [1, 2, 3])
      assert.is((await second.jsm.streams.info(StreamName.events)).state.messages, 1)
    } finally {
      await nc.close()
      await server.stop()
    }
  } finally {
    rmSync(store, { recursive: true, force: true })
  }
})

restart.run()
