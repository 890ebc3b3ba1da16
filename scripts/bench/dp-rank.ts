// One rank of bench:dp, in its own process (ranks in one process would share the native
// thread pool): the Fashion-MNIST MLP (784-256-128-10, Adam) on inputs of MNIST's shape,
// per-step wall time and the part of it spent waiting for the gradient all-reduce.
// Reads its job from KILN_BENCH_JOB; prints one JSON line.
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import { compiledStepReason } from '@kiln/backend'
import { connect } from '@nats-io/transport-node'
import { setThreads } from '@kiln/native'
import {
  buildBuiltinModel,
  DistributedOptimizer,
  RankSync,
  RingCommunicator,
  validateSpec,
  type Compression,
  type MlpModelSpec,
} from '@kiln/train'
import { randomArray } from './common.js'

export interface DpRankJob {
  url: string
  trialId: string
  rank: number
  worldSize: number
  batch: number
  warmup: number
  steps: number
  threads: number
  bucketMB: number
  compression: Compression
  /** All-reduce buckets while backward runs (compiled steps). */
  overlap: boolean
}

/** What a rank prints: medians over the measured steps (ms). */
export interface DpRankResult {
  stepMs: number
  commMs: number
  /** Why the step ran kernel by kernel ('' when compiled). */
  perKernel: string
}

const job = JSON.parse(process.env.KILN_BENCH_JOB ?? '{}') as DpRankJob
setThreads(job.threads)
await tf.setBackend('kiln')
const spec = validateSpec({ name: 'bench-dp', dataset: 'none', model: { builtin: 'mlp', hidden: [256, 128] } }, 'bench')
const model = buildBuiltinModel(
  spec.model as MlpModelSpec,
  { sampleShape: [784], numClasses: 10 },
  'categoricalCrossentropy',
  42,
)
const adam = tf.train.adam(1e-3)
const nc = job.worldSize > 1 ? await connect({ servers: job.url }) : undefined
const comm = nc
  ? await RingCommunicator.open({
      nc,
      trialId: job.trialId,
      attempt: 1,
      rank: job.rank,
      worldSize: job.worldSize,
      nodeId: 'bench',
    })
  : undefined
const opt = comm
  ? new DistributedOptimizer(adam, comm, {
      bucketBytes: job.bucketMB * 1024 * 1024,
      compression: job.compression,
      overlap: job.overlap,
    })
  : undefined
model.compile({ optimizer: opt ?? adam, loss: 'categoricalCrossentropy', metrics: ['accuracy'] })

const total = job.warmup + job.steps
const labels = new Float32Array(total * job.batch * 10)
for (let i = 0; i < total * job.batch; i++) labels[i * 10 + (i % 10)] = 1
const x = tf.tensor2d(randomArray(total * job.batch * 784, job.rank + 1), [total * job.batch, 784])
const y = tf.tensor2d(labels, [total * job.batch, 10])

const steps: number[] = []
const comms: number[] = []
let began = 0
let waitedBefore = 0
class Timing extends tf.Callback {
  override async onBatchBegin(): Promise<void> {
    began = performance.now()
    waitedBefore = opt?.stats.commWaitMs ?? 0
  }
  override async onBatchEnd(batch: number): Promise<void> {
    if (batch < job.warmup) return
    steps.push(performance.now() - began)
    comms.push((opt?.stats.commWaitMs ?? 0) - waitedBefore)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
await model.fit(x, y, {
  batchSize: job.batch,
  epochs: 1,
  shuffle: false,
  verbose: 0,
  yieldEvery: 'never',
  callbacks: [...(comm ? [new RankSync(comm, () => [opt!])] : []), new Timing()],
})
process.stdout.write(
  `${JSON.stringify({ stepMs: median(steps), commMs: median(comms), perKernel: compiledStepReason(model) ?? '' } satisfies DpRankResult)}\n`,
)
comm?.close()
await nc?.close()
