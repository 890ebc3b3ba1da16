// The one place where errors become HTTP statuses (used by the single onError, and by the
// request metrics, which count failures by status).
import { ErrorCode, KilnError } from '@kiln/protocol'
import { GatewayErrorCode } from '../errors.js'

const STATUS: Record<string, number> = {
  [ErrorCode.invalidArgument]: 400,
  [GatewayErrorCode.unauthenticated]: 401,
  [ErrorCode.permissionDenied]: 403,
  [ErrorCode.notFound]: 404,
  [ErrorCode.conflict]: 409,
  [GatewayErrorCode.payloadTooLarge]: 413,
  [GatewayErrorCode.modelLoadFailed]: 503,
  [ErrorCode.unavailable]: 503,
  [ErrorCode.timeout]: 504,
  [ErrorCode.cancelled]: 499,
}

/** The HTTP status for an error: by its KilnError code, 500 for anything else. */
export function statusFor(err: unknown): number {
  if (err instanceof KilnError && Object.hasOwn(STATUS, err.code)) return STATUS[err.code]!
  return 500
}
