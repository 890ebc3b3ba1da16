// `kiln eval MODEL DATASET`: any registered model version (or a model folder) evaluated on
// any dataset: a path or registered name as in a job spec, or a dataset stored in the
// cluster (kiln data import). Prints every figure of the task, or JSON.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { ValidationError } from '@kiln/protocol'
import type { LayersModel } from '@tensorflow/tfjs'
import type { Dataset, FittedPreprocessing, ResolvedDataset } from '@kiln/data'
import type { KilnModelMetadata, TestMetrics } from '@kiln/train'
import { CONNECTION_FLAGS, connectFromFlags } from '../cluster-connect.js'
import { evaluationText } from '../evaluation-text.js'
import { ExitCode } from '../exit-codes.js'
import { thousands } from '../format.js'
import type { CliIo } from '../io.js'
import { parseFlags } from '../parse-flags.js'
import { reportError } from '../report-error.js'
import { UsageError } from '../usage-error.js'

const HELP = `Usage: kiln eval MODEL[@VERSION|@ALIAS] DATASET [--split test|train] [--json]

Evaluates a model on a dataset and prints accuracy, per-class precision/recall/F1 with
support, macro and weighted averages, log loss, top-k accuracy, ROC-AUC and PR-AUC, and
the confusion matrix.

  MODEL     a registered model (NAME, NAME@3, NAME@champion), or a model folder
            (what kiln train writes)
  DATASET   a path or registered name as in a job spec (fashion-mnist, data.csv,
            x.npy, ...), or a dataset stored in the cluster (kiln data ls)

Options:
      --split test|train   which part of DATASET (default: its test set if it has one,
                           else all of it)
      --json               the evaluation as one JSON object
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)
`

const FLAGS = {
  split: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...CONNECTION_FLAGS,
} as const

/** `kiln eval`. */
export async function evalCommand(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json')
  let nc: NatsConnection | undefined
  let cacheDir: string | undefined
  try {
    const { values, positionals } = parseFlags('kiln eval', argv, FLAGS)
    if (values.help) {
      io.stdout.write(HELP)
      return ExitCode.ok
    }
    if (positionals.length !== 2)
      throw new UsageError(
        `expected MODEL and DATASET (kiln eval MODEL DATASET), got ${positionals.length} argument(s)`,
      )
    const split = values.split as string | undefined
    if (split !== undefined && split !== 'test' && split !== 'train')
      throw new UsageError(`--split: expected test or train, got ${JSON.stringify(split)}`)
    const cluster = async () => (nc ??= await connectFromFlags(values, io, 'client'))
    const [modelArg, datasetArg] = positionals as [string, string]
    const train = await import('@kiln/train')
    // Before the model loads, so its weights are created on kiln (lazy: `kiln --help` loads no tfjs).
    await (await import('@kiln/backend')).selectKilnBackend({ gpu: false })
    const { evaluate, label } = await loadModel(modelArg, io, cluster, train)
    let data: ResolvedDataset
    try {
      data = await (await import('@kiln/data')).resolveDataset(train.datasetLocation(datasetArg, io.cwd))
    } catch (err) {
      if (!notFound(err)) throw err
      // Not a file or registered name here: maybe the cluster stores it. Without a cluster,
      // or without it there either, the local error says best what was looked for.
      const remote = await cluster().catch(() => undefined)
      if (!remote) throw err
      cacheDir = await mkdtemp(join(tmpdir(), 'kiln-eval-'))
      data = await clusterDataset(remote, datasetArg, cacheDir).catch((e: unknown) => {
        throw notFound(e) ? err : e
      })
    }
    const set = pick(data, split, datasetArg)
    const metrics = await evaluate(set.data)
    const out = {
      model: label,
      dataset: datasetArg,
      split: set.name,
      count: metrics.count,
      loss: metrics.loss,
      evaluation: metrics.evaluation,
    }
    if (json) io.stdout.write(`${JSON.stringify(out)}\n`)
    else {
      io.stdout.write(
        `${label} on ${datasetArg} (${set.name}, ${thousands(metrics.count)} samples): ${[metrics.accuracy !== undefined ? `accuracy ${metrics.accuracy.toFixed(4)}` : '', metrics.loss !== undefined ? `loss ${metrics.loss.toFixed(4)}` : ''].filter(Boolean).join(', ')}\n`,
      )
      if (metrics.evaluation) io.stdout.write(evaluationText(metrics.evaluation, { color: io.stdout.isTTY === true }))
    }
    return ExitCode.ok
  } catch (err) {
    return reportError(err, io, { command: 'kiln eval', json })
  } finally {
    await nc?.close().catch(() => undefined)
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true })
  }
}

