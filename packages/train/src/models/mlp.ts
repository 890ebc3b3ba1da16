import * as tf from '@tensorflow/tfjs'
import type { MlpModelSpec } from '../model-spec.js'
import type { ModelShape } from './shape.js'
import { LayerSeeds } from './seeds.js'

/**
 * The builtin MLP: flatten -> [dense(hidden[i]) [-> batchnorm] -> activation -> dropout?]*
 * -> dense(numClasses).
 */
export function buildMlp(spec: MlpModelSpec, shape: ModelShape, seed: number): tf.Sequential {
  const seeds = new LayerSeeds(seed)
  const model = tf.sequential({ name: 'mlp' })
  // tfjs' flatten needs samples of rank >= 2; flat samples only need the input declared.
  const inputShape = [...shape.sampleShape]
  model.add(inputShape.length > 1 ? tf.layers.flatten({ inputShape }) : tf.layers.inputLayer({ inputShape }))
  for (const units of spec.hidden) {
    // With batch norm the activation follows the normalisation, and the dense bias is
    // redundant (batch norm's beta does its job), as in the CNN.
    model.add(
      tf.layers.dense({
        units,
        activation: spec.batchNorm ? 'linear' : spec.activation,
        useBias: !spec.batchNorm,
        kernelInitializer: seeds.kernel(),
      }),
    )
    if (spec.batchNorm) {
      model.add(tf.layers.batchNormalization())
      model.add(tf.layers.activation({ activation: spec.activation }))
    }
    if (spec.dropout > 0) model.add(tf.layers.dropout({ rate: spec.dropout, seed: seeds.take() }))
  }
  model.add(
    tf.layers.dense({ units: shape.numClasses, activation: shape.outputActivation, kernelInitializer: seeds.kernel() }),
  )
  return model
}
