// The compiled step's side of a distributed optimizer (GradientExchange in @kiln/backend):
// backward writes each gradient straight into its bucket, and a bucket's all-reduce starts
// as soon as its last gradient is final, while backward computes the earlier layers (as
// PyTorch DDP's reducer does). Buckets start strictly in order, so every rank numbers its
// ring operations alike.
import type { ExchangeStep } from '@kiln/backend'
import type { WireType } from '@kiln/native'
import { ErrorCode } from '@kiln/protocol'
import type { Collective } from './collective.js'
import type { ErrorFeedback } from './error-feedback.js'
import { CollectiveError } from './errors.js'

/** A bucket: parameters (by index) and where each sits in its buffer. */
export interface ExchangeBucket {
  params: number[]
  offsets: number[]
  sizes: number[]
  size: number
}

/** The step once backward has run: every all-reduce settled, and when compute ended. */
export interface ExchangeResult {
  done: Promise<unknown>
  computeEnd(): number | undefined
  update: () => void
}

export interface BucketExchangeOptions {
  comm: Collective
  wire: WireType
  buckets: ExchangeBucket[]
  /** One buffer per bucket (reused across steps). */
  buffers: Float32Array[]
  paramCount: number
  feedback: ErrorFeedback | undefined
  /** False: all-reduces start once backward is done (no overlap, for comparison). */
  overlap: boolean
  onRun(result: ExchangeResult): void
  /** A bucket's all-reduce started before backward settled. */
  onEarlyStart(): void
}

/** One step's exchange over the buckets. */
export function bucketExchange(o: BucketExchangeOptions): ExchangeStep {
  const grads = new Array<Float32Array>(o.paramCount)
  const bucketOf = new Array<number>(o.paramCount)
  const remaining = o.buckets.map((b) => b.params.length)
  for (const [i, b] of o.buckets.entries()) {
    for (const [k, p] of b.params.entries()) {
      grads[p] = o.buffers[i]!.subarray(b.offsets[k]!, b.offsets[k]! + b.sizes[k]!)
      bucketOf[p] = i
    }
  }
  const ops: Promise<void>[] = []
  let next = 0
  let computing = true
  const startReady = () => {
    while (next < o.buckets.length && remaining[next] === 0) {
      // The last bucket waits for the first layer: it never starts under compute.
      if (computing && next < o.buckets.length - 1) o.onEarlyStart()
      const buf = o.buffers[next]!
      o.feedback?.compensate(next, buf)
      ops.push(o.comm.allReduce(buf, { wire: o.wire }))
      next++
    }
  }
  return {
    grads,
    ready(p: number) {
      remaining[bucketOf[p]!]!--
      if (o.overlap) startReady()
    },
    run(backward, update) {
      let computeEnd: number | undefined
      const done = backward.then(() => {
        computeEnd = performance.now()
        computing = false
        startReady()
        if (next < o.buckets.length)
          throw new CollectiveError(ErrorCode.internal, `backward reported ${next} of ${o.buckets.length} buckets`)
        return Promise.all(ops)
      })
      done.catch(() => undefined)
      o.onRun({ done, computeEnd: () => computeEnd, update })
    },
  }
}
