import { open } from 'node:fs/promises'
import { DatasetError, DatasetErrorCode } from './errors.js'
import { isGzip, peekGunzip } from './read-bytes.js'

const IDX_CODES = new Set([0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e])

/** True when the file starts like IDX (00 00 <known dtype> <ndims >= 1>), gzipped or not; reads only its head. */
export async function looksLikeIdx(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new DatasetError(DatasetErrorCode.notFound, path, `cannot be read (${err.code ?? err.message})`, {
      cause: err,
    })
  })
  let head: Uint8Array
  try {
    const buf = new Uint8Array(4096)
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
    head = buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
  if (isGzip(head)) head = peekGunzip(head, 4)
  return head.length >= 4 && head[0] === 0 && head[1] === 0 && IDX_CODES.has(head[2]!) && head[3]! > 0
}
