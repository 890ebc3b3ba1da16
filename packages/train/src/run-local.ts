// `kiln train`: one trial on this machine, from spec to a saved model.
import { selectKilnBackend, CUDA_BACKEND_NAME } from '@kiln/backend'
import * as tf from '@tensorflow/tfjs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveDataset, type ResolvedDataset } from '@kiln/data'
import { setThreads } from '@kiln/native'
import { readCheckpoint } from './checkpoint.js'
import { readModelDir } from './load.js'
import { TrialContext, type CheckpointPolicy, type TrialData, type TrialReport } from './context.js'
import { TrainingAbortedError } from './errors.js'
import { evaluateModel } from './evaluate.js'
import { jsonLineSink, makeLogger, type Logger, type LogSink } from './log.js'
import { modelMetadata } from './metadata.js'
import { specSignature } from './spec-signature.js'
import { objectiveOf, type EpochMetrics, type TrainMetrics } from './metrics.js'
import { evaluateGbdt } from './gbdt/gbdt-evaluate.js'
import { GbdtModel } from './gbdt/gbdt-model.js'
import { trainGbdt } from './gbdt/gbdt-trial.js'
import { isBuiltin } from './model-spec.js'
import { EnsembleModel } from './ensemble/ensemble-model.js'
import { trainEnsemble, type CandidateFiles } from './ensemble/ensemble-trial.js'
import { evaluatePredictor } from './ensemble/evaluate-predictor.js'
import type { ModelFiles } from './model-files.js'
import { checkSaveTarget, saveModel } from './save.js'
import type { Collective } from './collective/collective.js'
import type { DistributedOptions } from './collective/distributed-optimizer.js'
import { rankData } from './collective/rank-data.js'
import { runScriptTrial, scriptPath } from './script-trial.js'
import type { Spec } from './spec-schema.js'
import { trainBuiltin } from './builtin-trial.js'
import type { BatchEvent, Decision } from './trial-callback.js'
import { checkFinite, datasetLocation, prepareData, toTensors, type PreparedData } from './trial-data.js'
import { narrator } from './narrate.js'
import type { EpochEvent, StartEvent } from './train-events.js'

export type { EpochEvent, StartEvent } from './train-events.js'

export interface TrainLocalOptions {
  /** Where the model directory goes (replaced atomically if it exists). */
  outDir: string
  /** Relative dataset and script paths count from here: the spec file's directory. Default: cwd. */
  baseDir?: string
  /** Train on these instead of loading spec.dataset. */
  datasets?: ResolvedDataset
  onStart?: (event: StartEvent) => void
  onEpoch?: (event: EpochEvent) => void
  /** About ten a second at most, plus the last batch of each epoch. */
  onBatch?: (event: BatchEvent) => void
  /** Structured logs (ctx.log, warnings); default: JSON lines on stderr. */
  log?: LogSink
  /**
   * Also log what the run does (data, each epoch, the test evaluation) at info level: for
   * runs nobody watches through onStart/onEpoch, whose log is their record (cluster trials).
   */
  narrate?: boolean
  /** Aborting stops after the current batch; trainLocal then throws TrainingAbortedError. */
  signal?: AbortSignal
  /** Answers each report (a sweep's scheduler); default: always 'continue'. */
  decide?: (report: TrialReport) => Promise<Decision>
  /** Save checkpoints at epoch ends (and, with onAbort, when the signal stops the run). */
  checkpoint?: CheckpointPolicy & { onAbort?: boolean }
  /** A checkpoint (as checkpoint.save received it) to carry on from. */
  resumeFrom?: Uint8Array
  /** Whether resumeFrom's reports are this run's history (default) or another trial's (PBT: weights only). */
  resumeReports?: boolean
  /**
   * The ranks of a data-parallel trial: this rank trains on its shard, gradients and
   * metrics are averaged, and only rank 0 evaluates and saves (other ranks return no model).
   */
  collective?: Collective
  /** An ensemble's candidates: each stored model's files by the artifact name its spec lists. */
  candidates?: CandidateFiles
}

export interface TrainResult {
  name: string
  metrics: TrainMetrics
  /** Where the model was saved; undefined for a script trial that returned no model, and on ranks other than 0. */
  modelDir?: string
  /** Whole run: loading, training, evaluation and saving. */
  durationMs: number
  /** Training samples per second over the epochs reported. */
  samplesPerSecond: number
  epochsRun: number
  /** A report was answered 'stop' before the last epoch. */
  stoppedEarly: boolean
}

