import { suite } from 'uvu'
import { Objm } from '@nats-io/obj'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  downLocalCluster,
  freePort,
  lockDir,
  pidAlive,
  readClusterFile,
  readNodes,
  localNodeCreds,
  localNodesFile,
  superviseLocalCluster,
  upLocalCluster,
  readCredentials,
  LocalClusterError,
  type ClusterEvent,
  type KilnCommand,
  type UpOptions,
} from '@kiln/local'
import { connectKiln } from '@kiln/client'
import { ObjectStoreBucket } from '@kiln/cluster-state'
import { rejects } from '../helpers/rejects.js'
import { waitFor } from '../helpers/wait-for.js'

const FAKE = fileURLToPath(new URL('./fake-kiln.mjs', import.meta.url))
const fake: KilnCommand = { command: process.execPath, args: [FAKE], marker: FAKE }
const sup = suite<{ root: string }>('local - kiln up process handling')
sup.before((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'kiln-up-'))
})
sup.after((ctx) => rmSync(ctx.root, { recursive: true, force: true }))

let n = 0
function options(
  root: string,
  o: Partial<UpOptions> & { fakeEnv?: Record<string, string> } = {},
): UpOptions & { events: ClusterEvent[] } {
  const events: ClusterEvent[] = []
  const { fakeEnv, ...rest } = o
  return {
    dir: join(root, `p${++n}`, '.kiln'),
    kiln: fake,
    readyTimeoutMs: 20_000,
    gatewayPort: false,
    env: { ...process.env, ...fakeEnv },
    onEvent: (e) => events.push(e),
    events,
    ...rest,
  }
}

const alive = (dir: string) =>
  (readClusterFile(dir)?.processes ?? []).filter((p) => pidAlive(p.pid, p.marker)).map((p) => p.name)

sup(
  'up starts nats, then the coordinator, then workers and gateway; down stops them all and keeps the data',
  async ({ root }) => {
    const gatewayPort = await freePort()
    // The gateway counts as ready once its health check answers, ready line or not.
    const o = options(root, { workers: 2, gatewayPort, fakeEnv: { FAKE_KILN_GATEWAY: 'http' } })
    const up = await upLocalCluster(o)
    up.detach()
    const info = readClusterFile(o.dir)!
    assert.equal(
      info.processes.map((p) => p.name),
      ['nats', 'coordinator', 'worker-1', 'worker-2', 'gateway'],
    )
    assert.equal(alive(o.dir), ['nats', 'coordinator', 'worker-1', 'worker-2', 'gateway'])
    assert.is(info.gatewayUrl, `http://127.0.0.1:${gatewayPort}`)
    const order = o.events
      .filter((e) => e.event === 'ready' || e.event === 'starting')
      .map((e) => `${e.event} ${e.name}`)
    assert.ok(order.indexOf('ready coordinator') < order.indexOf('starting worker-1'), order.join(', '))
    const worker = info.processes.find((p) => p.name === 'worker-2')!
    // Each worker its own node identity.
    assert.equal(worker.args!.slice(0, 5), ['worker', '--nats', info.url, '--creds', localNodeCreds(o.dir, 'worker-2')])
    assert.equal(
      readNodes(localNodesFile(o.dir)).map((n) => n.nodeId),
      ['worker-1', 'worker-2'],
    )
    assert.ok(worker.args!.includes('--slots'), 'two workers split the cores')
    assert.equal(info.processes.find((p) => p.name === 'gateway')!.args!.slice(-2), ['--port', String(gatewayPort)])

    assert.ok(await downLocalCluster(o.dir))
    for (const p of info.processes) assert.not.ok(pidAlive(p.pid, p.marker), `${p.name} still runs`)
    const after = readClusterFile(o.dir)!
    assert.equal(after.processes, [])
    assert.ok(after.stopped)
    assert.ok(existsSync(join(o.dir, 'jetstream')) && existsSync(info.creds.client!), 'data and credentials stay')
    assert.not.ok(await downLocalCluster(o.dir), 'a second down finds nothing running')
  },
)

sup('a restarted cluster has the data of the last one, under new passwords', async ({ root }) => {
  const o = options(root, { workers: 0 })
  const first = await upLocalCluster(o)
  first.detach()
  const oldPassword = readCredentials(first.info.creds.client!)
  let nc = await connectKiln({ cwd: join(o.dir, '..'), env: {} })
  await (await new Objm(nc).open(ObjectStoreBucket.datasets)).putBlob({ name: 'keep-me' }, new Uint8Array([7, 8, 9]))
  await nc.close()
  await downLocalCluster(o.dir)
  const second = await upLocalCluster(options(root, { dir: o.dir, workers: 0 }))
  second.detach()
  assert.not.equal(readCredentials(second.info.creds.client!), oldPassword)
  nc = await connectKiln({ cwd: join(o.dir, '..'), env: {} })
  try {
    const blob = await (await new Objm(nc).open(ObjectStoreBucket.datasets)).getBlob('keep-me')
    assert.equal([...blob!], [7, 8, 9])
  } finally {
    await nc.close()
    await downLocalCluster(o.dir)
  }
})

