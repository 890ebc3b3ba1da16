// The on-disk (and later object-store) layout of a model: the TF.js LayersModel format, i.e.
// model.json (topology + weights manifest) and weight shards, plus Kiln's kiln-model.json.
// Pure conversions between tfjs ModelArtifacts and named byte blobs; the I/O lives in
// save.ts / load.ts, so another store only has to move blobs.
import * as tf from '@tensorflow/tfjs'
import { ModelFormatError } from './errors.js'

/** TF.js' own file: topology and weights manifest. */
export const MODEL_JSON = 'model.json'
/** Kiln's metadata file next to it. */
export const METADATA_JSON = 'kiln-model.json'
/** tfjs-converter's shard size: small enough for any store's object limits and HTTP caches. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024

/** Named file contents, in the order they should be written (model.json last). */
export type ModelFiles = Map<string, Uint8Array>

const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/

/** Splits a model's artifacts into weight shards and model.json (TF.js format). */
export function artifactsToFiles(artifacts: tf.io.ModelArtifacts, shardBytes = DEFAULT_SHARD_BYTES): ModelFiles {
  if (artifacts.modelTopology === undefined || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ModelFormatError('model', 'expected a LayersModel with a JSON topology (graph models are not supported)')
  }
  const weights =
    artifacts.weightData === undefined
      ? new Uint8Array(0)
      : new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
  const count = Math.max(1, Math.ceil(weights.byteLength / shardBytes))
  const files: ModelFiles = new Map()
  const paths: string[] = []
  for (let i = 0; i < count; i++) {
    const name = `group1-shard${i + 1}of${count}.bin`
    paths.push(name)
    files.set(name, weights.subarray(i * shardBytes, Math.min(weights.byteLength, (i + 1) * shardBytes)))
  }
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    ...(artifacts.signature ? { signature: artifacts.signature } : {}),
  }
  // model.json goes last: a reader that finds it may assume the shards it lists are there.
  files.set(MODEL_JSON, new TextEncoder().encode(JSON.stringify(json)))
  return files
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  complex64: 8,
}

function expectedWeightBytes(specs: readonly tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0
  for (const spec of specs) {
    const bytes = DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype]
    if (bytes === undefined || spec.dtype === 'string') return undefined
    total += spec.shape.reduce((a, b) => a * b, 1) * bytes
  }
  return total
}

/** Reads model.json and its shards through `read`, checking names and sizes, into ModelArtifacts. */
export async function filesToArtifacts(
  read: (name: string) => Promise<Uint8Array>,
  where: string,
): Promise<tf.io.ModelArtifacts> {
  let json: tf.io.ModelJSON
  try {
    json = JSON.parse(new TextDecoder().decode(await read(MODEL_JSON))) as tf.io.ModelJSON
  } catch (err) {
    if (err instanceof ModelFormatError) throw err
    throw new ModelFormatError(`${where}/${MODEL_JSON}`, `not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  if (
    json === null ||
    typeof json !== 'object' ||
    typeof json.modelTopology !== 'object' ||
    json.modelTopology === null ||
    !Array.isArray(json.weightsManifest)
  ) {
    throw new ModelFormatError(
      `${where}/${MODEL_JSON}`,
      'expected a TF.js LayersModel (modelTopology and weightsManifest)',
    )
  }
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = []
    const parts: Uint8Array[] = []
    for (const group of manifest) {
      for (const path of group.paths) {
        // A model.json must not be able to read files outside its own directory.
        if (!SAFE_NAME.test(path))
          throw new ModelFormatError(
            `${where}/${MODEL_JSON}`,
            `weight path ${JSON.stringify(path)}: expected a plain file name in the model directory`,
          )
        parts.push(await read(path))
      }
      specs.push(...group.weights)
    }
    const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
    let offset = 0
    for (const p of parts) {
      data.set(p, offset)
      offset += p.byteLength
    }
    const expected = expectedWeightBytes(specs)
    if (expected !== undefined && expected !== data.byteLength) {
      throw new ModelFormatError(
        where,
        `weights: expected ${expected} bytes for the ${specs.length} weights in ${MODEL_JSON}, got ${data.byteLength} in the shard files`,
      )
    }
    return [specs, data.buffer]
  })
}
