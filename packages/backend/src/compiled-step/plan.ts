// Reads a compiled tfjs-layers model into the native step's layer list, or says why it
// cannot be compiled (the step then runs kernel by kernel, as before). What compiles: a
// single-input, single-output chain of Dense (linear, relu, sigmoid, tanh, elu, softmax),
// Conv2D (NHWC, linear or relu), MaxPooling2D / AveragePooling2D, Dropout, Flatten and
// Reshape, every weight trainable, no regularizers or constraints, and the
// categoricalCrossentropy loss with at most the accuracy metric.
import { backend_util } from '@tensorflow/tfjs-core'
import { Activation, StepLayerOp, type StepLayer } from '@kiln/native'
import { convGeom } from '../kernels/conv.js'
import { poolGeom, poolInfo, simple } from '../kernels/pool.js'
import { headKind } from '../fused-head.js'

/** What the training-function patch sees of a tfjs LayersModel (internal fields). */
export interface ModelInternals {
  layers: LayerInternals[]
  inputs: { shape: (number | null)[] }[]
  outputs: unknown[]
  loss: unknown
  lossFunctions: unknown[]
  metricsTensors: [unknown, number][]
  collectedTrainableWeights: { val: unknown; trainable: boolean }[]
  optimizer_: unknown
}

interface LayerInternals {
  getClassName(): string
  getConfig(): Record<string, unknown>
  trainable: boolean
  inboundNodes: { inboundLayers: LayerInternals[] }[]
  inputSpec?: unknown
  input: { shape: (number | null)[] }
  output: { shape: (number | null)[] }
  weights: { val: unknown; trainable: boolean }[]
  activation?: { getClassName(): string }
  kernel?: { val: unknown }
  bias?: { val: unknown } | null
  useBias?: boolean
  rate?: number
  seed?: number
  noiseShape?: unknown
}

/** A dropout layer's mask: the same multiplier tf.dropout makes (seed undefined: fresh each step). */
export interface DropoutUse {
  rate: number
  seed: number | undefined
  size: number
}

export interface Plan {
  inputSize: number
  classes: number
  layers: StepLayer[]
  /** The tf.Variables behind each parameter index (collectedTrainableWeights order). */
  variables: unknown[]
  dropouts: DropoutUse[]
  accuracy: boolean
}

const DENSE_ACTS: Record<string, number> = {
  linear: Activation.Linear,
  relu: Activation.Relu,
  sigmoid: Activation.Sigmoid,
  tanh: Activation.Tanh,
  elu: Activation.Elu,
  softmax: Activation.Linear,
}
const SKIP = new Set(['InputLayer', 'Flatten', 'Reshape'])
const REGULARIZED = [
  'kernelRegularizer',
  'biasRegularizer',
  'activityRegularizer',
  'kernelConstraint',
  'biasConstraint',
]

const size = (shape: (number | null)[]) => shape.slice(1).reduce<number>((p, d) => p * (d ?? Number.NaN), 1)
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v as number, v as number])

class Refusal extends Error {}
const refuse = (why: string): never => {
  throw new Refusal(why)
}

/** The model as a native step, or the reason it runs kernel by kernel. */
export function planModel(model: ModelInternals): Plan | string {
  try {
    return plan(model)
  } catch (e) {
    if (e instanceof Refusal) return e.message
    throw e
  }
}

