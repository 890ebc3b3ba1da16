import * as tf from '@tensorflow/tfjs'
import type { CnnModelSpec } from '../model-spec.js'
import { SpecError } from '../errors.js'
import type { ModelShape } from './shape.js'
import { LayerSeeds } from './seeds.js'

// Images arrive as [h, w] (grey, no channel axis) or [h, w, c]; convolutions need [h, w, c].
function imageShape(sampleShape: readonly number[]): [number, number, number] | undefined {
  if (sampleShape.length === 2) return [sampleShape[0]!, sampleShape[1]!, 1]
  if (sampleShape.length === 3) return [sampleShape[0]!, sampleShape[1]!, sampleShape[2]!]
  return undefined
}

/**
 * The builtin CNN: per entry of `filters`, conv(kernelSize, same) [-> batchnorm] -> activation
 * -> maxpool(poolSize); then flatten -> [dense -> dropout?]* -> dense(numClasses).
 * Defaults give conv32 -> pool -> conv64 -> pool -> dense128 -> dense(numClasses).
 */
export function buildCnn(spec: CnnModelSpec, shape: ModelShape, seed: number): tf.Sequential {
  const image = imageShape(shape.sampleShape)
  if (image === undefined) {
    throw new SpecError('spec', [
      {
        field: 'model.builtin',
        message: `model.builtin: expected a dataset of images ([height, width] or [height, width, channels] samples) for cnn, got samples of shape [${shape.sampleShape.join(', ')}]; use builtin: mlp`,
      },
    ])
  }
  const seeds = new LayerSeeds(seed)
  const model = tf.sequential({ name: 'cnn' })
  // Only grey [h, w] samples need a channel axis added; [h, w, c] go straight in.
  let inputShape: number[] | undefined = [...shape.sampleShape]
  if (shape.sampleShape.length === 2) {
    model.add(tf.layers.reshape({ targetShape: image, inputShape }))
    inputShape = undefined
  }
  let [h, w] = image
  for (const filters of spec.filters) {
    model.add(
      tf.layers.conv2d({
        ...(inputShape ? { inputShape } : {}),
        filters,
        kernelSize: spec.kernelSize,
        padding: 'same',
        // With batch norm the activation comes after the normalisation, and the conv's bias is
        // redundant (batch norm's beta does its job).
        activation: spec.batchNorm ? 'linear' : spec.activation,
        useBias: !spec.batchNorm,
        kernelInitializer: seeds.kernel(),
      }),
    )
    inputShape = undefined
    if (spec.batchNorm) {
      model.add(tf.layers.batchNormalization())
      model.add(tf.layers.activation({ activation: spec.activation }))
    }
    // Pooling stops once the feature map is smaller than the window, so deep filter lists
    // still build on small images.
    if (h >= spec.poolSize && w >= spec.poolSize && spec.poolSize > 1) {
      model.add(tf.layers.maxPooling2d({ poolSize: spec.poolSize, strides: spec.poolSize }))
      h = Math.floor(h / spec.poolSize)
      w = Math.floor(w / spec.poolSize)
    }
  }
  model.add(tf.layers.flatten())
  for (const units of spec.dense) {
    model.add(tf.layers.dense({ units, activation: spec.activation, kernelInitializer: seeds.kernel() }))
    if (spec.dropout > 0) model.add(tf.layers.dropout({ rate: spec.dropout, seed: seeds.take() }))
  }
  model.add(
    tf.layers.dense({ units: shape.numClasses, activation: shape.outputActivation, kernelInitializer: seeds.kernel() }),
  )
  return model
}
