import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ErrorCode, fromWire, toWire } from '@kiln/protocol'
import {
  applyOverrides,
  parseOverride,
  parseSpec,
  SpecError,
  specSignature,
  validateSpec,
  type Spec,
} from '@kiln/train'

const BASE = `name: fashion-mlp
dataset: fashion-mnist
model: { builtin: mlp, hidden: [256, 128], activation: relu }
`

/** The problem lines of a spec that must fail. */
function problems(text: string, filename = 'job.yaml'): string[] {
  try {
    parseSpec(text, { filename })
  } catch (err) {
    assert.instance(err, SpecError)
    return (err as SpecError).problems.map((p) => p.message)
  }
  assert.unreachable(`expected a SpecError for:\n${text}`)
  return []
}

/** Replaces or adds top-level lines of BASE. */
function withBase(extra: string): string {
  return BASE + extra
}

const parse = suite('train - spec parsing')

parse('a minimal spec gets every default', () => {
  const spec = parseSpec(BASE, { filename: 'job.yaml' })
  assert.equal(spec, {
    name: 'fashion-mlp',
    dataset: 'fashion-mnist',
    model: { builtin: 'mlp', hidden: [256, 128], activation: 'relu', dropout: 0, batchNorm: false },
    optimizer: { name: 'adam', learningRate: 0.001 },
    loss: 'categoricalCrossentropy',
    training: { epochs: 10, batchSize: 32, validationSplit: 0.1, testSplit: 0.1, seed: 42 },
    metric: { name: 'val_accuracy', mode: 'max' },
    resources: { gpu: false, replicas: 1 },
  })
})

parse('JSON specs parse the same as YAML', () => {
  const yaml = parseSpec(BASE)
  const json = parseSpec(
    JSON.stringify({
      name: 'fashion-mlp',
      dataset: 'fashion-mnist',
      model: { builtin: 'mlp', hidden: [256, 128], activation: 'relu' },
    }),
    { filename: 'job.json' },
  )
  assert.equal(json, yaml)
})

parse('a CNN, a script model and a search section', () => {
  const cnn = parseSpec(`name: c\ndataset: d\nmodel: { builtin: cnn }\n`)
  assert.equal(cnn.model, {
    builtin: 'cnn',
    filters: [32, 64],
    kernelSize: 3,
    poolSize: 2,
    dense: [128],
    activation: 'relu',
    dropout: 0,
    batchNorm: false,
  })
  const script = parseSpec(
    `name: s\ndataset: ./data/x.npy\nmodel: { script: ./trial.ts, params: { units: 64 } }\nmetric: { name: val_loss }\n`,
  )
  assert.equal(script.model, { script: './trial.ts', params: { units: 64 } })
  assert.equal(script.metric, { name: 'val_loss', mode: 'min' }, 'a loss is minimised unless said otherwise')
  const sweep = parseSpec(
    withBase('search:\n  algorithm: tpe\n  space:\n    optimizer.learningRate: { loguniform: [1.0e-4, 1.0e-2] }\n'),
  )
  assert.equal(
    sweep.search,
    { algorithm: 'tpe', space: { 'optimizer.learningRate': { loguniform: [1e-4, 1e-2] } } },
    'search is kept as written for kiln sweep',
  )
})

parse('without a validation split the default metric is accuracy', () => {
  const spec = parseSpec(withBase('training: { validationSplit: 0 }\n'))
  assert.equal(spec.metric, { name: 'accuracy', mode: 'max' })
})

const bad = suite('train - malformed specs name the field and what was expected')

bad('a negative batch size', () => {
  assert.equal(problems(withBase('training: { batchSize: -3 }\n')), [
    'training.batchSize: expected a positive integer, got -3',
  ])
})

bad('a fractional epoch count and a seed out of range', () => {
  assert.equal(problems(withBase('training: { epochs: 2.5, seed: -1 }\n')), [
    'training.epochs: expected a positive integer, got 2.5',
    'training.seed: expected an integer from 0 to 4294967295, got -1',
  ])
})

