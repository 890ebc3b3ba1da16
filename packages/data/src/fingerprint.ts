import { createHash } from 'node:crypto'

/** What a fingerprint covers: everything that changes what a model would learn from, not the name. */
export interface FingerprintInput {
  x: Float32Array
  sampleShape: readonly number[]
  labels: Int32Array
  numClasses: number
  count: number
  classNames?: readonly string[]
  targets?: Float32Array
}

const bytesOf = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

/**
 * sha256 hex over a versioned description of the shapes followed by the raw little-endian
 * bytes of x and labels: a content address, so the same data under another name or path
 * (or loaded twice) gets the same fingerprint, and any changed value a different one.
 */
export function datasetFingerprint(d: FingerprintInput): string {
  const meta = {
    v: 1,
    count: d.count,
    sampleShape: d.sampleShape,
    numClasses: d.numClasses,
    classNames: d.classNames ?? null,
  }
  return (
    createHash('sha256')
      .update(`kiln-dataset\n${JSON.stringify(meta)}\n`)
      .update(bytesOf(d.x))
      .update(bytesOf(d.labels))
      // Regression targets extend the hash; a classification dataset's fingerprint is unchanged.
      .update(d.targets ? bytesOf(d.targets) : new Uint8Array(0))
      .digest('hex')
  )
}
