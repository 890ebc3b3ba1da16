import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/**
 * A bucket or stream exists with a configuration Kiln cannot work with. It is never
 * recreated or changed on the spot: that would throw its contents away.
 */
export class LayoutConflictError extends KilnError {
  override name = 'LayoutConflictError'
  constructor(message: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.conflict, message, options)
  }
}

/** A lease was taken over (or expired) before its holder renewed it; stop acting as its holder. */
export class LeaseLostError extends KilnError {
  override name = 'LeaseLostError'
  constructor(key: string, holderId: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.conflict, `lease ${JSON.stringify(key)} is no longer held by ${JSON.stringify(holderId)}`, {
      ...options,
      data: { ...options.data, key, holderId },
    })
  }
}

registerError('LayoutConflictError', LayoutConflictError)
registerError('LeaseLostError', LeaseLostError)
