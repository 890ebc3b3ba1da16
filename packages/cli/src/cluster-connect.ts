// How a command finds the cluster: --nats/--creds, then the environment, then the local
// cluster that `kiln up` started (found through .kiln/cluster.json).
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
  // Interim until @kiln/client's connectKiln lands: --nats or $KILN_NATS_URL, no credentials.
  const { connect } = await import('nats')
  return connect({ servers: flags.nats ?? io.env.KILN_NATS_URL ?? 'nats://127.0.0.1:4222', name: `kiln-${role}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 })
}
