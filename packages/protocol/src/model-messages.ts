// The model registry: one record per published model version, kept in kiln_model_versions
// under the key `<model>.<version>`. The record is what makes a version visible: its files
// are written to the kiln_models object store first, so a reader that finds a record can
// always read the files it names.
import { z } from 'zod'
import { EvaluationSchema } from './evaluation-messages.js'
import { count, id, message, metrics, text, timestamp } from './fields.js'
import { expecting } from './schema-kit.js'

/** Where a model version came from; what a sweep's best model is registered with. */
export const ModelLineageSchema = z.object(
  {
    jobId: id('a job id').optional(),
    trialId: id('a trial id').optional(),
    sweepId: id('a sweep id').optional(),
    params: z.record(z.unknown(), expecting('an object of hyperparameters')).optional(),
    datasetHash: text(128, 'a dataset hash').optional(),
    source: text(512, 'a source description').optional(),
  },
  expecting('a lineage ({jobId?, trialId?, sweepId?, params?, datasetHash?, source?})'),
)
export type ModelLineage = z.infer<typeof ModelLineageSchema>

/** One published version of a model. */
export const ModelVersionRecordSchema = message('model version', {
  model: id('a model name'),
  version: z.number(expecting('a version number >= 1')).int().min(1),
  /** Name of the object in kiln_models holding the version's files. */
  object: text(512, 'an object name'),
  /** Total bytes of the files. */
  bytes: count,
  files: z.array(text(255, 'a file name'), expecting('a list of file names')).max(4096),
  metrics: metrics.optional(),
  lineage: ModelLineageSchema.optional(),
  /** The version's evaluation on its test split (from kiln-model.json). */
  evaluation: EvaluationSchema.optional(),
  createdAt: timestamp,
})
export type ModelVersionRecord = z.infer<typeof ModelVersionRecordSchema>
