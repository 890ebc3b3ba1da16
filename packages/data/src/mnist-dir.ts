import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dataset } from './dataset.js'
import { DatasetError, DatasetErrorCode } from './errors.js'
import { loadIdxPair, type IdxPairOptions } from './idx-pair.js'

/** A dataset that comes with its own test split. */
export interface TrainTest {
  train: Dataset
  test: Dataset
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

/** The path of `stem` in `dir`, gzipped (preferred) or not; a DatasetError naming both when neither exists. */
async function findIdx(dir: string, stem: string): Promise<string> {
  const gz = join(dir, `${stem}.gz`)
  if (await exists(gz)) return gz
  const plain = join(dir, stem)
  if (await exists(plain)) return plain
  throw new DatasetError(DatasetErrorCode.notFound, gz, `no such file (nor ${plain})`)
}

/**
 * Loads a directory laid out like MNIST: {train,t10k}-images-idx3-ubyte[.gz] and
 * {train,t10k}-labels-idx1-ubyte[.gz]. Datasets are named `${name}/train` and `${name}/test`.
 */
export async function loadMnistStyleDir(
  dir: string,
  name: string,
  options: Omit<IdxPairOptions, 'name'> = {},
): Promise<TrainTest> {
  const split = async (prefix: string, label: string) => {
    const [images, labels] = await Promise.all([
      findIdx(dir, `${prefix}-images-idx3-ubyte`),
      findIdx(dir, `${prefix}-labels-idx1-ubyte`),
    ])
    return loadIdxPair(images, labels, { ...options, name: `${name}/${label}` })
  }
  const [train, test] = await Promise.all([split('train', 'train'), split('t10k', 'test')])
  return { train, test }
}
