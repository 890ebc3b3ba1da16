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
    const message = err instanceof Error ? natsHint(err) : String(err)
    io.stderr.write(`${options.command}: failed: ${message}\n`)
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`)
    else io.stderr.write('(set KILN_DEBUG=1 to see the stack trace)\n')
  }
  return code
}

// The NATS client's own errors are bare codes ("TIMEOUT"); say what they mean here.
function natsHint(err: Error): string {
  if (err.name !== 'NatsError') return err.message
  const code = (err as { code?: string }).code
  if (code === 'TIMEOUT' || code === '408')
    return `NATS did not answer in time (${err.message}): the server or its JetStream storage is overloaded or out of reach; try again`
  if (code === '503') return `nothing answered on NATS (${err.message}): is the cluster running?`
  return `NATS: ${err.message}`
}
