import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/** The command line itself is wrong (unknown command or flag, missing argument): exit 2. */
export class UsageError extends KilnError {
  override name = 'UsageError'
  constructor(message: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.invalidArgument, message, options)
  }
}
registerError('UsageError', UsageError)
