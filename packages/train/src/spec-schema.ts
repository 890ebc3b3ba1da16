// The job spec: one format for `kiln train` (local), `kiln submit` (cluster) and
// `kiln sweep` (whose `search.space` keys are dotted paths into this same object).
import { z } from 'zod'
import { preprocessingSchema } from '@kiln/data'
import { modelSpec } from './model-spec.js'
import {
  addExpected,
  bool,
  enumValues,
  expecting,
  fraction,
  isRecord,
  oneOf,
  positiveInt,
  positiveNumber,
  strictObject,
  uint32,
} from '@kiln/protocol'

/** The optimizers a spec can name (tfjs' tf.train.*). */
export const OptimizerName = { sgd: 'sgd', momentum: 'momentum', adam: 'adam', rmsprop: 'rmsprop' } as const
export type OptimizerName = (typeof OptimizerName)[keyof typeof OptimizerName]

/** The losses a spec can name (tfjs loss names). */
export const LossName = {
  categoricalCrossentropy: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  meanSquaredError: 'meanSquaredError',
  binaryCrossentropy: 'binaryCrossentropy',
} as const
export type LossName = (typeof LossName)[keyof typeof LossName]

/** The metrics a builtin model reports (Keras 2 names); script trials may report any. */
export const BUILTIN_METRICS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const

// Which optimizer reads which optional setting. Checked on the raw section so that a setting
// the chosen optimizer would silently ignore is an error, not a surprise.
const OPTIMIZER_SETTINGS: Record<string, readonly OptimizerName[]> = {
  momentum: ['momentum', 'rmsprop'],
  beta1: ['adam'],
  beta2: ['adam'],
  epsilon: ['adam', 'rmsprop'],
  rho: ['rmsprop'],
}

const optimizer = strictObject(
  {
    name: oneOf(enumValues(OptimizerName)).default('adam'),
    learningRate: positiveNumber().default(0.001),
    /** momentum: default 0.9 for `momentum`, 0 for `rmsprop`. */
    momentum: fraction().optional(),
    beta1: fraction().optional(),
    beta2: fraction().optional(),
    epsilon: positiveNumber().optional(),
    /** RMSProp's decay of the squared-gradient average; default 0.9. */
    rho: fraction().optional(),
  },
  'a mapping',
  {
    check: (raw, ctx) => {
      const name =
        typeof raw.name === 'string' && (enumValues(OptimizerName) as string[]).includes(raw.name)
          ? raw.name
          : raw.name === undefined
            ? 'adam'
            : undefined
      if (name === undefined) return
      for (const [key, users] of Object.entries(OPTIMIZER_SETTINGS)) {
        if (key in raw && !(users as readonly string[]).includes(name)) {
          addExpected(ctx, [key], `no ${key} for optimizer ${name} (only ${users.join(', ')} use it)`)
        }
      }
    },
  },
)

const training = strictObject(
  {
    epochs: positiveInt().default(10),
    batchSize: positiveInt().default(32),
    validationSplit: fraction().default(0.1),
    /** Held out for the final evaluation only when the dataset has no test set of its own. */
    testSplit: fraction().default(0.1),
    seed: uint32().default(42),
    /** Train on only the first N samples (quick runs, smoke tests). */
    limit: positiveInt().optional(),
    /**
     * The matrix products of a builtin mlp, cnn or linear model: fp32 (default), or bf16
     * mixed precision (bf16 inputs, fp32 accumulation, fp32 master weights) on the CPU.
     */
    precision: oneOf(['fp32', 'bf16']).optional(),
  },
  'a mapping',
)

const METRIC_NAME = 'a metric name like val_accuracy (letters, digits and _)'
const metric = strictObject(
  {
    name: z
      .string(expecting(METRIC_NAME))
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    mode: oneOf(['max', 'min']).optional(),
  },
  'a mapping',
)

