import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { Objm } from '@nats-io/obj'
import { KvBucket, ObjectStoreBucket, StreamName } from '@kiln/cluster-state'
import { Subjects, GatewaySubjects } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { assertDenied, assertNotDelivered, startRoleServer, type RoleServer } from './role-server.js'

const perms = suite<{ rs?: RoleServer }>('local - role permissions')

perms.before(
  loud(async (ctx) => {
    ctx.rs = await startRoleServer()
  }),
)
perms.after(
  loud(async (ctx) => {
    await ctx.rs?.close()
  }),
)

perms('a worker cannot call kiln.api.submit; a client can, and the coordinator answers it', async ({ rs }) => {
  const { coordinator, worker, client } = rs!.nc
  const sub = coordinator.subscribe(Subjects.api.submit, {
    callback: (_err, m) => m.respond(`ok ${m.string()}`),
  })
  await coordinator.flush()
  assert.is((await client.request(Subjects.api.submit, 'job', { timeout: 2000 })).string(), 'ok job')
  await assertDenied(() => worker.request(Subjects.api.submit, 'job', { timeout: 2000 }), 'worker → kiln.api.submit')
  await assertDenied(
    () => rs!.nc.gateway.request(Subjects.api.cancel, 'x', { timeout: 2000 }),
    'gateway → kiln.api.cancel',
  )
  sub.unsubscribe()
})

perms('the not-delivered check skips other traffic on the subject, and still sees a delivery', async ({ rs }) => {
  const { coordinator, client, admin } = rs!.nc
  const subject = Subjects.node.heartbeat('node-1')
  // A live node heartbeats on the subject the check watches (CI once failed on one).
  const noise = setInterval(() => admin.publish(subject, 'heartbeat'), 1)
  try {
    for (let i = 0; i < 20; i++) await assertNotDelivered(client, subject, coordinator, admin)
  } finally {
    clearInterval(noise)
  }
  let delivered = false
  try {
    await assertNotDelivered(admin, subject, coordinator, admin)
  } catch (err) {
    delivered = /was delivered/.test((err as Error).message)
  }
  assert.ok(delivered, 'a publisher that may publish there is seen')
})

perms('a client cannot publish heartbeats or node commands', async ({ rs }) => {
  const { coordinator, worker, client, admin } = rs!.nc
  await assertNotDelivered(client, Subjects.node.heartbeat('node-1'), coordinator, admin)
  await assertNotDelivered(client, Subjects.node.command('node-1'), worker, admin)
  await assertDenied(
    () => client.request(Subjects.node.command('node-1'), 'drain', { timeout: 2000 }),
    'client → node command',
  )
})

perms('a client cannot listen to node commands or ring traffic', async ({ rs }) => {
  for (const subject of [Subjects.node.command('node-1'), Subjects.trial.ring('t1', 0, 'node-1')]) {
    const closed = new Promise<string>((ok) =>
      rs!.nc.client.subscribe(subject, { callback: (err) => ok(err?.message ?? 'no error') }),
    )
    assert.match(await closed, /Permissions Violation for Subscription/, subject)
  }
})

perms(
  'a worker heartbeats, the coordinator commands it and it answers; it cannot command nodes itself',
  async ({ rs }) => {
    const { coordinator, worker, client } = rs!.nc
    const beats = coordinator.subscribe(Subjects.node.allHeartbeats, { max: 1 })
    await coordinator.flush()
    worker.publish(Subjects.node.heartbeat('node-1'), 'beat')
    for await (const m of beats) assert.is(m.subject, 'kiln.node.node-1.heartbeat')
    worker.subscribe(Subjects.node.command('node-1'), { callback: (_e, m) => m.respond('done') })
    await worker.flush()
    assert.is((await coordinator.request(Subjects.node.command('node-1'), 'drain', { timeout: 2000 })).string(), 'done')
    await assertDenied(
      () => worker.request(Subjects.node.command('node-2'), 'drain', { timeout: 2000 }),
      'worker → another node command',
    )
    // Answering is allowed only for requests it received, not into any inbox.
    await assertNotDelivered(worker, '_INBOX.client.someone-else', client, rs!.nc.admin)
  },
)

perms('the gateway serves kiln.gateway.api; clients call it, workers cannot', async ({ rs }) => {
  const { gateway, worker, client } = rs!.nc
  const sub = gateway.subscribe(GatewaySubjects.api.all, {
    queue: GatewaySubjects.queue,
    callback: (_e, m) => m.respond('endpoints'),
  })
  await gateway.flush()
  assert.is((await client.request(GatewaySubjects.api.list, '{}', { timeout: 2000 })).string(), 'endpoints')
  await assertDenied(() => worker.request(GatewaySubjects.api.deploy, '{}', { timeout: 2000 }), 'worker → gateway api')
  sub.unsubscribe()
})

