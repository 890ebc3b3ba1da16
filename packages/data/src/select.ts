import { ValidationError } from '@kiln/protocol'
import { describing, makeDataset, sampleSize, type Dataset } from './dataset.js'

/** Copies the given samples, in the given order, into a new Dataset. */
export function gather(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const size = sampleSize(ds)
  const n = indices.length
  const x = new Float32Array(n * size)
  const labels = new Int32Array(n)
  gatherInto(ds, indices, 0, n, x, labels)
  const targets = ds.targets ? Float32Array.from({ length: n }, (_, k) => ds.targets![indices[k]!]!) : undefined
  return derive(ds, name, x, labels, n, targets)
}

/** Copies samples indices[from..to) into x and labels (which must hold to - from samples). */
export function gatherInto(
  ds: Dataset,
  indices: ArrayLike<number>,
  from: number,
  to: number,
  x: Float32Array,
  labels: Int32Array,
): void {
  const size = sampleSize(ds)
  const src = ds.x
  for (let k = from; k < to; k++) {
    const i = indices[k]!
    labels[k - from] = ds.labels[i]!
    const s = i * size
    const d = (k - from) * size
    // TypedArray.set pays a fixed cost per call that a plain loop beats for short rows.
    if (size >= 64) x.set(src.subarray(s, s + size), d)
    else for (let e = 0; e < size; e++) x[d + e] = src[s + e]!
  }
}

/** Samples [start, end) as views (no copy). */
export function slice(ds: Dataset, start: number, end: number, name = ds.name): Dataset {
  const size = sampleSize(ds)
  const targets = ds.targets?.subarray(start, end)
  return derive(ds, name, ds.x.subarray(start * size, end * size), ds.labels.subarray(start, end), end - start, targets)
}

function derive(
  ds: Dataset,
  name: string,
  x: Float32Array,
  labels: Int32Array,
  count: number,
  targets?: Float32Array,
): Dataset {
  return makeDataset({
    name,
    x,
    sampleShape: ds.sampleShape,
    labels,
    numClasses: ds.numClasses,
    count,
    ...describing(ds),
    ...(targets ? { targets } : {}),
  })
}

/** The first n samples as views; n larger than the dataset takes all of it (like tf.data's take). */
export function take(ds: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new ValidationError('n', `an integer >= 0, got ${String(n)}`)
  return slice(ds, 0, Math.min(n, ds.count), `${ds.name}:take-${n}`)
}

/**
 * This rank's contiguous shard as views. Every rank gets floor(count / worldSize) samples and
 * the last count % worldSize are dropped, so all ranks run the same number of steps (a rank
 * with one more batch would wait forever in an all-reduce).
 */
export function shard(ds: Dataset, rank: number, worldSize: number): Dataset {
  if (!Number.isInteger(worldSize) || worldSize < 1)
    throw new ValidationError('worldSize', `an integer >= 1, got ${String(worldSize)}`)
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new ValidationError('rank', `an integer in [0, ${worldSize - 1}], got ${String(rank)}`)
  }
  const per = Math.floor(ds.count / worldSize)
  if (per === 0)
    throw new ValidationError(
      'worldSize',
      `at most the sample count ${ds.count} (each rank needs a sample), got ${worldSize}`,
    )
  return slice(ds, rank * per, (rank + 1) * per, `${ds.name}:shard-${rank}-of-${worldSize}`)
}
