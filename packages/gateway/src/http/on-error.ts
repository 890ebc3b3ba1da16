// The gateway's single onError: every failure answers `{"error": "..."}` with its status
// (http/status.ts), never a stack trace. Expected errors carry their message; anything else
// is logged and answered as "internal error".
import type { Context } from 'hono'
import { KilnError } from '@kiln/protocol'
import { OverloadedError } from '../errors.js'
import { statusFor } from './status.js'

export type ErrorLog = (err: unknown, c: Context) => void

/** Builds the app's onError handler. */
export function onError(log: ErrorLog) {
  return (err: Error, c: Context): Response => {
    const status = statusFor(err)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (err instanceof OverloadedError) headers['retry-after'] = String(err.retryAfterS)
    if (status === 401) headers['www-authenticate'] = 'Bearer realm="kiln"'
    if (!(err instanceof KilnError)) log(err, c)
    const message = err instanceof KilnError ? err.message : 'internal error'
    return new Response(JSON.stringify({ error: message }), { status, headers })
  }
}
