// Saving a model as files through a tfjs IOHandler of our own (not tfjs-node's file://), so
// the same artifacts can go to the object store later by swapping where the files are written.
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { KilnModelMetadata } from './metadata.js'
import { ModelFormatError } from './errors.js'
import { GBDT_JSON } from './gbdt/gbdt-model.js'
import { artifactsToFiles, DEFAULT_SHARD_BYTES, METADATA_JSON, MODEL_JSON, type ModelFiles } from './model-files.js'

/** Anything with LayersModel's save(handler). */
export interface Savable {
  save(handler: tf.io.IOHandler): Promise<tf.io.SaveResult>
}

/** A tfjs save handler that turns the model into files and hands them to `write`. */
export function filesSaveHandler(
  write: (files: ModelFiles) => Promise<void>,
  shardBytes = DEFAULT_SHARD_BYTES,
): tf.io.IOHandler {
  return {
    async save(artifacts) {
      await write(artifactsToFiles(artifacts, shardBytes))
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
    },
  }
}

// Data reaches the disk before the rename that publishes it; otherwise a power cut could
// leave a complete-looking directory of empty files.
async function writeDurable(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx')
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * kiln-model.json text: indented for people, but lists of plain values (histograms, shapes)
 * on one line each, which keeps 784 features' statistics readable and small.
 */
export function metadataJson(metadata: KilnModelMetadata): string {
  const pretty = JSON.stringify(metadata, null, 2)
  return `${pretty.replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`)}\n`
}

export interface SavedModel {
  dir: string
  files: string[]
  bytes: number
}

/**
 * Saves model.json and weight shards (a tfjs model), or the files a builtin model makes
 * itself (gbdt.json), plus kiln-model.json into `dir`, atomically: everything is
 * written into a hidden sibling directory that is renamed into place at the end, so a crash or
 * error never leaves a half-written model, and an existing model at `dir` stays until the new
 * one is complete (then it is replaced). A `dir` that exists but holds no model is refused.
 */
export async function saveModel(
  model: Savable | { files(): ModelFiles },
  dir: string,
  metadata?: KilnModelMetadata,
): Promise<SavedModel> {
  const target = resolve(dir)
  await checkSaveTarget(target)
  const parent = dirname(target)
  await mkdir(parent, { recursive: true })
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`
  const tmp = join(parent, `.${basename(target)}.tmp-${tag}`)
  await mkdir(tmp)
  const written: string[] = []
  let bytes = 0
  try {
    const write = async (files: ModelFiles) => {
      for (const [name, content] of files) {
        await writeDurable(join(tmp, name), content)
        written.push(name)
        bytes += content.byteLength
      }
    }
    if ('files' in model) await write(model.files())
    else await model.save(filesSaveHandler(write))
    if (metadata !== undefined)
      await write(new Map([[METADATA_JSON, new TextEncoder().encode(metadataJson(metadata))]]))
    await syncDir(tmp)
    await publish(tmp, target, tag)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
  return { dir: target, files: written, bytes }
}

/**
 * Throws unless `dir` is free or holds a model: replacing is for models only, so a typo like
 * `--out .` can never swap the user's directory for a model (and delete it).
 */
export async function checkSaveTarget(dir: string): Promise<void> {
  const target = resolve(dir)
  const given = dir
  const info = await stat(target).catch(() => null)
  if (info === null) return
  if (!info.isDirectory())
    throw new ModelFormatError(given, 'exists and is a file, expected a new or model directory to save into')
  const exists = (name: string) =>
    stat(join(target, name)).then(
      () => true,
      () => false,
    )
  if (!(await exists(MODEL_JSON)) && !(await exists(GBDT_JSON)))
    throw new ModelFormatError(
      given,
      `exists and is not a model directory (no ${MODEL_JSON} or ${GBDT_JSON}); pick another path or remove it`,
    )
}

// rename() cannot replace a non-empty directory, so an existing model is moved aside first
// and put back if the new one cannot take its place.
async function publish(tmp: string, target: string, tag: string): Promise<void> {
  const exists = await stat(target).then(
    () => true,
    () => false,
  )
  if (!exists) {
    await rename(tmp, target)
  } else {
    const old = join(dirname(target), `.${basename(target)}.old-${tag}`)
    await rename(target, old)
    try {
      await rename(tmp, target)
    } catch (err) {
      await rename(old, target)
      throw err
    }
    await rm(old, { recursive: true, force: true })
  }
  await syncDir(dirname(target))
}
