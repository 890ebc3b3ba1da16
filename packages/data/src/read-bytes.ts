import { readFile } from 'node:fs/promises'
import { constants, gunzipSync } from 'node:zlib'
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
 * `limit` bounds the inflated size: a stream that would inflate to more is refused as soon
 * as it passes the limit (a gzip bomb never reaches memory); `declared` says in the error
 * where the limit came from.
 */
export function maybeGunzip(bytes: Uint8Array, file: string, limit?: number, declared = 'the limit'): Uint8Array {
  if (!isGzip(bytes)) return bytes
  try {
    // One byte over the limit tells "more than declared" apart from "exactly declared".
    return gunzipSync(bytes, limit === undefined ? {} : { maxOutputLength: limit + 1 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DatasetError(
        DatasetErrorCode.malformed,
        file,
        `gzip data inflates to more than the ${limit} bytes ${declared}`,
        { cause: err },
      )
    throw gzipError(err, file)
  }
}

function gzipError(err: unknown, file: string): DatasetError {
  // zlib says Z_BUF_ERROR when the stream just stops: that is a cut-off download.
  const truncated = (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR'
  return new DatasetError(
    truncated ? DatasetErrorCode.truncated : DatasetErrorCode.malformed,
    file,
    truncated ? 'gzip data ends early (the file is truncated)' : `gzip data is corrupt (${(err as Error).message})`,
    { cause: err },
  )
}

// Deflate expands at most ~1032:1, so a prefix of this many compressed bytes inflates to
// about 64 MiB at worst, however hostile the file.
const MAX_PEEK_INPUT = 64 * 1024

/**
 * The first `want` inflated bytes of gzip data (fewer when the data is shorter), or the
 * bytes themselves when they are not gzip. Inflates only a growing prefix of the input,
 * so a header can be read and checked before the body is inflated. Corrupt data throws the
 * DatasetError maybeGunzip would (naming `file`); without `file` it gives what it has.
 */
export function peekGunzip(bytes: Uint8Array, want: number, file?: string): Uint8Array {
  if (!isGzip(bytes)) return bytes.subarray(0, want)
  let head = new Uint8Array(0)
  for (let input = 256; ; input *= 4) {
    const prefix = bytes.subarray(0, Math.min(input, MAX_PEEK_INPUT))
    try {
      // Z_SYNC_FLUSH inflates what the partial stream holds instead of failing on its end.
      head = gunzipSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH })
    } catch (err) {
      if (file === undefined) return head
      throw gzipError(err, file)
    }
    if (head.length >= want || prefix.length === bytes.length || prefix.length >= MAX_PEEK_INPUT)
      return head.subarray(0, want)
  }
}
