/** Machine-readable error codes, one list for every package; the gateway maps these to HTTP statuses. */
export const ErrorCode = {
  invalidArgument: 'invalid_argument',
  notFound: 'not_found',
  conflict: 'conflict',
  permissionDenied: 'permission_denied',
  timeout: 'timeout',
  unavailable: 'unavailable',
  cancelled: 'cancelled',
  internal: 'internal',
  /** A dataset file or name that does not exist. */
  datasetNotFound: 'dataset_not_found',
  /** A dataset file that ends before its header says it should. */
  datasetTruncated: 'dataset_truncated',
  /** A dataset file that is not what its format says (bad magic, a non-numeric cell). */
  datasetMalformed: 'dataset_malformed',
  /** A dataset file of a format or dtype Kiln does not read. */
  datasetUnsupported: 'dataset_unsupported',
  /** Dataset files that do not belong together (image and label counts differ). */
  datasetMismatch: 'dataset_mismatch',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

const BAD_INPUT: ReadonlySet<string> = new Set([
  ErrorCode.invalidArgument,
  ErrorCode.notFound,
  ErrorCode.datasetNotFound,
  ErrorCode.datasetTruncated,
  ErrorCode.datasetMalformed,
  ErrorCode.datasetUnsupported,
  ErrorCode.datasetMismatch,
])

/** Whether a code means the caller's input was wrong (a flag, spec, file or id to fix), not the system. */
export function isBadInput(code: string): boolean {
  return BAD_INPUT.has(code)
}

/** Structured, JSON-safe details about an error; never secrets. */
export type ErrorData = Record<string, unknown>

/** The shape an error takes on the wire (NATS replies, events, HTTP bodies). */
export interface WireError {
  name: string
  code: string
  message: string
  data?: ErrorData
}

export interface KilnErrorOptions {
  cause?: unknown
  data?: ErrorData
}

/** Base of every error Kiln raises on purpose; `code` is what programs branch on. */
export class KilnError extends Error {
  override name = 'KilnError'
  readonly code: string
  readonly data: ErrorData | undefined

  constructor(code: string, message: string, options: KilnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.data = options.data
  }

  /**
   * JSON.stringify of an error gives its wire form: `message` is an own property that is not
   * enumerable (Error's, and a rebuilt error's), so without this a record holding an error
   * would print `{name, code}` and lose why.
   */
  toJSON(): WireError {
    return toWire(this)
  }
}

export interface ValidationErrorOptions extends KilnErrorOptions {
  /** A short, secret-free description of what was received ("string", "-1", "nothing"). */
  got?: string
}

/**
 * Bad input: `data.field` names what was wrong, `data.expected` what would have been right
 * and, when given, `data.got` what arrived: `heartbeat.load: expected a number, got string`.
 */
export class ValidationError extends KilnError {
  override name = 'ValidationError'
  constructor(field: string, expected: string, options: ValidationErrorOptions = {}) {
    const { got, ...rest } = options
    super(ErrorCode.invalidArgument, `${field}: expected ${expected}${got === undefined ? '' : `, got ${got}`}`, {
      ...rest,
      data: { ...rest.data, field, expected, ...(got === undefined ? {} : { got }) },
    })
  }
}

/** A named thing (job, node, model, ...) does not exist. */
export class NotFoundError extends KilnError {
  override name = 'NotFoundError'
  constructor(kind: string, id: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.notFound, `${kind} ${JSON.stringify(id)} not found`, {
      ...options,
      data: { ...options.data, kind, id },
    })
  }
}

/** Something did not answer or happen in time. */
export class TimeoutError extends KilnError {
  override name = 'TimeoutError'
  constructor(what: string, ms: number, options: KilnErrorOptions = {}) {
    super(ErrorCode.timeout, `${what} timed out after ${ms} ms`, {
      ...options,
      data: { ...options.data, what, ms },
    })
  }
}

type Rebuild = (wire: WireError) => KilnError

// Rebuilding goes through Object.create so that subclass constructors (whose arguments
// differ) need not be replayed: the wire already carries the final message and data.
function rebuilderFor(cls: abstract new (...args: never[]) => KilnError): Rebuild {
  return (wire) => {
    const err = Object.create(cls.prototype) as KilnError
    const fields = { name: wire.name, code: wire.code, message: wire.message, data: wire.data }
    for (const [key, value] of Object.entries(fields)) {
      Object.defineProperty(err, key, { value, writable: true, configurable: true, enumerable: key !== 'message' })
    }
    Error.captureStackTrace?.(err, fromWire)
    return err
  }
}

const known = new Map<string, Rebuild>()

/** Lets other packages make their own error classes survive a trip over the wire. */
export function registerError(name: string, cls: abstract new (...args: never[]) => KilnError): void {
  known.set(name, rebuilderFor(cls))
}
registerError('KilnError', KilnError)
registerError('ValidationError', ValidationError)
registerError('NotFoundError', NotFoundError)
registerError('TimeoutError', TimeoutError)

const SECRET_KEY = /secret|password|passwd|token|credential|api[-_]?key|authorization|nkey|seed|jwt/i
const REDACTED = '[redacted]'

// Data is meant to be safe already; this is the backstop that keeps an accidental
// `{ apiKey }` out of logs and replies. Depth-limited so cyclic data cannot hang us.
function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value
  if (ArrayBuffer.isView(value)) return value
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  const out: ErrorData = {}
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redact(v, depth + 1)
  }
  return out
}

/** Serializes any thrown value; never includes the stack, the cause or secret-looking data. */
export function toWire(err: unknown): WireError {
  if (err instanceof KilnError) {
    const wire: WireError = { name: err.name, code: err.code, message: err.message }
    if (err.data !== undefined) wire.data = redact(err.data) as ErrorData
    return wire
  }
  if (err instanceof Error) return { name: err.name, code: ErrorCode.internal, message: err.message }
  return { name: 'Error', code: ErrorCode.internal, message: String(err) }
}

function isWireError(obj: unknown): obj is WireError {
  if (obj === null || typeof obj !== 'object') return false
  const o = obj as Record<string, unknown>
  return (
    typeof o.name === 'string' &&
    typeof o.code === 'string' &&
    typeof o.message === 'string' &&
    (o.data === undefined || (o.data !== null && typeof o.data === 'object' && !Array.isArray(o.data)))
  )
}

/** Rebuilds an error from the wire: a registered class when the name is known, else a KilnError. */
export function fromWire(obj: unknown): KilnError {
  if (!isWireError(obj)) {
    return new KilnError(ErrorCode.internal, 'malformed error on the wire', { data: { received: typeof obj } })
  }
  const rebuild = known.get(obj.name) ?? rebuilderFor(KilnError)
  return rebuild({ name: obj.name, code: obj.code, message: obj.message, ...(obj.data ? { data: obj.data } : {}) })
}
