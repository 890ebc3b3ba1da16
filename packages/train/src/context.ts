// The context a trial script gets (`export default async (ctx) => model`). Builtin models are
// trained through the same context, so local runs, cluster trials and sweeps report alike.
import type * as tf from '@tensorflow/tfjs'
import { ValidationError } from '@kiln/protocol'
import { captureCheckpoint, type Checkpoint } from './checkpoint.js'
import type { TrialReport } from './trial-report.js'
import { soloCollective, type Collective } from './collective/collective.js'
import { DistributedOptimizer, type DistributedOptions } from './collective/distributed-optimizer.js'
import { RankSync } from './collective/rank-sync.js'
import type { Logger } from './log.js'
import { createOptimizer } from './optimizer.js'
import type { Spec } from './spec-schema.js'
import { TrialCallback, type BatchEvent, type Decision } from './trial-callback.js'
import type { TensorPair } from './trial-data.js'

/** The data of one trial (this rank's shard), as tensors Kiln owns and disposes. */
export interface TrialData {
  train: TensorPair
  /** Absent when training.validationSplit is 0. */
  validation?: TensorPair
  /** Absent when the dataset has no test set and training.testSplit is 0. */
  test?: TensorPair
  numClasses: number
  sampleShape: number[]
}

/**
 * Hyperparameters from the spec plus model.params; model.params wins on a clash, so a script
 * can rename or override anything.
 */
export interface TrialParams {
  epochs: number
  batchSize: number
  learningRate: number
  optimizer: string
  loss: string
  seed: number
  validationSplit: number
  [param: string]: unknown
}

export type { TrialReport } from './trial-report.js'

/** A model a trial can checkpoint: a tfjs model, or anything that captures its own checkpoint bytes. */
export type Checkpointable =
  | tf.LayersModel
  | { checkpoint(epochs: number, reports: readonly TrialReport[]): Promise<Uint8Array> }

/** When a trial saves checkpoints, and where they go. */
export interface CheckpointPolicy {
  /** Every this many epochs (default 1 when everyMs is not given either). */
  everyEpochs?: number
  /** Or when this long has passed since the last one, at an epoch end. */
  everyMs?: number
  save(bytes: Uint8Array, epoch: number): Promise<void>
}

export interface TrialContextOptions {
  spec: Spec
  data: () => Promise<TrialData>
  /** Answers each report: locally always 'continue'; in a sweep, the scheduler. */
  reporter: (report: TrialReport) => Promise<Decision>
  logger: Logger
  onBatch?: (event: BatchEvent) => void
  signal?: AbortSignal
  /** The ranks of a data-parallel trial (default: this one alone); rank and worldSize are its. */
  collective?: Collective
  /** Buckets and compression of ctx.distributed(). */
  distributed?: DistributedOptions
  /** Saves checkpoints at epoch ends (cluster trials). */
  checkpoint?: CheckpointPolicy
  /** Carry on from this checkpoint: its weights, optimizer state, epoch and reports. */
  resume?: Checkpoint
  /**
   * False when `resume` is another trial's checkpoint (a PBT donor's): its weights and epoch
   * carry over, its reports do not, so this trial reports only its own training.
   */
  resumeReports?: boolean
}

/** The params a trial sees (see TrialParams). */
export function trialParams(spec: Spec): TrialParams {
  const own = 'script' in spec.model ? spec.model.params : {}
  return {
    epochs: spec.training.epochs,
    batchSize: spec.training.batchSize,
    learningRate: spec.optimizer.learningRate,
    optimizer: spec.optimizer.name,
    loss: spec.loss,
    seed: spec.training.seed,
    validationSplit: spec.training.validationSplit,
    ...own,
  }
}

/** What Kiln hands a trial: params, data, reporting, callbacks and the distributed optimizer. */
export class TrialContext {
  readonly spec: Spec
  readonly params: TrialParams
  /** This process's rank in a data-parallel trial, and how many ranks there are. */
  readonly rank: number
  readonly worldSize: number
  readonly signal: AbortSignal | undefined
  private dataPromise: Promise<TrialData> | undefined
  private steps: number
  /** Every report so far, including those before a resume. */
  readonly history: TrialReport[]
  private lastCheckpointAt = performance.now()
  private stopRequested = false
  // Whether ctx.callbacks() reported the latest step (see report()).
  private stepByCallbacks = false
  private abortedAt: { epoch: number; batch: number } | undefined
  private readonly collective: Collective
  private readonly wrapped: DistributedOptimizer[] = []

