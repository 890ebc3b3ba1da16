import { fromArrays, type Dataset } from './dataset.js'
import { nameFromPath } from './dataset-name.js'
import { readCsv, type CsvOptions } from './csv-reader.js'

export interface CsvDatasetOptions extends CsvOptions {
  /** Default: the file name without extension. */
  name?: string
}

/** Loads a CSV file (numeric and categorical features, one label column) as a Dataset with sampleShape [features]. */
export async function loadCsvDataset(path: string, options: CsvDatasetOptions = {}): Promise<Dataset> {
  const table = await readCsv(path, options)
  return fromArrays({
    name: options.name ?? nameFromPath(path),
    x: table.x,
    sampleShape: [table.shape[1]],
    labels: table.labels,
    featureNames: table.featureNames,
    ...(table.targets ? { targets: table.targets } : {}),
    ...(table.classNames ? { classNames: table.classNames } : {}),
    ...(table.categories ? { categories: table.categories } : {}),
  })
}
