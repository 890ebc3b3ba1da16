// Models for the gateway tests, trained once and cached under the temp dir (the specs are
// seeded, so a cached model is the model a fresh run would train): a Fashion-MNIST MLP (with
// the training baseline that drift is measured against) and small blob classifiers.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fromArrays, loadFashionMnist, type Dataset } from '@kiln/data'
import { parseSpec, trainLocal } from '@kiln/train'
import { blobDataset } from '../train/synthetic.js'

const CACHE = join(tmpdir(), 'kiln-gateway-fixtures-v4')
const quiet = () => {}

async function cached(name: string, train: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(CACHE, name)
  if (!existsSync(join(dir, 'model.json'))) {
    const tmp = mkdtempSync(join(tmpdir(), `kiln-fixture-${name}-`))
    await train(join(tmp, 'model'))
    rmSync(dir, { recursive: true, force: true })
    cpSync(join(tmp, 'model'), dir, { recursive: true })
    rmSync(tmp, { recursive: true, force: true })
  }
  return dir
}

/** A Fashion-MNIST MLP (784-32-10), 1 epoch on 6000 images; its folder. */
export function fashionModel(): Promise<string> {
  return cached('fashion-mlp', async (out) => {
    const spec = parseSpec(
      'name: fashion\ndataset: fashion-mnist\nmodel: { builtin: mlp, hidden: [32] }\ntraining: { epochs: 1, batchSize: 64, limit: 6000, seed: 7 }\n',
    )
    await trainLocal(spec, { outDir: out, log: quiet })
  })
}

/** The blobs a blob classifier learns: 3 classes named red, green and blue; the test set is
 * 60 more samples around the same centres. */
export function blobData(features = 4): { train: Dataset; test: Dataset } {
  const all = blobDataset('blobs', 360, [features], 3, 1)
  const part = (name: string, from: number, to: number) =>
    fromArrays({
      name,
      x: all.x.subarray(from * features, to * features),
      labels: all.labels.subarray(from, to),
      sampleShape: [features],
      classNames: CLASSES,
    })
  return { train: part('blobs', 0, 300), test: part('blobs-test', 300, 360) }
}
const CLASSES = ['red', 'green', 'blue']

/** A blob classifier on [features] features, 3 classes; `seed` makes different weights. */
export function blobModel(seed = 1, hidden = 8, features = 4): Promise<string> {
  return cached(`blobs-${seed}-${hidden}${features === 4 ? '' : `-f${features}`}`, async (out) => {
    const spec = parseSpec(
      `name: blobs\ndataset: unused\nmodel: { builtin: mlp, hidden: [${hidden}] }\noptimizer: { name: adam, learningRate: 0.01 }\ntraining: { epochs: 4, batchSize: 16, seed: ${seed} }\n`,
    )
    await trainLocal(spec, { outDir: out, datasets: blobData(features), log: quiet })
  })
}

/** Copies a model folder to DIR/<name>/<version>. */
export function install(modelDir: string, root: string, name: string, version: number): string {
  const dir = join(root, name, String(version))
  cpSync(modelDir, dir, { recursive: true })
  return dir
}

let fashion: { train: Dataset; test: Dataset } | undefined
/** Fashion-MNIST (pixels / 255). */
export async function fashionData(): Promise<{ train: Dataset; test: Dataset }> {
  fashion ??= await loadFashionMnist()
  return fashion
}
