// Inference threads that follow the load, as Ray Serve's autoscaling does for replicas: the
// wanted count is the ongoing work over a target per thread (batches running plus the
// batches the queued requests would fill), one more while requests wait longer than a
// latency target, clamped to [min, max]. It rises at once and falls only after the load has
// stayed lower for a while. The gateway applies it as the batches in flight per model (its
// batching config); piscina starts a thread when a batch finds none free and ends one idle
// for the same while, so the live threads follow.
import { ValidationError } from '@kiln/protocol'

export interface ScalingOptions {
  minThreads: number
  maxThreads: number
  /** Batches running or waiting per thread the scaler aims at (default 1). */
  targetPerThread: number
  /** Mean queue wait (ms) above which one more thread is wanted (default 20). */
  maxQueueMs: number
  /** How long the load must stay lower before threads are given back (ms, default 10 s). */
  downscaleDelayMs: number
  /** How often the load is sampled (ms, default 250). */
  intervalMs: number
}

export const DEFAULT_SCALING: Omit<ScalingOptions, 'minThreads' | 'maxThreads'> = {
  targetPerThread: 1,
  maxQueueMs: 20,
  downscaleDelayMs: 10_000,
  intervalMs: 250,
}

/** One sample of the load: batches running, rows waiting and how long requests waited. */
export interface LoadSample {
  runningBatches: number
  queuedRows: number
  maxBatch: number
  /** Mean queue wait of the requests dispatched since the last sample (ms; 0 when none). */
  meanQueueMs: number
}

/** Decides the thread count from load samples (no timers: `decide` is called with the time). */
export class ThreadScaler {
  private current: number
  private lowSince: number | undefined

  constructor(private readonly o: ScalingOptions) {
    this.current = o.minThreads
  }

  get threads(): number {
    return this.current
  }

  /** The ongoing work's wanted threads, clamped, ignoring the delays. */
  wanted(s: LoadSample): number {
    const ongoing = s.runningBatches + Math.ceil(s.queuedRows / Math.max(1, s.maxBatch))
    let n = Math.ceil(ongoing / this.o.targetPerThread)
    if (s.meanQueueMs > this.o.maxQueueMs) n = Math.max(n, this.current + 1)
    return Math.min(this.o.maxThreads, Math.max(this.o.minThreads, n))
  }

  /** The thread count after sample `s` taken at `nowMs`: up at once, down after the delay. */
  decide(s: LoadSample, nowMs: number): number {
    const n = this.wanted(s)
    if (n >= this.current) {
      this.lowSince = undefined
      this.current = n
      return n
    }
    this.lowSince ??= nowMs
    if (nowMs - this.lowSince >= this.o.downscaleDelayMs) {
      this.current = n
      this.lowSince = undefined
    }
    return this.current
  }
}

/** Checks scaling options, naming the field and what was expected. */
export function scalingOptions(
  partial: Partial<ScalingOptions> & { minThreads: number; maxThreads: number },
): ScalingOptions {
  const o = { ...DEFAULT_SCALING, ...partial }
  const int = (field: keyof ScalingOptions, min: number) => {
    const v = o[field]
    if (!Number.isInteger(v) || v < min)
      throw new ValidationError(`scaling.${field}`, `an integer >= ${min}`, { got: String(v) })
  }
  int('minThreads', 1)
  int('maxThreads', 1)
  int('downscaleDelayMs', 0)
  int('intervalMs', 10)
  if (o.maxThreads < o.minThreads)
    throw new ValidationError('scaling.maxThreads', `at least minThreads (${o.minThreads})`, {
      got: String(o.maxThreads),
    })
  if (!(o.targetPerThread > 0))
    throw new ValidationError('scaling.targetPerThread', 'a number > 0', { got: String(o.targetPerThread) })
  if (!(o.maxQueueMs >= 0))
    throw new ValidationError('scaling.maxQueueMs', 'a number >= 0', { got: String(o.maxQueueMs) })
  return o
}
