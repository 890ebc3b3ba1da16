import { ValidationError } from '@kiln/protocol'
import type { Dataset } from './dataset.js'
import { loadFashionMnist } from './fashion-mnist.js'
import { SKLEARN_TABLES, loadSklearnTable } from './sklearn-tables.js'

/** What a dataset spec resolves to: a training set, and a test set when the source has one. */
export interface ResolvedDataset {
  train: Dataset
  test?: Dataset
}

export type DatasetLoader = () => Promise<ResolvedDataset>

const loaders = new Map<string, DatasetLoader>([
  ['fashion-mnist', () => loadFashionMnist()],
  ...Object.keys(SKLEARN_TABLES).map((name): [string, DatasetLoader] => [
    name,
    async () => ({ train: await loadSklearnTable(name) }),
  ]),
])

const NAME = /^[a-z0-9][a-z0-9._-]*$/

/** Adds a named dataset that specs may refer to; names look like "fashion-mnist" (no path separators). */
export function registerDataset(name: string, loader: DatasetLoader): void {
  if (!NAME.test(name))
    throw new ValidationError(
      'name',
      `lower-case letters, digits, ".", "_" or "-" (no "/"), got ${JSON.stringify(name)}`,
    )
  loaders.set(name, loader)
}

/** The names resolveDataset knows, sorted. */
export function registeredDatasets(): string[] {
  return [...loaders.keys()].sort()
}

/** The loader registered under `name`, if any. */
export function registeredLoader(name: string): DatasetLoader | undefined {
  return loaders.get(name)
}
