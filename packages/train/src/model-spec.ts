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

/** The builtin architectures. */
export const Builtin = { mlp: 'mlp', cnn: 'cnn' } as const
export type Builtin = (typeof Builtin)[keyof typeof Builtin]

const mlp = strictObject(
  {
    builtin: z.literal('mlp'),
    hidden: positiveIntList().default([128]),
    activation: oneOf(enumValues(Activation)).default('relu'),
    dropout: fraction().default(0),
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
export type ModelSpec = MlpModelSpec | CnnModelSpec | ScriptModelSpec

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
  return 'builtin' in model
}
