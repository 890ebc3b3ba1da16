// Dense layers as one KilnDense kernel on the kiln backend. While recording gradients
// tfjs-layers runs a relu/softmax Dense layer as MatMul + Add + activation, each kernel
// cloning its inputs for the backward pass, and the backward pass as ~10 more kernels;
// KilnDense saves x, the kernel and its output once and backprops with three kernels
// (KilnDenseBackprop and the two MatMuls, the input's only when something needs it).
// The math is tfjs's own, so other backends and every non-Dense path are untouched.
import * as tf from '@tensorflow/tfjs'
import { BatchMatMul, registerGradient, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core'
import { BACKEND_NAME } from './kernels/native-kernel.js'
import { DENSE_ACTIVATIONS, KILN_DENSE, KILN_DENSE_BACKPROP, type DenseActivation } from './kernels/dense.js'
import { layersClass } from './layers-class.js'

interface DenseLayer {
  kernel: { read(): Tensor }
  bias: { read(): Tensor } | null
  activation: { getClassName(): string }
  invokeCallHook(inputs: unknown, kwargs: unknown): void
}

type Call = (this: DenseLayer, inputs: Tensor | Tensor[], kwargs: unknown) => Tensor

const fusable = (name: string): name is DenseActivation => (DENSE_ACTIVATIONS as readonly string[]).includes(name)

// The input gradients as methods rather than closures: under tsx (esbuild keepNames)
// every named closure made per call costs an Object.defineProperty, and this runs for
// every Dense layer in every step.
class DenseGrads {
  constructor(
    private readonly dyAct: Tensor,
    private readonly saved: Tensor[],
    private readonly dBias: Tensor,
  ) {}
  x(): Tensor {
    return matMul(this.dyAct, this.saved[1]!, false, true)
  }
  kernel(): Tensor {
    return matMul(this.saved[0]!, this.dyAct, true, false)
  }
  bias(): Tensor {
    return this.dBias
  }
}

function matMul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  return tf.engine().runKernel(BatchMatMul, { a, b }, { transposeA, transposeB } as NamedAttrMap) as Tensor
}

function denseGradient(dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): DenseGrads {
  const [dyAct, dBias] = tf
    .engine()
    .runKernel(KILN_DENSE_BACKPROP, { dy: dy as Tensor, y: saved[2]! }, attrs) as Tensor[]
  return new DenseGrads(dyAct!, saved, dBias!)
}

function registerDenseGradient(): void {
  // saved: x, kernel, then the output y.
  registerGradient({
    kernelName: KILN_DENSE,
    inputsToSave: ['x', 'kernel'],
    outputsToSave: [true],
    gradFunc: denseGradient as unknown as Parameters<typeof registerGradient>[0]['gradFunc'],
  })
}

let installed = false

/** Routes rank-2 float32 Dense layers with a fusable activation to KilnDense on "kiln". */
export function installFusedDense(): void {
  if (installed) return
  const Dense = layersClass('Dense')
  if (!Dense) return
  installed = true
  registerDenseGradient()
  const proto = Dense.prototype as { call: Call }
  const original = proto.call
  proto.call = function (this: DenseLayer, inputs, kwargs) {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs
    const activation = this.activation?.getClassName()
    if (
      tf.getBackend() !== BACKEND_NAME ||
      !x ||
      x.rank !== 2 ||
      x.dtype !== 'float32' ||
      !activation ||
      !fusable(activation)
    )
      return original.call(this, inputs, kwargs)
    const kernel = this.kernel.read(),
      bias = this.bias?.read()
    if (kernel.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return original.call(this, inputs, kwargs)
    // One kernel and no temporaries: no tidy scope needed.
    this.invokeCallHook(inputs, kwargs)
    return tf.engine().runKernel(KILN_DENSE, bias ? { x, kernel, bias } : { x, kernel }, { activation }) as Tensor
  }
}
