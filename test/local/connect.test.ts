import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as nkeys from '@nats-io/nkeys'
import { connectKiln, resolveConnection } from '@kiln/client'
import { ErrorCode, KilnError, toWire } from '@kiln/protocol'
import {
  CLUSTER_FILE_FORMAT,
  NATS_MARKER,
  formatUserCredentials,
  freePort,
  generateRoleUsers,
  inboxPrefix,
  nodeUserName,
  writeClusterFile,
  LocalClusterError,
  type RoleUser,
} from '@kiln/local'
import { loud } from '../helpers/hooks.js'
import { rejects } from '../helpers/rejects.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { operatorSetup } from './jwt-creds.js'

type Ctx = { root: string; project: string; server?: NatsServer; users: RoleUser[] }
const conn = suite<Ctx>('local - connectKiln')

// A project folder whose .kiln/cluster.json points at a real server with role users, as
// `kiln up` leaves it.
conn.before(
  loud(async (ctx) => {
    ctx.root = mkdtempSync(join(tmpdir(), 'kiln-connect-'))
    ctx.project = join(ctx.root, 'project')
    const kiln = join(ctx.project, '.kiln')
    ctx.users = generateRoleUsers(kiln)
    ctx.server = await startNats({ users: ctx.users, jetstream: false })
    writeClusterFile({
      format: CLUSTER_FILE_FORMAT,
      dir: kiln,
      url: ctx.server.url,
      started: new Date().toISOString(),
      creds: Object.fromEntries(ctx.users.map((u) => [u.role, u.file])),
      versions: { kiln: 'test', natsServer: ctx.server.version.join('.'), node: process.version },
      processes: [{ name: 'nats', role: 'nats', pid: ctx.server.pid, marker: NATS_MARKER, log: '', started: '' }],
    })
  }),
)
conn.after(
  loud(async (ctx) => {
    await ctx.server?.stop()
    rmSync(ctx.root, { recursive: true, force: true })
  }),
)

conn(
  'resolution: options, then the environment, then the local cluster found from a subfolder',
  ({ project, server, users }) => {
    const sub = join(project, 'a', 'b')
    mkdirSync(sub, { recursive: true })
    const local = resolveConnection({ cwd: sub, env: {} })
    assert.equal(local.servers, [server!.url])
    assert.match(local.urlSource, /^local cluster .*\.kiln$/)
    assert.equal([local.auth.kind, local.auth.user], ['user', 'client'])
    assert.is(local.options.inboxPrefix, '_INBOX.client', 'replies come to its own inbox')
    // Workers have no shared user: each node gets its own (kiln node add).
    assert.throws(
      () => resolveConnection({ cwd: sub, env: {}, role: 'worker' }),
      /has no credentials for the worker role: add a node with `kiln node add NAME`/,
    )

    const env = { KILN_NATS_USER: 'envuser', KILN_NATS_PASSWORD: 'envpass' }
    const fromEnv = resolveConnection({ cwd: sub, env })
    assert.equal(
      [fromEnv.auth.user, fromEnv.auth.source, fromEnv.urlSource.startsWith('local cluster')],
      ['envuser', 'KILN_NATS_USER/KILN_NATS_PASSWORD', true],
    )
    const fromOptions = resolveConnection({
      cwd: sub,
      env: { ...env, KILN_NATS_URL: 'nats://10.0.0.1:4222' },
      nats: 'nats://h:1',
      user: 'optuser',
      password: 'x',
    })
    assert.equal(
      [fromOptions.servers, fromOptions.urlSource, fromOptions.auth.user],
      [['nats://h:1'], '--nats', 'optuser'],
    )
    const credsFile = users.find((u) => u.role === 'gateway')!.file
    assert.is(
      resolveConnection({ cwd: sub, env, creds: credsFile }).auth.user,
      'gateway',
      '--creds beats the environment',
    )
    assert.is(resolveConnection({ cwd: sub, env: { KILN_NATS_CREDS: credsFile } }).auth.user, 'gateway')
    assert.is(
      resolveConnection({ cwd: sub, env: { KILN_NATS_URL: 'nats://10.0.0.1:4222' } }).servers[0],
      'nats://10.0.0.1:4222',
    )
  },
)

