// A finished batch transform's predictions (issue 14), for every reader of one: the shards
// the workers wrote to kiln_transforms read back in row order, and the source dataset's
// samples labelled with them stored as a new dataset with its lineage. `kiln transform` and
// the pipelines' score step both use these, so the two make the same dataset.
import type { ObjectStore } from '@nats-io/obj'
import {
  ErrorCode,
  KilnError,
  RunState,
  TransformShardSchema,
  decode,
  transformShardObject,
  type JobRecord,
} from '@kiln/protocol'
import { fromArrays, type Dataset } from '../dataset.js'
import type { ResolvedDataset } from '../registry.js'
import { fetchDataset } from './dataset-cache.js'
import type { DatasetRecord } from './dataset-record.js'
import { importDataset } from './dataset-store.js'

/** A finished transform's predictions: rows × outputs float32, in the dataset's row order. */
export interface TransformOutput {
  rows: number
  outputs: number
  data: Float32Array
}

/** Where the predictions came from (transform.json, and the new dataset's source). */
export interface TransformOrigin {
  jobId: string
  model: string
  version: number
  dataset: string
  datasetId: string
  /** The model's class names, when it is a classifier with named classes. */
  classNames?: readonly string[]
  /** Rows of the dataset's train split (the rows after it are its test split). */
  trainRows: number
}

/** Reads a succeeded transform job's shards back from kiln_transforms, in order. */
export async function readTransformOutput(
  transforms: ObjectStore,
  job: Pick<JobRecord, 'id' | 'state' | 'trialIds'>,
): Promise<TransformOutput> {
  if (job.state !== RunState.succeeded)
    throw new KilnError(ErrorCode.conflict, `transform ${job.id} is ${job.state}, not succeeded`)
  const shards = []
  for (let i = 0; i < job.trialIds.length; i++) {
    const bytes = await transforms.getBlob(transformShardObject(job.id, i))
    if (!bytes)
      throw new KilnError(ErrorCode.notFound, `shard ${i} of transform ${job.id} is missing from kiln_transforms`)
    shards.push(decode(TransformShardSchema, bytes))
  }
  const outputs = shards[0]?.outputs ?? 0
  const rows = shards.reduce((n, s) => n + s.rows, 0)
  const data = new Float32Array(rows * outputs)
  let at = 0
  for (const s of shards) {
    if (s.start !== at || s.outputs !== outputs)
      throw new KilnError(ErrorCode.internal, `shard ${s.shard} of transform ${job.id} does not follow the one before`)
    // Copied out of the message bytes (their offset need not be float-aligned).
    data.set(new Float32Array(s.data.slice().buffer), at * outputs)
    at += s.rows
  }
  return { rows, outputs, data }
}

/** A classifier answers a score per class; a regression model one value per row. */
export const isClassifier = (out: Pick<TransformOutput, 'outputs'>) => out.outputs > 1

/** The predicted class of each row (the highest score). */
export function predictedClasses(out: TransformOutput): Int32Array {
  const classes = new Int32Array(out.rows)
  for (let r = 0; r < out.rows; r++) {
    let best = 0
    for (let j = 1; j < out.outputs; j++)
      if (out.data[r * out.outputs + j]! > out.data[r * out.outputs + best]!) best = j
    classes[r] = best
  }
  return classes
}

/** The source's samples with the predictions as their labels (classifiers) or targets (regression). */
export function predictedDataset(source: ResolvedDataset, out: TransformOutput, o: TransformOrigin): ResolvedDataset {
  if (out.rows !== source.train.count + (source.test?.count ?? 0))
    throw new KilnError(
      ErrorCode.conflict,
      `transform ${o.jobId} scored ${out.rows} rows, but dataset ${o.dataset} has ${source.train.count + (source.test?.count ?? 0)}`,
    )
  const classes = isClassifier(out) ? predictedClasses(out) : undefined
  const part = (d: Dataset, from: number) =>
    fromArrays({
      name: d.name,
      x: d.x,
      sampleShape: [...d.sampleShape],
      ...(classes
        ? {
            labels: classes.subarray(from, from + d.count),
            numClasses: out.outputs,
            ...(o.classNames?.length === out.outputs ? { classNames: [...o.classNames] } : {}),
          }
        : { labels: new Int32Array(d.count), targets: out.data.subarray(from, from + d.count) }),
      ...(d.featureNames ? { featureNames: [...d.featureNames] } : {}),
    })
  return {
    train: part(source.train, 0),
    ...(source.test ? { test: part(source.test, source.train.count) } : {}),
  }
}

/**
 * Stores the transform's source dataset labelled with its predictions as dataset `name`,
 * with its lineage (the source dataset, and the model version and job that scored it).
 */
export async function storePredictedDataset(
  datasets: ObjectStore,
  out: TransformOutput,
  o: TransformOrigin,
  opts: { name: string; cacheDir: string },
): Promise<DatasetRecord> {
  const source = await fetchDataset(datasets, o.datasetId, { cacheDir: opts.cacheDir })
  return importDataset(datasets, predictedDataset(source, out, o), {
    name: opts.name,
    source: `kiln transform ${o.model}@${o.version} ${o.dataset}@${o.datasetId.slice(0, 12)} (job ${o.jobId})`,
    lineage: {
      sourceId: o.datasetId,
      sourceName: o.dataset,
      steps: { score: { model: `${o.model}@${o.version}`, job: o.jobId } },
      fitted: {},
    },
  })
}
