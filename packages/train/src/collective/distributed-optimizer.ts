// ctx.distributed(optimizer): any tfjs optimizer, with gradients averaged over the ranks.
// tfjs computes and applies gradients synchronously inside model.fit's step, while the
// network is asynchronous, so a step is split in two: applyGradients copies the gradients
// into fused buckets and starts each bucket's all-reduce as soon as it is filled; the
// RankSync callback's onBatchEnd (which fit awaits before the next batch) waits for them
// and applies the averages with the wrapped optimizer. The weights every batch sees are
// therefore exactly those of synchronous data-parallel SGD. Where the step compiles (the
// kiln backend, an optimizer and model it takes), backward runs on a worker thread and
// each bucket's all-reduce starts while it computes the earlier layers (bucket-exchange.ts).
import * as tf from '@tensorflow/tfjs'
import type { ExchangeStep, ExchangeVariable, GradientExchange } from '@kiln/backend'
import { ErrorCode } from '@kiln/protocol'
import { WireType } from '@kiln/native'
import { Compression, wireTypeOf, type Collective } from './collective.js'
import { bucketExchange, type ExchangeResult } from './bucket-exchange.js'
import { ErrorFeedback } from './error-feedback.js'
import { CollectiveError } from './errors.js'

export interface DistributedOptions {
  /** Gradient bytes fused into one all-reduce (default 25 MB, as PyTorch DDP). */
  bucketBytes?: number
  /** 16-bit gradients on the wire (default none: float32). */
  compression?: Compression
  /**
   * With 16-bit compression: what rounding took off a rank's gradients is added to its
   * next step's (error feedback), so no part of a gradient is lost for good (default false).
   */
  errorFeedback?: boolean
  /**
   * Compiled steps: start a bucket's all-reduce while backward computes the rest (default
   * true); false waits for the whole backward pass, for comparison.
   */
  overlap?: boolean
}

/** Where the time of the steps so far went (for benchmarks and logs). */
export interface DistributedStats {
  steps: number
  /** Copying gradients into buckets and starting their all-reduces. */
  packMs: number
  /** Waiting for all-reduces after the step's compute (backward included) was done: the exposed communication. */
  commWaitMs: number
  /** Buckets whose all-reduce started while backward still ran (compiled steps with overlap). */
  overlappedBuckets: number
}

interface Bucket {
  names: string[]
  shapes: number[][]
  offsets: number[]
  size: number
}

type NamedTensor = { name: string; tensor: tf.Tensor }
/** What bucket planning reads of a gradient (or, for compiled steps, of its variable). */
type Sized = { name: string; tensor: ExchangeVariable | tf.Tensor }
type Grads = tf.NamedTensorMap | NamedTensor[]

const DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024

/** Wraps `inner`; its state (slots, iterations) stays the inner optimizer's. */
export class DistributedOptimizer extends tf.Optimizer implements GradientExchange {
  readonly stats: DistributedStats = { steps: 0, packMs: 0, commWaitMs: 0, overlappedBuckets: 0 }
  private readonly bucketBytes: number
  private readonly wire: ReturnType<typeof wireTypeOf>
  private readonly overlap: boolean
  private plan: { key: string; buckets: Bucket[]; buffers?: Float32Array[] } | undefined
  private pending: ExchangeResult | undefined
  private readonly feedback: ErrorFeedback | undefined

  constructor(
    readonly inner: tf.Optimizer,
    private readonly comm: Collective,
    o: DistributedOptions = {},
  ) {
    super()
    this.bucketBytes = o.bucketBytes ?? DEFAULT_BUCKET_BYTES
    if (!(this.bucketBytes > 0))
      throw new CollectiveError(
        ErrorCode.invalidArgument,
        `bucketBytes: expected a positive number, got ${o.bucketBytes}`,
      )
    this.wire = wireTypeOf(o.compression ?? Compression.none)
    if (o.errorFeedback && this.wire === WireType.float32)
      throw new CollectiveError(
        ErrorCode.invalidArgument,
        `errorFeedback: needs compression fp16 or bf16 (float32 gradients lose nothing to compensate), got compression ${o.compression ?? 'none'}`,
      )
    this.feedback = o.errorFeedback ? new ErrorFeedback(this.wire) : undefined
    this.overlap = o.overlap ?? true
  }

  private refuseUnfinished(): void {
    if (this.pending) {
      throw new CollectiveError(
        ErrorCode.invalidArgument,
        'the previous step of a distributed optimizer was never finished: pass ctx.callbacks() to model.fit (they apply each step once its gradients are averaged)',
      )
    }
  }