  constructor(private readonly options: TrialContextOptions) {
    this.spec = options.spec
    this.params = trialParams(options.spec)
    this.collective = options.collective ?? soloCollective
    this.rank = this.collective.rank
    this.worldSize = this.collective.worldSize
    this.signal = options.signal
    const inherited = options.resume && options.resumeReports !== false ? options.resume.reports : []
    this.history = inherited.map((r) => ({ ...r }))
    this.steps = options.resume?.epoch ?? 0
  }

  /** The checkpoint this trial resumes from, if any (builtin trials restore it themselves). */
  get resumeFrom(): Checkpoint | undefined {
    return this.options.resume
  }

  /** The epoch to start at: 0, or the epochs a resumed checkpoint had completed. */
  get initialEpoch(): number {
    return this.options.resume?.epoch ?? 0
  }

  /** Saves a checkpoint of `model` now (epochs = completed epochs), if this trial keeps them. */
  async checkpointNow(model: Checkpointable, epochs = this.steps): Promise<void> {
    const policy = this.options.checkpoint
    if (!policy) return
    this.lastCheckpointAt = performance.now()
    const bytes =
      'checkpoint' in model
        ? await model.checkpoint(epochs, this.history)
        : await captureCheckpoint(model, epochs, this.history)
    await policy.save(bytes, epochs)
  }

  /**
   * Checkpoints after an epoch's report when the policy says one is due; the fit callback
   * calls it, and so do trainers that do not use fit (gbdt).
   */
  async epochDone(model: Checkpointable): Promise<void> {
    const policy = this.options.checkpoint
    if (!policy) return
    const every = policy.everyEpochs ?? (policy.everyMs === undefined ? 1 : undefined)
    const dueByEpoch = every !== undefined && this.steps % every === 0
    const dueByTime = policy.everyMs !== undefined && performance.now() - this.lastCheckpointAt >= policy.everyMs
    if (dueByEpoch || dueByTime) await this.checkpointNow(model)
  }

  /** Train / validation / test tensors with one-hot labels; loaded once, shared by every call. */
  data(): Promise<TrialData> {
    return (this.dataPromise ??= this.options.data())
  }

  /** The step of the latest report (an epoch, when ctx.callbacks() reports); 0 before any. */
  get step(): number {
    return this.steps
  }

  /**
   * Reports metrics; the answer says whether to go on. Steps: `ctx.callbacks()` reports one
   * step per epoch. `options.step` names the step a report belongs to (the latest step again
   * merges into it; an earlier one is refused). Without it, a report joins the latest step
   * when ctx.callbacks() reported that step (a custom metric of that epoch: it never counts
   * as an epoch of its own, nor hides the epoch's metrics), and is the next step otherwise (a
   * trial that reports by hand counts its own steps).
   */
  async report(
    metrics: Record<string, number>,
    options: { step?: number; durationMs?: number; samplesPerSecond?: number } = {},
  ): Promise<Decision> {
    if (metrics === null || typeof metrics !== 'object')
      throw new ValidationError('metrics', 'a mapping of metric names to numbers')
    for (const [key, value] of Object.entries(metrics)) {
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new ValidationError(`metrics.${key}`, `a finite number, got ${String(value)}`)
    }
    const { step: asked, ...extra } = options
    const latest = this.steps
    const step = asked ?? (this.stepByCallbacks && latest > 0 ? latest : latest + 1)
    if (!Number.isInteger(step) || step < Math.max(1, latest))
      throw new ValidationError('step', `an integer >= ${Math.max(1, latest)} (reports come in step order)`, {
        got: String(asked),
      })
    return this.record(step, metrics, extra, false)
  }

  // Keeps one report (merged into the latest when it is of the same step) and asks for a decision.
  private async record(
    step: number,
    metrics: Record<string, number>,
    extra: { durationMs?: number; samplesPerSecond?: number },
    byCallbacks: boolean,
  ): Promise<Decision> {
    const averaged = this.worldSize > 1 ? await this.averaged(metrics, extra) : { metrics: { ...metrics }, extra }
    const last = this.history[this.history.length - 1]
    let report: TrialReport
    if (last && last.step === step) {
      report = { ...last, ...averaged.extra, metrics: { ...last.metrics, ...averaged.metrics } }
      this.history[this.history.length - 1] = report
    } else {
      report = { step, metrics: averaged.metrics, ...averaged.extra }
      this.history.push(report)
    }
    this.steps = step
    this.stepByCallbacks = byCallbacks || (this.stepByCallbacks && last?.step === step)
    const decision = await this.decide(report)
    if (decision === 'stop') this.stopRequested = true
    return decision
  }

