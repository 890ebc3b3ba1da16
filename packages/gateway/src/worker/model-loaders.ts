// How an inference thread turns a version's files into something that runs batches. TF.js
// models (model.json) load here with their whole signature; every other format is a
// Predictor kind of @kiln/train (gbdt.json, ensemble.json), loaded by the one loader each
// kind has there. A new format that predicts rows joins MODEL_KINDS in @kiln/train (then
// transforms, ensembles and the gateway all take it); one that needs another signature adds
// its loader to MODEL_LOADERS.
import * as tf from '@tensorflow/tfjs'
import { MODEL_JSON, MODEL_KINDS, loadLayersModelFiles, loadPredictor } from '@kiln/train'
import type { LoadResult, WireTensor } from './messages.js'
import { unpackFiles, type PackedFiles } from './packed-files.js'

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

/**
 * Every kind @kiln/train loads as a Predictor (ensemble/model-kinds.ts: gradient-boosted
 * trees in gbdt.json, run natively with NaN as a missing feature; an ensemble of stored
 * models in ensemble.json): rows of the sample shape in, rows of outputs out.
 */
export const predictorLoader: ModelLoader = {
  name: 'predictor',
  claims: (files) => !files.names.includes(MODEL_JSON),
  async load(files, key) {
    const p = await loadPredictor(unpackFiles(files), key, MODEL_KINDS)
    return {
      shapes: () => ({
        inputs: [{ shape: [-1, ...p.sampleShape] }],
        outputs: [{ shape: [-1, p.outputs] }],
        weightBytes: files.buffer.byteLength,
        ...(p.acceptsMissing ? { acceptsMissing: true } : {}),
      }),
      async run([x]) {
        const rows = x!.shape[0] ?? 0
        return [{ shape: [rows, p.outputs], data: await p.predict(x!.data, rows) }]
      },
      dispose: () => p.dispose(),
    }
  },
}

/**
 * A TF.js LayersModel (model.json and weight shards) on the kiln backend, with any number of
 * inputs and outputs of any shape (a Predictor has one of each, [rows, outputs]).
 */
export const tfjsLoader: ModelLoader = {
  name: 'tfjs',
  claims: () => true,
  async load(files, key) {
    const model = await loadLayersModelFiles(unpackFiles(files), key)
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
export const MODEL_LOADERS: ModelLoader[] = [predictorLoader, tfjsLoader]

/** Loads `files` with the first loader that claims them. */
export function loadHeldModel(files: PackedFiles, key: string): Promise<HeldModel> {
  const loader = MODEL_LOADERS.find((l) => l.claims(files))!
  return loader.load(files, key)
}