// Registers Kiln's backends (importing @kiln/backend does not) and uses the CUDA one when
// asked for and present; a local run without one still works, on the CPU, with a warning
// rather than a failure.
async function selectBackend(spec: Spec, log: Logger, distributed: boolean): Promise<void> {
  if (spec.resources.threads !== undefined) setThreads(spec.resources.threads)
  if (spec.resources.replicas > 1 && !distributed)
    log('warn', `resources.replicas is ${spec.resources.replicas}; a local run trains one replica`)
  const backend = await selectKilnBackend({ gpu: spec.resources.gpu })
  if (spec.resources.gpu && backend !== CUDA_BACKEND_NAME)
    log('warn', 'resources.gpu is true but no GPU backend is available here; training on the CPU')
}

function lazyTensors(data: PreparedData): { load: () => Promise<TrialData>; dispose: () => void } {
  let made: TrialData | undefined
  return {
    load: async () =>
      (made ??= {
        train: toTensors(data.train),
        ...(data.validation ? { validation: toTensors(data.validation) } : {}),
        ...(data.test ? { test: toTensors(data.test) } : {}),
        numClasses: data.train.numClasses,
        sampleShape: [...data.train.sampleShape],
      }),
    dispose: () => {
      if (made) tf.dispose([made.train, made.validation, made.test].flatMap((p) => (p ? [p.x, p.y] : [])))
    },
  }
}

/**
 * Trains the spec's model on this machine, evaluates it on the test set and saves it (TF.js
 * files + kiln-model.json) to options.outDir.
 */
export async function trainLocal(spec: Spec, options: TrainLocalOptions): Promise<TrainResult> {
  const started = performance.now()
  const signal = options.signal
  if (signal?.aborted) throw new TrainingAbortedError()
  // Before any work: finding out after an hour of training that --out is unusable would hurt.
  await checkSaveTarget(options.outDir)
  const sink = options.log ?? jsonLineSink()
  const log = makeLogger(sink, 'train', { trial: spec.name })
  const baseDir = options.baseDir ?? process.cwd()
  const rank = options.collective?.rank ?? 0
  const worldSize = options.collective?.worldSize ?? 1
  await selectBackend(spec, log, worldSize > 1)
  // Resolved once: an ensemble that refits its members trains each on the same data.
  const datasets = options.datasets ?? (await resolveDataset(datasetLocation(spec.dataset, baseDir)))
  const data = rankData(await prepareData(spec, { baseDir, datasets }), rank, worldSize)
  checkFinite(spec, data, (message) => log('warn', message))
  if (signal?.aborted) throw new TrainingAbortedError()
  const model = 'builtin' in spec.model ? spec.model.builtin : 'script'
  const story = options.narrate ? narrator(log) : undefined
  const onStart = (e: StartEvent) => {
    story?.start(e)
    options.onStart?.(e)
  }
  const onEpoch = (e: EpochEvent) => {
    story?.epoch(e)
    options.onEpoch?.(e)
  }
  onStart({
    name: spec.name,
    dataset: spec.dataset,
    backend: tf.getBackend(),
    model,
    epochs: spec.training.epochs,
    batchSize: spec.training.batchSize,
    sampleShape: [...data.train.sampleShape],
    numClasses: data.train.numClasses,
    counts: { train: data.train.count, validation: data.validation?.count ?? 0, test: data.test?.count ?? 0 },
    testFrom: data.testFrom,
  })

  const reporter = async (report: TrialReport): Promise<Decision> => {
    onEpoch({
      epoch: report.step,
      epochs: spec.training.epochs,
      metrics: report.metrics,
      ...(report.durationMs !== undefined ? { durationMs: report.durationMs } : {}),
      ...(report.samplesPerSecond !== undefined ? { samplesPerSecond: report.samplesPerSecond } : {}),
    })
    return options.decide ? options.decide(report) : 'continue'
  }
  const tensors = lazyTensors(data)
  const ctx = new TrialContext({
    spec,
    data: tensors.load,
    reporter,
    logger: makeLogger(sink, 'trial', { trial: spec.name }),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    ...(signal ? { signal } : {}),
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    ...(options.resumeFrom ? { resume: readCheckpoint(options.resumeFrom, 'resumeFrom') } : {}),
    ...(options.resumeReports === false ? { resumeReports: false } : {}),
    ...(options.collective ? { collective: options.collective, distributed: distributedOptions(spec) } : {}),
  })
  const reports = ctx.history

  let trained: tf.LayersModel | GbdtModel | EnsembleModel | undefined
  try {
    trained =
      'builtin' in spec.model && spec.model.builtin === 'ensemble'
        ? await trainEnsemble(ctx, data, options.candidates ?? new Map(), (member) =>
            trainMember(member, { baseDir, datasets, log: sink, ...(signal ? { signal } : {}) }),
          )
        : 'builtin' in spec.model && spec.model.builtin === 'gbdt'
          ? await trainGbdt(ctx, data)
          : isBuiltin(spec.model)
            ? await trainBuiltin(ctx, data)
            : await runScriptTrial(ctx, scriptPath((spec.model as { script: string }).script, baseDir))
  } finally {
    tensors.dispose()
  }
  try {
    if (ctx.abortedWhere || signal?.aborted) {
      // A drained trial hands its progress back: the next attempt resumes from here.
      if (options.checkpoint?.onAbort && trained && !(trained instanceof EnsembleModel))
        await ctx.checkpointNow(trained, reports.length)
      throw new TrainingAbortedError(ctx.abortedWhere)
    }
    story?.stopped(reports.length, ctx.shouldStop && reports.length < spec.training.epochs)
    const epochsOnly: EpochMetrics[] = reports.map((r) => ({ epoch: r.step, ...r.metrics }))
    if (!trained || rank !== 0) {
      // An objective-function trial, or a rank other than 0: the reports are the whole result.
      return {
        name: spec.name,
        metrics: { epochs: epochsOnly, objective: objectiveOf(epochsOnly, spec.metric) },
        durationMs: performance.now() - started,
        samplesPerSecond: throughput(reports),
        epochsRun: reports.length,
        stoppedEarly: ctx.shouldStop && reports.length < spec.training.epochs,
      }
    }
    const evaluation = !data.test
      ? undefined
      : trained instanceof GbdtModel
        ? await evaluateGbdt(trained, data.test)
        : trained instanceof EnsembleModel
          ? await evaluatePredictor(trained, data.test)
          : await evaluateModel(trained, data.test)
    if (evaluation) story?.tested(evaluation.metrics)
    const epochs: EpochMetrics[] = reports.map((r) => ({ epoch: r.step, ...r.metrics }))
    const metrics: TrainMetrics = {
      epochs,
      ...(evaluation ? { test: evaluation.metrics } : {}),
      objective: objectiveOf(epochs, spec.metric),
    }
    const samplesPerSecond = throughput(reports)
    const stoppedEarly = ctx.shouldStop && reports.length < spec.training.epochs
    const metadata = modelMetadata({
      spec,
      data,
      metrics,
      ...(evaluation?.predictions ? { predictions: evaluation.predictions } : {}),
      signature:
        trained instanceof GbdtModel
          ? specSignature(
              spec,
              [{ shape: [null, trained.info.numFeatures] }],
              [{ shape: [null, trained.outputs] }],
              data.source.classNames,
            )
          : trained instanceof EnsembleModel
            ? specSignature(
                spec,
                [{ shape: [null, ...trained.sampleShape] }],
                [{ shape: [null, trained.outputs] }],
                data.source.classNames,
              )
            : specSignature(spec, trained.inputs, trained.outputs, data.source.classNames),
      training: { durationMs: performance.now() - started, samplesPerSecond, epochsRun: reports.length, stoppedEarly },
    })
    const saved = await saveModel(trained, options.outDir, metadata)
    return {
      name: spec.name,
      metrics,
      modelDir: saved.dir,
      durationMs: performance.now() - started,
      samplesPerSecond,
      epochsRun: reports.length,
      stoppedEarly,
    }
  } finally {
    trained?.dispose()
  }
}

