// How a trial thread reaches NATS for its ring traffic. nats.js connection options may
// hold functions (authenticators) that cannot cross into a worker thread, so the node
// agent hands over plain data and the thread builds its own connection from it.
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  type ConnectionOptions,
  type NatsConnection,
} from '@nats-io/transport-node'

/** Serializable connection settings (structured-clone safe). */
export interface ThreadConnection {
  servers: string[]
  user?: string
  pass?: string
  token?: string
  /** An nkey user seed (SU...). */
  nkeySeed?: string
  /** The text of a NATS .creds (JWT) file. */
  creds?: string
  /** TLS files (paths) when the server wants TLS or client certificates. */
  tls?: { ca?: string; cert?: string; key?: string }
  /** Where replies arrive: the user may subscribe only below its own prefix. */
  inboxPrefix?: string
}

/** Connects a trial thread (reconnecting like the agent; a lost ring times out anyway). */
export async function connectThread(c: ThreadConnection, name: string): Promise<NatsConnection> {
  const encoder = new TextEncoder()
  const options: ConnectionOptions = {
    servers: c.servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...(c.user !== undefined ? { user: c.user, pass: c.pass ?? '' } : {}),
    ...(c.token !== undefined ? { token: c.token } : {}),
    ...(c.nkeySeed !== undefined ? { authenticator: nkeyAuthenticator(encoder.encode(c.nkeySeed)) } : {}),
    ...(c.creds !== undefined ? { authenticator: credsAuthenticator(encoder.encode(c.creds)) } : {}),
    ...(c.inboxPrefix !== undefined ? { inboxPrefix: c.inboxPrefix } : {}),
    ...(c.tls
      ? {
          tls: {
            ...(c.tls.ca ? { caFile: c.tls.ca } : {}),
            ...(c.tls.cert ? { certFile: c.tls.cert } : {}),
            ...(c.tls.key ? { keyFile: c.tls.key } : {}),
          },
        }
      : {}),
  }
  return connect(options)
}
