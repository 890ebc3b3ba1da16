export {
  ErrorCode,
  KilnError,
  ValidationError,
  NotFoundError,
  TimeoutError,
  registerError,
  toWire,
  fromWire,
} from './errors.js'
export type { ErrorData, WireError, KilnErrorOptions } from './errors.js'
export { Subjects, SUBJECT_ROOT, EventKind, subjectToken } from './subjects.js'
export { encode, decode, ERROR_EXT_TYPE } from './codec.js'
