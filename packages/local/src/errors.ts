import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/** Why a local-cluster operation failed; `data.reason` carries it, `code` is the wire code. */
export const LocalFailure = {
  natsMissing: 'nats_missing',
  natsVersion: 'nats_version',
  natsStart: 'nats_start',
  notRunning: 'not_running',
  processStart: 'process_start',
  locked: 'locked',
  badClusterFile: 'bad_cluster_file',
  badCredentials: 'bad_credentials',
  nodeExists: 'node_exists',
  nodeUnknown: 'node_unknown',
} as const
export type LocalFailure = (typeof LocalFailure)[keyof typeof LocalFailure]

const CODES: Record<LocalFailure, ErrorCode> = {
  nats_missing: ErrorCode.unavailable,
  nats_version: ErrorCode.internal,
  nats_start: ErrorCode.unavailable,
  not_running: ErrorCode.notFound,
  process_start: ErrorCode.unavailable,
  locked: ErrorCode.conflict,
  bad_cluster_file: ErrorCode.invalidArgument,
  bad_credentials: ErrorCode.invalidArgument,
  node_exists: ErrorCode.conflict,
  node_unknown: ErrorCode.notFound,
}

/** Something about the local cluster went wrong: no nats-server, a process that would not start, no cluster running. */
export class LocalClusterError extends KilnError {
  override name = 'LocalClusterError'
  readonly reason: LocalFailure
  constructor(reason: LocalFailure, message: string, options: KilnErrorOptions = {}) {
    super(CODES[reason], message, { ...options, data: { ...options.data, reason } })
    this.reason = reason
  }
}
registerError('LocalClusterError', LocalClusterError)