bad('training.precision: fp32 or bf16, and bf16 only where the CPU kernels train a builtin network', () => {
  assert.equal(parseSpec(withBase('training: { precision: bf16 }\n')).training.precision, 'bf16')
  assert.equal(parseSpec(withBase('training: { precision: fp32 }\n')).training.precision, 'fp32')
  assert.equal(problems(withBase('training: { precision: fp16 }\n')), [
    'training.precision: expected one of fp32, bf16, got "fp16"',
  ])
  const script = 'name: s\ndataset: d\nmodel: { script: ./trial.ts }\ntraining: { precision: bf16 }\n'
  assert.equal(problems(script), [
    'training.precision: expected fp32 for this model (bf16 applies to builtin mlp, cnn and linear models), got "bf16"',
  ])
  assert.equal(problems(withBase('training: { precision: bf16 }\nresources: { gpu: true }\n')), [
    'training.precision: expected fp32 with resources.gpu: true (bf16 runs on the CPU kernels), got "bf16"',
  ])
})

bad('a missing name and a bad name', () => {
  assert.equal(problems('dataset: d\nmodel: { builtin: mlp }\n'), [
    'name: expected a name of 1-63 lowercase letters, digits and dashes, like "fashion-mlp", got nothing',
  ])
  assert.equal(problems('name: Fashion_MLP\ndataset: d\nmodel: { builtin: mlp }\n'), [
    'name: expected a name of 1-63 lowercase letters, digits and dashes, like "fashion-mlp", got "Fashion_MLP"',
  ])
})

bad('an unknown key gets a did-you-mean', () => {
  assert.equal(problems(withBase('training: { epoch: 3 }\n')), ['training.epoch: unknown key (did you mean "epochs"?)'])
  assert.equal(problems(withBase('optimizer: { learningrate: 0.01 }\n')), [
    'optimizer.learningrate: unknown key (did you mean "learningRate"?)',
  ])
  assert.equal(problems(withBase('trainig: {}\n')), ['trainig: unknown key (did you mean "training"?)'])
})

bad('an unknown key with no near match lists the known ones', () => {
  assert.equal(problems(withBase('colour: blue\n')), [
    'colour: unknown key (known keys: name, dataset, preprocessing, model, optimizer, loss, training, metric, resources, search, experiment, tags, signature, notes)',
  ])
})

bad('tensor names: well-formed, not used twice, one each for a builtin model', () => {
  assert.equal(parseSpec(withBase('signature: { inputs: [pixels], outputs: [class_scores] }\n')).signature, {
    inputs: ['pixels'],
    outputs: ['class_scores'],
  })
  assert.equal(problems(withBase('signature: { inputs: ["9 lives"], output: [y] }\n')), [
    'signature.inputs[0]: expected a tensor name of 1-64 letters, digits, _ . and - (starting with a letter or _), got "9 lives"',
    'signature.output: unknown key (did you mean "outputs"?)',
  ])
  assert.equal(problems(withBase('signature: { inputs: [a, b] }\n')), [
    'signature.inputs: expected one name (a builtin model has one input), got 2 names',
  ])
  assert.equal(problems(`name: s\ndataset: d\nmodel: { script: ./t.ts }\nsignature: { outputs: [y, z, y] }\n`), [
    'signature.outputs[2]: expected a name not used twice ("y"), got "y"',
  ])
})

bad('a script model with another number of tensors than the spec names is refused once built', () => {
  const two = [{ shape: [null, 2] }, { shape: [null, 3] }]
  const one = [{ shape: [null, 1] }]
  assert.throws(
    () => specSignature({ signature: { inputs: ['a'] } }, two, one),
    (e: Error) =>
      e instanceof SpecError && /signature\.inputs: expected 2 names \(the model has 2 inputs\), got 1/.test(e.message),
  )
  assert.equal(
    specSignature({ signature: { inputs: ['a', 'b'] } }, two, one).inputs.map((t) => t.name),
    ['a', 'b'],
  )
})

bad('a wrong enum value suggests the closest', () => {
  assert.equal(problems(withBase('optimizer: { name: adm }\n')), [
    'optimizer.name: expected one of sgd, momentum, adam, rmsprop, got "adm" (did you mean "adam"?)',
  ])
  assert.equal(problems(withBase('loss: crossentropy\n')), [
    'loss: expected one of categoricalCrossentropy, sparseCategoricalCrossentropy, meanSquaredError, binaryCrossentropy, got "crossentropy"',
  ])
})

