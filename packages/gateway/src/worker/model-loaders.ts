// How an inference thread turns a version's files into something that runs batches. Each
// loader claims the files it knows (gbdt.json: gradient-boosted trees, run natively, NaN as a
// missing feature; ensemble.json and any other kind @kiln/train loads as a Predictor); TF.js
// (model.json) takes the rest. Another model format adds its loader to MODEL_LOADERS ahead
// of TF.js: the gateway's batching, signatures and endpoints then serve it unchanged.
import * as tf from '@tensorflow/tfjs'
import { GBDT_JSON, MODEL_JSON, MODEL_KINDS, filesLoadHandler, loadPredictor, parseGbdtModel } from '@kiln/train'
import type { LoadResult, WireTensor } from './messages.js'
import { packedFile, type PackedFiles } from './packed-files.js'

/** A model held by an inference thread. */
export interface HeldModel {
  /** Tensor shapes (-1: free) and weight bytes, for the signature and the memory budget. */
  shapes(): LoadResult
  /** One batch: inputs in the signature's order, outputs likewise. */
  run(inputs: WireTensor[]): Promise<WireTensor[]>
  dispose(): void
}

/** A model format the gateway serves. */
export interface ModelLoader {
  name: string
  /** Whether these files are this format's. */
  claims(files: PackedFiles): boolean
  load(files: PackedFiles, key: string): Promise<HeldModel>
}

const dims = (shape: readonly (number | null)[]) => shape.map((d) => (d === null ? -1 : d))

/** Gradient-boosted trees (builtin: gbdt): rows of numFeatures in, rows of outputs out. */
export const gbdtLoader: ModelLoader = {
  name: 'gbdt',
  claims: (files) => files.names.includes(GBDT_JSON),
  async load(files, key) {
    const bytes = packedFile(files, GBDT_JSON)!
    const model = parseGbdtModel(bytes, `${key}/${GBDT_JSON}`)
    const features = model.info.numFeatures
    return {
      shapes: () => ({
        inputs: [{ shape: [-1, features] }],
        outputs: [{ shape: [-1, model.outputs] }],
        weightBytes: bytes.byteLength,
        acceptsMissing: true,
      }),
      async run([x]) {
        const rows = x!.shape[0]!
        const data = await model.predictAsync(x!.data)
        return [{ shape: [rows, model.outputs], data }]
      },
      dispose: () => model.dispose(),
    }
  },
}

/** Any other kind @kiln/train loads as a Predictor (an ensemble of stored models: ensemble.json). */
export const predictorLoader: ModelLoader = {
  name: 'predictor',
  claims: (files) => !files.names.includes(MODEL_JSON) && !files.names.includes(GBDT_JSON),
  async load(files, key) {
    const map = new Map(files.names.map((name) => [name, packedFile(files, name)!]))
    const p = await loadPredictor(map, key, MODEL_KINDS)
    return {
      shapes: () => ({
        inputs: [{ shape: [-1, ...p.sampleShape] }],
        outputs: [{ shape: [-1, p.outputs] }],
        weightBytes: files.buffer.byteLength,
      }),
      async run([x]) {
        const rows = x!.shape[0] ?? 0
        return [{ shape: [rows, p.outputs], data: await p.predict(x!.data, rows) }]
      },
      dispose: () => p.dispose(),
    }
  },
}

/** A TF.js LayersModel (model.json and weight shards) on the kiln backend. */
export const tfjsLoader: ModelLoader = {
  name: 'tfjs',
  claims: () => true,
  async load(files, key) {
    const read = async (name: string) => {
      const bytes = packedFile(files, name)
      if (!bytes) throw new Error(`no file ${name} in the model's files`)
      return bytes
    }
    const model = await tf.loadLayersModel(filesLoadHandler(read, key))
    return {
      // Shapes only: the main thread names the tensors (model/signature.ts), since TF.js'
      // names differ between two loads of one model.
      shapes: () => ({
        inputs: model.inputs.map((t) => ({ shape: dims(t.shape) })),
        outputs: model.outputs.map((t) => ({ shape: dims(t.shape) })),
        weightBytes: model.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1) * 4, 0),
      }),
      async run(inputs) {
        const outs = tf.tidy(() => {
          const xs = inputs.map((t) => tf.tensor(t.data, t.shape, 'float32'))
          const y = model.predict(xs.length === 1 ? xs[0]! : xs)
          return Array.isArray(y) ? y : [y]
        })
        try {
          // A copy: tfjs may hand back the backend's own storage, which must not be transferred away.
          return await Promise.all(
            outs.map(async (t) => ({ shape: t.shape, data: Float32Array.from((await t.data()) as Float32Array) })),
          )
        } finally {
          tf.dispose(outs)
        }
      },
      dispose: () => model.dispose(),
    }
  },
}

/** The loaders in the order they are asked; the first that claims the files loads them. */
export const MODEL_LOADERS: ModelLoader[] = [gbdtLoader, predictorLoader, tfjsLoader]

/** Loads `files` with the first loader that claims them. */
export function loadHeldModel(files: PackedFiles, key: string): Promise<HeldModel> {
  const loader = MODEL_LOADERS.find((l) => l.claims(files))!
  return loader.load(files, key)
}
