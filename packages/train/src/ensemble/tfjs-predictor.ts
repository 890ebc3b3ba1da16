// A TF.js LayersModel (model.json and its shards) as a Predictor: batches of rows through
// model.predict.
import * as tf from '@tensorflow/tfjs'
import { ModelFormatError } from '../errors.js'
import { loadLayersModelFiles } from '../load.js'
import { MODEL_JSON } from '../model-files.js'
import type { Predictor, PredictorKind } from './predictor.js'

const BATCH = 1024

/** Wraps a loaded LayersModel with one input and one [rows, outputs] output. */
export function tfjsPredictor(model: tf.LayersModel, where: string): Predictor {
  const input = model.inputs[0]?.shape ?? []
  const output = model.outputs[0]?.shape ?? []
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || output.length !== 2)
    throw new ModelFormatError(where, 'expected a model with one input and one [rows, outputs] output')
  const sampleShape = input.slice(1).map((d) => d ?? -1)
  if (sampleShape.some((d) => d < 1)) throw new ModelFormatError(where, 'expected a fixed input sample shape')
  const width = output[1] ?? 1
  const size = sampleShape.reduce((a, b) => a * b, 1)
  return {
    sampleShape,
    outputs: width,
    async predict(x, rows) {
      const out = new Float32Array(rows * width)
      for (let start = 0; start < rows; start += BATCH) {
        const n = Math.min(BATCH, rows - start)
        const y = tf.tidy(
          () =>
            model.predict(tf.tensor(x.subarray(start * size, (start + n) * size), [n, ...sampleShape])) as tf.Tensor,
        )
        const values = await y.data<'float32'>()
        y.dispose()
        out.set(values, start * width)
      }
      return out
    },
    dispose: () => model.dispose(),
  }
}

/** The TF.js kind: files with a model.json. */
export const tfjsKind: PredictorKind = async (files, where) => {
  if (!files.has(MODEL_JSON)) return undefined
  return tfjsPredictor(await loadLayersModelFiles(files, where), where)
}
