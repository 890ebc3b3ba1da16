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

/** The builtin models: architectures (mlp, cnn) and ensembles of stored models. */
export const Builtin = { mlp: 'mlp', cnn: 'cnn', ensemble: 'ensemble' } as const
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
  },
  'a mapping',
)

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
export type EnsembleModelSpec = z.output<typeof ensemble>
export type ModelSpec = MlpModelSpec | CnnModelSpec | EnsembleModelSpec | ScriptModelSpec

const MODEL_PHRASE = 'a mapping with "builtin: mlp", "builtin: cnn" or "script: ./trial.ts"'

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
export function isBuiltin(model: ModelSpec): model is MlpModelSpec | CnnModelSpec {
  return 'builtin' in model && model.builtin !== 'ensemble'
}
