import { fromArrays, type Dataset } from './dataset.js'
import { nameFromPath } from './dataset-name.js'
import { parseCsv, readCsv, type CsvOptions, type CsvTable } from './csv-reader.js'

export interface CsvDatasetOptions extends CsvOptions {
  /** Default: the file name without extension. */
  name?: string
}

/** Loads a CSV file (numeric and categorical features, one label column) as a Dataset with sampleShape [features]. */
export async function loadCsvDataset(path: string, options: CsvDatasetOptions = {}): Promise<Dataset> {
  return tableDataset(await readCsv(path, options), options.name ?? nameFromPath(path))
}

/** CSV text as a Dataset named `name` (`file` names the source in errors). */
export function csvDataset(text: string, name: string, options: CsvOptions = {}): Dataset {
  return tableDataset(parseCsv(text, name, options), name)
}

function tableDataset(table: CsvTable, name: string): Dataset {
  return fromArrays({
    name,
    x: table.x,
    sampleShape: [table.shape[1]],
    labels: table.labels,
    featureNames: table.featureNames,
    ...(table.targets ? { targets: table.targets } : {}),
    ...(table.classNames ? { classNames: table.classNames } : {}),
    ...(table.categories ? { categories: table.categories } : {}),
  })
}
