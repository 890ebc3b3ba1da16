// How a command finds the cluster: --nats/--creds, then the environment, then the local
// cluster that `kiln up` started (found through .kiln/cluster.json).
import { resolve } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import type { ThreadConnection } from '@kiln/train'
import type { CliIo } from './io.js'

/** The flags every cluster command takes. */
export const CONNECTION_FLAGS = {
  nats: { type: 'string' },
  creds: { type: 'string' },
} as const

export type ConnectionRole = 'client' | 'coordinator' | 'worker' | 'gateway'

/**
 * Who a worker is and what its builtin trials' threads connect with for data-parallel ring
 * traffic: the same server and credentials as the worker itself, as plain data (threads
 * cannot share its connection, nor receive nats.js authenticator functions). `nodeId` is
 * the node its credential belongs to (`kiln node add`), if it is a node identity.
 */
export async function workerIdentityFromFlags(
  flags: { nats?: string; creds?: string },
  io: CliIo,
): Promise<{ nodeId?: string; connection: ThreadConnection }> {
  const { resolveConnection } = await import('@kiln/client')
  const r = resolveConnection({
    ...(flags.nats ? { nats: flags.nats } : {}),
    ...(flags.creds ? { creds: resolve(io.cwd, flags.creds) } : {}),
    role: 'worker',
    env: io.env,
    cwd: io.cwd,
  })
  const c = r.credentials
  const connection: ThreadConnection = {
    servers: [r.options.servers ?? []].flat(),
    ...(c?.kind === 'user' ? { user: c.user, pass: c.password } : {}),
    ...(c?.kind === 'token' ? { token: c.token } : {}),
    ...(c?.kind === 'nkey' ? { nkeySeed: c.seed } : {}),
    ...(c?.kind === 'jwt' ? { creds: c.creds } : {}),
    ...(r.tls ? { tls: r.tls } : {}),
    ...(r.options.inboxPrefix ? { inboxPrefix: r.options.inboxPrefix } : {}),
  }
  return { ...(c && 'nodeId' in c && c.nodeId ? { nodeId: c.nodeId } : {}), connection }
}

/** Connects as `role` using the connection flags (see @kiln/client's connectKiln for the order). */
export async function connectFromFlags(
  flags: { nats?: string; creds?: string },
  io: CliIo,
  role: ConnectionRole,
): Promise<NatsConnection> {
  const { connectKiln } = await import('@kiln/client')
  return connectKiln({
    ...(flags.nats ? { nats: flags.nats } : {}),
    ...(flags.creds ? { creds: resolve(io.cwd, flags.creds) } : {}),
    role,
    env: io.env,
    cwd: io.cwd,
    name: `kiln-${role}`,
    natsOptions: { reconnectTimeWait: 250 },
  })
}