type Train = typeof import('@kiln/train')

function notFound(err: unknown): boolean {
  const code = (err as { code?: string }).code
  return code === 'DATASET_NOT_FOUND' || code === 'not_found'
}

/** A loaded model as kiln eval uses it: raw rows of a dataset in, its test figures out. */
interface Evaluator {
  label: string
  evaluate(data: Dataset): Promise<TestMetrics>
}

// A folder on disk is a model folder; anything else names a registered version.
async function loadModel(
  arg: string,
  io: CliIo,
  cluster: () => Promise<NatsConnection>,
  train: Train,
): Promise<Evaluator> {
  const dir = resolve(io.cwd, arg)
  if ((await stat(dir).catch(() => null))?.isDirectory()) {
    const names = await readdir(dir)
    if (!names.includes(train.MODEL_JSON)) return predictorEvaluator(await train.readModelDir(dir), arg, train)
    const loaded = await train.loadModel(dir)
    return layersEvaluator(loaded.model, arg, loaded.metadata?.preprocessing, train)
  }
  const { ModelsClient } = await import('@kiln/client')
  const client = new ModelsClient(await cluster())
  const { record, archived } = await client.show(arg)
  if (archived)
    throw new ValidationError('MODEL', 'a version whose files are kept (this one is archived)', { got: arg })
  const files = await client.files(record)
  const where = `${record.model}@${record.version}`
  if (!files.has(train.MODEL_JSON)) return predictorEvaluator(files, where, train)
  const meta = files.get(train.METADATA_JSON)
  const preprocessing = meta
    ? (JSON.parse(new TextDecoder().decode(meta)) as KilnModelMetadata).preprocessing
    : undefined
  const model = await train.loadLayersModelFiles(files, where)
  return layersEvaluator(model, where, preprocessing, train)
}

// A TF.js model trained with preprocessing takes raw features: its fitted steps come first.
function layersEvaluator(
  model: LayersModel,
  label: string,
  preprocessing: FittedPreprocessing | undefined,
  train: Train,
): Evaluator {
  return {
    label,
    async evaluate(data) {
      const input = preprocessing ? (await import('@kiln/data')).preprocessDataset(data, preprocessing) : data
      try {
        return (await train.evaluateModel(model, input)).metrics
      } finally {
        model.dispose()
      }
    },
  }
}

// Gradient-boosted trees or an ensemble: a Predictor, which applies the preprocessing each
// model (each member) was trained with to the raw rows itself.
async function predictorEvaluator(files: ReadonlyMap<string, Uint8Array>, label: string, train: Train) {
  const predictor = await train.loadPredictor(files, label, train.MODEL_KINDS)
  return {
    label,
    async evaluate(data: Dataset) {
      try {
        return (await train.evaluatePredictor(predictor, data)).metrics
      } finally {
        predictor.dispose()
      }
    },
  }
}

async function clusterDataset(nc: NatsConnection, ref: string, cacheDir: string): Promise<ResolvedDataset> {
  const { bindLayout } = await import('@kiln/cluster-state')
  const { fetchDataset } = await import('@kiln/data')
  return fetchDataset((await bindLayout(nc)).objects.datasets, ref, { cacheDir })
}

function pick(data: ResolvedDataset, split: string | undefined, arg: string): { name: string; data: Dataset } {
  if (split === 'train') return { name: 'train', data: data.train }
  if (split === 'test' && !data.test)
    throw new ValidationError(
      '--split',
      `a dataset with a test set (${arg} has none; leave --split out to use all of it)`,
    )
  return data.test ? { name: 'test', data: data.test } : { name: 'all', data: data.train }
}