function plan(model: ModelInternals): Plan {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) refuse('more than one input or output')
  if (model.lossFunctions.length !== 1 || headKind(model.lossFunctions[0]) !== 'crossentropy')
    refuse(`loss ${JSON.stringify(model.loss)} (only categoricalCrossentropy compiles)`)
  if (model.metricsTensors.length > 1 || model.metricsTensors.some(([f]) => headKind(f) !== 'accuracy'))
    refuse('metrics other than accuracy')
  const variables = model.collectedTrainableWeights.map((w) => w.val)
  const index = (v: unknown, what: string) => {
    const i = variables.indexOf(v)
    if (i < 0) refuse(`${what} is not trainable`)
    return i
  }
  const out: Plan = {
    inputSize: size(model.inputs[0]!.shape),
    classes: 0,
    layers: [],
    variables,
    dropouts: [],
    accuracy: false,
  }
  out.accuracy = model.metricsTensors.length === 1
  let previous: LayerInternals | undefined
  let used = 0
  for (const layer of model.layers) {
    const name = layer.getClassName()
    if (previous && (layer.inboundNodes.length !== 1 || layer.inboundNodes[0]!.inboundLayers[0] !== previous))
      refuse(`${name} is not fed by the layer before it`)
    previous = layer
    if (layer.weights.some((w) => !w.trainable) || (!layer.trainable && layer.weights.length))
      refuse(`${name} has frozen weights`)
    const config = layer.getConfig()
    if (REGULARIZED.some((k) => config[k] != null)) refuse(`${name} has a regularizer or constraint`)
    if (SKIP.has(name)) continue
    const inSize = size(layer.input.shape)
    const outSize = size(layer.output.shape)
    const step: StepLayer = { op: StepLayerOp.Dense, inSize, outSize }
    if (name === 'Dense') {
      const act = layer.activation!.getClassName()
      if (layer.input.shape.length !== 2) refuse('Dense on an input of rank > 2')
      if (!(act in DENSE_ACTS)) refuse(`Dense activation ${act}`)
      Object.assign(step, { activation: DENSE_ACTS[act], softmax: act === 'softmax' })
      step.kernel = index(layer.kernel!.val, 'a kernel')
      if (layer.useBias) step.bias = index(layer.bias!.val, 'a bias')
      used += layer.useBias ? 2 : 1
    } else if (name === 'Conv2D') {
      const act = layer.activation!.getClassName()
      if (act !== 'linear' && act !== 'relu') refuse(`Conv2D activation ${act}`)
      if (config.dataFormat !== 'channelsLast') refuse('Conv2D in channelsFirst')
      const [, h, w, c] = layer.input.shape as number[]
      const [fh, fw] = pair(config.kernelSize)
      const info = backend_util.computeConv2DInfo(
        [1, h!, w!, c!],
        [fh, fw, c!, config.filters as number],
        pair(config.strides),
        pair(config.dilationRate),
        config.padding as 'same' | 'valid',
        undefined,
        false,
        'channelsLast',
      )
      Object.assign(step, { op: StepLayerOp.Conv2D, activation: DENSE_ACTS[act], geom: convGeom(info) })
      step.kernel = index(layer.kernel!.val, 'a kernel')
      if (layer.useBias) step.bias = index(layer.bias!.val, 'a bias')
      used += layer.useBias ? 2 : 1
    } else if (name === 'MaxPooling2D' || name === 'AveragePooling2D') {
      if (config.dataFormat !== 'channelsLast') refuse(`${name} in channelsFirst`)
      const info = poolInfo(
        layer.input.shape.map((d) => d ?? 1),
        {
          filterSize: pair(config.poolSize),
          strides: pair(config.strides ?? config.poolSize),
          pad: config.padding as 'same' | 'valid',
          dimRoundingMode: undefined,
        },
      )
      if (!simple(info)) refuse(`dilated ${name}`)
      Object.assign(step, {
        op: name === 'MaxPooling2D' ? StepLayerOp.MaxPool : StepLayerOp.AvgPool,
        geom: poolGeom(info),
      })
    } else if (name === 'Dropout') {
      if (layer.noiseShape != null) refuse('Dropout with a noiseShape')
      const rate = layer.rate!
      if (!(rate > 0 && rate < 1)) continue // tfjs passes the input through
      step.op = StepLayerOp.Dropout
      step.mask = out.dropouts.length
      out.dropouts.push({ rate, seed: layer.seed ?? undefined, size: inSize })
    } else refuse(`layer ${name}`)
    if (!Number.isInteger(inSize) || !Number.isInteger(outSize)) refuse(`${name} has an unknown size`)
    out.layers.push(step)
  }
  if (!out.layers.length) refuse('no layers to train')
  if (used !== variables.length) refuse('trainable weights outside the layers that compile')
  out.classes = out.layers[out.layers.length - 1]!.outSize
  return out
}
