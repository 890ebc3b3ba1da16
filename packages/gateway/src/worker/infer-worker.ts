// An inference thread: holds the models it has been asked to run (loaded from the shared
// file pack on first use, by the loader of their format: model-loaders.ts), runs one batch
// per task, and returns the outputs as transferred buffers. The native addon is
// context-aware, so every thread loads it; its CPU pool is process-wide and shared (see
// inference-pool.ts for the sizing).
import { selectKilnBackend } from '@kiln/backend'
import { Piscina } from 'piscina'
import { NEEDS_FILES, type InferResult, type InferTask, type WorkerTask } from './messages.js'
import { loadHeldModel, type HeldModel } from './model-loaders.js'
import type { PackedFiles } from './packed-files.js'

const models = new Map<string, Promise<HeldModel>>()
// This thread's kiln backend, registered before its first model loads (importing registers nothing).
let backend: Promise<string> | undefined

function load(key: string, files: PackedFiles): Promise<HeldModel> {
  let model = models.get(key)
  if (!model) {
    backend ??= selectKilnBackend()
    model = backend.then(() => loadHeldModel(files, key))
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

async function infer(task: InferTask): Promise<InferResult> {
  if (!models.has(task.key) && !task.files) throw new Error(NEEDS_FILES)
  const model = await load(task.key, task.files!)
  const started = performance.now()
  const outputs = await model.run(task.inputs)
  return { outputs, computeMs: performance.now() - started }
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
    return (await load(task.key, task.files)).shapes()
  }
  return moved(await infer(task))
}
