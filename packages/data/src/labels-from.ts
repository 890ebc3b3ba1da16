import { DatasetError, DatasetErrorCode } from './errors.js'
import type { ShapedArray } from './dtype.js'

/**
 * Class indices from a label array read from `file`: shape [n] or [n, 1], an integer or bool
 * dtype, values >= 0. A view when the file already holds int32.
 */
export function labelsFrom(arr: ShapedArray, file: string): Int32Array {
  const { shape, dtype, data } = arr
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new DatasetError(
      DatasetErrorCode.malformed,
      file,
      `labels have shape [${shape.join(', ')}], expected [n] or [n, 1]`,
    )
  }
  if (dtype === 'float32' || dtype === 'float64') {
    throw new DatasetError(
      DatasetErrorCode.unsupported,
      file,
      `labels are ${dtype}, expected an integer dtype (class indices)`,
    )
  }
  const out = data instanceof Int32Array ? data : new Int32Array(data.length)
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!)
    if (v < 0 || v > 0x7fffffff) {
      throw new DatasetError(
        DatasetErrorCode.malformed,
        file,
        `label ${i} is ${v}, expected a class index (an integer >= 0)`,
      )
    }
    out[i] = v
  }
  return out
}
