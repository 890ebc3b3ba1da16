// API keys (Bearer): gateway-wide keys (--api-key) and per-endpoint keys (hashes in the
// endpoint record). A request needs a key when either kind applies to what it calls; either
// kind is accepted.
import { UnauthenticatedError } from '../errors.js'
import { hashAllowed, hashApiKey } from '../endpoints/api-keys.js'

/** Pulls the token out of `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m?.[1]
}

/**
 * Throws UnauthenticatedError unless the request carries an accepted key. `globalHashes`:
 * the gateway's keys; `endpointHashes`: those of the endpoint called, if any.
 */
export function checkApiKey(
  header: string | undefined,
  globalHashes: readonly string[],
  endpointHashes: readonly string[] = [],
): void {
  if (globalHashes.length === 0 && endpointHashes.length === 0) return
  const token = bearerToken(header)
  if (token === undefined) {
    throw new UnauthenticatedError(
      header === undefined
        ? 'missing API key: expected an Authorization: Bearer <key> header'
        : 'Authorization: expected "Bearer <key>"',
    )
  }
  const hash = hashApiKey(token)
  if (!hashAllowed(hash, globalHashes) && !hashAllowed(hash, endpointHashes))
    throw new UnauthenticatedError('API key not accepted')
}
