import * as tf from '@tensorflow/tfjs'
import type { MlpModelSpec } from '../model-spec.js'
import type { ModelShape } from './shape.js'
import { LayerSeeds } from './seeds.js'

/** The builtin MLP: flatten -> [dense(hidden[i], activation) -> dropout?]* -> dense(numClasses). */
export function buildMlp(spec: MlpModelSpec, shape: ModelShape, seed: number): tf.Sequential {
  const seeds = new LayerSeeds(seed)
  const model = tf.sequential({ name: 'mlp' })
  // tfjs' flatten needs samples of rank >= 2; flat samples only need the input declared.
  const inputShape = [...shape.sampleShape]
  model.add(inputShape.length > 1 ? tf.layers.flatten({ inputShape }) : tf.layers.inputLayer({ inputShape }))
  for (const units of spec.hidden) {
    model.add(tf.layers.dense({ units, activation: spec.activation, kernelInitializer: seeds.kernel() }))
    if (spec.dropout > 0) model.add(tf.layers.dropout({ rate: spec.dropout, seed: seeds.take() }))
  }
  model.add(
    tf.layers.dense({ units: shape.numClasses, activation: shape.outputActivation, kernelInitializer: seeds.kernel() }),
  )
  return model
}
