import { basename } from 'node:path'

/** A readable default dataset name from a file path: "train-images-idx3-ubyte.gz" -> "train-images-idx3-ubyte". */
export function nameFromPath(path: string): string {
  return (
    basename(path)
      .replace(/\.gz$/, '')
      .replace(/\.(npy|csv|idx)$/, '') || path
  )
}
