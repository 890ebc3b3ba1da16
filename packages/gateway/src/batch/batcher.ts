// Dynamic batching for one model version: requests queue on the main thread and leave as
// one batch (one thread call) when the batch is full, a preferred size is reached, the oldest
// has waited maxDelayUs, or a thread frees up while requests wait. Rows of all requests are
// concatenated along the batch dimension and the outputs split back by row counts.
import { TimeoutError } from '@kiln/protocol'
import { OverloadedError } from '../errors.js'
import type { WireTensor } from '../worker/messages.js'
import type { BatchConfig } from './batch-config.js'
import { DeadlineSweep } from './deadlines.js'

/** Runs one batch (the inputs' buffers may be transferred away). */
export type RunBatch = (inputs: WireTensor[]) => Promise<{ outputs: WireTensor[]; computeMs: number }>

/** What the batcher reports per batch and per request, for metrics. */
export interface BatchObserver {
  batch?(rows: number, requests: number, computeMs: number): void
  queued?(waitMs: number): void
}

interface Pending {
  rows: number
  inputs: WireTensor[]
  enqueuedAt: number
  deadline: number
  settled: boolean
  resolve: (outputs: WireTensor[]) => void
  reject: (err: unknown) => void
}

/** Splits `rows` off the front of a batch output. */
function sliceRows(t: WireTensor, start: number, rows: number): WireTensor {
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1)
  return { shape: [rows, ...t.shape.slice(1)], data: t.data.slice(start * width, (start + rows) * width) }
}

function concatRows(parts: WireTensor[]): WireTensor {
  if (parts.length === 1) return { shape: parts[0]!.shape, data: parts[0]!.data.slice() }
  const rows = parts.reduce((n, p) => n + p.shape[0]!, 0)
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0))
  let at = 0
  for (const p of parts) {
    data.set(p.data, at)
    at += p.data.length
  }
  return { shape: [rows, ...parts[0]!.shape.slice(1)], data }
}

/** The batching queue of one model version. */
export class Batcher {
  private queue: Pending[] = []
  private inflight = 0
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private readonly deadlines = new DeadlineSweep<Pending>((p) => this.expire(p))

  constructor(
    private readonly config: BatchConfig,
    private readonly run: RunBatch,
    private readonly observer: BatchObserver = {},
  ) {}

  /** Requests waiting plus batches running (an eviction must wait for 0). */
  get busy(): number {
    return this.queue.length + this.inflight
  }

  /** Queues one request (inputs with the batch dimension first); resolves to its outputs. */
  submit(inputs: WireTensor[]): Promise<WireTensor[]> {
    if (this.closed) return Promise.reject(new OverloadedError('the model is being unloaded; retry', 1))
    if (this.queue.length >= this.config.queueLimit) {
      return Promise.reject(
        new OverloadedError(`the model's queue is full (${this.config.queueLimit} requests waiting); retry later`, 1),
      )
    }
    return new Promise((resolve, reject) => {
      const now = performance.now()
      const p: Pending = {
        rows: inputs[0]?.shape[0] ?? 0,
        inputs,
        enqueuedAt: now,
        deadline: now + this.config.timeoutMs,
        settled: false,
        resolve,
        reject,
      }
      this.queue.push(p)
      this.deadlines.track(p)
      this.pump()
    })
  }

  /** Fails every waiting request and refuses new ones. */
  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.deadlines.close()
    for (const p of this.queue.splice(0)) this.settle(p, new OverloadedError('the model was unloaded; retry', 1))
  }

  private settle(p: Pending, outcome: WireTensor[] | Error): void {
    if (p.settled) return
    p.settled = true
    if (outcome instanceof Error) p.reject(outcome)
    else p.resolve(outcome)
  }

  private expire(p: Pending): void {
    const i = this.queue.indexOf(p)
    if (i >= 0) this.queue.splice(i, 1)
    this.settle(p, new TimeoutError('inference request', this.config.timeoutMs))
  }

  /** Rows of the requests waiting for a batch. */
  queuedRows(): number {
    return this.queue.reduce((n, p) => n + p.rows, 0)
  }

  private pump(): void {
    while (this.inflight < this.config.maxInflight && this.queue.length > 0) {
      const rows = this.queuedRows()
      const waitedUs = (performance.now() - this.queue[0]!.enqueuedAt) * 1000
      const ready =
        rows >= this.config.maxBatch || waitedUs >= this.config.maxDelayUs || this.config.preferredSizes.includes(rows)
      if (!ready) {
        if (this.timer === undefined) {
          const ms = Math.max(0, (this.config.maxDelayUs - waitedUs) / 1000)
          this.timer = setTimeout(() => {
            this.timer = undefined
            this.pump()
          }, ms)
        }
        return
      }
      this.dispatch(this.take())
    }
  }

  /** The next batch: whole requests up to maxBatch rows (a bigger request goes alone). */
  private take(): Pending[] {
    const batch: Pending[] = []
    let rows = 0
    while (this.queue.length > 0) {
      const next = this.queue[0]!
      if (batch.length > 0 && rows + next.rows > this.config.maxBatch) break
      batch.push(this.queue.shift()!)
      rows += next.rows
    }
    return batch
  }

  private dispatch(batch: Pending[]): void {
    this.inflight++
    const now = performance.now()
    for (const p of batch) this.observer.queued?.(now - p.enqueuedAt)
    const inputs = batch[0]!.inputs.map((_, k) => concatRows(batch.map((p) => p.inputs[k]!)))
    const rows = batch.reduce((n, p) => n + p.rows, 0)
    this.run(inputs)
      .then(
        ({ outputs, computeMs }) => {
          this.observer.batch?.(rows, batch.length, computeMs)
          let start = 0
          for (const p of batch) {
            this.settle(
              p,
              outputs.map((o) => sliceRows(o, start, p.rows)),
            )
            start += p.rows
          }
        },
        (err: unknown) => {
          for (const p of batch) this.settle(p, err instanceof Error ? err : new Error(String(err)))
        },
      )
      .finally(() => {
        this.inflight--
        this.pump()
      })
  }
}
