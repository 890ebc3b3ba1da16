// The fit callback that keeps the ranks of a data-parallel trial in step: at the start of
// training every rank takes rank 0's weights (so differently seeded or restored ranks
// agree), and after every batch the distributed optimizers apply the averaged gradients.
import * as tf from '@tensorflow/tfjs'
import type { Collective } from './collective.js'
import type { DistributedOptimizer } from './distributed-optimizer.js'

/** Replaces every rank's float32 weights by `root`'s, in one broadcast. */
export async function broadcastWeights(model: tf.LayersModel, comm: Collective, root = 0): Promise<void> {
  const weights = model.weights.filter((w) => w.dtype === 'float32')
  const buf = new Float32Array(weights.reduce((n, w) => n + w.read().size, 0))
  let offset = 0
  for (const w of weights) {
    const v = w.read().dataSync() as Float32Array
    buf.set(v, offset)
    offset += v.length
  }
  await comm.broadcast(buf, root)
  if (comm.rank === root) return
  offset = 0
  for (const w of weights) {
    const size = w.read().size
    const t = tf.tensor(buf.slice(offset, offset + size), w.read().shape, 'float32')
    w.write(t)
    t.dispose()
    offset += size
  }
}

/** Syncs weights once, then finishes each distributed step at its batch's end. */
export class RankSync extends tf.Callback {
  private synced = false

  constructor(
    private readonly comm: Collective,
    private readonly optimizers: () => readonly DistributedOptimizer[],
  ) {
    super()
  }

  override async onTrainBegin(): Promise<void> {
    if (this.synced) return
    this.synced = true
    await broadcastWeights(this.model, this.comm)
  }

  override async onBatchEnd(): Promise<void> {
    for (const o of this.optimizers()) await o.finishStep()
  }
}
