// The gateway's single error answer: every failure answers `{"error": "..."}` with its status
// (http/status.ts), never a stack trace. Expected errors carry their message; anything else
// is logged and answered as "internal error". Hono's onError and the fast infer path
// (fast-infer.ts) both answer through errorReply.
import type { Context } from 'hono'
import { KilnError } from '@kiln/protocol'
import { statusFor } from './status.js'

export type ErrorLog = (err: unknown) => void

function retryAfterOf(err: unknown): number {
  const s = err instanceof KilnError ? (err.data as { retryAfterS?: unknown } | undefined)?.retryAfterS : undefined
  return typeof s === 'number' && s >= 1 ? Math.ceil(s) : 1
}

/** The status, headers and body that answer a failed request (logging unexpected errors). */
export function errorReply(
  err: unknown,
  log: ErrorLog,
): { status: number; headers: Record<string, string>; body: string } {
  const status = statusFor(err)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  // Every 503 says when to come back (1 s unless the error knows better).
  if (status === 503) headers['retry-after'] = String(retryAfterOf(err))
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="kiln"'
  if (!(err instanceof KilnError)) log(err)
  const message = err instanceof KilnError ? err.message : 'internal error'
  return { status, headers, body: JSON.stringify({ error: message }) }
}

/** Builds the app's onError handler. */
export function onError(log: ErrorLog) {
  return (err: Error, _c: Context): Response => {
    const { status, headers, body } = errorReply(err, log)
    return new Response(body, { status, headers })
  }
}
