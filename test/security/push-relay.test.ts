// Finding 1 of issue 13: a role stored bytes in a stream it may write and made a JetStream
// push consumer deliver them to a subject it may not publish to (a node's commands, the
// coordinator's submit API). Each attack runs against a real coordinator and worker: on the
// cluster as `kiln up` configures it the server never delivers (the consumers live in the
// KILN_JS account, which exports only inboxes), and on a server without any permissions the
// services still refuse what a consumer relays (another subject, a $JS.ACK reply).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AckPolicy, DeliverPolicy, type ConsumerConfig, jetstream, jetstreamManager } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { Kvm } from '@nats-io/kv'
import { Objm } from '@nats-io/obj'
import { JobsClient } from '@kiln/client'
import { KvBucket, ObjectStoreBucket, StreamName, natsFailure } from '@kiln/cluster-state'
import { fetchContent, sha256Hex } from '@kiln/data'
import { JobSubmitRequestSchema, KilnError, NodeCommandSchema, Subjects, encode } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { startSecureCluster, type SecureCluster, type Who } from './secure-cluster.js'

const drain = encode(NodeCommandSchema, { v: 1, kind: 'drain' })
// A job that cannot be placed (no GPU anywhere): it is only created, never run.
const spec = {
  name: 'relayed',
  dataset: 'fashion-mnist',
  model: { builtin: 'mlp', hidden: [4] },
  training: { epochs: 1 },
  resources: { gpu: true },
}
const submit = encode(JobSubmitRequestSchema, { v: 1, spec })

type Outcome = 'refused' | 'undelivered' | 'delivered'

// Creates the attacker's consumer and waits until the server either delivered the stored
// message or shows the consumer has nobody to deliver to.
async function relay(nc: NatsConnection, stream: string, config: Partial<ConsumerConfig>): Promise<Outcome> {
  const jsm = await jetstreamManager(nc)
  let name: string
  try {
    name = (
      await jsm.consumers.add(stream, {
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.All,
        ...config,
      })
    ).name
  } catch {
    return 'refused'
  }
  return waitFor(
    `the ${stream} consumer to deliver or to show it has no interest`,
    async () => {
      const info = await jsm.consumers.info(stream, name)
      if (info.delivered.stream_seq > 0) return 'delivered' as const
      return info.push_bound ? undefined : ('undelivered' as const)
    },
    15_000,
  )
}

// Whether node-1 was made to drain: after a flush of its own connection every message the
// server sent it before has been handled (the drain flag is set synchronously).
async function drained(c: SecureCluster): Promise<boolean> {
  await c.nc.worker.flush()
  return c.worker.draining
}

// How many jobs exist once a legitimate submit has been answered: the coordinator handles
// submits one at a time, in order, so a relayed one would have been handled first.
async function jobsAfterProbe(c: SecureCluster): Promise<number> {
  const client = new JobsClient(c.nc.client)
  await client.submit(spec)
  return (await client.jobs()).length
}

type Attack = {
  what: string
  attacker: Who
  store: (c: SecureCluster) => Promise<{ stream: string; filter: string }>
  config: (filter: string) => Partial<ConsumerConfig>
  harm: 'drain' | 'submit'
}

const publishTo = (who: Who, subject: string, bytes: Uint8Array, stream: string) => async (c: SecureCluster) => {
  await jetstream(c.nc[who]).publish(subject, bytes)
  return { stream, filter: subject }
}

const ATTACKS: Attack[] = [
  {
    what: "gateway: KILN_CAPTURE → a node's commands (drain)",
    attacker: 'gateway',
    store: publishTo('gateway', 'kiln.capture.m', drain, StreamName.capture),
    config: (filter) => ({ filter_subject: filter, deliver_subject: Subjects.node.command('node-1') }),
    harm: 'drain',
  },
  {
    what: 'worker: KILN_LOGS → kiln.api.submit in the coordinator queue group',
    attacker: 'worker',
    store: publishTo('worker', Subjects.logs.of('t-relay', 'node-1'), submit, StreamName.logs),
    config: (filter) => ({
      filter_subject: filter,
      deliver_subject: Subjects.api.submit,
      deliver_group: 'kiln-coordinator',
    }),
    harm: 'submit',
  },
  {
    what: 'worker: a durable consumer of KILN_METRICS → kiln.api.submit',
    attacker: 'worker',
    store: publishTo('worker', Subjects.metrics.of('t-relay', 'node-1'), submit, StreamName.metrics),
    config: (filter) => ({
      durable_name: 'relay',
      filter_subject: filter,
      deliver_subject: Subjects.api.submit,
      deliver_group: 'kiln-coordinator',
    }),
    harm: 'submit',
  },
  {
    what: "client: a dataset chunk (object store) → a node's commands",
    attacker: 'client',
    store: async (c) => {
      const os = await new Objm(c.nc.client).open(ObjectStoreBucket.datasets)
      await os.putBlob({ name: 'relay' }, drain)
      return { stream: `OBJ_${ObjectStoreBucket.datasets}`, filter: `$O.${ObjectStoreBucket.datasets}.C.>` }
    },
    config: (filter) => ({ filter_subject: filter, deliver_subject: Subjects.node.command('node-1') }),
    harm: 'drain',
  },
  {
    what: "another node: a KV value watched (kiln_model_versions) → node-1's commands",
    attacker: 'worker2',
    store: async (c) => {
      const kv = await new Kvm(c.nc.worker2).open(KvBucket.modelVersions)
      await kv.put('relay.1', drain)
      return { stream: `KV_${KvBucket.modelVersions}`, filter: `$KV.${KvBucket.modelVersions}.relay.1` }
    },
    config: (filter) => ({ filter_subject: filter, deliver_subject: Subjects.node.command('node-1') }),
    harm: 'drain',
  },
]