conn("the local cluster's credentials go only to its own server", ({ project, server }) => {
  const elsewhere = resolveConnection({ cwd: project, env: { KILN_NATS_URL: 'nats://10.0.0.1:4222' } })
  assert.equal(elsewhere.auth, { kind: 'none', source: 'none' })
  assert.is(elsewhere.options.pass, undefined)
  const same = resolveConnection({ cwd: project, env: { KILN_NATS_URL: server!.url } })
  assert.is(same.auth.user, 'client')
})

conn('no server anywhere, or a stopped local cluster: a clear error', ({ root, project, server }) => {
  const none = mkdtempSync(join(root, 'none-'))
  assert.throws(
    () => resolveConnection({ cwd: none, env: {} }),
    (err: Error) =>
      err instanceof LocalClusterError &&
      /pass --nats URL, set KILN_NATS_URL, or start a local cluster with kiln up/.test(err.message),
  )
  const stopped = join(root, 'stopped', '.kiln')
  mkdirSync(stopped, { recursive: true })
  writeClusterFile({
    format: CLUSTER_FILE_FORMAT,
    dir: stopped,
    url: server!.url,
    creds: {},
    started: '',
    versions: { kiln: '', natsServer: '', node: '' },
    processes: [],
  })
  assert.throws(
    () => resolveConnection({ cwd: join(root, 'stopped'), env: {} }),
    /local cluster in .* is not running: start it with kiln up/,
  )
  assert.is(
    resolveConnection({ cwd: none, env: { KILN_DIR: join(project, '.kiln') } }).auth.user,
    'client',
    'KILN_DIR names the cluster',
  )
})

conn('conflicting credential options are refused, naming the options', () => {
  assert.throws(
    () => resolveConnection({ nats: 'nats://h:1', token: 't', user: 'u', password: 'p' }),
    /credentials: expected only one of creds, user\/password, token, nkeySeed/,
  )
  assert.throws(
    () => resolveConnection({ nats: 'nats://h:1', user: 'u' }),
    /password: expected a user and a password together/,
  )
  assert.throws(
    () => resolveConnection({ nats: 'nats://h:1', env: { KILN_NATS_NKEY: 'SUNOTAVALIDSEEDNOTAVALIDSEED' } }),
    (err: Error) =>
      /KILN_NATS_NKEY: expected an nkey user seed/.test(err.message) && !err.message.includes('SUNOTAVALID'),
  )
})

conn('connects with a user credential file, and as each role', async ({ project }) => {
  for (const role of ['client', 'coordinator', 'gateway'] as const) {
    const nc = await connectKiln({ cwd: project, env: {}, role })
    assert.is(nc.info?.client_id !== undefined, true)
    // Daemons make requests on every trial and skip nats.js's per-request stack capture.
    const options = (nc as unknown as { options: { noAsyncTraces?: boolean } }).options
    assert.is(options.noAsyncTraces === true, role !== 'client', role)
    await nc.close()
  }
})

