import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/**
 * A trial script could not be bundled (missing file, syntax error, unresolvable import), or
 * a fetched bundle cannot run here (malformed, or it imports a package this node lacks).
 * The message starts with the script or bundle it is about.
 */
export class BundleError extends KilnError {
  override name = 'BundleError'
  constructor(subject: string, problem: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.invalidArgument, `${subject}: ${problem}`, {
      ...options,
      data: { ...options.data, subject, problem },
    })
  }
}
registerError('BundleError', BundleError)
