import { readFile, readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { NotFoundError } from '@kiln/protocol'
import { ModelFormatError } from './errors.js'
import { metadataProblem, type KilnModelMetadata } from './metadata.js'
import { filesToArtifacts, METADATA_JSON, type ModelFiles } from './model-files.js'

/** Every file of a saved model folder, by name (what a registry, an ensemble or a predictor takes). */
export async function readModelDir(dir: string): Promise<ModelFiles> {
  const names = await readdir(dir)
  return new Map(await Promise.all(names.map(async (n) => [n, new Uint8Array(await readFile(join(dir, n)))] as const)))
}

/** A tfjs load handler that reads model.json and its shards through `read`. */
export function filesLoadHandler(read: (name: string) => Promise<Uint8Array>, where: string): tf.io.IOHandler {
  return { load: () => filesToArtifacts(read, where) }
}

/** Loads a LayersModel from its files in memory (model.json and the shards it lists). */
export function loadLayersModelFiles(files: ReadonlyMap<string, Uint8Array>, where: string): Promise<tf.LayersModel> {
  const read = async (name: string) => {
    const bytes = files.get(name)
    if (!bytes) throw new ModelFormatError(where, `no ${name} among the model's files`)
    return bytes
  }
  return tf.loadLayersModel(filesLoadHandler(read, where))
}

function fileReader(dir: string): (name: string) => Promise<Uint8Array> {
  return async (name) => {
    try {
      return await readFile(join(dir, name))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ModelFormatError(
          dir,
          `no ${name}: expected a TF.js LayersModel directory (model.json and the weight files it lists)`,
          { cause: err },
        )
      }
      throw err
    }
  }
}

export interface LoadedModel {
  model: tf.LayersModel
  /** kiln-model.json; undefined for a plain TF.js model (saved by tfjs itself, say). */
  metadata: KilnModelMetadata | undefined
}

/** Loads a model directory (Kiln's or any TF.js LayersModel saved as files) and its metadata. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const path = resolve(dir)
  const info = await stat(path).catch(() => null)
  if (info === null) throw new NotFoundError('model directory', dir)
  if (!info.isDirectory()) throw new ModelFormatError(dir, 'expected a model directory, got a file')
  const read = fileReader(path)
  const metadata = await readMetadata(path)
  const model = await tf.loadLayersModel(filesLoadHandler(read, dir))
  return { model, metadata }
}

/** Reads kiln-model.json from a model directory; undefined when there is none. */
export async function readMetadata(dir: string): Promise<KilnModelMetadata | undefined> {
  let text: string
  try {
    text = await readFile(join(dir, METADATA_JSON), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new ModelFormatError(join(dir, METADATA_JSON), `not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  const problem = metadataProblem(value)
  if (problem !== undefined) throw new ModelFormatError(join(dir, METADATA_JSON), problem)
  return value as KilnModelMetadata
}
