// One identity per worker node (issue 13): a node's credential lets it heartbeat, listen,
// report and register only as itself, and the coordinator refuses a node speaking for
// another in a message body. `kiln node add` issues an identity a new machine can use at
// once; `kiln node revoke` disconnects it and keeps it out.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kvm } from '@nats-io/kv'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { JobsClient, connectKiln } from '@kiln/client'
import { KvBucket } from '@kiln/cluster-state'
import { downLocalCluster } from '@kiln/local'
import {
  ErrorCode,
  KilnError,
  NodeRegistrationSchema,
  Subjects,
  TrialStatusUpdateSchema,
  decode,
  encode,
} from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { kiln, kilnHere } from '../helpers/kiln-cli.js'
import { rejects } from '../helpers/rejects.js'
import { waitFor } from '../helpers/wait-for.js'
import { assertDenied, assertNotDelivered } from '../local/role-server.js'
import { startSecureCluster, type SecureCluster } from './secure-cluster.js'

const ids = suite<{ c?: SecureCluster }>('security - a node acts only as itself')
ids.before(
  loud(async (ctx) => {
    ctx.c = await startSecureCluster()
  }),
)
ids.after(
  loud(async (ctx) => {
    await ctx.c?.close()
  }),
)

const registration = (nodeId: string) =>
  encode(NodeRegistrationSchema, {
    v: 1,
    nodeId,
    name: nodeId,
    host: 'h',
    slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
    version: 't',
    startedAt: Date.now(),
  })

ids('node-2 cannot heartbeat, listen, register or report as node-1', async ({ c }) => {
  const { worker2: node2, coordinator, admin } = c!.nc
  await assertNotDelivered(node2, Subjects.node.heartbeat('node-1'), coordinator, admin)
  const listen = new Promise<string>((ok) =>
    node2.subscribe(Subjects.node.command('node-1'), { callback: (err) => ok(err?.message ?? 'no error') }),
  )
  assert.match(await listen, /Permissions Violation for Subscription/)
  const kv = await new Kvm(node2).open(KvBucket.nodes)
  await assertDenied(() => kv.put('node-1', registration('node-1')), 'node-2 → kiln_nodes node-1')
  await assertDenied(
    () => node2.request(Subjects.trial.status('t1', 'node-1'), new Uint8Array(1), { timeout: 2000 }),
    'node-2 → a status as node-1',
  )
  // Its own subjects still work.
  assert.ok(await kv.put('node-2', registration('node-2')))
})

ids('the coordinator refuses a status or registration whose body names another node', async ({ c }) => {
  const node2 = c!.nc.worker2
  const reply = decode<{ ok: boolean; error?: { code: string; message: string } }>(
    (
      await node2.request(
        Subjects.trial.status('t1', 'node-2'),
        encode(TrialStatusUpdateSchema, { v: 1, trialId: 't1', nodeId: 'node-1', attempt: 1, state: 'failed' }),
        { timeout: 5000 },
      )
    ).data,
  )
  assert.is(reply.ok, false)
  assert.is(reply.error?.code, ErrorCode.permissionDenied, reply.error?.message)
  assert.match(reply.error!.message, 'for kiln.trial.t1.status.node-1 arrived on kiln.trial.t1.status.node-2')

  // node-2 writes its own key claiming to be node-9, then its true self: once the coordinator
  // lists the second (its watch is in order), the first was refused, not listed.
  const kv = await new Kvm(node2).open(KvBucket.nodes)
  await kv.put('node-2', registration('node-9'))
  await kv.put('node-2', registration('node-2'))
  const client = new JobsClient(c!.nc.client)
  const nodes = await waitFor('node-2 to be listed', async () => {
    const list = await client.nodes()
    return list.some((n) => n.nodeId === 'node-2') ? list : undefined
  })
  assert.not.ok(
    nodes.some((n) => n.nodeId === 'node-9'),
    nodes.map((n) => n.nodeId),
  )
})

ids.run()

const cli = suite<{ project: string }>('security - kiln node add and revoke on a local cluster')
cli.before((ctx) => {
  ctx.project = mkdtempSync(join(tmpdir(), 'kiln-node-'))
})
cli.after(
  loud(async ({ project }) => {
    await downLocalCluster(join(project, '.kiln')).catch(() => false)
    rmSync(project, { recursive: true, force: true })
  }),
)

cli('an added node connects at once as itself; a revoked one is disconnected and refused', async ({ project }) => {
  const up = await kiln(['up', '--detach', '--workers', '0', '--no-gateway', '--json'], project)
  assert.is(up.code, 0, up.stderr)
  const added = await kilnHere(['node', 'add', 'gpu-1', '--json'], project)
  assert.is(added.code, 0, added.stderr)
  const creds = added.lines[0]!.creds as string
  assert.equal(added.lines[0]!.reloaded, true)

  const nc = await connectKiln({ creds, role: 'worker', env: {}, cwd: project })
  const kv = await new Kvm(nc).open(KvBucket.nodes)
  assert.ok(await kv.put('gpu-1', registration('gpu-1')), 'it registers as itself')
  await assertDenied(() => kv.put('gpu-2', registration('gpu-2')), 'gpu-1 → kiln_nodes gpu-2')
  const again = await kilnHere(['node', 'add', 'gpu-1', '--json'], project)
  assert.is(again.code, 1, 'a name is issued once')
  assert.match(JSON.stringify(again.lines), /node gpu-1 already has credentials: revoke it first/)

  const revoked = await kilnHere(['node', 'revoke', 'gpu-1', '--json'], project)
  assert.is(revoked.code, 0, revoked.stderr)
  await waitFor('the server to close the revoked node', () => nc.isClosed() || undefined, 20_000)
  const refused = (await rejects(
    () => connectKiln({ creds, role: 'worker', env: {}, cwd: project, natsOptions: { maxReconnectAttempts: 0 } }),
    KilnError,
    'a revoked node',
  )) as KilnError
  assert.is(refused.code, ErrorCode.permissionDenied, refused.message)
  const listed = await kilnHere(['node', 'ls', '--json'], project)
  assert.equal(listed.lines[0]!.nodes, [])
})

cli.run()
