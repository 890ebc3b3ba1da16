// A transform trial in its pool thread: the shard's rows of the cached dataset scored by the
// model version's files, in large batches on the kiln backend (kiln-cuda for resources.gpu
// when a device is there). Its outcome carries the scored rows instead of model files.
import { selectKilnBackend } from '@kiln/backend'
import { loadDatasetFile, type ResolvedDataset } from '@kiln/data'
import { setThreads } from '@kiln/native'
import { scoreShard, validateTransformSpec } from '@kiln/train'
import type { TrialOutcome, TrialTask } from './thread-messages.js'

// The last dataset this thread loaded: the next shard of the same transform on this thread
// skips reading, checking and decoding the whole file again (a thread holds one at most).
let lastDataset: { path: string; dataset: Promise<ResolvedDataset> } | undefined

function datasetOf(path: string, name: string): Promise<ResolvedDataset> {
  if (lastDataset?.path !== path) {
    const dataset = loadDatasetFile(path, { name })
    lastDataset = { path, dataset }
    dataset.catch(() => {
      if (lastDataset?.dataset === dataset) lastDataset = undefined
    })
  }
  return lastDataset.dataset
}

/** Scores the task's shard; throws naming what is missing or does not fit. */
export async function runTransformShard(task: TrialTask): Promise<TrialOutcome> {
  try {
    const spec = validateTransformSpec(task.spec, `trial ${task.trialId}`)
    if (!task.shard || !task.modelFiles || !task.datasetFile)
      throw new Error(`trial ${task.trialId}: a transform needs its shard, the model's files and the dataset`)
    setThreads(spec.resources.threads ?? task.threads)
    await selectKilnBackend({ gpu: spec.resources.gpu })
    const dataset = await datasetOf(task.datasetFile, spec.dataset)
    const shard = await scoreShard({
      files: task.modelFiles,
      dataset,
      shard: task.shard,
      batchSize: spec.batchSize,
      where: `model ${spec.model}@${spec.version}`,
    })
    const metrics = { rows: shard.rows, rows_per_second: shard.rows / Math.max(shard.seconds, 1e-9) }
    return { files: {}, metrics, epochsRun: 0, stoppedEarly: false, shard }
  } finally {
    task.port.close()
  }
}