/** Trains an ensemble member's refit spec in a folder of its own, and returns its saved files. */
async function trainMember(
  spec: Spec,
  options: Pick<TrainLocalOptions, 'baseDir' | 'datasets' | 'log' | 'signal'>,
): Promise<ModelFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-refit-'))
  try {
    const { modelDir } = await trainLocal(spec, { ...options, outDir: join(dir, 'model') })
    return modelDir ? await readModelDir(modelDir) : new Map()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

// resources.bucketMB, compression and errorFeedback as the distributed optimizer takes them.
function distributedOptions(spec: Spec): DistributedOptions {
  const r = spec.resources
  return {
    ...(r.bucketMB !== undefined ? { bucketBytes: Math.round(r.bucketMB * 1024 * 1024) } : {}),
    ...(r.compression !== undefined ? { compression: r.compression } : {}),
    ...(r.errorFeedback !== undefined ? { errorFeedback: r.errorFeedback } : {}),
  }
}

// Samples seen over time spent, from the reports that carried timings (fit callbacks do).
function throughput(reports: readonly TrialReport[]): number {
  let samples = 0
  let ms = 0
  for (const r of reports) {
    if (r.durationMs === undefined || r.samplesPerSecond === undefined) continue
    samples += (r.samplesPerSecond * r.durationMs) / 1000
    ms += r.durationMs
  }
  return ms > 0 ? samples / (ms / 1000) : 0
}
