import * as tf from '@tensorflow/tfjs'
import type { OptimizerSpec } from './spec-schema.js'

/** A tfjs optimizer for the spec's `optimizer:` section, with Keras' defaults for unset values. */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const lr = spec.learningRate
  switch (spec.name) {
    case 'sgd':
      return tf.train.sgd(lr)
    case 'momentum':
      return tf.train.momentum(lr, spec.momentum ?? 0.9)
    case 'adam':
      return tf.train.adam(lr, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon)
    case 'rmsprop':
      return tf.train.rmsprop(lr, spec.rho ?? 0.9, spec.momentum ?? 0, spec.epsilon)
  }
}