sup('a command this build lacks is reported and the cluster runs without it', async ({ root }) => {
  const o = options(root, { workers: 1, gatewayPort: await freePort(), fakeEnv: { FAKE_KILN_GATEWAY: 'missing' } })
  const up = await upLocalCluster(o)
  up.detach()
  assert.equal(up.missing, ['gateway'])
  assert.ok(o.events.some((e) => e.event === 'missing' && e.name === 'gateway' && e.command === 'gateway'))
  assert.is(up.info.gatewayUrl, undefined)
  assert.equal(alive(o.dir), ['nats', 'coordinator', 'worker-1'])
  await downLocalCluster(o.dir)
})

sup('a process that dies before it is ready fails up with its log, and nothing is left running', async ({ root }) => {
  const o = options(root, { workers: 1, fakeEnv: { FAKE_KILN_WORKER: 'crash' } })
  const err = (await rejects(() => upLocalCluster(o), LocalClusterError)) as LocalClusterError
  assert.match(err.message, /worker-1 exited before it was ready \(3\)/)
  assert.match(err.message, 'boom: cannot start')
  assert.equal(alive(o.dir), [])
  assert.ok(readClusterFile(o.dir)!.stopped)
})

sup('a second up finds the running cluster and restarts what died', async ({ root }) => {
  const o = options(root, { workers: 1 })
  const first = await upLocalCluster(o)
  first.detach()
  const worker = first.info.processes.find((p) => p.name === 'worker-1')!
  process.kill(worker.pid, 'SIGKILL')
  await waitFor('worker-1 to die', () => !pidAlive(worker.pid, worker.marker), 5000)
  const again = options(root, { dir: o.dir, workers: 3 })
  const second = await upLocalCluster(again)
  assert.ok(second.found)
  assert.equal(again.events[0], { event: 'found', url: first.info.url, dead: ['worker-1'], supervised: false })
  assert.equal(alive(o.dir), ['nats', 'coordinator', 'worker-1'], 'the running cluster keeps its shape')
  assert.is.not(readClusterFile(o.dir)!.processes.find((p) => p.name === 'worker-1')!.pid, worker.pid)
  await downLocalCluster(o.dir)
})

sup('in the foreground a process that dies is restarted; stop() ends everything', async ({ root }) => {
  const o = options(root, { workers: 1, supervisor: process.pid })
  const up = await upLocalCluster(o)
  const supervision = superviseLocalCluster(up.info, up.started.values(), up.context)
  const coordinator = up.info.processes.find((p) => p.name === 'coordinator')!
  const oldPid = coordinator.pid
  process.kill(oldPid, 'SIGKILL')
  const restarted = await waitFor(
    'the coordinator to be restarted',
    () => o.events.find((e) => e.event === 'ready' && e.name === 'coordinator' && e.pid !== oldPid),
    15_000,
  )
  assert.ok(o.events.some((e) => e.event === 'exited' && e.name === 'coordinator' && e.signal === 'SIGKILL'))
  assert.is(
    readClusterFile(o.dir)!.processes.find((p) => p.name === 'coordinator')!.pid,
    (restarted as { pid: number }).pid,
  )
  await supervision.stop()
  assert.is(await supervision.done, 'stopped')
  assert.equal(alive(o.dir), [])
})

sup("one kiln up or down at a time per folder; a dead holder's lock is taken over", ({ root }) => {
  const dir = mkdtempSync(join(root, 'lock-'))
  writeFileSync(join(dir, 'lock'), `${process.ppid} up\n`)
  assert.throws(() => lockDir(dir, 'down'), /another kiln up \(pid \d+\) is working on/)
  writeFileSync(join(dir, 'lock'), '999999999 up\n')
  const release = lockDir(dir, 'up')
  release()
  assert.not.ok(existsSync(join(dir, 'lock')))
})

sup('--gateways 2 starts two gateways, each on its own port; a second up restarts a dead one', async ({ root }) => {
  const gatewayPort = await freePort()
  const o = options(root, { workers: 0, gatewayPort, gateways: 2, fakeEnv: { FAKE_KILN_GATEWAY: 'http' } })
  const up = await upLocalCluster(o)
  up.detach()
  try {
    const info = readClusterFile(o.dir)!
    assert.equal(alive(o.dir), ['nats', 'coordinator', 'gateway', 'gateway-2'])
    assert.is(info.gatewayUrl, `http://127.0.0.1:${gatewayPort}`)
    assert.is(info.gatewayUrls?.length, 2)
    assert.is(info.gatewayUrls![0], info.gatewayUrl)
    const ports = ['gateway', 'gateway-2'].map((name) => info.processes.find((p) => p.name === name)!.args!.at(-1))
    assert.equal(
      ports,
      info.gatewayUrls!.map((u) => /:(\d+)$/.exec(u)![1]),
    )
    assert.is.not(ports[0], ports[1])
    for (const url of info.gatewayUrls!) assert.is((await fetch(`${url}/v2/health/ready`)).status, 200, url)
    const second = info.processes.find((p) => p.name === 'gateway-2')!
    process.kill(second.pid, 'SIGKILL')
    await waitFor('gateway-2 dead', () => !pidAlive(second.pid, second.marker), 20_000)
    const again = await upLocalCluster(
      options(root, { dir: o.dir, workers: 0, fakeEnv: { FAKE_KILN_GATEWAY: 'http' } }),
    )
    again.detach()
    assert.ok(again.found)
    assert.equal(alive(o.dir), ['nats', 'coordinator', 'gateway', 'gateway-2'])
    assert.is((await fetch(`${info.gatewayUrls![1]}/v2/health/ready`)).status, 200, 'gateway-2 serves again')
  } finally {
    await downLocalCluster(o.dir)
  }
})

sup.run()
