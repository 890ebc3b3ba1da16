// What the store knows about an imported dataset without downloading it: `kiln data ls`
// shows these, jobs resolve a name to an id through them.
import { z } from 'zod'

// Feature moments are NaN for a feature whose every value is NaN; msgpack keeps NaN as is.
const num = z.union([z.number(), z.nan()])

const featureSummary = z.object({
  index: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  mean: num,
  std: num,
  min: num,
  max: num,
  edges: z.array(num),
  histogram: z.array(z.number().int().nonnegative()),
})

/** A dataset's record, as stored (msgpack) next to its data. */
export const DatasetRecordSchema = z
  .object({
    v: z.literal(1),
    /** sha256 hex of the encoded dataset: its address in the store and in worker caches. */
    id: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest'),
    name: z.string(),
    /** Where it was imported from, as the user named it (a registered name or a path). */
    source: z.string(),
    /** datasetFingerprint of the training set, as models record it. */
    fingerprint: z.string(),
    counts: z.object({ train: z.number().int().nonnegative(), test: z.number().int().nonnegative().optional() }),
    sampleShape: z.array(z.number().int().positive()),
    numClasses: z.number().int().positive(),
    classNames: z.array(z.string()).optional(),
    /** Size of the encoded dataset (what a worker downloads). */
    bytes: z.number().int().nonnegative(),
    /** featureStats of the training inputs, a few features only: enough to eyeball, small to list. */
    stats: z.object({
      count: z.number().int().nonnegative(),
      numFeatures: z.number().int().nonnegative(),
      bins: z.number().int().positive(),
      features: z.array(featureSummary),
    }),
    /** Features holding NaN or ±Infinity (the first 64 of them), with counts; absent when all are finite. */
    nonFinite: z
      .array(
        z.object({
          feature: z.number().int().nonnegative(),
          name: z.string(),
          nan: z.number().int().nonnegative(),
          inf: z.number().int().nonnegative(),
        }),
      )
      .optional(),
    /** Feature names (CSV headers), when the dataset has them. */
    featureNames: z.array(z.string()).optional(),
    /** Categorical features and their category names. */
    categories: z.array(z.object({ feature: z.number().int().nonnegative(), values: z.array(z.string()) })).optional(),
    /** A dataset made from another (kiln data transform): where from, and what was done. */
    lineage: z
      .object({
        /** The source dataset's id and name. */
        sourceId: z.string(),
        sourceName: z.string(),
        /** The steps as written, and their fitted statistics (a FittedPreprocessing). */
        steps: z.record(z.unknown()),
        fitted: z.record(z.unknown()),
      })
      .optional(),
    /** ms since the epoch. */
    importedAt: z.number().int().nonnegative(),
  })
  .describe('datasetRecord')

/** What the store knows about an imported dataset. */
export type DatasetRecord = z.infer<typeof DatasetRecordSchema>
