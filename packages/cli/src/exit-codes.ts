import { ErrorCode, KilnError, isBadInput } from '@kiln/protocol'
import { ExitCode } from './exit-status.js'

export { ExitCode } from './exit-status.js'

/**
 * Bad input of any kind (flags, spec, dataset, script, missing file) is the user's to fix:
 * 2, like a usage error. A stop by Ctrl-C is 130, as shells report SIGINT.
 */
export function exitCodeFor(err: unknown): ExitCode {
  if (!(err instanceof KilnError)) return ExitCode.failed
  if (err.code === ErrorCode.cancelled) return ExitCode.interrupted
  if (isBadInput(err.code)) return ExitCode.badInput
  return ExitCode.failed
}
