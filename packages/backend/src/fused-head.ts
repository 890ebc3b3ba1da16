// The categorical-crossentropy loss and the categorical accuracy metric of compiled
// models, as one kiln kernel each. model.compile resolves 'categoricalCrossentropy' and
// 'accuracy' to tfjs-layers functions that run ~8 kernels (loss), ~25 (its gradient) and
// 4 (metric) per batch; after compile, those functions are wrapped so that on "kiln" they
// run KilnCategoricalCrossentropy / KilnCategoricalAccuracy and elsewhere (other
// backends, int targets) the original. model.loss, metricsNames and saved training
// configs keep tfjs's names.
import * as tf from '@tensorflow/tfjs'
import { registerGradient, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core'
import { BACKEND_NAME } from './kernels/native-kernel.js'
import {
  KILN_CATEGORICAL_ACCURACY,
  KILN_CATEGORICAL_CROSSENTROPY,
  KILN_CATEGORICAL_CROSSENTROPY_GRAD,
  type CrossentropyAttrs,
} from './kernels/categorical.js'

type Fn = (yTrue: Tensor, yPred: Tensor) => Tensor
interface Compiled {
  lossFunctions: Fn[]
  metricsTensors: [Fn, number][]
}
interface Originals {
  crossentropy: Fn
  accuracy: Fn
}

// The tfjs-layers functions compile picks, found by compiling a stand-in with no layers
// (nothing is created, nothing is named).
function originals(compile: (args: tf.ModelCompileArgs) => void): Originals {
  const probe = Object.create(tf.LayersModel.prototype) as Compiled & Record<string, unknown>
  Object.assign(probe, { outputs: [null], outputNames: ['probe'], internalOutputShapes: [[null, 2]] })
  Object.defineProperty(probe, 'trainableWeights', { value: [] })
  const optimizer = Object.create(tf.SGDOptimizer.prototype) as tf.Optimizer
  compile.call(probe, { optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  return { crossentropy: probe.lossFunctions[0]!, accuracy: probe.metricsTensors[0]![0] }
}

// Float32 or int32 labels and float32 predictions, [..., classes >= 1] of one shape, on
// kiln; anything else keeps tfjs's code.
const fits = (labels: Tensor, pred: Tensor) =>
  tf.getBackend() === BACKEND_NAME &&
  pred.dtype === 'float32' &&
  (labels.dtype === 'float32' || labels.dtype === 'int32') &&
  pred.rank >= 1 &&
  pred.shape[pred.rank - 1]! >= 1 &&
  labels.rank === pred.rank &&
  labels.shape.every((d, i) => d === pred.shape[i])

// The loss and metric functions compile left in place (wrapped or not), by what they
// compute: the compiled training step (compiled-step/plan.ts) recognizes the head here.
const heads = new WeakMap<object, 'crossentropy' | 'accuracy'>()

/** What a compiled model's loss or metric function computes, if it is the fused head's. */
export function headKind(fn: unknown): 'crossentropy' | 'accuracy' | undefined {
  return typeof fn === 'function' ? heads.get(fn) : undefined
}

function fusedCrossentropy(original: Fn): Fn {
  return (target, output) =>
    fits(target, output)
      ? (tf
          .engine()
          .runKernel(KILN_CATEGORICAL_CROSSENTROPY, { target, output }, { epsilon: tf.backend().epsilon() }) as Tensor)
      : original(target, output)
}

function fusedAccuracy(original: Fn): Fn {
  return (yTrue, yPred) =>
    fits(yTrue, yPred)
      ? (tf.engine().runKernel(KILN_CATEGORICAL_ACCURACY, { yTrue, yPred }) as Tensor)
      : original(yTrue, yPred)
}

// Methods rather than per-call closures (see DenseGrads in fused-dense.ts).
class CrossentropyGrads {
  constructor(
    private readonly dy: Tensor,
    private readonly saved: Tensor[],
    private readonly attrs: CrossentropyAttrs,
  ) {}
  output(): Tensor {
    const [target, output] = this.saved as [Tensor, Tensor]
    return tf
      .engine()
      .runKernel(
        KILN_CATEGORICAL_CROSSENTROPY_GRAD,
        { dy: this.dy, target, output },
        this.attrs as unknown as NamedAttrMap,
      ) as Tensor
  }

  // Only when the targets themselves are trained: -log(q) per class, scaled by dy.
  target(): Tensor {
    const [, output] = this.saved as [Tensor, Tensor]
    const { epsilon } = this.attrs
    return tf.tidy(() => {
      const q = tf.clipByValue(tf.div(output, tf.sum(output, -1, true)), epsilon, 1 - epsilon)
      return tf.mul(tf.neg(tf.expandDims(this.dy, -1)), tf.log(q))
    })
  }
}

function crossentropyGradient(dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): CrossentropyGrads {
  return new CrossentropyGrads(dy as Tensor, saved, attrs as unknown as CrossentropyAttrs)
}

function registerCrossentropyGradient(): void {
  registerGradient({
    kernelName: KILN_CATEGORICAL_CROSSENTROPY,
    inputsToSave: ['target', 'output'],
    gradFunc: crossentropyGradient as unknown as Parameters<typeof registerGradient>[0]['gradFunc'],
  })
}

let installed = false

/** Wraps compiled categoricalCrossentropy losses and categorical accuracy metrics for "kiln". */
export function installFusedHead(): void {
  if (installed) return
  installed = true
  registerCrossentropyGradient()
  const proto = tf.LayersModel.prototype as unknown as { compile(this: Compiled, args: tf.ModelCompileArgs): void }
  const compile = proto.compile
  let found: Originals | undefined
  proto.compile = function (this: Compiled, args) {
    compile.call(this, args)
    found ??= originals(compile as (args: tf.ModelCompileArgs) => void)
    const swap = (f: Fn) => {
      const kind = f === found!.crossentropy ? 'crossentropy' : f === found!.accuracy ? 'accuracy' : undefined
      if (!kind) return f
      const fused = kind === 'crossentropy' ? fusedCrossentropy(f) : fusedAccuracy(f)
      heads.set(fused, kind)
      return fused
    }
    this.lossFunctions = this.lossFunctions.map(swap)
    this.metricsTensors = this.metricsTensors.map(([f, i]) => [swap(f), i])
  }
}