  /** GradientExchange (compiled steps): backward writes into the buckets, which start as they fill. */
  startExchange(vars: readonly ExchangeVariable[]): ExchangeStep {
    this.refuseUnfinished()
    const buckets = this.bucketsFor(vars.map((v) => ({ name: v.name, tensor: v })))
    const plan = this.plan!
    plan.buffers ??= buckets.map((b) => new Float32Array(b.size))
    const index = new Map(vars.map((v, i) => [v.name, i]))
    return bucketExchange({
      comm: this.comm,
      wire: this.wire,
      buckets: buckets.map((b) => ({
        params: b.names.map((n) => index.get(n)!),
        offsets: b.offsets,
        sizes: b.shapes.map((s) => s.reduce((x, y) => x * y, 1)),
        size: b.size,
      })),
      buffers: plan.buffers,
      paramCount: vars.length,
      feedback: this.feedback,
      overlap: this.overlap,
      onRun: (result) => (this.pending = result),
      onEarlyStart: () => this.stats.overlappedBuckets++,
    })
  }

  /** Starts averaging this step's gradients; finishStep() applies them. */
  override applyGradients(grads: Grads): void {
    this.refuseUnfinished()
    const started = performance.now()
    const list = (
      Array.isArray(grads) ? grads : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }))
    ).filter((g) => g.tensor != null)
    const byName = new Map(list.map((g) => [g.name, g.tensor]))
    const buckets = this.bucketsFor(list)
    const buffers: Float32Array[] = []
    const ops: Promise<void>[] = []
    for (const [i, b] of buckets.entries()) {
      const buf = new Float32Array(b.size)
      b.names.forEach((name, k) => {
        buf.set(byName.get(name)!.dataSync() as Float32Array, b.offsets[k])
      })
      this.feedback?.compensate(i, buf)
      buffers.push(buf)
      ops.push(this.comm.allReduce(buf, { wire: this.wire }))
    }
    const done = Promise.all(ops)
    done.catch(() => undefined)
    this.pending = { done, computeEnd: () => started, update: () => this.applyAveraged(buckets, buffers) }
    this.stats.packMs += performance.now() - started
  }

  /** Waits for the averaged gradients of the current step and applies them; no-op without one. */
  async finishStep(): Promise<void> {
    const p = this.pending
    if (!p) return
    const started = performance.now()
    try {
      await p.done
    } finally {
      this.pending = undefined
      // A compiled step's backward may still run when this wait starts: that is compute.
      this.stats.commWaitMs += performance.now() - Math.max(started, p.computeEnd() ?? started)
    }
    p.update()
    this.stats.steps++
  }

  // The per-kernel path's update: the averages as tensors, through the wrapped optimizer.
  private applyAveraged(buckets: Bucket[], buffers: Float32Array[]): void {
    const averaged: tf.NamedTensorMap = {}
    buckets.forEach((b, i) => {
      b.names.forEach((name, k) => {
        const size = b.shapes[k]!.reduce((x, y) => x * y, 1)
        averaged[name] = tf.tensor(buffers[i]!.subarray(b.offsets[k]!, b.offsets[k]! + size), b.shapes[k], 'float32')
      })
    })
    try {
      this.inner.applyGradients(averaged)
    } finally {
      tf.dispose(Object.values(averaged))
    }
  }

  // Buckets in reverse variable order (the last layers' gradients are the first ready in
  // backprop, as DDP orders them), each up to bucketBytes; planned once per variable set.
  private bucketsFor(list: Sized[]): Bucket[] {
    const key = list.map((g) => `${g.name}:${g.tensor.shape.join('x')}`).join(',')
    if (this.plan?.key === key) return this.plan.buckets
    const buckets: Bucket[] = []
    let current: Bucket | undefined
    for (const g of [...list].reverse()) {
      if (g.tensor.dtype !== 'float32')
        throw new CollectiveError(
          ErrorCode.invalidArgument,
          `gradient of ${g.name}: expected float32, got ${g.tensor.dtype}`,
        )
      const bytes = g.tensor.size * 4
      if (!current || (current.size > 0 && current.size * 4 + bytes > this.bucketBytes)) {
        current = { names: [], shapes: [], offsets: [], size: 0 }
        buckets.push(current)
      }
      current.names.push(g.name)
      current.shapes.push([...g.tensor.shape])
      current.offsets.push(current.size)
      current.size += g.tensor.size
    }
    this.plan = { key, buckets }
    this.feedback?.reset()
    return buckets
  }

  override getConfig(): tf.serialization.ConfigDict {
    return this.inner.getConfig()
  }

  // Saved models name the wrapped optimizer: a model trained on N ranks loads like any other.
  override getClassName(): string {
    return this.inner.getClassName()
  }

  override getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights()
  }

  override setWeights(weights: NamedTensor[]): Promise<void> {
    return this.inner.setWeights(weights)
  }

  override get iterations(): number {
    return this.inner.iterations
  }

  override dispose(): void {
    this.inner.dispose()
  }
}
