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
  /** Inference threads; default max(1, floor(cores / 2)). With minThreads: the most there may be. */
  threads?: number
  /**
   * Threads kept when idle (default: all of them). Below `threads`, piscina starts a thread
   * when a task finds none free and ends one idle for idleTimeoutMs (thread-scaler.ts).
   */
  minThreads?: number
  idleTimeoutMs?: number
  /** Native pool size; default floor(cores / minThreads) (KILN_THREADS wins when set). */
  nativeThreads?: number
}

/** The worker entry: infer-worker.mjs next to src/ and dist/. */
const ENTRY = new URL('../../infer-worker.mjs', import.meta.url).href
const FROM_SOURCE = import.meta.url.endsWith('.ts')

/** A pool of inference threads. */
export class InferencePool {
  /** The most threads there may be. */
  readonly threads: number
  readonly minThreads: number
  readonly nativeThreads: number
  private readonly pool: Piscina
  private running = 0

  constructor(options: InferencePoolOptions = {}) {
    const cores = availableParallelism()
    this.threads = options.threads ?? Math.max(1, Math.floor(cores / 2))
    this.minThreads = Math.min(this.threads, options.minThreads ?? this.threads)
    // Sized for the threads usually there: the native pool is shared, and a caller that
    // finds it busy runs inline, so more threads than this still use every core.
    const wanted =
      options.nativeThreads ??
      (process.env.KILN_THREADS ? nativeThreads() : Math.max(1, Math.floor(cores / this.minThreads)))
    this.nativeThreads = setThreads(wanted)
    this.pool = new Piscina({
      filename: ENTRY,
      minThreads: this.minThreads,
      maxThreads: this.threads,
      // Batches queue on the main thread (each batcher keeps at most `threads` in flight) and
      // loads in the load queue, so piscina's own queue is bounded by what they let through;
      // a limit here ('auto' is threads², 1 with one thread) failed loads at start-up.
      maxQueue: Number.POSITIVE_INFINITY,
      idleTimeout: this.minThreads < this.threads ? (options.idleTimeoutMs ?? 10_000) : Number.POSITIVE_INFINITY,
      // Piscina's run-time and wait-time histograms are not exposed: no timing per task.
      recordTiming: false,
      workerData: { src: FROM_SOURCE },
    })
  }

  /** Threads running now (between minThreads and threads). */
  get liveThreads(): number {
    return this.pool.threads.length
  }

  /** Tasks (batches, loads) running or waiting for a thread now. */
  get busy(): number {
    return this.running
  }

  private async counted<T>(task: () => Promise<T>): Promise<T> {
    this.running++
    try {
      return await task()
    } finally {
      this.running--
    }
  }

  /** Loads a model in one thread and reports its signature (other threads load on first use). */
  load(key: string, files: PackedFiles, live: string[]): Promise<LoadResult> {
    return this.counted(() => this.pool.run({ op: 'load', key, files, live }) as Promise<LoadResult>)
  }

  /**
   * Runs one batch; the input buffers are transferred (unusable here afterwards). The model's
   * files go along only to a thread that does not hold the model yet, so a batch costs no
   * cloning of the file list once every thread has it.
   */
  infer(key: string, files: PackedFiles, live: string[], inputs: WireTensor[]): Promise<InferResult> {
    return this.counted(() => this.inferOnce(key, files, live, inputs))
  }

  private async inferOnce(key: string, files: PackedFiles, live: string[], inputs: WireTensor[]): Promise<InferResult> {
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
