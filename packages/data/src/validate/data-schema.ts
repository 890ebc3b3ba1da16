// What `kiln data validate --schema FILE` (and a pipeline's validate step) expects of a
// dataset: row counts, each feature's type, range, allowed values and missing rate, and the
// label's classes and balance.
import { z } from 'zod'
import { addExpected, between, expecting, oneOf, positiveInt, positiveNumber, strictObject } from '@kiln/protocol'

const share = between(0, 1, 'a share from 0 to 1')
const finite = () => z.number(expecting('a finite number')).finite()

const feature = strictObject(
  {
    /** number: numeric values; categorical: text categories; integer: whole numbers. */
    type: oneOf(['number', 'integer', 'categorical']).optional(),
    min: finite().optional(),
    max: finite().optional(),
    /** Allowed categories of a categorical feature. */
    values: z.array(z.string(), expecting('a list of category names')).optional(),
    /** Largest share of missing values (NaN, empty cells); default: the schema's maxMissing. */
    maxMissing: share.optional(),
  },
  'a mapping { type, min, max, values, maxMissing }',
  {
    check: (raw, ctx) => {
      if (typeof raw.min === 'number' && typeof raw.max === 'number' && raw.min > raw.max)
        addExpected(ctx, ['max'], `a number >= min (${raw.min})`)
    },
  },
)

const label = strictObject(
  {
    /** The classes allowed (names, or indices for datasets without class names). */
    classes: z
      .array(z.union([z.string(), z.number().int().nonnegative()]), expecting('a list of class names'))
      .optional(),
    /** Every class allowed must make up at least this share of the samples. */
    minShare: share.optional(),
    /** The most frequent class may be at most this many times the least frequent. */
    maxRatio: positiveNumber().optional(),
  },
  'a mapping { classes, minShare, maxRatio }',
)

/** The data schema file. */
export const dataSchemaSchema = strictObject(
  {
    rows: strictObject(
      { min: positiveInt().optional(), max: positiveInt().optional() },
      'a mapping { min, max }',
    ).optional(),
    /** By feature name (CSV header) or "feature N". */
    features: z.record(feature, expecting('a mapping of feature names to checks')).optional(),
    /** Whether features the schema does not name are allowed (default true). */
    allowOtherFeatures: z.boolean(expecting('true or false')).optional(),
    /** Default largest share of missing values for every feature (default: no limit). */
    maxMissing: share.optional(),
    label: label.optional(),
  },
  'a mapping (rows, features, allowOtherFeatures, maxMissing, label)',
)

/** A parsed data schema. */
export type DataSchema = z.output<typeof dataSchemaSchema>
