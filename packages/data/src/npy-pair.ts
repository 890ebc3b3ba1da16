import { fromArrays, toFloat32, type Dataset } from './dataset.js'
import { DatasetError, DatasetErrorCode } from './errors.js'
import { nameFromPath } from './dataset-name.js'
import { toUnitRange } from './idx-pair.js'
import { labelsFrom } from './labels-from.js'
import { readNpy } from './npy-reader.js'

export interface NpyPairOptions {
  /** Default: the features file name without extension. */
  name?: string
  /**
   * Scale integer features to [0, 1] by their dtype's range, as loadIdxPair does. Default
   * false: NPY files usually hold features already prepared in numpy, so values are kept.
   */
  unitRange?: boolean
}

/** Loads features x.npy ([n, ...sampleShape]) and labels y.npy ([n] or [n, 1], integers) as one Dataset. */
export async function loadNpyPair(xPath: string, yPath: string, options: NpyPairOptions = {}): Promise<Dataset> {
  const [xArr, yArr] = await Promise.all([readNpy(xPath), readNpy(yPath)])
  if (xArr.shape.length === 0) {
    throw new DatasetError(
      DatasetErrorCode.malformed,
      xPath,
      'features are a scalar, expected shape [n, ...sampleShape]',
    )
  }
  const labels = labelsFrom(yArr, yPath)
  const count = xArr.shape[0]!
  if (count !== labels.length) {
    throw new DatasetError(
      DatasetErrorCode.mismatch,
      xPath,
      `has ${count} samples but ${yPath} has ${labels.length} labels, expected the same count`,
    )
  }
  const sampleShape = xArr.shape.length === 1 ? [1] : xArr.shape.slice(1)
  return fromArrays({
    name: options.name ?? nameFromPath(xPath),
    x: options.unitRange ? toUnitRange(xArr) : toFloat32(xArr.data),
    sampleShape,
    labels,
  })
}
