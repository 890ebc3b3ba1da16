// How a command finds the cluster: --nats/--creds, then the environment, then the local
// cluster that `kiln up` started (found through .kiln/cluster.json).
import { resolve } from 'node:path'
import type { NatsConnection } from 'nats'
import type { CliIo } from './io.js'

/** The flags every cluster command takes. */
export const CONNECTION_FLAGS = {
  nats: { type: 'string' },
  creds: { type: 'string' },
} as const

export type ConnectionRole = 'client' | 'coordinator' | 'worker' | 'gateway'

/** Connects as `role` using the connection flags (see @kiln/client's connectKiln for the order). */
export async function connectFromFlags(flags: { nats?: string; creds?: string }, io: CliIo, role: ConnectionRole): Promise<NatsConnection> {
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
