// The gateway's own errors. Each carries a code that http/on-error.ts maps to one HTTP
// status; everything else Kiln throws maps by @kiln/protocol's ErrorCode.
import { KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/** Codes of the gateway's own errors (beside @kiln/protocol's ErrorCode). */
export const GatewayErrorCode = {
  unauthenticated: 'unauthenticated',
  payloadTooLarge: 'payload_too_large',
  modelLoadFailed: 'model_load_failed',
} as const
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode]

/** No API key, or one that is not accepted (401; the key itself is never echoed). */
export class UnauthenticatedError extends KilnError {
  override name = 'UnauthenticatedError'
  constructor(message: string, options: KilnErrorOptions = {}) {
    super(GatewayErrorCode.unauthenticated, message, options)
  }
}

/** The request body is bigger than the gateway accepts (413). */
export class PayloadTooLargeError extends KilnError {
  override name = 'PayloadTooLargeError'
  constructor(limitBytes: number, options: KilnErrorOptions = {}) {
    super(GatewayErrorCode.payloadTooLarge, `request body: expected at most ${limitBytes} bytes`, {
      ...options,
      data: { ...options.data, limitBytes },
    })
  }
}

/** The gateway cannot take the request now (queue full, memory budget): 503 with Retry-After. */
export class OverloadedError extends KilnError {
  override name = 'OverloadedError'
  readonly retryAfterS: number
  constructor(message: string, retryAfterS = 1, options: KilnErrorOptions = {}) {
    super('unavailable', message, { ...options, data: { ...options.data, retryAfterS } })
    this.retryAfterS = retryAfterS
  }
}

/** A model version's files could not be loaded (bad model.json, weights, metadata). */
export class ModelLoadError extends KilnError {
  override name = 'ModelLoadError'
  constructor(model: string, version: number, reason: string, options: KilnErrorOptions = {}) {
    super(GatewayErrorCode.modelLoadFailed, `model ${model} version ${version} failed to load: ${reason}`, {
      ...options,
      data: { ...options.data, model, version },
    })
  }
}

registerError('UnauthenticatedError', UnauthenticatedError)
registerError('PayloadTooLargeError', PayloadTooLargeError)
registerError('OverloadedError', OverloadedError)
registerError('ModelLoadError', ModelLoadError)
