import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/** What went wrong with a dataset file (the dataset part of the shared ErrorCode list). */
export const DatasetErrorCode = {
  notFound: ErrorCode.datasetNotFound,
  truncated: ErrorCode.datasetTruncated,
  malformed: ErrorCode.datasetMalformed,
  unsupported: ErrorCode.datasetUnsupported,
  mismatch: ErrorCode.datasetMismatch,
} as const
export type DatasetErrorCode = (typeof DatasetErrorCode)[keyof typeof DatasetErrorCode]

/**
 * A dataset file (or named dataset) could not be used. The message always starts with the
 * file so that a user with several files knows which one to fix; `data.file` and
 * `data.problem` carry the same for programs.
 */
export class DatasetError extends KilnError {
  override name = 'DatasetError'
  declare readonly code: DatasetErrorCode

  constructor(code: DatasetErrorCode, file: string, problem: string, options: KilnErrorOptions = {}) {
    super(code, `${file}: ${problem}`, { ...options, data: { ...options.data, file, problem } })
  }
}
registerError('DatasetError', DatasetError)
