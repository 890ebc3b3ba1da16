import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/**
 * Content did not hash to its address: a corrupted object or a tampered download. Never
 * used, never cached; `data` has both hashes so an operator can find the bad object.
 */
export class IntegrityError extends KilnError {
  override name = 'IntegrityError'
  constructor(object: string, expected: string, actual: string, options: KilnErrorOptions = {}) {
    super(
      ErrorCode.internal,
      `${object}: content hashes to sha256 ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}… (corrupted in the store?)`,
      {
        ...options,
        data: { ...options.data, object, expected, actual },
      },
    )
  }
}
registerError('IntegrityError', IntegrityError)
