// One rank of the data-parallel equivalence test, in its own thread (as a trial thread):
// an MLP seeded per rank (rank 0's weights are broadcast), SGD through ctx-style wrapping
// (DistributedOptimizer + RankSync), K steps of batch B on this rank's rows of each global
// batch of N*B. With worldSize 1 it is the reference: batch N*B over all rows.
import { parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import { compiledStepReason, setCompiledSteps } from '@kiln/backend'
import { connect } from '@nats-io/transport-node'
import { DistributedOptimizer, RankSync, RingCommunicator, type Compression } from '@kiln/train'
import { randomFloats, randomInts } from '../helpers/random.js'

export interface RankJob {
  url?: string
  trialId: string
  rank: number
  worldSize: number
  /** Global batch = ranks * perRank; the reference runs with worldSize 1 and perRank = ranks * B. */
  ranks: number
  perRank: number
  steps: number
  initSeed: number
  bucketBytes?: number
  compression?: Compression
  errorFeedback?: boolean
  /** Run kernel by kernel (no compiled step). */
  perKernel?: boolean
}

/** What a rank posts back: its weights before and after training. */
export interface RankWeights {
  initial: Float32Array[]
  final: Float32Array[]
  /** The training loss of each step, on this rank's rows. */
  losses: number[]
  /** Why the steps ran kernel by kernel ('' when compiled). */
  perKernel: string
  /** Buckets all-reduced while backward still ran. */
  overlappedBuckets: number
}

const FEATURES = 12
const CLASSES = 4

/** The global data: ranks * B * steps rows, the same for every rank. */
function globalData(rows: number): { x: Float32Array; y: Float32Array } {
  const x = randomFloats(rows * FEATURES, 11)
  const labels = randomInts(rows, 12, 0, CLASSES)
  const y = new Float32Array(rows * CLASSES)
  labels.forEach((c, i) => {
    y[i * CLASSES + c] = 1
  })
  return { x, y }
}

const job = workerData as RankJob
await tf.setBackend('kiln')
setCompiledSteps(!job.perKernel)
const globalBatch = job.worldSize === 1 ? job.perRank : job.ranks * job.perRank
const all = globalData(job.steps * globalBatch)
// This rank's rows: slice `rank` of every global batch, in order.
const x = new Float32Array(job.steps * job.perRank * FEATURES)
const y = new Float32Array(job.steps * job.perRank * CLASSES)
for (let k = 0; k < job.steps; k++) {
  const from = k * globalBatch + job.rank * job.perRank
  x.set(all.x.subarray(from * FEATURES, (from + job.perRank) * FEATURES), k * job.perRank * FEATURES)
  y.set(all.y.subarray(from * CLASSES, (from + job.perRank) * CLASSES), k * job.perRank * CLASSES)
}

const model = tf.sequential({
  layers: [
    tf.layers.dense({
      inputShape: [FEATURES],
      units: 16,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: job.initSeed }),
      biasInitializer: tf.initializers.randomNormal({ seed: job.initSeed + 1, stddev: 0.1 }),
    }),
    tf.layers.dense({
      units: CLASSES,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: job.initSeed + 2 }),
    }),
  ],
})
const sgd = tf.train.sgd(0.2)
let callbacks: tf.Callback[] = []
let comm: RingCommunicator | undefined
let opt: DistributedOptimizer | undefined
const nc = job.url ? await connect({ servers: job.url }) : undefined
if (job.worldSize > 1) {
  comm = await RingCommunicator.open({
    nc: nc!,
    trialId: job.trialId,
    attempt: 1,
    rank: job.rank,
    worldSize: job.worldSize,
    nodeId: 'node-1',
    chunkBytes: 1024,
    stepTimeoutMs: 20_000,
  })
  opt = new DistributedOptimizer(sgd, comm, {
    ...(job.bucketBytes ? { bucketBytes: job.bucketBytes } : {}),
    ...(job.compression ? { compression: job.compression } : {}),
    ...(job.errorFeedback ? { errorFeedback: true } : {}),
  })
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' })
  callbacks = [new RankSync(comm, () => [opt!])]
} else {
  model.compile({ optimizer: sgd, loss: 'categoricalCrossentropy' })
}
const losses: number[] = []
callbacks.push(
  new (class extends tf.Callback {
    override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
      // fit may hand over the loss as a scalar tensor or as a number.
      const loss = logs!.loss as number | tf.Scalar
      losses.push(typeof loss === 'number' ? loss : loss.dataSync()[0]!)
    }
  })(),
)
const initial = model.getWeights().map((w) => (w.dataSync() as Float32Array).slice())
const xs = tf.tensor2d(x, [job.steps * job.perRank, FEATURES])
const ys = tf.tensor2d(y, [job.steps * job.perRank, CLASSES])
await model.fit(xs, ys, { batchSize: job.perRank, epochs: 1, shuffle: false, verbose: 0, callbacks })
parentPort!.postMessage({
  initial,
  final: model.getWeights().map((w) => w.dataSync() as Float32Array),
  losses,
  perKernel: compiledStepReason(model) ?? 'no step ran',
  overlappedBuckets: opt?.stats.overlappedBuckets ?? 0,
} satisfies RankWeights)
comm?.close()
await nc?.close()