conn('a refused password: permission_denied naming the user and file, never the password', async ({ root, server }) => {
  const password = 'not-the-Right-Password-1234567890'
  const file = join(root, 'wrong.creds')
  writeFileSync(file, formatUserCredentials('worker', password, 'wrong on purpose'), { mode: 0o600 })
  const err = (await rejects(
    () => connectKiln({ nats: server!.url, creds: file, env: {} }),
    KilnError,
    'a wrong password',
  )) as KilnError
  assert.is(err.code, ErrorCode.permissionDenied)
  assert.match(err.message, `refused the password of user "worker" (from credentials file ${file})`)
  const everything = [
    err.message,
    err.stack ?? '',
    JSON.stringify(toWire(err)),
    String((err as { cause?: unknown }).cause ?? ''),
  ].join('\n')
  assert.not.match(everything, password)
  const viaUrl = (await rejects(
    () => connectKiln({ nats: server!.url.replace('nats://', `nats://worker:${password}@`), env: {} }),
    KilnError,
  )) as KilnError
  assert.not.match(viaUrl.message + JSON.stringify(toWire(viaUrl)), password)
  const token = (await rejects(
    () => connectKiln({ nats: server!.url, token: password, env: {} }),
    KilnError,
  )) as KilnError
  assert.not.match(token.message + JSON.stringify(toWire(token)), password)
})

conn("a node identity from the environment (a worker unit's EnvironmentFile) names the node and its inbox", () => {
  const seed = new TextDecoder().decode(nkeys.createUser().getSeed())
  const r = resolveConnection({ nats: 'tls://h:4222', env: { KILN_NATS_NKEY: seed, KILN_NODE_ID: 'gpu-1' } })
  assert.is(r.credentials?.kind === 'nkey' && r.credentials.nodeId, 'gpu-1')
  // The node's user may subscribe only below its own inbox prefix (kiln-accounts.conf).
  assert.is(r.options.inboxPrefix, inboxPrefix(nodeUserName('gpu-1')))
})

conn(
  'nkey seeds (inline or a file) and tokens authenticate; a server nobody runs is "unavailable"',
  async ({ root }) => {
    const kp = nkeys.createUser()
    const seed = new TextDecoder().decode(kp.getSeed())
    const withNkey = await startNats({
      jetstream: false,
      config: `authorization { users: [ { nkey: ${JSON.stringify(kp.getPublicKey())} }, { user: "d", password: "$dollar" } ] }`,
    })
    const withToken = await startNats({ jetstream: false, config: 'authorization { token: "s3cret-token" }' })
    try {
      const seedFile = join(root, 'user.nk')
      writeFileSync(seedFile, `${seed}\n`, { mode: 0o600 })
      for (const nc of await Promise.all([
        connectKiln({ nats: withNkey.url, nkeySeed: seed, env: {} }),
        connectKiln({ nats: withNkey.url, env: { KILN_NATS_NKEY: seedFile } }),
        connectKiln({ nats: withNkey.url, creds: seedFile, env: {} }),
        connectKiln({ nats: withNkey.url, user: 'd', password: '$dollar', env: {} }),
        connectKiln({ nats: withToken.url, env: { KILN_NATS_TOKEN: 's3cret-token' } }),
      ]))
        await nc.close()
      await rejects(
        () => connectKiln({ nats: withToken.url, token: 'wrong', env: {} }),
        (e) => (e as KilnError).code === ErrorCode.permissionDenied,
      )
    } finally {
      await withNkey.stop()
      await withToken.stop()
    }
    const port = await freePort()
    const err = (await rejects(
      () => connectKiln({ nats: `nats://127.0.0.1:${port}`, env: {}, timeoutMs: 2000 }),
      KilnError,
    )) as KilnError
    assert.is(err.code, ErrorCode.unavailable)
    assert.match(err.message, `cannot connect to NATS at nats://127.0.0.1:${port} (from --nats)`)
  },
)

conn('a NATS .creds file (user JWT and seed) authenticates against an operator-mode server', async ({ root }) => {
  const { config, creds } = operatorSetup()
  const server = await startNats({ jetstream: false, config })
  try {
    const file = join(root, 'user.creds')
    writeFileSync(file, creds, { mode: 0o600 })
    assert.is(resolveConnection({ nats: server.url, creds: file, env: {} }).auth.kind, 'jwt')
    const nc = await connectKiln({ nats: server.url, env: { KILN_NATS_CREDS: file } })
    await nc.close()
  } finally {
    await server.stop()
  }
})

conn.run()
