// A transform trial in its pool thread: the shard's rows of the cached dataset scored by the
// model version's files, in large batches on the kiln backend (kiln-cuda for resources.gpu
// when a device is there). Its outcome carries the scored rows instead of model files.
import * as tf from '@tensorflow/tfjs'
import { loadDatasetFile } from '@kiln/data'
import { setThreads } from '@kiln/native'
import { scoreShard, validateTransformSpec } from '@kiln/train'
import type { TrialOutcome, TrialTask } from './thread-messages.js'

/** Scores the task's shard; throws naming what is missing or does not fit. */
export async function runTransformShard(task: TrialTask): Promise<TrialOutcome> {
  try {
    const spec = validateTransformSpec(task.spec, `trial ${task.trialId}`)
    if (!task.shard || !task.modelFiles || !task.datasetFile)
      throw new Error(`trial ${task.trialId}: a transform needs its shard, the model's files and the dataset`)
    setThreads(spec.resources.threads ?? task.threads)
    if (spec.resources.gpu && tf.findBackendFactory('kiln-cuda')) await tf.setBackend('kiln-cuda')
    else if (tf.findBackendFactory('kiln')) await tf.setBackend('kiln')
    await tf.ready()
    const dataset = await loadDatasetFile(task.datasetFile, { name: spec.dataset })
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
