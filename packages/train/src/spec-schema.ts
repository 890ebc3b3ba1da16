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
    /** A step fails when a rank hears nothing from its peer for this many seconds (default 60). */
    stepTimeout: positiveNumber().optional(),
    /** A script trial's process is killed (and the trial failed, saying so) above this resident memory, in MB. */
    memoryMb: positiveInt().optional(),
    /** A script trial's process is killed (and the trial failed, saying so) after this many seconds. */
    timeout: positiveNumber().optional(),
  },
  'a mapping',
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
  /** Free text kept with the run. */
  notes: z.string(expecting('free text of at most 4096 characters')).max(4096).optional(),
}

// Cross-field rule: a builtin model only produces the metrics in BUILTIN_METRICS, and no
// val_ ones without a validation split. Checked on raw values (when they are well-formed)
// so it is reported together with every other problem.
function checkMetric(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
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

/** Lower is better for losses and errors, higher for everything else. */
function defaultMode(metricName: string): 'max' | 'min' {
  return /loss|error/i.test(metricName) ? 'min' : 'max'
}

/** The whole spec: raw YAML/JSON value in, typed and defaulted spec out. */
export const specSchema = strictObject(fields, 'a mapping of spec fields (name, dataset, model, ...)', {
  check: checkMetric,
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
