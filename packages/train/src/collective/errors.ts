import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/**
 * A collective operation could not finish: a peer stopped answering within the step
 * timeout (code timeout), the trial was stopped (cancelled), the ranks disagree on what
 * they do (invalid_argument), or the connection is gone (unavailable). The whole gang is
 * then restarted from its last checkpoint.
 */
export class CollectiveError extends KilnError {
  override name = 'CollectiveError'
  constructor(code: string, message: string, options: KilnErrorOptions = {}) {
    super(code, message, options)
  }
}
registerError('CollectiveError', CollectiveError)

/** A step timed out waiting for `peer`. */
export function collectiveTimeout(what: string, peer: number, ms: number): CollectiveError {
  return new CollectiveError(ErrorCode.timeout, `${what}: nothing from rank ${peer} for ${ms} ms (it died or stalls)`, {
    data: { peer, ms },
  })
}
