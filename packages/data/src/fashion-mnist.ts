import { stat } from 'node:fs/promises'
import { DatasetError, DatasetErrorCode } from './errors.js'
import { loadMnistStyleDir, type TrainTest } from './mnist-dir.js'

/** Where Debian's dataset-fashion-mnist package puts the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'
const DEBIAN_PACKAGE = 'dataset-fashion-mnist'

export interface FashionMnistOptions {
  /** Directory holding {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz; default FASHION_MNIST_DIR. */
  dir?: string
  /** Keep raw 0..255 pixel values instead of pixel / 255. Default false. */
  raw?: boolean
}

/**
 * Fashion-MNIST: train (60000) and test (10000) 28x28 grey images of 10 clothing classes,
 * sampleShape [28, 28, 1], pixels scaled to [0, 1].
 */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<TrainTest> {
  const dir = options.dir ?? FASHION_MNIST_DIR
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  )
  if (!isDir) {
    // The hint goes in both cases: a custom dir is usually a copy of the package's files.
    const problem =
      `no such directory; Fashion-MNIST comes from the Debian package ${DEBIAN_PACKAGE} ` +
      `(apt-get install ${DEBIAN_PACKAGE}), which installs it in ${FASHION_MNIST_DIR}`
    throw new DatasetError(DatasetErrorCode.notFound, dir, problem, { data: { package: DEBIAN_PACKAGE } })
  }
  return loadMnistStyleDir(dir, 'fashion-mnist', { raw: options.raw ?? false })
}
