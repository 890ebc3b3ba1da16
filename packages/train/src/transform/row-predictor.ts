// Any registered model as rows in, rows of outputs out: a TF.js LayersModel (model.json)
// batch by batch on the kiln backend, or gradient-boosted trees (gbdt.json) natively. A
// transform shard scores its rows through this. (The ensemble branch's Predictor hook has
// the same shape; once it is on main this becomes its loadPredictor.)
import * as tf from '@tensorflow/tfjs'
import { ModelFormatError } from '../errors.js'
import { GBDT_JSON, parseGbdtModel } from '../gbdt/gbdt-model.js'
import { filesLoadHandler } from '../load.js'
import { MODEL_JSON } from '../model-files.js'

/** A loaded model that predicts batches of rows. */
export interface RowPredictor {
  /** The shape of one input sample. */
  readonly sampleShape: readonly number[]
  /** Columns per output row: one per class (probabilities), or 1 for regression. */
  readonly outputs: number
  /** Row-major predictions (rows × outputs) for `rows` samples of row-major features. */
  predict(x: Float32Array, rows: number): Promise<Float32Array>
  dispose(): void
}

function tfjsPredictor(model: tf.LayersModel, where: string): RowPredictor {
  const input = model.inputs[0]?.shape ?? []
  const output = model.outputs[0]?.shape ?? []
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || output.length !== 2)
    throw new ModelFormatError(where, 'expected a model with one input and one [rows, outputs] output')
  const sampleShape = input.slice(1).map((d) => d ?? -1)
  if (sampleShape.some((d) => d < 1)) throw new ModelFormatError(where, 'expected a fixed input sample shape')
  const width = output[1] ?? 1
  return {
    sampleShape,
    outputs: width,
    async predict(x, rows) {
      const y = tf.tidy(() => model.predict(tf.tensor(x, [rows, ...sampleShape], 'float32')) as tf.Tensor)
      try {
        // A copy: the backend may hand back its own storage.
        return Float32Array.from(await y.data<'float32'>())
      } finally {
        y.dispose()
      }
    },
    dispose: () => model.dispose(),
  }
}

/** Loads a model's files (model.json and shards, or gbdt.json); ModelFormatError for anything else. */
export async function loadRowPredictor(files: ReadonlyMap<string, Uint8Array>, where: string): Promise<RowPredictor> {
  const gbdt = files.get(GBDT_JSON)
  if (gbdt) {
    const model = parseGbdtModel(gbdt, `${where}/${GBDT_JSON}`)
    return {
      sampleShape: model.info.sampleShape,
      outputs: model.outputs,
      predict: (x, rows) => model.predictAsync(x.subarray(0, rows * model.info.numFeatures)),
      dispose: () => model.dispose(),
    }
  }
  if (!files.has(MODEL_JSON))
    throw new ModelFormatError(where, `expected ${MODEL_JSON} or ${GBDT_JSON} among the model's files`)
  const read = async (name: string) => {
    const bytes = files.get(name)
    if (!bytes) throw new ModelFormatError(where, `no ${name} among the model's files`)
    return bytes
  }
  return tfjsPredictor(await tf.loadLayersModel(filesLoadHandler(read, where)), where)
}