const resources = strictObject(
  {
    gpu: bool().default(false),
    replicas: positiveInt().default(1),
    threads: positiveInt().optional(),
    /** Data-parallel trials (replicas > 1): gradients fused per all-reduce, in MB (default 25). */
    bucketMB: positiveNumber().optional(),
    /** Gradients on the wire: none (float32, default), fp16 or bf16 (half the bytes). */
    compression: oneOf(['none', 'fp16', 'bf16']).optional(),
    /** With fp16 / bf16: what rounding takes off a rank's gradients is added to its next step's (default false). */
    errorFeedback: bool().optional(),
    /** A step fails when a rank hears nothing from its peer for this many seconds (default 60). */
    stepTimeout: positiveNumber().optional(),
    /** A script trial's process is killed (and the trial failed, saying so) above this resident memory, in MB. */
    memoryMb: positiveInt().optional(),
    /** A script trial's process is killed (and the trial failed, saying so) after this many seconds. */
    timeout: positiveNumber().optional(),
  },
  'a mapping',
  { check: checkErrorFeedback },
)

// Tensor names a served model answers to (OIP `inputs[].name`), in the model's input and
// output order; unset ones are Kiln's (input, output; input_0, ... for several).
const TENSOR_NAME = 'a tensor name of 1-64 letters, digits, _ . and - (starting with a letter or _)'
const tensorNames = (kind: string) =>
  z
    .array(
      z.string(expecting(TENSOR_NAME)).regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/),
      expecting(`a list of ${kind} names`),
    )
    .min(1)
    .max(64)
    .superRefine((names, ctx) => {
      for (const [i, n] of names.entries())
        if (names.indexOf(n) !== i) addExpected(ctx, [i], `a name not used twice (${JSON.stringify(n)})`)
    })
const signature = strictObject(
  { inputs: tensorNames('input').optional(), outputs: tensorNames('output').optional() },
  'a mapping ({inputs: [names], outputs: [names]})',
)

const NAME_PHRASE = 'a name of 1-63 lowercase letters, digits and dashes, like "fashion-mlp"'

// Experiments group runs (`kiln runs --experiment`); tags label them for --where (tags.team).
const EXPERIMENT_PHRASE = 'an experiment name of 1-63 letters, digits, _ . and -, like "fashion-baselines"'
const tagValue = z.union(
  [z.string().max(256), z.number().finite(), z.boolean()],
  expecting('a string, number or true/false'),
)
const tags = z
  .record(
    z.string(expecting('a tag name')).regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, 'a tag name of letters, digits, _ and -'),
    tagValue,
    expecting('a mapping of tag names to strings, numbers or true/false, like { team: vision }'),
  )
  .refine((t) => Object.keys(t).length <= 32, 'at most 32 tags')

const fields = {
  name: z.string(expecting(NAME_PHRASE)).regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/),
  dataset: z.string(expecting('a dataset name like fashion-mnist, or a path')).min(1),
  /** Feature preparation fitted on the training split, saved with the model, applied by the gateway. */
  preprocessing: preprocessingSchema.optional(),
  model: modelSpec,
  optimizer: optimizer.default({}),
  loss: oneOf(enumValues(LossName)).default('categoricalCrossentropy'),
  training: training.default({}),
  metric: metric.default({}),
  resources: resources.default({}),
  /** Opaque here: `kiln sweep` validates it (algorithm, scheduler, space of dotted paths). */
  search: z.record(z.unknown(), expecting('a mapping (checked by kiln sweep)')).optional(),
  /** The experiment the run belongs to (default: the spec's name). */
  experiment: z
    .string(expecting(EXPERIMENT_PHRASE))
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/)
    .optional(),
  tags: tags.optional(),
  /** The names of the served model's tensors (default: input, output). */
  signature: signature.optional(),
  /** Free text kept with the run. */
  notes: z.string(expecting('free text of at most 4096 characters')).max(4096).optional(),
}