bad('model problems are about the variant meant', () => {
  assert.equal(problems('name: a\ndataset: d\nmodel: { builtin: mpl }\n'), [
    'model.builtin: expected one of mlp, cnn, gbdt, linear, ensemble, got "mpl" (did you mean "mlp"?)',
  ])
  assert.equal(problems('name: a\ndataset: d\nmodel: { builtin: mlp, hidden: [256, -1], activation: rleu }\n'), [
    'model.hidden[1]: expected a positive integer, got -1',
    'model.activation: expected one of relu, elu, selu, gelu, swish, tanh, sigmoid, softplus, linear, got "rleu" (did you mean "relu"?)',
  ])
  assert.equal(problems('name: a\ndataset: d\nmodel: { builtin: cnn, filters: [], batchNorm: yes }\n'), [
    'model.filters: expected a non-empty list of positive integers, got []',
    'model.batchNorm: expected true or false, got "yes"',
  ])
  assert.equal(problems('name: a\ndataset: d\nmodel: { script: ./trial.py }\n'), [
    'model.script: expected a path to a .ts, .mts, .js or .mjs module (relative to the spec file), got "./trial.py"',
  ])
  assert.equal(problems('name: a\ndataset: d\nmodel: mlp\n'), [
    'model: expected a mapping with "builtin: mlp", "builtin: cnn", "builtin: gbdt", "builtin: linear" or "script: ./trial.ts", got "mlp"',
  ])
})

bad('fractions must lie in [0, 1)', () => {
  assert.equal(problems(withBase('training: { validationSplit: 1 }\n')), [
    'training.validationSplit: expected a number from 0 up to (not including) 1, got 1',
  ])
})

bad('the learning rate must be a positive number', () => {
  assert.equal(problems(withBase('optimizer: { learningRate: 0 }\n')), [
    'optimizer.learningRate: expected a positive number, got 0',
  ])
  assert.equal(problems(withBase('optimizer: { learningRate: fast }\n')), [
    'optimizer.learningRate: expected a positive number, got "fast"',
  ])
})

bad('a setting the chosen optimizer ignores is an error', () => {
  assert.equal(problems(withBase('optimizer: { name: adam, momentum: 0.9 }\n')), [
    'optimizer.momentum: expected no momentum for optimizer adam (only momentum, rmsprop use it), got 0.9',
  ])
})

bad('a builtin model only has its own metrics', () => {
  assert.equal(problems(withBase('metric: { name: f1 }\n')), [
    'metric.name: expected one of loss, accuracy, val_loss, val_accuracy, got "f1"',
  ])
  assert.equal(
    problems(withBase('training: { validationSplit: 0 }\nmetric: { name: val_accuracy, mode: biggest }\n')),
    [
      'metric.name: expected one of loss, accuracy (training.validationSplit is 0, so there are no val_ metrics), got "val_accuracy" (did you mean "accuracy"?)',
      'metric.mode: expected one of max, min, got "biggest"',
    ],
  )
})

bad('resources: replicas at least 1, gpu a boolean', () => {
  assert.equal(problems(withBase('resources: { gpu: 1, replicas: 0, threads: -2 }\n')), [
    'resources.gpu: expected true or false, got 1',
    'resources.replicas: expected a positive integer, got 0',
    'resources.threads: expected a positive integer, got -2',
  ])
})

bad('search must be a mapping (its insides are for kiln sweep)', () => {
  assert.equal(problems(withBase('search: [1, 2]\n')), [
    'search: expected a mapping (checked by kiln sweep), got [1,2]',
  ])
})

bad('every problem is listed at once, in document order', () => {
  const got = problems(`name: a
dataset: 7
model: { builtin: mlp, hidden: [0] }
optimizer: { name: sgd, learningRate: -1 }
training: { epochs: 0, batchSize: -3 }
resources: { replicas: 0 }
extra: true
`)
  assert.equal(got, [
    'dataset: expected a dataset name like fashion-mnist, or a path, got 7',
    'model.hidden[0]: expected a positive integer, got 0',
    'optimizer.learningRate: expected a positive number, got -1',
    'training.epochs: expected a positive integer, got 0',
    'training.batchSize: expected a positive integer, got -3',
    'resources.replicas: expected a positive integer, got 0',
    'extra: unknown key (known keys: name, dataset, preprocessing, model, optimizer, loss, training, metric, resources, search, experiment, tags, signature, notes)',
  ])
})

