// The transform run of bench:gateway (issue 14, item 4): the same model scoring the whole
// Fashion-MNIST set (70,000 images) as a batch transform on a local cluster (nats-server, a
// coordinator and a worker with the machine's cores in its slots, all in this process),
// timed from submit until every prediction is read back (and the shards' scoring alone),
// next to the gateway's best req/s.
import { mkdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { ensureLayout, publishModelVersion } from '@kiln/cluster-state'
import { JobsClient, TransformsClient } from '@kiln/client'
import { startCoordinator } from '@kiln/coordinator'
import { importDataset, loadFashionMnist } from '@kiln/data'
import { startNatsServer } from '@kiln/local'
import { startWorker } from '@kiln/worker'
import { filesOf } from './gateway-serving.js'

/** One timed transform: end to end (submit until every row is read back) and scoring alone. */
export interface TransformTiming {
  rows: number
  seconds: number
  rowsPerS: number
  /** Rows per second of the shards' scoring alone (their own timings, slots working at once). */
  scoringRowsPerS: number
}

/**
 * Two transforms of all of Fashion-MNIST with the model in `modelDir`: `cold` includes the
 * worker fetching the dataset (220 MB of float32) into its cache, `warm` finds it there.
 */
export async function transformRun(
  modelDir: string,
  tmp: string,
): Promise<{ cold: TransformTiming; warm: TransformTiming; shards: number; slots: number }> {
  mkdirSync(join(tmp, 'nats'), { recursive: true })
  const nats = await startNatsServer({ dir: join(tmp, 'nats'), jetstreamDir: join(tmp, 'nats', 'js') })
  const ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: nats.url })))
  const quiet = () => {}
  const coord = await startCoordinator({ nc: ncs[0]!, log: quiet })
  const cores = availableParallelism()
  const slots = Math.max(1, Math.floor(cores / 2))
  const threads = Math.max(1, Math.floor(cores / slots))
  const worker = await startWorker({
    nc: ncs[1]!,
    slots: Array.from({ length: slots }, (_, i) => ({ id: `cpu${i}`, kind: 'cpu' as const, threads })),
    log: quiet,
    cacheDir: join(tmp, 'cache'),
  })
  try {
    await coord.leading()
    const layout = await ensureLayout(ncs[2]!)
    await publishModelVersion(layout, { model: 'fashion', files: filesOf(modelDir) })
    const data = await loadFashionMnist()
    const record = await importDataset(layout.objects.datasets, data, {
      name: 'fashion-mnist',
      source: 'fashion-mnist',
    })
    const shards = 2 * slots
    const client = new TransformsClient(ncs[2]!)
    const jobs = new JobsClient(ncs[2]!)
    const once = async (): Promise<TransformTiming> => {
      const started = performance.now()
      const spec = { kind: 'transform', model: 'fashion', version: 1, dataset: record.name, shards }
      const { job } = await client.submit(spec, record.id)
      const final = await client.wait(job.id, () => {}, undefined, 50)
      if (final.state !== 'succeeded') throw new Error(`the transform ${final.state}: ${final.error?.message}`)
      const out = await client.output(final)
      const seconds = (performance.now() - started) / 1000
      const trials = (await jobs.show(job.id)).trials ?? []
      const shardSeconds = trials.reduce((n, t) => n + (t.metrics?.rows ?? 0) / (t.metrics?.rows_per_second ?? 1), 0)
      return {
        rows: out.rows,
        seconds,
        rowsPerS: out.rows / seconds,
        scoringRowsPerS: (out.rows / shardSeconds) * slots,
      }
    }
    const cold = await once()
    const warm = await once()
    return { cold, warm, shards, slots }
  } finally {
    await worker.stop()
    await coord.stop()
    await Promise.all(ncs.map((nc) => nc.close()))
    await nats.stop()
  }
}
