import { ErrorCode, KilnError, isBadInput } from '@kiln/protocol'

/** Process exit statuses of the kiln command. */
export const ExitCode = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

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
