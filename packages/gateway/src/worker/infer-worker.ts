// An inference thread: holds the models it has been asked to run (loaded from the shared
// file pack on first use), runs one batch per task with the kiln backend, and returns the
// outputs as transferred buffers. The native addon is context-aware, so every thread loads
// it; its CPU pool is process-wide and shared (see inference-pool.ts for the sizing).
import * as tf from '@tensorflow/tfjs'
import { filesLoadHandler } from '@kiln/train'
import { Piscina } from 'piscina'
import { packedFile, type PackedFiles } from './packed-files.js'
import { NEEDS_FILES, type InferResult, type InferTask, type LoadResult, type WorkerTask } from './messages.js'

const models = new Map<string, Promise<tf.LayersModel>>()

function load(key: string, files: PackedFiles): Promise<tf.LayersModel> {
  let model = models.get(key)
  if (!model) {
    const read = async (name: string) => {
      const bytes = packedFile(files, name)
      if (!bytes) throw new Error(`no file ${name} in the model's files`)
      return bytes
    }
    model = tf.loadLayersModel(filesLoadHandler(read, key))
    models.set(key, model)
    model.catch(() => models.delete(key))
  }
  return model
}

function forget(live: readonly string[]): void {
  const keep = new Set(live)
  for (const [key, model] of models) {
    if (keep.has(key)) continue
    models.delete(key)
    model.then(
      (m) => m.dispose(),
      () => {},
    )
  }
}

const dims = (shape: readonly (number | null)[]) => shape.map((d) => (d === null ? -1 : d))

// Shapes only: the main thread names the tensors (model/signature.ts), since TF.js' names
// differ between two loads of one model.
function shapesOf(model: tf.LayersModel): LoadResult {
  const weightBytes = model.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1) * 4, 0)
  return {
    inputs: model.inputs.map((t) => ({ shape: dims(t.shape) })),
    outputs: model.outputs.map((t) => ({ shape: dims(t.shape) })),
    weightBytes,
  }
}

async function infer(task: InferTask): Promise<InferResult> {
  if (!models.has(task.key) && !task.files) throw new Error(NEEDS_FILES)
  const model = await load(task.key, task.files!)
  const started = performance.now()
  const outs = tf.tidy(() => {
    const xs = task.inputs.map((t) => tf.tensor(t.data, t.shape, 'float32'))
    const y = model.predict(xs.length === 1 ? xs[0]! : xs)
    return Array.isArray(y) ? y : [y]
  })
  try {
    // A copy: tfjs may hand back the backend's own storage, which must not be transferred away.
    const outputs = await Promise.all(
      outs.map(async (t) => ({ shape: t.shape, data: Float32Array.from((await t.data()) as Float32Array) })),
    )
    return { outputs, computeMs: performance.now() - started }
  } finally {
    tf.dispose(outs)
  }
}

/** Transfers the output buffers back instead of copying them. */
function moved(result: InferResult): unknown {
  const transferable = {
    get [Piscina.transferableSymbol]() {
      return result.outputs.map((o) => o.data.buffer)
    },
    get [Piscina.valueSymbol]() {
      return result
    },
  }
  return Piscina.move(transferable as unknown as ArrayBuffer)
}

/** The piscina task function. */
export default async function run(task: WorkerTask): Promise<unknown> {
  forget(task.live)
  if (task.op === 'load') {
    return shapesOf(await load(task.key, task.files))
  }
  return moved(await infer(task))
}
