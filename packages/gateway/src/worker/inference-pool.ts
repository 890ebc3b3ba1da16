// The inference threads (piscina). Batching happens on the main thread; each task is one
// batch. Sizing: the native CPU pool is process-wide and shared by all threads (a caller
// that finds it busy runs inline), so `threads` inference threads with a pool of
// floor(cores / threads) keep busy compute threads at about the core count.
import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import { setThreads, threads as nativeThreads } from '@kiln/native'
import { NEEDS_FILES, type InferResult, type LoadResult, type WireTensor } from './messages.js'
import type { PackedFiles } from './packed-files.js'

export interface InferencePoolOptions {
  /** Inference threads; default max(1, floor(cores / 2)). */
  threads?: number
  /** Native pool size; default floor(cores / threads) (KILN_THREADS wins when set). */
  nativeThreads?: number
}

/** The worker entry: infer-worker.mjs next to src/ and dist/. */
const ENTRY = new URL('../../infer-worker.mjs', import.meta.url).href
const FROM_SOURCE = import.meta.url.endsWith('.ts')

/** A pool of inference threads. */
export class InferencePool {
  readonly threads: number
  readonly nativeThreads: number
  private readonly pool: Piscina

  constructor(options: InferencePoolOptions = {}) {
    const cores = availableParallelism()
    this.threads = options.threads ?? Math.max(1, Math.floor(cores / 2))
    const wanted =
      options.nativeThreads ??
      (process.env.KILN_THREADS ? nativeThreads() : Math.max(1, Math.floor(cores / this.threads)))
    this.nativeThreads = setThreads(wanted)
    this.pool = new Piscina({
      filename: ENTRY,
      minThreads: this.threads,
      maxThreads: this.threads,
      // Batches queue on the main thread (each batcher keeps at most `threads` in flight) and
      // loads in the load queue, so piscina's own queue is bounded by what they let through;
      // a limit here ('auto' is threads², 1 with one thread) failed loads at start-up.
      maxQueue: Number.POSITIVE_INFINITY,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Piscina's run-time and wait-time histograms are not exposed: no timing per task.
      recordTiming: false,
      workerData: { src: FROM_SOURCE },
    })
  }

  /** Loads a model in one thread and reports its signature (other threads load on first use). */
  load(key: string, files: PackedFiles, live: string[]): Promise<LoadResult> {
    return this.pool.run({ op: 'load', key, files, live }) as Promise<LoadResult>
  }

  /**
   * Runs one batch; the input buffers are transferred (unusable here afterwards). The model's
   * files go along only to a thread that does not hold the model yet, so a batch costs no
   * cloning of the file list once every thread has it.
   */
  async infer(key: string, files: PackedFiles, live: string[], inputs: WireTensor[]): Promise<InferResult> {
    // Kept for the retry with files: a thread may lack the model even with one thread
    // (it drops models that fell out of `live`, and a reload can race a batch).
    const copies = inputs.map((t) => ({ shape: t.shape, data: t.data.slice() }))
    const transferList = inputs.map((t) => t.data.buffer) as ArrayBuffer[]
    try {
      return await (this.pool.run({ op: 'infer', key, live, inputs }, { transferList }) as Promise<InferResult>)
    } catch (err) {
      if ((err as Error)?.message !== NEEDS_FILES) throw err
      const again = copies.map((t) => t.data.buffer) as ArrayBuffer[]
      return this.pool.run(
        { op: 'infer', key, files, live, inputs: copies },
        { transferList: again },
      ) as Promise<InferResult>
    }
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await this.pool.destroy()
  }
}
