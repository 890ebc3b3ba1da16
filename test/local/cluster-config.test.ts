import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StorageType } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { Kvm } from '@nats-io/kv'
import { findCommand } from '@kiln/cli'
import { connectKiln } from '@kiln/client'
import { ensureLayout } from '@kiln/cluster-state'
import { accountsConfText, addNode, freePort, startNatsServer, type RunningNats } from '@kiln/local'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { rejects } from '../helpers/rejects.js'
import { waitFor } from '../helpers/wait-for.js'
import { assertDenied } from './role-server.js'
import { hasOpenssl, makeTestCerts } from './test-certs.js'

const CLUSTER = fileURLToPath(new URL('../../cluster/', import.meta.url))
const conf = suite('local - cluster/ configs')

conf('cluster/nats/kiln-accounts.conf is what roles.ts and nats-accounts.ts generate', () => {
  const file = join(CLUSTER, 'nats/kiln-accounts.conf')
  if (process.env.KILN_UPDATE_CLUSTER_CONF === '1') writeFileSync(file, accountsConfText([]))
  assert.fixture(
    readFileSync(file, 'utf8'),
    accountsConfText([]),
    'stale: KILN_UPDATE_CLUSTER_CONF=1 node scripts/run-tests.mjs test/local/cluster-config.test.ts',
  )
})

conf('the env examples name every role password the cluster config reads', () => {
  const config = ['kiln-cluster.conf', 'kiln-accounts.conf']
    .map((f) => readFileSync(join(CLUSTER, 'nats', f), 'utf8'))
    .join('\n')
  const env = readFileSync(join(CLUSTER, 'env/nats.env.example'), 'utf8')
  const wanted = [...new Set(config.match(/\$KILN_[A-Z]+(?:_PASSWORD|_NODE)\b/g))].map((v) => v.slice(1))
  assert.ok(wanted.length >= 6, wanted.join(' '))
  for (const name of wanted) assert.match(env, new RegExp(`^${name}=`, 'm'), name)
})

conf(
  'systemd units run existing kiln commands, read credentials from a file, restart on failure, stop with SIGTERM',
  () => {
    const units = { coordinator: 30, worker: 120, gateway: 30 }
    for (const [name, minStopS] of Object.entries(units)) {
      const text = readFileSync(join(CLUSTER, `systemd/kiln-${name}.service`), 'utf8')
      const field = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1]
      const exec = field('ExecStart') ?? ''
      const command = /(?:main\.ts|\/kiln) (\S+)/.exec(exec)?.[1]
      assert.is(command, name, exec)
      assert.ok(findCommand(command!), `kiln ${command} exists`)
      assert.not.match(exec, /password|creds|--api-key/i, 'no secret on the command line')
      assert.is(field('EnvironmentFile'), `/etc/kiln/${name}.env`)
      assert.is(field('Restart'), 'on-failure')
      assert.is(field('KillSignal'), 'SIGTERM')
      assert.ok(
        Number(field('TimeoutStopSec')) >= minStopS,
        `${name}: TimeoutStopSec ${field('TimeoutStopSec')} < ${minStopS}`,
      )
    }
  },
)

conf.run()

const passwords = {
  KILN_ADMIN_PASSWORD: 'a-pw',
  KILN_COORDINATOR_PASSWORD: 'c-pw',
  KILN_GATEWAY_PASSWORD: 'g-pw',
  KILN_CLIENT_PASSWORD: 'cl-pw',
  KILN_SYS_PASSWORD: 's-pw',
}
type Ctx = {
  dir: string
  servers: RunningNats[]
  urls: string[]
  ca: string
  nodeCreds: string
  admin?: NatsConnection
}
const three = suite<Ctx>('local - the 3-node cluster config')
const test = hasOpenssl() ? three : three.skip
if (!hasOpenssl()) console.log('  (skipped: no openssl command to make test certificates)')

