// Trial checkpoints: model weights, optimizer state, the epoch reached and the reports so
// far, as one binary (msgpack, tensors as raw bytes). A trial resumed from one carries on
// at the next epoch with the same weights, optimizer moments and metric history; only the
// RNG of dropout differs from an uninterrupted run.
import * as tf from '@tensorflow/tfjs'
import { decode, encode } from '@kiln/protocol'
import type { TrialReport } from './trial-report.js'
import { ModelFormatError } from './errors.js'

/** The `format` tag; bumped when an older reader would misread a newer checkpoint. */
export const CHECKPOINT_FORMAT = 'kiln-checkpoint/1'

interface SavedTensor {
  name: string
  shape: number[]
  dtype: 'float32' | 'int32'
  data: Float32Array | Int32Array
}

/** A decoded checkpoint. */
export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT
  /** Epochs completed (the next epoch to run, 0-based). */
  epoch: number
  reports: TrialReport[]
  weights: SavedTensor[]
  optimizer: SavedTensor[]
}

async function save(name: string, t: tf.Tensor): Promise<SavedTensor> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32')
    throw new ModelFormatError(name, `a float32 or int32 tensor, got ${t.dtype}`)
  const data = (await t.data()) as Float32Array | Int32Array
  return { name, shape: [...t.shape], dtype: t.dtype, data: data.slice() }
}

/** Captures `model`'s weights and optimizer state after `epoch` completed epochs. */
export async function captureCheckpoint(
  model: tf.LayersModel,
  epoch: number,
  reports: readonly TrialReport[],
): Promise<Uint8Array> {
  const weights = await Promise.all(model.weights.map((w) => save(w.originalName, w.read())))
  const named = model.optimizer ? await model.optimizer.getWeights() : []
  const optimizer = await Promise.all(named.map((n) => save(n.name, n.tensor)))
  const checkpoint: Checkpoint = {
    format: CHECKPOINT_FORMAT,
    epoch,
    reports: reports.map((r) => ({ ...r })),
    weights,
    optimizer,
  }
  return encode(checkpoint)
}

/** Decodes a checkpoint, checking its format and that every tensor's size fits its shape. */
export function readCheckpoint(bytes: Uint8Array, where = 'checkpoint'): Checkpoint {
  let value: Checkpoint
  try {
    value = decode<Checkpoint>(bytes)
  } catch (err) {
    throw new ModelFormatError(where, 'not a Kiln checkpoint (does not decode)', { cause: err })
  }
  if (value === null || typeof value !== 'object' || value.format !== CHECKPOINT_FORMAT) {
    throw new ModelFormatError(
      where,
      `format: expected "${CHECKPOINT_FORMAT}", got ${JSON.stringify((value as { format?: unknown })?.format)}`,
    )
  }
  if (!Number.isInteger(value.epoch) || value.epoch < 0)
    throw new ModelFormatError(where, `epoch: expected an integer >= 0, got ${String(value.epoch)}`)
  for (const t of [...value.weights, ...value.optimizer]) {
    const size = t.shape.reduce((a, b) => a * b, 1)
    if (!(t.data instanceof Float32Array || t.data instanceof Int32Array) || t.data.length !== size) {
      throw new ModelFormatError(
        where,
        `tensor ${t.name}: expected ${size} values for shape [${t.shape}], got ${(t.data as { length?: number })?.length}`,
      )
    }
  }
  return value
}

/** Loads a checkpoint's weights and optimizer state into a compiled model of the same architecture. */
export async function restoreCheckpoint(
  model: tf.LayersModel,
  checkpoint: Checkpoint,
  where = 'checkpoint',
): Promise<void> {
  const weights = model.weights
  if (weights.length !== checkpoint.weights.length) {
    throw new ModelFormatError(
      where,
      `expected ${weights.length} weights for this model, got ${checkpoint.weights.length}`,
    )
  }
  weights.forEach((w, k) => {
    const saved = checkpoint.weights[k]!
    if (saved.shape.join('x') !== w.shape.join('x')) {
      throw new ModelFormatError(where, `weight ${w.originalName}: expected shape [${w.shape}], got [${saved.shape}]`)
    }
  })
  tf.tidy(() => model.setWeights(checkpoint.weights.map((s) => tf.tensor(s.data, s.shape, s.dtype))))
  if (model.optimizer && checkpoint.optimizer.length > 0) {
    const named = checkpoint.optimizer.map((s) => ({ name: s.name, tensor: tf.tensor(s.data, s.shape, s.dtype) }))
    try {
      await model.optimizer.setWeights(named)
    } finally {
      tf.dispose(named.map((n) => n.tensor))
    }
  }
}