bad('not a mapping, empty, broken YAML, broken JSON', () => {
  assert.equal(problems('- 1\n- 2\n'), [
    'spec: expected a mapping of spec fields (name, dataset, model, ...), got [1,2]',
  ])
  assert.equal(problems(''), ['spec: expected a mapping of spec fields (name, dataset, model, ...), got null'])
  const yaml = problems('name: a\nname: b\n')
  assert.is(yaml.length, 1)
  assert.match(yaml[0]!, /^not valid YAML: Map keys must be unique at line 2, column 1/)
  const json = problems('{"name": ', 'job.json')
  assert.match(json[0]!, /^not valid JSON: /)
})

bad('the error names the file, counts the problems and survives the wire', () => {
  let caught: unknown
  try {
    parseSpec(withBase('training: { batchSize: -3, epochs: 0 }\n'), { filename: 'examples/job.yaml' })
  } catch (err) {
    caught = err
  }
  assert.instance(caught, SpecError)
  const err = caught as SpecError
  assert.is(err.code, ErrorCode.invalidArgument)
  assert.is(
    err.message,
    'examples/job.yaml: invalid job spec (2 problems):\n  - training.batchSize: expected a positive integer, got -3\n  - training.epochs: expected a positive integer, got 0',
  )
  const back = fromWire(toWire(err))
  assert.is(back.name, 'SpecError')
  assert.equal(back.data?.problems, err.problems)
})

const overrides = suite('train - spec overrides')

overrides('--set style overrides apply by dotted path and are validated again', () => {
  const spec = parseSpec(BASE)
  const out = applyOverrides(spec, { 'training.epochs': 2, 'model.hidden': [64], 'optimizer.learningRate': 3e-4 })
  assert.is(out.training.epochs, 2)
  assert.equal(out.model, { builtin: 'mlp', hidden: [64], activation: 'relu', dropout: 0, batchNorm: false })
  assert.is(out.optimizer.learningRate, 3e-4)
  assert.is(spec.training.epochs, 10, 'the input spec is unchanged')
})

overrides('an override into a missing optional section creates it', () => {
  const spec = parseSpec(BASE)
  const out = applyOverrides(spec, { 'resources.threads': 2 })
  assert.is(out.resources.threads, 2)
})

overrides('bad overrides list every problem, with the same field messages', () => {
  const spec: Spec = parseSpec(BASE)
  try {
    applyOverrides(
      spec,
      { 'training.epoch': 2, 'training.batchSize': 0, 'name.first': 'x', 'optimizer..name': 'sgd' },
      'job.yaml with --set',
    )
    assert.unreachable('should have thrown')
  } catch (err) {
    assert.instance(err, SpecError)
    assert.equal(
      (err as SpecError).problems.map((p) => p.message),
      [
        'name.first: cannot set inside name, which is not a mapping',
        'optimizer..name: expected a dotted path like training.epochs',
        'training.batchSize: expected a positive integer, got 0',
        'training.epoch: unknown key (did you mean "epochs"?)',
      ],
    )
    assert.match((err as SpecError).message, /^job\.yaml with --set: invalid job spec \(4 problems\)/)
  }
  assert.is(spec.training.batchSize, 32, 'the input spec is unchanged after a failure')
})

overrides('parseOverride reads values as YAML', () => {
  assert.equal(parseOverride('training.epochs=2'), ['training.epochs', 2])
  assert.equal(parseOverride('optimizer.learningRate=1e-3'), ['optimizer.learningRate', 0.001])
  assert.equal(parseOverride('model.hidden=[64, 32]'), ['model.hidden', [64, 32]])
  assert.equal(parseOverride('resources.gpu=true'), ['resources.gpu', true])
  assert.equal(parseOverride('name=my-run'), ['name', 'my-run'])
  assert.equal(parseOverride('dataset=a=b.csv'), ['dataset', 'a=b.csv'])
  assert.throws(() => parseOverride('training.epochs'), /--set: expected key=value, like training.epochs=2/)
})

overrides('validateSpec checks values that did not come from text', () => {
  assert.throws(
    () =>
      validateSpec({ name: 'a', dataset: 'd', model: { builtin: 'mlp' }, training: { epochs: Infinity } }, 'message'),
    /training\.epochs: expected a positive integer, got Infinity/,
  )
})

parse.run()
bad.run()
overrides.run()