// The file as an operator installs it, with this test's ports, folders and certificates.
function localized(text: string, dir: string, ports: { client: number; route: number }[], i: number): string {
  let out = text
    .replace(/^listen: .*$/m, '')
    .replace(/^http: .*$/m, '')
    .replace(/store_dir: .*/, `store_dir: ${JSON.stringify(join(dir, `store-${i}`))}`)
    .replace(/listen: 0\.0\.0\.0:6222/, `listen: 127.0.0.1:${ports[i]!.route}`)
    .replaceAll('/etc/kiln/tls/nats-server.pem', join(dir, 'cert.pem'))
    .replaceAll('/etc/kiln/tls/nats-server-key.pem', join(dir, 'cert-key.pem'))
    .replaceAll('/etc/kiln/tls/nats-route.pem', join(dir, 'cert.pem'))
    .replaceAll('/etc/kiln/tls/nats-route-key.pem', join(dir, 'cert-key.pem'))
    .replaceAll('/etc/kiln/tls/ca.pem', join(dir, 'ca.pem'))
  for (const [n, p] of ports.entries())
    out = out.replace(`nats-route://nats-${n + 1}.kiln.internal:6222`, `nats-route://localhost:${p.route}`)
  return out
}

three.before(
  loud(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-3node-'))
    ctx.servers = []
    if (!hasOpenssl()) return
    ctx.ca = makeTestCerts(ctx.dir).ca
    const ports = await Promise.all([0, 1, 2].map(async () => ({ client: await freePort(), route: await freePort() })))
    const text = readFileSync(join(CLUSTER, 'nats/kiln-cluster.conf'), 'utf8')
    // A worker node added as an operator would: kiln node add writes nodes.json and its creds.
    const { identity, credentials } = addNode(join(ctx.dir, 'nodes.json'), 'gpu-1')
    ctx.nodeCreds = join(ctx.dir, 'gpu-1.creds')
    writeFileSync(ctx.nodeCreds, credentials, { mode: 0o600 })
    ctx.servers = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const dir = join(ctx.dir, `n${i + 1}`)
        mkdirSync(dir)
        writeFileSync(join(dir, 'kiln-accounts.conf'), accountsConfText([identity]))
        return startNatsServer({
          dir,
          port: ports[i]!.client,
          extraConfig: localized(text, ctx.dir, ports, i),
          env: { ...process.env, ...passwords, KILN_NATS_NODE: `nats-${i + 1}` },
          timeoutMs: 20_000,
        })
      }),
    )
    ctx.urls = ports.map((p) => `tls://localhost:${p.client}`)
  }),
)
three.after(
  loud(async (ctx) => {
    await ctx.admin?.close()
    await Promise.all(ctx.servers.map((s) => s.stop(5000)))
    rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

test('three nodes form a JetStream cluster over TLS; the layout is created with 3 replicas', async (ctx) => {
  ctx.admin = await connectKiln({
    nats: ctx.urls.join(','),
    user: 'admin',
    password: passwords.KILN_ADMIN_PASSWORD,
    tls: { ca: ctx.ca },
    env: {},
  })
  // The meta leader is elected a moment after the routes connect.
  const layout = await waitFor(
    'the JetStream cluster to accept an R3 layout',
    () => ensureLayout(ctx.admin!, { replicas: 3 }),
    60_000,
    250,
  )
  const info = await layout.jsm.streams.info('KV_kiln_jobs')
  assert.is(info.config.num_replicas, 3)
  assert.is(info.config.storage, StorageType.File)
  assert.is(info.cluster?.replicas?.length, 2, 'a leader and two followers')
})

test('a node identity from kiln node add connects over TLS with the CA from KILN_NATS_CA and keeps its permissions', async (ctx) => {
  const env = { KILN_NATS_URL: ctx.urls[2]!, KILN_NATS_CREDS: ctx.nodeCreds, KILN_NATS_CA: ctx.ca }
  const worker = await connectKiln({ env, role: 'worker' })
  try {
    await assertDenied(
      () => worker.request('kiln.api.submit', new Uint8Array(), { timeout: 2000 }),
      'worker → kiln.api.submit',
    )
    const kv = await new Kvm(worker).open('kiln_nodes')
    assert.ok(await kv.put('gpu-1', new Uint8Array([1])), 'the node registers itself on a replicated bucket')
    await assertDenied(async () => kv.put('gpu-2', new Uint8Array([1])), 'node gpu-1 → kiln_nodes gpu-2')
  } finally {
    await worker.close()
  }
  const untrusted = (await rejects(
    () =>
      connectKiln({
        env: {
          KILN_NATS_URL: ctx.urls[2]!,
          KILN_NATS_USER: 'client',
          KILN_NATS_PASSWORD: passwords.KILN_CLIENT_PASSWORD,
        },
        timeoutMs: 3000,
      }),
    KilnError,
    'a client without the CA',
  )) as KilnError
  assert.is(untrusted.code, ErrorCode.unavailable, untrusted.message)
  assert.match(untrusted.message, /certificate/, 'says why')
})

three.run()
