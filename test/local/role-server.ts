// A nats-server with the per-role users `kiln up` generates, the JetStream layout created
// by admin, and one connection per role: what the permission tests run against.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type NatsConnection } from 'nats'
import * as assert from 'uvu/assert'
import { ensureLayout } from '@kiln/cluster-state'
import { generateRoleUsers, ROLES, type Role, type RoleUser } from '@kiln/local'
import { startNats, type NatsServer } from '../helpers/nats.js'

export interface RoleServer {
  server: NatsServer
  dir: string
  users: RoleUser[]
  nc: Record<Role, NatsConnection>
  close(): Promise<void>
}

/** Starts the server and connects once per role. */
export async function startRoleServer(): Promise<RoleServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-roles-'))
  const users = generateRoleUsers(dir)
  const server = await startNats({ users })
  const entries = await Promise.all(
    ROLES.map(async (role) => {
      const u = users.find((x) => x.role === role)!
      return [role, await connect({ servers: server.url, user: u.user, pass: u.password, name: role })] as const
    }),
  )
  const nc = Object.fromEntries(entries) as Record<Role, NatsConnection>
  await ensureLayout(nc.admin)
  return {
    server,
    dir,
    users,
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
    assert.is((err as { code?: string }).code, 'PERMISSIONS_VIOLATION', `${what}: ${(err as Error).message}`)
    return
  }
  assert.unreachable(`${what} was allowed`)
}

/**
 * Asserts that `publisher` publishing on `subject` reaches no subscriber. After the
 * publisher's flush the server has handled its message, so a marker published afterwards
 * by `marker` would arrive second had the first been delivered: the first message the
 * observer gets must be the marker.
 */
export async function assertNotDelivered(
  publisher: NatsConnection,
  subject: string,
  observer: NatsConnection,
  marker: NatsConnection,
): Promise<void> {
  const sub = observer.subscribe(subject, { max: 1 })
  await observer.flush()
  publisher.publish(subject, new TextEncoder().encode('forbidden'))
  await publisher.flush()
  marker.publish(subject, new TextEncoder().encode('marker'))
  for await (const m of sub) assert.is(m.string(), 'marker', `a message published on ${subject} was delivered`)
}
