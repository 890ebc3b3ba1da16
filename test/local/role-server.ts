import { randomBytes } from 'node:crypto'
// A nats-server with the per-role users `kiln up` generates and two worker nodes with their
// own identities (`worker` is node-1, `worker2` node-2), the JetStream layout created by
// admin, and one connection per role: what the permission and security tests run against.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import * as assert from 'uvu/assert'
import { ensureLayout, natsFailure } from '@kiln/cluster-state'
import {
  addNode,
  generateRoleUsers,
  inboxPrefix,
  nodeUsers,
  readNodes,
  SHARED_ROLES,
  type RoleUser,
  type SharedRole,
} from '@kiln/local'
import { connectKiln } from '@kiln/client'
import { startNats, type NatsServer } from '../helpers/nats.js'

export interface RoleServer {
  server: NatsServer
  dir: string
  users: RoleUser[]
  /** Credential files of the nodes (node-1, node-2), as `kiln node add` writes them. */
  nodeCreds: Record<'node-1' | 'node-2', string>
  nc: Record<SharedRole | 'worker' | 'worker2', NatsConnection>
  close(): Promise<void>
}

/** Starts the server and connects once per role. */
export async function startRoleServer(): Promise<RoleServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-roles-'))
  const users = generateRoleUsers(dir)
  const nodesFile = join(dir, 'nodes.json')
  const nodeCreds = { 'node-1': join(dir, 'node-1.creds'), 'node-2': join(dir, 'node-2.creds') }
  for (const [id, file] of Object.entries(nodeCreds)) writeFileSync(file, addNode(nodesFile, id).credentials)
  const server = await startNats({ users: [...users, ...nodeUsers(readNodes(nodesFile))] })
  const entries = await Promise.all(
    SHARED_ROLES.map(async (role) => {
      const u = users.find((x) => x.role === role)!
      const nc = await connect({
        servers: server.url,
        user: u.user,
        pass: u.password,
        name: role,
        inboxPrefix: inboxPrefix(u.user),
      })
      return [role, nc] as const
    }),
  )
  const node = (id: keyof typeof nodeCreds) =>
    connectKiln({ nats: server.url, creds: nodeCreds[id], role: 'worker', env: {}, name: id })
  const nc = {
    ...Object.fromEntries(entries),
    worker: await node('node-1'),
    worker2: await node('node-2'),
  } as RoleServer['nc']
  await ensureLayout(nc.admin)
  return {
    server,
    dir,
    users,
    nodeCreds,
    nc,
    close: async () => {
      await Promise.all(Object.values(nc).map((c) => c.close()))
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Asserts that `fn` fails with the server's permissions violation. */
export async function assertDenied(fn: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await fn()
  } catch (err) {
    assert.is(natsFailure(err), 'permission', `${what}: ${(err as Error).message}`)
    return
  }
  assert.unreachable(`${what} was allowed`)
}

/**
 * Asserts that `publisher` publishing on `subject` reaches no subscriber. After the
 * publisher's flush the server has handled its message, so a marker published afterwards
 * by `marker` would arrive after it had it been delivered. Both carry a token of this call:
 * other traffic on the subject (a live node's own heartbeats) is neither, and is skipped.
 */
export async function assertNotDelivered(
  publisher: NatsConnection,
  subject: string,
  observer: NatsConnection,
  marker: NatsConnection,
): Promise<void> {
  const token = randomBytes(8).toString('hex')
  const forbidden = `forbidden ${token}`
  const mark = `marker ${token}`
  const sub = observer.subscribe(subject)
  await observer.flush()
  publisher.publish(subject, new TextEncoder().encode(forbidden))
  await publisher.flush()
  marker.publish(subject, new TextEncoder().encode(mark))
  try {
    for await (const m of sub) {
      assert.is.not(m.string(), forbidden, `a message published on ${subject} was delivered`)
      if (m.string() === mark) break
    }
  } finally {
    sub.unsubscribe()
  }
}