perms(
  'JetStream: every role reads state, each writes only its own buckets, none but admin and coordinator manage streams',
  async ({ rs }) => {
    const { coordinator, worker, gateway, client } = rs!.nc
    const kv = (nc: typeof worker, bucket: string) => new Kvm(nc).open(bucket)
    const blob = new Uint8Array([1, 2, 3])
    assert.ok(await (await kv(worker, KvBucket.nodes)).put('node-1', blob), 'worker registers itself')
    assert.ok(await (await kv(coordinator, KvBucket.jobs)).put('job-1', blob), 'coordinator writes jobs')
    assert.ok(await (await kv(gateway, KvBucket.endpoints)).put('ep', blob), 'gateway writes endpoints')
    assert.equal((await (await kv(client, KvBucket.jobs)).get('job-1'))?.value, blob, 'client reads jobs')
    assert.equal((await (await kv(gateway, KvBucket.nodes)).get('node-1'))?.value, blob, 'gateway reads nodes')
    await assertDenied(async () => (await kv(worker, KvBucket.jobs)).put('job-2', blob), 'worker → kiln_jobs')
    await assertDenied(async () => (await kv(worker, KvBucket.trials)).put('t', blob), 'worker → kiln_trials')
    await assertDenied(async () => (await kv(client, KvBucket.nodes)).put('fake-node', blob), 'client → kiln_nodes')
    await assertDenied(async () => (await kv(worker, KvBucket.endpoints)).put('ep', blob), 'worker → kiln_endpoints')
    // Pipelines change only through the coordinator: a cached step's outputs cannot be forged.
    assert.ok(await (await kv(coordinator, KvBucket.pipelineCache)).put('k', blob), 'coordinator writes the step cache')
    await assertDenied(
      async () => (await kv(client, KvBucket.pipelineCache)).put('k', blob),
      'client → kiln_pipeline_cache',
    )
    await assertDenied(
      async () => (await kv(worker, KvBucket.pipelineRuns)).put('r', blob),
      'worker → kiln_pipeline_runs',
    )
    await assertDenied(
      async () => jetstream(client).publish('kiln.pipeline.run-1.events', blob),
      'client → KILN_PIPELINES',
    )

    const os = (nc: typeof worker, bucket: string) => new Objm(nc).open(bucket)
    assert.is(
      (await (await os(client, ObjectStoreBucket.datasets)).putBlob({ name: 'd' }, blob)).size,
      3,
      'client uploads a dataset',
    )
    assert.is(
      (await (await os(worker, ObjectStoreBucket.checkpoints)).putBlob({ name: 'c' }, blob)).size,
      3,
      'worker writes a checkpoint',
    )
    // A transform shard scored again replaces its object: a write, then a purge of the old one.
    for (const attempt of [1, 2])
      assert.is(
        (await (await os(worker, ObjectStoreBucket.transforms)).putBlob({ name: 'job-1/0' }, blob)).size,
        3,
        `worker writes a transform shard (attempt ${attempt})`,
      )
    await assertDenied(
      async () => (await os(client, ObjectStoreBucket.transforms)).putBlob({ name: 'job-1/0' }, blob),
      'client → transforms',
    )
    const read = await (await os(worker, ObjectStoreBucket.datasets)).getBlob('d')
    assert.equal([...read!], [...blob], 'worker reads the dataset')
    await assertDenied(
      async () => (await os(worker, ObjectStoreBucket.bundles)).putBlob({ name: 'evil' }, blob),
      'worker → bundles',
    )
    await assertDenied(
      async () => (await os(client, ObjectStoreBucket.models)).putBlob({ name: 'fake' }, blob),
      'client → models',
    )

    for (const nc of [worker, gateway, client]) {
      await assertDenied(
        async () => (await jetstreamManager(nc)).streams.delete(`KV_${KvBucket.jobs}`),
        'stream delete',
      )
      await assertDenied(
        async () => (await jetstreamManager(nc)).streams.add({ name: 'SNOOP', subjects: ['kiln.api.>'] }),
        'stream create',
      )
    }
  },
)

perms(
  'async inference: the gateway queues requests, works them off and delivers results; a client only receives them',
  async ({ rs }) => {
    const { gateway, client } = rs!.nc
    const blob = new Uint8Array([1, 2, 3])
    const results = (nc: typeof gateway) => new Kvm(nc).open(KvBucket.asyncResults)
    assert.ok(await (await results(gateway)).put('req-1', blob), 'gateway writes a result record')
    assert.equal((await (await results(client)).get('req-1'))?.value, blob, 'client reads it')
    await assertDenied(async () => (await results(client)).put('req-2', blob), 'client → kiln_async_results')
    const ack = await jetstream(gateway).publish(GatewaySubjects.asyncRequests, blob)
    assert.is(ack.stream, StreamName.async, 'gateway queues a request in KILN_ASYNC')
    await assertDenied(
      () => jetstream(client).publish(GatewaySubjects.asyncRequests, blob, { timeout: 2000 }),
      'client → KILN_ASYNC',
    )
    // The shared durable consumer every replica pulls from.
    await (await jetstreamManager(gateway)).consumers.add(StreamName.async, {
      durable_name: 'kiln-gateway-async',
      ack_policy: AckPolicy.Explicit,
    })
    const m = await (await jetstream(gateway).consumers.get(StreamName.async, 'kiln-gateway-async')).next({
      expires: 5000,
    })
    assert.equal([...(m?.data ?? [])], [...blob], 'gateway pulls the request')
    assert.ok(await m!.ackAck(), 'and acknowledges it')
    const delivered = client.subscribe(GatewaySubjects.asyncResult('my-token'), { max: 1 })
    await client.flush()
    gateway.publish(GatewaySubjects.asyncResult('my-token'), blob)
    for await (const r of delivered) assert.equal([...r.data], [...blob], 'client receives a delivered result')
  },
)

perms.run()
