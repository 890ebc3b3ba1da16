// The `preprocessing:` section of a job spec, and the steps file of `kiln data transform`:
// what to do to the features before a model sees them. Steps run in a fixed order (drop,
// impute, clip, one-hot, scale), each fitted on the training split only; `augment` changes
// training images only, freshly each epoch.
import { z } from 'zod'
import { addExpected, enumValues, expecting, oneOf, positiveInt, strictObject, uint32 } from '@kiln/protocol'

/** A feature by its CSV header name or its index in a sample. */
const column = z.union(
  [z.string().min(1), z.number().int().nonnegative()],
  expecting('a feature name (a CSV header) or index'),
)
const columns = z.array(column, expecting('a list of feature names or indices'))

/** How missing values (NaN, empty CSV cells) are filled, from the training split. */
export const ImputeStrategy = {
  mean: 'mean',
  median: 'median',
  mostFrequent: 'mostFrequent',
  constant: 'constant',
} as const
export type ImputeStrategy = (typeof ImputeStrategy)[keyof typeof ImputeStrategy]

const strategies = Object.values(ImputeStrategy) as [ImputeStrategy, ...ImputeStrategy[]]

// `scale: standard` is short for `scale: { method: standard }`. A bare word that is not one of
// the names is reported on the step itself (with a did-you-mean), not on a key nobody wrote.
function shortFor(key: string, names: readonly string[]) {
  return (raw: unknown, ctx: z.RefinementCtx) => {
    if (typeof raw !== 'string') return raw
    if (names.includes(raw)) return { [key]: raw }
    addExpected(ctx, [], `one of ${names.join(', ')}, or a mapping`, { candidates: names })
    return { [key]: names[0] }
  }
}

const impute = z.preprocess(
  shortFor('strategy', strategies),
  strictObject(
    {
      strategy: oneOf(strategies).default('mean'),
      /** The fill value of `constant`. */
      value: z.number(expecting('a finite number')).finite().optional(),
      columns: columns.optional(),
    },
    `a strategy (${strategies.join(', ')}) or a mapping { strategy, value, columns }`,
    {
      check: (raw, ctx) => {
        if (raw.strategy === 'constant' && raw.value === undefined)
          addExpected(ctx, ['value'], 'a fill value for strategy constant', { got: 'nothing' })
        if (raw.value !== undefined && raw.strategy !== undefined && raw.strategy !== 'constant')
          addExpected(ctx, ['value'], 'no value unless strategy is constant')
      },
    },
  ),
)

const clip = strictObject(
  {
    min: z.number(expecting('a finite number')).finite().optional(),
    max: z.number(expecting('a finite number')).finite().optional(),
    columns: columns.optional(),
  },
  'a mapping { min, max, columns }',
  {
    check: (raw, ctx) => {
      if (raw.min === undefined && raw.max === undefined)
        addExpected(ctx, [], 'a mapping with min, max or both', { got: JSON.stringify(raw) })
      else if (typeof raw.min === 'number' && typeof raw.max === 'number' && raw.min > raw.max)
        addExpected(ctx, ['max'], `a number >= min (${raw.min})`)
    },
  },
)

/** Standardize (mean 0, std 1) or min-max (onto [0, 1]). */
export const ScaleMethod = { standard: 'standard', minmax: 'minmax' } as const
export type ScaleMethod = (typeof ScaleMethod)[keyof typeof ScaleMethod]

const scale = z.preprocess(
  shortFor('method', enumValues(ScaleMethod)),
  strictObject(
    { method: oneOf(enumValues(ScaleMethod)), columns: columns.optional() },
    'standard, minmax, or a mapping { method, columns }',
  ),
)

const oneHot = z.union([z.literal('all'), columns], expecting('all, or a list of categorical feature names or indices'))

const augment = strictObject(
  {
    /** Mirror images at random (half of them): horizontal, vertical or both. */
    flip: oneOf(['horizontal', 'vertical', 'both']).optional(),
    /** Move images by up to this many pixels each way (empty pixels are 0). */
    shift: positiveInt().optional(),
    /** Cut a random square of this many pixels and stretch it back to the full size. */
    crop: positiveInt().optional(),
    /** Seeds the draws (with the epoch); default: training.seed. */
    seed: uint32().optional(),
  },
  'a mapping { flip, shift, crop, seed }',
  {
    check: (raw, ctx) => {
      if (!['flip', 'shift', 'crop'].some((k) => k in raw))
        addExpected(ctx, [], 'a mapping with flip, shift or crop', { got: JSON.stringify(raw) })
    },
  },
)

/** The preprocessing section: raw YAML/JSON in, typed steps out. */
export const preprocessingSchema = strictObject(
  {
    drop: columns.optional(),
    impute: impute.optional(),
    clip: clip.optional(),
    oneHot: oneHot.optional(),
    scale: scale.optional(),
    augment: augment.optional(),
  },
  'a mapping of steps (drop, impute, clip, oneHot, scale, augment)',
  {
    check: (raw, ctx) => {
      if (Object.keys(raw).length === 0)
        addExpected(ctx, [], 'at least one step (drop, impute, clip, oneHot, scale, augment)', { got: '{}' })
    },
  },
)

/** Parsed preprocessing steps. */
export type PreprocessingSpec = z.output<typeof preprocessingSchema>
/** A feature reference: a name or an index. */
export type ColumnRef = string | number
