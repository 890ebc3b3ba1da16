// Request parameters of the infer routes, checked the same way for Hono's routes and the
// fast infer path.
import { ValidationError } from '@kiln/protocol'
import { PayloadTooLargeError } from '../errors.js'

/** A `{version}` path segment: undefined when absent, else a number >= 1. */
export function parseVersion(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  if (!/^[1-9]\d{0,8}$/.test(raw))
    throw new ValidationError('version', 'a version number >= 1', { got: JSON.stringify(raw.slice(0, 16)) })
  return Number(raw)
}

/** The Inference-Header-Content-Length header (binary extension); undefined when absent. */
export function parseHeaderLength(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d{1,10}$/.test(raw.trim()))
    throw new ValidationError('Inference-Header-Content-Length', 'a byte count (an integer >= 0)', {
      got: JSON.stringify(raw.slice(0, 16)),
    })
  return Number(raw)
}

/**
 * The bytes an infer request reserves from the byte budget: its Content-Length, or the whole
 * `limit` when it is sent chunked (its size is unknown until read). Over `limit`: 413.
 */
export function requestBytes(
  contentLength: string | undefined,
  transferEncoding: string | undefined,
  limit: number,
): number {
  if (transferEncoding !== undefined) return limit
  const declared = Number(contentLength ?? 0)
  if (!Number.isInteger(declared) || declared < 0) return limit
  if (declared > limit) throw new PayloadTooLargeError(limit)
  return declared
}
