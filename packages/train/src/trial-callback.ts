// The tfjs callback behind ctx.callbacks(): reports each epoch's logs, shows batch progress,
// and stops the fit when the report's answer (or an abort) says so.
import * as tf from '@tensorflow/tfjs'
import { normalizeLogs } from './metrics.js'

/** What the scheduler answers to a report: keep training, or stop this trial early. */
export type Decision = 'continue' | 'stop'

/** One progress tick inside an epoch. */
export interface BatchEvent {
  /** 1-based. */
  epoch: number
  epochs: number
  /** 1-based; equals `batches` on the last batch of the epoch. */
  batch: number
  batches: number
  /** Running metrics of the batch just done (loss, accuracy). */
  metrics: Record<string, number>
  /** Training throughput so far in this epoch. */
  samplesPerSecond: number
}

/** The callback's view of the trial context. */
export interface CallbackHooks {
  epochs: number
  /** One epoch's report; `epoch` is 1-based (absolute, so a resumed fit goes on counting). */
  report(
    metrics: Record<string, number>,
    extra: { durationMs: number; samplesPerSecond: number; epoch: number },
  ): Promise<Decision>
  onBatch?: (event: BatchEvent) => void
  signal?: AbortSignal
  /** Told where training stopped after an abort. */
  aborted(where: { epoch: number; batch: number }): void
  /** After each completed epoch's report (checkpoints). */
  epochDone?(model: tf.LayersModel): Promise<void>
}

// Reading a scalar forces a device sync; a progress line needs about ten a second, not one
// per batch.
const BATCH_EVENT_EVERY_MS = 100
// fit() runs with yieldEvery 'never' (tfjs' per-batch setTimeout costs ~20%), and with
// synchronous kernels nothing else would run until it returns: not Ctrl-C, timers or
// sockets. One setImmediate this often costs nothing measurable and keeps them alive.
const YIELD_EVERY_MS = 100

async function resolveLogs(logs: tf.Logs | Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(logs ?? {})) {
    out[key] = value instanceof tf.Tensor ? (await value.data())[0] : value
  }
  return out
}

/** Reports epochs through `hooks` and stops model.fit on a 'stop' decision or an abort. */
export class TrialCallback extends tf.Callback {
  private epochStart = 0
  private samplesDone = 0
  private lastBatchEvent = 0
  // Not reset per epoch: epochs shorter than YIELD_EVERY_MS must still let signals in.
  private lastYield = 0
  private epoch = 0

  constructor(private readonly hooks: CallbackHooks) {
    super()
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch
    this.epochStart = performance.now()
    this.samplesDone = 0
    this.lastBatchEvent = this.epochStart
  }

  override async onBatchEnd(batch: number, logs?: tf.Logs): Promise<void> {
    const size = typeof logs?.size === 'number' ? logs.size : 0
    this.samplesDone += size
    if (performance.now() - this.lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      this.lastYield = performance.now()
    }
    if (this.hooks.signal?.aborted) {
      this.hooks.aborted({ epoch: this.epoch, batch })
      this.model.stopTraining = true
      return
    }
    if (!this.hooks.onBatch) return
    const samples = typeof this.params.samples === 'number' ? this.params.samples : undefined
    const batchSize = typeof this.params.batchSize === 'number' ? this.params.batchSize : size
    const batches = samples !== undefined && batchSize > 0 ? Math.ceil(samples / batchSize) : batch + 1
    const now = performance.now()
    const last = batch + 1 >= batches
    if (!last && now - this.lastBatchEvent < BATCH_EVENT_EVERY_MS) return
    this.lastBatchEvent = now
    const { batch: _b, size: _s, ...metrics } = await resolveLogs(logs)
    this.hooks.onBatch({
      epoch: this.epoch + 1,
      epochs: this.hooks.epochs,
      batch: batch + 1,
      batches,
      metrics: normalizeLogs(metrics),
      samplesPerSecond: this.samplesDone / Math.max(1e-9, (now - this.epochStart) / 1000),
    })
  }

  override async onEpochEnd(_epoch: number, logs?: tf.Logs): Promise<void> {
    // An aborted epoch is incomplete: its numbers would mislead.
    if (this.hooks.signal?.aborted) return
    const durationMs = performance.now() - this.epochStart
    const metrics = normalizeLogs(await resolveLogs(logs))
    const decision = await this.hooks.report(metrics, {
      durationMs,
      samplesPerSecond: this.samplesDone / Math.max(1e-9, durationMs / 1000),
      epoch: this.epoch + 1,
    })
    if (decision === 'stop') this.model.stopTraining = true
    await this.hooks.epochDone?.(this.model)
  }
}
