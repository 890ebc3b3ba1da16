import { ValidationError } from '@kiln/protocol'
import { sampleSize, type Dataset } from './dataset.js'
import { permutation } from './prng.js'
import { gatherInto } from './select.js'

/** One mini-batch: `size` samples, row-major. */
export interface Batch {
  x: Float32Array
  labels: Int32Array
  size: number
}

export interface BatchOptions {
  /** Visit samples in a seeded random order (new arrays per batch); default: in order, as views. */
  shuffleSeed?: number
  /** Skip a last batch smaller than batchSize. Default false. */
  dropRemainder?: boolean
}

/** Yields the dataset in batches; every sample appears exactly once (bar a dropped remainder). */
export function batches(ds: Dataset, batchSize: number, options: BatchOptions = {}): Generator<Batch, void, undefined> {
  // Checked here rather than in the generator, whose body would only run at the first next().
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValidationError('batchSize', `an integer >= 1, got ${String(batchSize)}`)
  const order = options.shuffleSeed === undefined ? null : permutation(ds.count, options.shuffleSeed)
  const end = options.dropRemainder ? ds.count - (ds.count % batchSize) : ds.count
  return generate(ds, batchSize, order, end)
}

function* generate(
  ds: Dataset,
  batchSize: number,
  order: Uint32Array | null,
  end: number,
): Generator<Batch, void, undefined> {
  const size = sampleSize(ds)
  for (let start = 0; start < end; start += batchSize) {
    const stop = Math.min(start + batchSize, end)
    const n = stop - start
    if (order === null) {
      yield { x: ds.x.subarray(start * size, stop * size), labels: ds.labels.subarray(start, stop), size: n }
    } else {
      const x = new Float32Array(n * size)
      const labels = new Int32Array(n)
      gatherInto(ds, order, start, stop, x, labels)
      yield { x, labels, size: n }
    }
  }
}
