// The `model:` section: a builtin architecture (mlp, cnn) or a user's trial script.
import { z } from 'zod'
import {
  addExpected,
  addProblem,
  bool,
  enumValues,
  expecting,
  fraction,
  isRecord,
  oneOf,
  positiveInt,
  positiveIntList,
  positiveNumber,
  strictObject,
} from '@kiln/protocol'

/** Activations the builtin models accept (tfjs names). */
export const Activation = {
  relu: 'relu',
  elu: 'elu',
  selu: 'selu',
  gelu: 'gelu',
  swish: 'swish',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  softplus: 'softplus',
  linear: 'linear',
} as const
export type Activation = (typeof Activation)[keyof typeof Activation]

/** The builtin models: networks (mlp, cnn), tabular algorithms (gbdt, linear) and ensembles of stored models. */
export const Builtin = { mlp: 'mlp', cnn: 'cnn', gbdt: 'gbdt', linear: 'linear', ensemble: 'ensemble' } as const
export type Builtin = (typeof Builtin)[keyof typeof Builtin]

const mlp = strictObject(
  {
    builtin: z.literal('mlp'),
    hidden: positiveIntList().default([128]),
    activation: oneOf(enumValues(Activation)).default('relu'),
    dropout: fraction().default(0),
    /** Batch normalization between each hidden layer's dense and its activation. */
    batchNorm: bool().default(false),
  },
  'a mapping',
)

const cnn = strictObject(
  {
    builtin: z.literal('cnn'),
    filters: positiveIntList('a non-empty list of positive integers').nonempty().default([32, 64]),
    kernelSize: positiveInt().default(3),
    poolSize: positiveInt().default(2),
    dense: positiveIntList().default([128]),
    activation: oneOf(enumValues(Activation)).default('relu'),
    dropout: fraction().default(0),
    batchNorm: bool().default(false),
  },
  'a mapping',
)

/** What a tabular model predicts; auto: binary for two classes, multiclass for more. */
export const TabularObjective = {
  auto: 'auto',
  binary: 'binary',
  multiclass: 'multiclass',
  regression: 'regression',
} as const
export type TabularObjective = (typeof TabularObjective)[keyof typeof TabularObjective]

const intIn = (lo: number, hi: number) =>
  z
    .number(expecting(`an integer from ${lo} to ${hi}`))
    .int()
    .min(lo)
    .max(hi)
const share = () => z.number(expecting('a number above 0 and at most 1')).gt(0).max(1)
const nonNegative = () => z.number(expecting('a number >= 0')).min(0).finite()

// Histogram gradient-boosted trees (native). Reports training.epochs times, every
// trees / epochs boosting rounds: epochs are the unit of reports, checkpoints and schedulers.
const gbdt = strictObject(
  {
    builtin: z.literal('gbdt'),
    objective: oneOf(enumValues(TabularObjective)).default('auto'),
    /** Boosting rounds at most (one tree per round, one per class for multiclass). */
    trees: intIn(1, 100000).default(100),
    learningRate: positiveNumber().default(0.1),
    maxLeaves: intIn(2, 65536).default(31),
    /** 0: unlimited (leaf-wise growth is bounded by maxLeaves). */
    maxDepth: intIn(0, 1024).default(0),
    minSamplesLeaf: intIn(1, 1 << 30).default(20),
    l2: nonNegative().default(0),
    maxBins: intIn(2, 255).default(255),
    rowSubsample: share().default(1),
    colSubsample: share().default(1),
    /** Rounds without a validation improvement before stopping; 0: never. */
    earlyStopping: intIn(0, 1 << 30).default(10),
  },
  'a mapping',
)

// Logistic / softmax / linear regression on the kiln backend, with L1 and L2 penalties.
const linear = strictObject(
  {
    builtin: z.literal('linear'),
    objective: oneOf(enumValues(TabularObjective)).default('auto'),
    l1: nonNegative().default(0),
    l2: nonNegative().default(0),
    /** Standardize features with the training set's mean and std (kept in the model). */
    standardize: bool().default(true),
  },
  'a mapping',
)

// An ensemble of stored models (a sweep's trials, as `kiln autopilot` builds it): ensemble
// selection over their validation predictions keeps a weighted multiset of `members`.
const ensembleMember = strictObject(
  {
    /** The stored model object (a sweep trial's artifact in kiln_models). */
    artifact: z.string(expecting('a stored model object name, like "name/uuid"')).min(1).max(300),
    /** Names the member for people (the trial it came from). */
    label: z.string(expecting('a short label')).max(200).default(''),
    family: z.string(expecting('a model family name')).max(40).optional(),
  },
  'a mapping { artifact, label, family }',
)

