// One shard of a batch transform: its rows of the dataset (train rows, then test rows, cut
// into `count` even parts) scored in large batches by any model kind that predicts rows
// (ensemble/model-kinds.ts). What a worker's trial thread runs.
import type { ResolvedDataset } from '@kiln/data'
import { ModelFormatError } from '../errors.js'
import { MODEL_KINDS } from '../ensemble/model-kinds.js'
import { loadPredictor } from '../ensemble/predictor.js'

/** A scored shard: its first row in the dataset, its rows' outputs, and how long it took. */
export interface ScoredShard {
  start: number
  rows: number
  outputs: number
  data: Float32Array
  seconds: number
}

/** The rows [start, end) of shard `index` of `count` over `total` rows. */
export function shardRows(index: number, count: number, total: number): { start: number; end: number } {
  return { start: Math.floor((index * total) / count), end: Math.floor(((index + 1) * total) / count) }
}

/** Scores shard `shard` of `dataset` with the model in `files`, `batchSize` rows per predict call. */
export async function scoreShard(o: {
  files: ReadonlyMap<string, Uint8Array>
  dataset: ResolvedDataset
  shard: { index: number; count: number }
  batchSize: number
  /** Names the model in errors. */
  where: string
}): Promise<ScoredShard> {
  const started = performance.now()
  const parts = [o.dataset.train, ...(o.dataset.test ? [o.dataset.test] : [])]
  const total = parts.reduce((n, p) => n + p.count, 0)
  const model = await loadPredictor(o.files, o.where, MODEL_KINDS)
  try {
    const size = model.sampleShape.reduce((a, b) => a * b, 1)
    const sample = o.dataset.train.sampleShape
    if (sample.reduce((a, b) => a * b, 1) !== size)
      throw new ModelFormatError(
        o.where,
        `expects samples of shape [${model.sampleShape.join(', ')}], the dataset has [${sample.join(', ')}]`,
      )
    const { start, end } = shardRows(o.shard.index, o.shard.count, total)
    const rows = end - start
    const data = new Float32Array(rows * model.outputs)
    const batch = new Float32Array(Math.min(o.batchSize, Math.max(1, rows)) * size)
    for (let at = start; at < end; at += o.batchSize) {
      const n = Math.min(o.batchSize, end - at)
      copyRows(parts, at, n, size, batch)
      data.set(await model.predict(batch.subarray(0, n * size), n), (at - start) * model.outputs)
    }
    return { start, rows, outputs: model.outputs, data, seconds: (performance.now() - started) / 1000 }
  } finally {
    model.dispose()
  }
}

// Rows [at, at + n) of the parts laid end to end, into `out`.
function copyRows(
  parts: readonly { x: Float32Array; count: number }[],
  at: number,
  n: number,
  size: number,
  out: Float32Array,
): void {
  let row = at
  let written = 0
  let base = 0
  for (const p of parts) {
    while (written < n && row < base + p.count) {
      const take = Math.min(n - written, base + p.count - row)
      out.set(p.x.subarray((row - base) * size, (row - base + take) * size), written * size)
      written += take
      row += take
    }
    base += p.count
  }
}
