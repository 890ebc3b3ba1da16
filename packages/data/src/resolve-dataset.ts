// Dataset specs, the `dataset:` field of a job spec. The forms, tried in order:
//   fashion-mnist                  a registered name (registeredDatasets())
//   a.npy,b.npy                    features and labels NPY files
//   images,labels                  features and labels IDX files (gzipped or not)
//   dir/train_x.npy                NPY features; labels from the same name with x -> y
//                                  (x.npy -> y.npy, train_x.npy -> train_y.npy, train-x.npy -> train-y.npy)
//   data.csv[#label=NAME&header=true|false|auto&regression=true]
//                                  CSV: numeric features, label column (default: the last),
//                                  header auto-detected unless given; regression: the label
//                                  column holds numbers to predict, not classes
//   dir/                           a directory laid out like MNIST ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz])
//   dir/train-images-idx3-ubyte.gz IDX images (detected by content); labels from the same name
//                                  with images -> labels and idxN -> idx1
// Only the MNIST-style directory and registered names yield a test set.
import { stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { ValidationError } from '@kiln/protocol'
import { loadCsvDataset } from './csv-dataset.js'
import { DatasetError, DatasetErrorCode } from './errors.js'
import { loadIdxPair } from './idx-pair.js'
import { loadMnistStyleDir } from './mnist-dir.js'
import { loadNpyPair } from './npy-pair.js'
import { registeredDatasets, registeredLoader, type ResolvedDataset } from './registry.js'
import { looksLikeIdx } from './sniff-idx.js'

/** Loads the dataset a spec string names: a registered name or a path (see the forms above). */
export async function resolveDataset(spec: string): Promise<ResolvedDataset> {
  if (typeof spec !== 'string' || spec.trim() === '') throw new ValidationError('dataset', 'a dataset name or path')
  const loader = registeredLoader(spec)
  if (loader) return loader()

  const pair = spec.split(',')
  if (pair.length === 2) {
    const [a, b] = pair.map((s) => s.trim()) as [string, string]
    const train = a.endsWith('.npy') ? await loadNpyPair(a, b) : await loadIdxPair(a, b)
    return { train }
  }
  if (pair.length > 2)
    throw new ValidationError('dataset', `at most one "," (features,labels), got ${JSON.stringify(spec)}`)

  const hash = spec.indexOf('#')
  const path = hash >= 0 ? spec.slice(0, hash) : spec
  if (path.endsWith('.csv')) return { train: await loadCsvDataset(path, csvOptions(spec.slice(hash + 1), hash >= 0)) }
  if (hash >= 0)
    throw new ValidationError('dataset', `options after "#" only for .csv files, got ${JSON.stringify(spec)}`)
  if (path.endsWith('.npy')) return { train: await loadNpyPair(path, npyLabelsPath(path)) }

  const info = await stat(path).catch(() => null)
  if (info === null) {
    throw new DatasetError(
      DatasetErrorCode.notFound,
      spec,
      `not a registered dataset (${registeredDatasets().join(', ')}) and no such file or directory`,
    )
  }
  if (info.isDirectory()) {
    const { train, test } = await loadMnistStyleDir(path, basename(path.replace(/\/+$/, '')) || path)
    return { train, test }
  }
  if (await looksLikeIdx(path)) return { train: await loadIdxPair(path, idxLabelsPath(path)) }
  throw new DatasetError(
    DatasetErrorCode.unsupported,
    path,
    'is not a .npy, .csv or IDX file, expected one of those (or a registered dataset name)',
  )
}

function csvOptions(fragment: string, present: boolean) {
  const options: { label?: string | number; header?: boolean | 'auto'; regression?: boolean } = {}
  if (!present) return options
  for (const [key, value] of new URLSearchParams(fragment)) {
    if (key === 'label') options.label = /^-?\d+$/.test(value) ? Number(value) : value
    else if (key === 'header' && (value === 'true' || value === 'false' || value === 'auto')) {
      options.header = value === 'auto' ? 'auto' : value === 'true'
    } else if (key === 'regression' && (value === 'true' || value === 'false')) {
      options.regression = value === 'true'
    } else {
      throw new ValidationError(
        `dataset#${key}`,
        'label=<name or index>, header=true|false|auto or regression=true|false',
      )
    }
  }
  return options
}

function npyLabelsPath(xPath: string): string {
  const name = basename(xPath)
  const m = /^(.*?(?:^|[-_.]))x\.npy$/.exec(name)
  if (!m) {
    throw new DatasetError(
      DatasetErrorCode.notFound,
      xPath,
      'no labels file: name the features x.npy / *_x.npy (labels in y.npy / *_y.npy) or give "features.npy,labels.npy"',
    )
  }
  return join(dirname(xPath), `${m[1]}y.npy`)
}

function idxLabelsPath(imagesPath: string): string {
  const name = basename(imagesPath)
  if (!name.includes('images')) {
    throw new DatasetError(
      DatasetErrorCode.notFound,
      imagesPath,
      'no labels file: name the images *images*idx3* (labels *labels*idx1*) or give "images,labels"',
    )
  }
  return join(dirname(imagesPath), name.replace('images', 'labels').replace(/idx\d/, 'idx1'))
}
