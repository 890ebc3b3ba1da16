// Dropout multipliers for compiled steps, made by the very ops tf.dropout runs
// (floor(uniform + keep) / keep), so a compiled step drops what the per-kernel step drops.
// tfjs seeds a fresh generator with the layer's seed on every call: a seeded layer's mask
// is the same every step of a given batch size, so it is made once; an unseeded one is
// drawn anew each step.
import * as tf from '@tensorflow/tfjs'
import type { DropoutUse } from './plan.js'

function multiplier(use: DropoutUse, batch: number): Float32Array {
  const keep = 1 - use.rate
  const t = tf.tidy(() =>
    tf.div(tf.floor(tf.add(tf.randomUniform([batch, use.size], 0, 1, 'float32', use.seed), keep)), keep),
  )
  const values = Float32Array.from(t.dataSync() as Float32Array)
  t.dispose()
  return values
}

export class DropoutMasks {
  private readonly seeded = new Map<string, Float32Array>()

  constructor(private readonly uses: DropoutUse[]) {}

  /** Each dropout layer's multiplier for a batch of `batch` samples, in plan order. */
  forBatch(batch: number): Float32Array[] {
    return this.uses.map((use, i) => {
      if (use.seed === undefined) return multiplier(use, batch)
      const key = `${i}:${batch}`
      let m = this.seeded.get(key)
      if (!m) this.seeded.set(key, (m = multiplier(use, batch)))
      return m
    })
  }
}
