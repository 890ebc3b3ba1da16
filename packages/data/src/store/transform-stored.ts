// `kiln data transform` and a pipeline's transform step: fit preprocessing steps on a stored
// dataset's training split, apply them to its splits, and store the result as a new dataset
// whose record says where it came from (source id and name, the steps, their statistics).
import type { ObjectStore } from '@nats-io/obj'
import { ValidationError } from '@kiln/protocol'
import { fitPreprocessing } from '../preprocess/fit-preprocessing.js'
import { preprocessDataset } from '../preprocess/apply-preprocessing.js'
import type { FittedPreprocessing } from '../preprocess/fitted.js'
import type { PreprocessingSpec } from '../preprocess/preprocessing-spec.js'
import type { ResolvedDataset } from '../registry.js'
import type { DatasetRecord } from './dataset-record.js'
import { importDataset } from './dataset-store.js'

/** A dataset to transform, as loaded, with the stored record it came from. */
export interface TransformSource {
  data: ResolvedDataset
  record: Pick<DatasetRecord, 'id' | 'name'>
}

/** Fits `steps` on the source's training set, applies them to train and test, stores the result as `name`. */
export async function storeTransformed(
  store: ObjectStore,
  source: TransformSource,
  steps: PreprocessingSpec,
  name: string,
  field = 'steps',
): Promise<{ record: DatasetRecord; fitted: FittedPreprocessing }> {
  if (steps.augment)
    throw new ValidationError(
      `${field}.augment`,
      'no augment step (it changes training images while a model trains: put it in the job spec)',
    )
  const fitted = fitPreprocessing(source.data.train, steps, field)
  const train = preprocessDataset(source.data.train, fitted)
  const test = source.data.test && preprocessDataset(source.data.test, fitted)
  const record = await importDataset(
    store,
    { train, ...(test ? { test } : {}) },
    {
      name,
      source: `${source.record.name} (${source.record.id.slice(0, 12)}) transformed`,
      lineage: {
        sourceId: source.record.id,
        sourceName: source.record.name,
        steps: fitted.steps,
        fitted: fitted as unknown as Record<string, unknown>,
      },
    },
  )
  return { record, fitted }
}
