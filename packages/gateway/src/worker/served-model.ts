// A model as an inference thread holds it: a TF.js LayersModel, or any other kind Kiln can
// load as a Predictor (gradient-boosted trees: gbdt.json; an ensemble of stored models:
// ensemble.json), behind one interface so batching, signatures and metrics do not care which.
import * as tf from '@tensorflow/tfjs'
import { MODEL_JSON, MODEL_KINDS, filesLoadHandler, loadPredictor, type Predictor } from '@kiln/train'
import { packedFile, type PackedFiles } from './packed-files.js'
import type { LoadResult, WireTensor } from './messages.js'

/** A loaded model: its tensor shapes (the main thread names them) and one batch at a time. */
export interface ServedModel {
  shapes(): LoadResult
  run(inputs: WireTensor[]): Promise<WireTensor[]>
  dispose(): void
}

const dims = (shape: readonly (number | null)[]) => shape.map((d) => (d === null ? -1 : d))

function tfjsModel(model: tf.LayersModel): ServedModel {
  return {
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
}

function predictorModel(p: Predictor, bytes: number): ServedModel {
  return {
    shapes: () => ({
      inputs: [{ shape: [-1, ...p.sampleShape] }],
      outputs: [{ shape: [-1, p.outputs] }],
      weightBytes: bytes,
    }),
    async run(inputs) {
      const x = inputs[0]!
      const rows = x.shape[0] ?? 0
      return [{ shape: [rows, p.outputs], data: await p.predict(x.data, rows) }]
    },
    dispose: () => p.dispose(),
  }
}

/** Loads a version's files: TF.js when there is a model.json, else a Predictor kind (gbdt, ensemble). */
export async function loadServedModel(key: string, files: PackedFiles): Promise<ServedModel> {
  const read = async (name: string) => {
    const bytes = packedFile(files, name)
    if (!bytes) throw new Error(`no file ${name} in the model's files`)
    return bytes
  }
  if (files.names.includes(MODEL_JSON)) return tfjsModel(await tf.loadLayersModel(filesLoadHandler(read, key)))
  const map = new Map(files.names.map((name) => [name, packedFile(files, name)!]))
  return predictorModel(await loadPredictor(map, key, MODEL_KINDS), files.buffer.byteLength)
}
