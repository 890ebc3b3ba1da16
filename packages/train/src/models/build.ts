import type * as tf from '@tensorflow/tfjs'
import type { CnnModelSpec, MlpModelSpec } from '../model-spec.js'
import type { LossName } from '../spec-schema.js'
import { buildCnn } from './cnn.js'
import { buildMlp } from './mlp.js'
import type { ModelShape } from './shape.js'

/** The output activation that suits a loss: sigmoid scores classes independently. */
export function outputActivationFor(loss: LossName): ModelShape['outputActivation'] {
  return loss === 'binaryCrossentropy' ? 'sigmoid' : 'softmax'
}

/** Builds (does not compile) a builtin model for data of the given shape; seeded, so reproducible. */
export function buildBuiltinModel(
  spec: MlpModelSpec | CnnModelSpec,
  data: { sampleShape: readonly number[]; numClasses: number },
  loss: LossName,
  seed: number,
): tf.Sequential {
  const shape: ModelShape = { ...data, outputActivation: outputActivationFor(loss) }
  return spec.builtin === 'mlp' ? buildMlp(spec, shape, seed) : buildCnn(spec, shape, seed)
}
