import { errorText } from '@kiln/client'
import { KilnError, toWire } from '@kiln/protocol'
import type { CliIo } from './io.js'
import { exitCodeFor, type ExitCode } from './exit-codes.js'

/**
 * Prints an error for people (stderr, one paragraph, no stack for expected errors) or, with
 * --json, as an `error` event on stdout; returns the exit status.
 */
export function reportError(err: unknown, io: CliIo, options: { command: string; json: boolean }): ExitCode {
  const code = exitCodeFor(err)
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ event: 'error', exitCode: code, error: toWire(err) })}\n`)
    return code
  }
  const debug = io.env.KILN_DEBUG === '1'
  if (err instanceof KilnError) {
    io.stderr.write(`${options.command}: ${err.message}\n`)
    // A trial script's own exception: its stack points into the user's code, which helps.
    const cause = err.cause
    if ((debug || err.name === 'TrialScriptError') && cause instanceof Error && cause.stack)
      io.stderr.write(`${cause.stack}\n`)
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`)
  } else {
    const message = errorText(err)
    io.stderr.write(`${options.command}: failed: ${message}\n`)
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`)
    else io.stderr.write('(set KILN_DEBUG=1 to see the stack trace)\n')
  }
  return code
}
