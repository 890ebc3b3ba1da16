// connectKiln: one way for every Kiln process to reach the cluster (see connect-resolve.ts
// for where the URL and credentials come from). Secrets never appear in its errors.
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { natsFailure } from '@kiln/cluster-state'
import { resolveConnection, type ConnectKilnOptions, type ConnectionSummary } from './connect-resolve.js'

export interface ConnectOptions extends ConnectKilnOptions {
  /** Connection name in the server's monitoring (default kiln-<role>). */
  name?: string
  /** How long the first connection may take (ms, default 5000). */
  timeoutMs?: number
  /** Any other nats.js option (reconnect behaviour, ...); auth and servers are ours. */
  natsOptions?: Partial<ConnectionOptions>
}

/** How often a connection pings its server, and how many pings may go unanswered before it moves. */
export const PING_INTERVAL_MS = 5000
export const MAX_PINGS_OUT = 3

function describeAuth(auth: ConnectionSummary['auth']): string {
  switch (auth.kind) {
    case 'user':
      return `the password of user ${JSON.stringify(auth.user ?? '?')} (from ${auth.source})`
    case 'none':
      return 'a connection without credentials'
    case 'jwt':
      return `the JWT credentials (from ${auth.source})`
    default:
      return `the ${auth.kind} (from ${auth.source})`
  }
}

/** Turns a nats.js connect failure into a KilnError that names the server and where its settings came from, never a secret. */
export function connectError(err: unknown, r: ConnectionSummary): KilnError {
  const failure = natsFailure(err)
  const where = `NATS at ${r.servers.join(', ')} (from ${r.urlSource})`
  const natsError = (err as Error | undefined)?.name ?? 'unknown'
  const data = { servers: r.servers, urlSource: r.urlSource, auth: r.auth.kind, natsError }
  if (failure === 'auth' || failure === 'permission' || /authori[sz]ation/i.test((err as Error).message ?? '')) {
    return new KilnError(ErrorCode.permissionDenied, `${where} refused ${describeAuth(r.auth)}`, { data })
  }
  const hint = r.clusterDir ? '; is the local cluster running? (kiln status)' : ''
  // Connection failures (refused, timeout, TLS) carry no credentials in their text.
  const what =
    failure === 'refused'
      ? 'connection refused'
      : failure === 'timeout'
        ? 'timed out'
        : (err as Error).message || 'failed'
  return new KilnError(ErrorCode.unavailable, `cannot connect to ${where}: ${what}${hint}`, { data })
}

/**
 * Connects to the cluster as `role`. Daemons (coordinator, worker, gateway) reconnect
 * forever, so a restarted nats-server loses them nothing; clients give up after nats.js's
 * usual attempts. Rejects with KilnError permission_denied (bad credentials) or unavailable.
 */
export async function connectKiln(o: ConnectOptions = {}): Promise<NatsConnection> {
  const r = resolveConnection(o)
  const role = o.role ?? 'client'
  const daemon = role === 'coordinator' || role === 'worker' || role === 'gateway'
  try {
    return await connect({
      name: o.name ?? `kiln-${role}`,
      timeout: o.timeoutMs ?? 5000,
      // A server cut off the network sends no FIN: nats.js notices only by unanswered
      // pings, every 2 minutes by default, so a process stayed on a dead server for 4-6
      // minutes. Every few seconds it moves to another server of the cluster within ~15 s.
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      // nats.js 3 builds two errors per request (RequestError, TimeoutError) only to keep the
      // caller's stack for a failure: about 2 ms of CPU per trial in the coordinator and 4 ms
      // in a worker under bench:cluster. Daemons report failures as KilnErrors with a code and
      // their own context, so they go without; clients keep the traces.
      ...(daemon ? { maxReconnectAttempts: -1, noAsyncTraces: true } : {}),
      ...o.natsOptions,
      ...r.options,
    })
  } catch (err) {
    // The nats error itself carries no secret, but keep it out anyway: a cause gets printed
    // with KILN_DEBUG and may someday include options.
    throw connectError(err, r)
  }
}