// Cross-field rule: a builtin model only produces the metrics in BUILTIN_METRICS, and no
// val_ ones without a validation split. Checked on raw values (when they are well-formed)
// so it is reported together with every other problem.
function checkMetric(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  checkSignature(raw, ctx)
  const model = raw.model
  if (!isRecord(model) || 'script' in model || !isRecord(raw.metric)) return
  const name = raw.metric.name
  if (typeof name !== 'string') return
  const split = isRecord(raw.training) ? raw.training.validationSplit : undefined
  const noValidation = split === 0
  const regression = model.objective === 'regression'
  const allowed = BUILTIN_METRICS.filter(
    (m) => !(noValidation && m.startsWith('val_')) && !(regression && m.endsWith('accuracy')),
  )
  if (!allowed.includes(name as never)) {
    const why = noValidation
      ? ' (training.validationSplit is 0, so there are no val_ metrics)'
      : regression
        ? ' (a regression model reports no accuracy)'
        : ''
    addExpected(ctx, ['metric', 'name'], `one of ${allowed.join(', ')}${why}`, { candidates: allowed })
  }
}

// A builtin model has one input and one output: a name for each at most. A script model's
// counts are known once it is built (trainLocal checks them then).
function checkSignature(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (!isRecord(raw.model) || 'script' in raw.model || !isRecord(raw.signature)) return
  for (const kind of ['inputs', 'outputs'] as const) {
    const names = raw.signature[kind]
    if (Array.isArray(names) && names.length > 1)
      addExpected(ctx, ['signature', kind], `one name (a builtin model has one ${kind.slice(0, -1)})`, {
        got: `${names.length} names`,
      })
  }
}

// Cross-field rule: bf16 products are the CPU kiln backend's (Dense and MatMul kernels of
// a builtin network or linear model); a script, a gbdt or a GPU trial would ignore them.
function checkPrecision(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (!isRecord(raw.training) || raw.training.precision !== 'bf16') return
  const model = raw.model
  const path = ['training', 'precision']
  if (isRecord(model) && ('script' in model || model.builtin === 'gbdt'))
    addExpected(ctx, path, 'fp32 for this model (bf16 applies to builtin mlp, cnn and linear models)', {
      got: '"bf16"',
    })
  else if (isRecord(raw.resources) && raw.resources.gpu === true)
    addExpected(ctx, path, 'fp32 with resources.gpu: true (bf16 runs on the CPU kernels)', { got: '"bf16"' })
}

// Cross-field rule: error feedback compensates 16-bit rounding; float32 has none to compensate.
function checkErrorFeedback(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (raw.errorFeedback === true && raw.compression !== 'fp16' && raw.compression !== 'bf16')
    addExpected(ctx, ['errorFeedback'], 'false unless compression is fp16 or bf16 (float32 gradients lose nothing)', {
      got: 'true',
    })
}

/** Lower is better for losses and errors, higher for everything else. */
function defaultMode(metricName: string): 'max' | 'min' {
  return /loss|error/i.test(metricName) ? 'min' : 'max'
}

/** The whole spec: raw YAML/JSON value in, typed and defaulted spec out. */
export const specSchema = strictObject(fields, 'a mapping of spec fields (name, dataset, model, ...)', {
  check: (raw, ctx) => {
    checkMetric(raw, ctx)
    checkPrecision(raw, ctx)
  },
}).transform((s) => {
  const regression = 'objective' in s.model && s.model.objective === 'regression'
  const metricName =
    s.metric.name ?? `${s.training.validationSplit > 0 ? 'val_' : ''}${regression ? 'loss' : 'accuracy'}`
  return { ...s, metric: { name: metricName, mode: s.metric.mode ?? defaultMode(metricName) } }
})

/** A parsed, defaulted job spec. */
export type Spec = z.output<typeof specSchema>
export type OptimizerSpec = Spec['optimizer']
export type TrainingSpec = Spec['training']
export type MetricSpec = Spec['metric']
export type ResourcesSpec = Spec['resources']
