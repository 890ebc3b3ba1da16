import { ValidationError } from '@kiln/protocol'

/** Row-major [labels.length, numClasses] one-hot matrix. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ValidationError('numClasses', `an integer >= 1, got ${String(numClasses)}`)
  const out = new Float32Array(labels.length * numClasses)
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new ValidationError(`labels[${i}]`, `an integer in [0, ${numClasses - 1}], got ${String(c)}`)
    }
    out[i * numClasses + c] = 1
  }
  return out
}