  // An epoch's report from ctx.callbacks(): its epoch is its step, unless a second fit started
  // counting again (then it goes on after the latest step).
  private reportEpoch(
    metrics: Record<string, number>,
    extra: { durationMs: number; samplesPerSecond: number; epoch: number },
  ): Promise<Decision> {
    const { epoch, ...rest } = extra
    return this.record(
      Math.max(epoch, this.steps === 0 ? 1 : this.steps + (epoch < this.steps ? 1 : 0)),
      metrics,
      rest,
      true,
    )
  }

  // Every rank reports the mean over ranks (throughput: the sum), in one all-reduce.
  private async averaged(metrics: Record<string, number>, extra: { durationMs?: number; samplesPerSecond?: number }) {
    const keys = Object.keys(metrics).sort()
    const buf = Float32Array.from([...keys.map((k) => metrics[k]!), extra.durationMs ?? 0, extra.samplesPerSecond ?? 0])
    await this.collective.allReduce(buf, { average: false })
    const n = this.worldSize
    return {
      metrics: Object.fromEntries(keys.map((k, i) => [k, buf[i]! / n])),
      extra: {
        ...(extra.durationMs !== undefined ? { durationMs: buf[keys.length]! / n } : {}),
        ...(extra.samplesPerSecond !== undefined ? { samplesPerSecond: buf[keys.length + 1]! } : {}),
      },
    }
  }

  // Rank 0 reports (once for the trial); the answer is broadcast, so all ranks stop together.
  private async decide(report: TrialReport): Promise<Decision> {
    if (this.worldSize === 1) return this.options.reporter(report)
    const stop = new Float32Array(1)
    if (this.rank === 0) stop[0] = (await this.options.reporter(report)) === 'stop' ? 1 : 0
    await this.collective.broadcast(stop, 0)
    return stop[0] === 1 ? 'stop' : 'continue'
  }

  /** Callbacks for model.fit: report each epoch, show progress, stop when told to. */
  callbacks(): tf.Callback[] {
    return [
      ...(this.worldSize > 1 ? [new RankSync(this.collective, () => this.wrapped)] : []),
      new TrialCallback({
        epochs: this.params.epochs,
        report: (metrics, extra) => this.reportEpoch(metrics, extra),
        ...(this.options.onBatch ? { onBatch: this.options.onBatch } : {}),
        ...(this.signal ? { signal: this.signal } : {}),
        aborted: (where) => {
          this.abortedAt ??= where
        },
        epochDone: (model) => this.epochDone(model),
      }),
    ]
  }

  /**
   * Wraps an optimizer so ranks average their gradients (bucketed all-reduce; pass
   * ctx.callbacks() to fit, which finish each step); the identity with one replica.
   */
  distributed<T extends tf.Optimizer>(optimizer: T): T {
    if (this.worldSize === 1) return optimizer
    const wrapped = new DistributedOptimizer(optimizer, this.collective, this.options.distributed)
    this.wrapped.push(wrapped)
    return wrapped as unknown as T
  }

  /** The distributed optimizers made so far (their timing stats). */
  get distributedOptimizers(): readonly DistributedOptimizer[] {
    return this.wrapped
  }

  /** A fresh optimizer as the spec's `optimizer:` section describes. */
  optimizer(): tf.Optimizer {
    return createOptimizer(this.spec.optimizer)
  }

  /** Logs a structured line for this trial. */
  log(message: string, data: Record<string, unknown> = {}): void {
    this.options.logger('info', message, data)
  }

  /** Whether a report was answered 'stop' (the trial should wind down). */
  get shouldStop(): boolean {
    return this.stopRequested
  }

  /** Records that an abort stopped training at this epoch (trainers that do not use fit). */
  noteAbort(epoch: number): void {
    this.abortedAt ??= { epoch, batch: 0 }
  }

  /** Where an abort stopped the fit, if one did. */
  get abortedWhere(): { epoch: number; batch: number } | undefined {
    return this.abortedAt
  }
}
