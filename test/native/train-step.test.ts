// The native compiled-step API's own checks (the numbers are compared with the per-kernel
// path in test/backend/compiled-step.test.ts): a bad spec or step argument is refused
// with an error naming the field, and a valid step updates its parameters in place.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Activation, StepLayerOp, StepOptimizer, trainStep, trainStepCreate, type StepSpec } from '@kiln/native'

const test = suite('native - train step')

// 4 inputs -> dense 8 relu -> dropout -> dense 2 softmax, SGD.
const spec = (over: Partial<StepSpec> = {}): StepSpec => ({
  inputSize: 4,
  layers: [
    { op: StepLayerOp.Dense, inSize: 4, outSize: 8, activation: Activation.Relu, kernel: 0, bias: 1 },
    { op: StepLayerOp.Dropout, inSize: 8, outSize: 8, mask: 0 },
    { op: StepLayerOp.Dense, inSize: 8, outSize: 2, softmax: true, kernel: 2, bias: 3 },
  ],
  epsilon: 1e-7,
  accuracy: true,
  optimizer: StepOptimizer.Sgd,
  paramSizes: [32, 8, 16, 2],
  ...over,
})

function args(batch = 3) {
  const params = [32, 8, 16, 2].map((n) => Float32Array.from({ length: n }, (_, i) => ((i * 7) % 5) / 10 - 0.2))
  return {
    x: Float32Array.from({ length: batch * 4 }, (_, i) => (i % 3) - 1),
    y: Float32Array.from({ length: batch * 2 }, (_, i) => (i % 2 === (i >> 1) % 2 ? 1 : 0)),
    batch,
    params,
    slots: [] as Float32Array[],
    masks: [new Float32Array(batch * 8).fill(2)],
    hyper: Float64Array.of(0.1),
    out: new Float32Array(2),
  }
}

test('a step updates the parameters in place and reports loss and accuracy', () => {
  const step = trainStepCreate(spec())
  const a = args()
  const before = a.params.map((p) => p.slice())
  trainStep(step, a)
  assert.ok(
    a.params.some((p, i) => p.some((v, j) => v !== before[i]![j])),
    'parameters changed',
  )
  assert.ok(a.out[0]! > 0 && Number.isFinite(a.out[0]!), `loss ${a.out[0]}`)
  assert.ok(a.out[1]! >= 0 && a.out[1]! <= 1, `accuracy ${a.out[1]}`)
  // A different batch size reuses the step (buffers grow).
  trainStep(step, args(7))
})

test('a bad spec names the layer and field', () => {
  assert.throws(() => trainStepCreate(spec({ paramSizes: [32, 8, 16] })), /layers\[2\]: bias must index a parameter/)
  assert.throws(
    () => trainStepCreate(spec({ paramSizes: [31, 8, 16, 2] })),
    /layers\[0\]: kernel has 31 values, expected 32/,
  )
  assert.throws(() => trainStepCreate(spec({ inputSize: 5 })), /layers\[0\]: inSize 4 differs/)
  assert.throws(() => trainStepCreate(spec({ epsilon: 0 })), /epsilon must be in/)
  const twoMasks = spec()
  twoMasks.layers[1]!.mask = 1
  assert.throws(() => trainStepCreate(twoMasks), /masks must be numbered 0..M-1/)
})

test('bad step arguments name the argument and change nothing', () => {
  const step = trainStepCreate(spec())
  const a = args()
  const before = a.params.map((p) => p.slice())
  assert.throws(
    () => trainStep(step, { ...a, x: new Float32Array(11) }),
    /x has 11 values, expected batch x inputSize = 12/,
  )
  assert.throws(() => trainStep(step, { ...a, params: a.params.slice(0, 3) }), /params must hold 4 arrays/)
  assert.throws(
    () => trainStep(step, { ...a, params: [a.params[0]!, new Float32Array(7), a.params[2]!, a.params[3]!] }),
    /params\[1\] has 7 values, expected 8/,
  )
  assert.throws(() => trainStep(step, { ...a, masks: [new Float32Array(8)] }), /masks\[0\] has 8 values, expected 24/)
  assert.throws(() => trainStep(step, { ...a, hyper: Float64Array.of(0.1, 0.9) }), /hyper must hold 1 values/)
  assert.throws(() => trainStep({} as never, a), /step must be a handle from trainStepCreate/)
  assert.equal(a.params, before)
})

test.run()
