import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { DatasetError, DatasetErrorCode } from './errors.js'

/** Reads a whole dataset file; a missing or unreadable file becomes a DatasetError naming it. */
export async function readDatasetFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const problem =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, expected a file'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot be read (${code ?? String(err)})`
    return Promise.reject(new DatasetError(DatasetErrorCode.notFound, path, problem, { cause: err }))
  }
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/**
 * Inflates gzip data, or returns the bytes as they are when they are not gzip. We detect by
 * content, not by the ".gz" suffix, because renamed and half-downloaded files are common.
 */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes
  try {
    return gunzipSync(bytes)
  } catch (err) {
    // zlib says Z_BUF_ERROR when the stream just stops: that is a cut-off download.
    const zcode = (err as NodeJS.ErrnoException).code
    const truncated = zcode === 'Z_BUF_ERROR'
    throw new DatasetError(
      truncated ? DatasetErrorCode.truncated : DatasetErrorCode.malformed,
      file,
      truncated ? 'gzip data ends early (the file is truncated)' : `gzip data is corrupt (${(err as Error).message})`,
      { cause: err },
    )
  }
}