for (const open of [false, true]) {
  const s = suite<{ c?: SecureCluster }>(
    open
      ? 'security - without any server permissions, services refuse what a push consumer relays'
      : 'security - a push consumer cannot relay stored bytes to service subjects (kiln up accounts)',
  )
  s.before(
    loud(async (ctx) => {
      ctx.c = await startSecureCluster({ open })
    }),
  )
  s.after(
    loud(async (ctx) => {
      await ctx.c?.close()
    }),
  )
  for (const a of ATTACKS) {
    s(a.what, async ({ c }) => {
      const { stream, filter } = await a.store(c!)
      const jobsBefore = (await new JobsClient(c!.nc.client).jobs()).length
      const outcome = await relay(c!.nc[a.attacker], stream, a.config(filter))
      // With the accounts the server itself has nowhere to deliver; without them it delivers.
      if (!open) assert.ok(outcome !== 'delivered', `the server delivered the relayed message (${outcome})`)
      if (a.harm === 'drain') assert.not.ok(await drained(c!), 'node-1 drained on a relayed command')
      else assert.is(await jobsAfterProbe(c!), jobsBefore + 1, 'a relayed submit created a job')
    })
  }
  if (!open) {
    s('no role but admin and the coordinator may create a stream that mirrors or sources another', async ({ c }) => {
      for (const who of ['worker', 'gateway', 'client'] as const) {
        const jsm = await jetstreamManager(c!.nc[who])
        for (const config of [
          { name: `MIRROR_${who}`, mirror: { name: StreamName.logs } },
          {
            name: `SOURCE_${who}`,
            sources: [{ name: StreamName.logs, subject_transforms: [{ src: 'kiln.logs.>', dest: 'kiln.api.submit' }] }],
          },
        ]) {
          const err = await jsm.streams.add(config).then(
            () => undefined,
            (e: Error) => e,
          )
          assert.ok(err, `${who} created ${config.name}`)
          assert.is(natsFailure(err), 'permission', `${who}: ${err!.message}`)
        }
      }
    })
    s('no role but admin lists consumers (whose delivery inboxes it would learn)', async ({ c }) => {
      for (const who of ['worker', 'gateway', 'client'] as const) {
        const jsm = await jetstreamManager(c!.nc[who])
        const err = await jsm.consumers
          .list(`KV_${KvBucket.jobs}`)
          .next()
          .then(
            () => undefined,
            (e: Error) => e,
          )
        assert.is(natsFailure(err), 'permission', `${who}: ${err?.message}`)
      }
    })
  }
  s.run()
}

const links = suite<{ c?: SecureCluster }>('security - object-store links are not followed')
links.before(
  loud(async (ctx) => {
    ctx.c = await startSecureCluster()
  }),
)
links.after(
  loud(async (ctx) => {
    await ctx.c?.close()
  }),
)
links('a bundle that is a link to another store is refused, even when the bytes there match', async ({ c }) => {
  const bytes = new TextEncoder().encode('// kiln-bundle/1 {}\nexport default () => 1\n')
  const id = sha256Hex(bytes)
  // Written by the coordinator: content a client cannot write (kiln_models).
  const models = await new Objm(c!.nc.coordinator).open(ObjectStoreBucket.models)
  const target = await models.putBlob({ name: 'm/1' }, bytes)
  const bundles = await new Objm(c!.nc.client).open(ObjectStoreBucket.bundles)
  await bundles.link(id, target)
  const dir = mkdtempSync(join(tmpdir(), 'kiln-link-'))
  try {
    const err = await fetchContent(bundles, id, id, join(dir, `${id}.mjs`)).then(
      () => undefined,
      (e: Error) => e,
    )
    assert.instance(err, KilnError)
    assert.match(err!.message, /an object-store link \(to kiln_models\/m\/1\), not content: refused/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
links.run()