const ensemble = strictObject(
  {
    builtin: z.literal('ensemble'),
    members: z.array(ensembleMember, expecting('a list of candidate models')).min(1).max(64),
    /** Rounds of greedy selection (each adds one candidate, with replacement). */
    rounds: positiveInt().max(1000).default(25),
    /** What selection minimizes on the validation split; auto: accuracy for classes, mse for regression. */
    metric: oneOf(['auto', 'accuracy', 'log_loss', 'mse']).default('auto'),
    /** Permutation importance of the features on the validation split (tables). */
    importance: bool().default(true),
    /**
     * After selection, train each chosen member again on training + validation rows, for as
     * long as it trained, keeping the selected weights (AutoGluon's refit_full).
     */
    refit: bool().default(false),
    /**
     * With refit: seconds, from the ensemble's start, that refitting may run to. Members are
     * refit heaviest first while their estimated time (from the speed they trained at) still
     * fits; the rest keep their selected model. Unset: no limit.
     */
    refitBudget: nonNegative().optional(),
  },
  'a mapping',
  { check: checkRefitBudget },
)

function checkRefitBudget(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (raw.refitBudget !== undefined && raw.refit !== true)
    addExpected(ctx, ['refitBudget'], 'no budget unless model.refit is true (it limits the refit)', {
      got: String(raw.refitBudget),
    })
}

const SCRIPT_PHRASE = 'a path to a .ts, .mts, .js or .mjs module (relative to the spec file)'
const script = strictObject(
  {
    script: z.string(expecting(SCRIPT_PHRASE)).regex(/\.(ts|mts|js|mjs)$/),
    params: z.record(z.unknown(), expecting('a mapping of parameters for the script')).default({}),
  },
  'a mapping',
)

export type MlpModelSpec = z.output<typeof mlp>
export type CnnModelSpec = z.output<typeof cnn>
export type ScriptModelSpec = z.output<typeof script>
export type GbdtModelSpec = z.output<typeof gbdt>
export type LinearModelSpec = z.output<typeof linear>
export type EnsembleModelSpec = z.output<typeof ensemble>
export type ModelSpec =
  | MlpModelSpec
  | CnnModelSpec
  | GbdtModelSpec
  | LinearModelSpec
  | EnsembleModelSpec
  | ScriptModelSpec

const MODEL_PHRASE =
  'a mapping with "builtin: mlp", "builtin: cnn", "builtin: gbdt", "builtin: linear" or "script: ./trial.ts"'

// Picking the variant by its tag first (rather than z.union) keeps the messages about the
// variant the user meant, instead of a list of how it failed to match each one.
function variantFor(raw: unknown, ctx: z.RefinementCtx): z.ZodTypeAny | undefined {
  if (!isRecord(raw)) return addExpected(ctx, [], MODEL_PHRASE), undefined
  if ('script' in raw && 'builtin' in raw) {
    return addProblem(ctx, ['script'], 'expected either "builtin" or "script", not both'), undefined
  }
  if ('script' in raw) return script
  if (!('builtin' in raw)) return addExpected(ctx, [], MODEL_PHRASE), undefined
  if (raw.builtin === 'mlp') return mlp
  if (raw.builtin === 'cnn') return cnn
  if (raw.builtin === 'gbdt') return gbdt
  if (raw.builtin === 'linear') return linear
  if (raw.builtin === 'ensemble') return ensemble
  const builtins = Object.values(Builtin)
  return addExpected(ctx, ['builtin'], `one of ${builtins.join(', ')}`, { candidates: builtins }), undefined
}

/** The `model:` schema. */
export const modelSpec = z.unknown().transform((raw, ctx): ModelSpec => {
  const variant = variantFor(raw, ctx)
  if (variant === undefined) return z.NEVER
  const parsed = variant.safeParse(raw)
  if (parsed.success) return parsed.data as ModelSpec
  // Re-raised relative to here, so the paths come out as model.<field>.
  for (const issue of parsed.error.issues) ctx.addIssue(issue as z.IssueData)
  return z.NEVER
})

/** Whether the model is built by Kiln (so its metric names are known in advance). */
export function isBuiltin(model: ModelSpec): model is MlpModelSpec | CnnModelSpec | GbdtModelSpec | LinearModelSpec {
  return 'builtin' in model && model.builtin !== 'ensemble'
}

/** Whether the model is one of the builtin networks (trained by tfjs' fit). */
export function isNetwork(model: ModelSpec): model is MlpModelSpec | CnnModelSpec {
  return 'builtin' in model && (model.builtin === 'mlp' || model.builtin === 'cnn')
}

/** Whether the model is a builtin tabular algorithm (gbdt, linear). */
export function isTabular(model: ModelSpec): model is GbdtModelSpec | LinearModelSpec {
  return 'builtin' in model && (model.builtin === 'gbdt' || model.builtin === 'linear')
}
