import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  generateRoleUsers,
  natsConfigText,
  parseCredentials,
  readCredentials,
  SHARED_ROLES,
  LocalClusterError,
} from '@kiln/local'

const creds = suite<{ dir: string }>('local - credentials')
creds.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-creds-'))
})
creds.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }))

const mode = (path: string) => statSync(path).mode & 0o777

creds('one user per role, files 0600 in a 0700 folder, even under a permissive umask', ({ dir }) => {
  const old = process.umask(0o000)
  try {
    const kiln = join(dir, '.kiln')
    const users = generateRoleUsers(kiln)
    assert.equal(
      users.map((u) => u.role),
      [...SHARED_ROLES],
    )
    assert.is(mode(kiln), 0o700)
    assert.is(mode(join(kiln, 'creds')), 0o700)
    for (const u of users) {
      assert.is(u.file, join(kiln, 'creds', `${u.role}.creds`))
      assert.is(mode(u.file), 0o600, u.file)
      assert.equal(readCredentials(u.file), { kind: 'user', user: u.role, password: u.password })
    }
  } finally {
    process.umask(old)
  }
})

creds('passwords are random and long; a second generation replaces every one', ({ dir }) => {
  const first = generateRoleUsers(join(dir, 'again'))
  const second = generateRoleUsers(join(dir, 'again'))
  const passwords = [...first, ...second].map((u) => u.password)
  assert.is(new Set(passwords).size, passwords.length)
  for (const p of passwords) assert.ok(/^[A-Za-z0-9_-]{32}$/.test(p), `password shape ${p.length}`)
  assert.is(readCredentials(second[0]!.file).kind, 'user')
  assert.ok(readFileSync(second[0]!.file, 'utf8').includes(second[0]!.password))
})

creds('credential files: Kiln lines (quoted or exported), NATS .creds, bare nkey seeds', () => {
  assert.equal(
    parseCredentials('# c\nexport KILN_NATS_USER="w"\nKILN_NATS_PASSWORD=\'p=q\'\nKILN_NATS_URL=nats://h:1\n', 'f'),
    { kind: 'user', user: 'w', password: 'p=q', url: 'nats://h:1' },
  )
  assert.equal(parseCredentials('KILN_NATS_TOKEN=abc\n', 'f'), { kind: 'token', token: 'abc' })
  assert.equal(
    parseCredentials(
      'KILN_NATS_USER=u\nKILN_NATS_PASSWORD=p\nKILN_NATS_CA=/etc/ca.pem\nKILN_NATS_CERT=/c\nKILN_NATS_KEY=/k\n',
      'f',
    ),
    { kind: 'user', user: 'u', password: 'p', tls: { ca: '/etc/ca.pem', cert: '/c', key: '/k' } },
  )
  const seed = `SU${'A'.repeat(56)}`
  assert.equal(parseCredentials(`${seed}\n`, 'f'), { kind: 'nkey', seed })
  assert.equal(parseCredentials(`KILN_NATS_NKEY=${seed}`, 'f'), { kind: 'nkey', seed })
  assert.equal(parseCredentials(`KILN_NODE_ID=gpu-1\nKILN_NATS_NKEY=${seed}`, 'f'), {
    kind: 'nkey',
    seed,
    nodeId: 'gpu-1',
  })
  const jwt = '-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n'
  assert.is(parseCredentials(jwt, 'f').kind, 'jwt')
})

creds('a bad credential file names the file and line, never the text in it', ({ dir }) => {
  const file = join(dir, 'bad.creds')
  writeFileSync(file, 'KILN_NATS_USER=u\nhunter2-secret-in-wrong-place\n')
  try {
    readCredentials(file)
    assert.unreachable('accepted a bad file')
  } catch (err) {
    assert.instance(err, LocalClusterError)
    assert.match((err as Error).message, `${file}: line 2: expected KEY=VALUE`)
    assert.not.match((err as Error).message, 'hunter2')
  }
  assert.throws(
    () => parseCredentials('KILN_NATS_USER=only-a-user', 'x.creds'),
    /x\.creds: expected KILN_NATS_USER and KILN_NATS_PASSWORD/,
  )
})

creds(
  'the server config writes users as JSON in the KILN account; services may answer the requests they receive',
  () => {
    const text = natsConfigText({
      users: [
        {
          user: 'u',
          password: '$notavar',
          permissions: { publish: { allow: ['$JS.API.>'] }, subscribe: { allow: ['_INBOX.>'] }, responses: true },
        },
      ],
    })
    const accounts = JSON.parse(text.slice(text.indexOf('accounts: ') + 'accounts: '.length)) as Record<
      string,
      { users?: { password: string; permissions: { allow_responses: unknown } }[]; jetstream?: string }
    >
    const block = accounts.KILN!
    assert.is(block.users![0]!.password, '$notavar')
    assert.equal(block.users![0]!.permissions.allow_responses, { max: 1000, expires: '5m' })
    assert.is(accounts.KILN_JS!.jetstream, 'enabled', 'JetStream lives in its own account')
    assert.is(accounts.KILN_JS!.users, undefined, 'with no users')
  },
)

creds.run()
