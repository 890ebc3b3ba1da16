// `kiln autopilot DATASET [--target COL] [--metric M] [--budget 10m] [--deploy]`: from a
// table (or a prepared dataset) to a registered, explained, optionally deployed ensemble.
// The data is read and judged here before anything reaches the cluster; the search is an
// ordinary sweep there, so this command may be interrupted and run again to pick it up.
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import type { AnalyzedInput, AutopilotMetric, ProblemKind } from '@kiln/autopilot'
import { CONNECTION_FLAGS, connectFromFlags } from '../cluster-connect.js'
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { parseFlags } from '../parse-flags.js'
import { reportError } from '../report-error.js'
import { UsageError } from '../usage-error.js'
import { autopilotPrinter } from './autopilot-text.js'

const HELP = `Usage: kiln autopilot DATASET [--target COL] [--problem P] [--metric M] [--budget 10m]
                      [--deploy] [--endpoint E] [--no-refit] [--json]

Finds a good model for DATASET by itself: detects the problem (binary, multiclass or
regression) and each column's type, searches gradient-boosted trees, linear models and
MLPs (CNNs and MLPs for images) as one sweep with a conditional search space (TPE, with
ASHA stopping weak trials early), builds an ensemble of the best trials (ensemble
selection on the validation split), registers it as one model, explains it (leaderboard
by family, per-class test figures, permutation feature importance) and with --deploy puts
it behind an endpoint. Interrupting leaves the sweep running in the cluster: run the same
command again to pick it up.

  DATASET   a CSV file (header row optional), a registered dataset (fashion-mnist, ...), or a
            dataset the cluster stores (kiln data ls)

Options:
  -t, --target COL     the column to predict (CSV only; default: the last column)
      --problem P      binary, multiclass or regression (default: detected from the target)
  -m, --metric M       accuracy or log_loss (classes), mse or rmse (regression)
  -b, --budget D       time for the whole run, like 10m, 1h, 90s (default 10m)
      --deploy         put the result behind an endpoint
      --endpoint E     the endpoint's name (default: the model's)
      --seed N         the seed of splits and search (default 42)
      --no-refit       keep the ensemble's members as selected, rather than training them
                       again on the training and validation rows once they are chosen
                       (those whose refit would not fit in the budget are kept anyway)
      --json           one JSON object per step, the result last
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)
`

const FLAGS = {
  target: { type: 'string', short: 't' },
  problem: { type: 'string' },
  metric: { type: 'string', short: 'm' },
  budget: { type: 'string', short: 'b' },
  deploy: { type: 'boolean' },
  endpoint: { type: 'string' },
  seed: { type: 'string' },
  'no-refit': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...CONNECTION_FLAGS,
} as const

const PROBLEMS = ['binary', 'multiclass', 'regression']
const METRICS = ['accuracy', 'log_loss', 'mse', 'rmse']

function oneOf(flag: string, value: string | undefined, allowed: string[]): string | undefined {
  if (value !== undefined && !allowed.includes(value))
    throw new UsageError(`--${flag}: expected ${allowed.join(', ')}, got ${JSON.stringify(value)}`)
  return value
}

/** `kiln autopilot`. */
export async function autopilotCommand(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json')
  let nc: NatsConnection | undefined
  let stopInterrupt = () => {}
  try {
    const { values, positionals } = parseFlags('kiln autopilot', argv, FLAGS)
    if (values.help) {
      io.stdout.write(HELP)
      return ExitCode.ok
    }
    if (positionals.length !== 1)
      throw new UsageError(
        `kiln autopilot: expected one DATASET, got ${positionals.length} (see kiln autopilot --help)`,
      )
    const autopilot = await import('@kiln/autopilot')
    const budgetMs = autopilot.parseDuration(values.budget ?? '10m')
    if (budgetMs === undefined || budgetMs < 10_000)
      throw new UsageError(
        `--budget: expected a duration of at least 10s like 10m or 1h30m, got ${JSON.stringify(values.budget)}`,
      )
    const seed = values.seed === undefined ? 42 : Number(values.seed)
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new UsageError(`--seed: expected an integer from 0 to 4294967295, got ${JSON.stringify(values.seed)}`)
    const target = {
      ...(values.target ? { target: values.target } : {}),
      ...(values.problem ? { problem: oneOf('problem', values.problem, PROBLEMS) as ProblemKind } : {}),
    }
    const metric = oneOf('metric', values.metric, METRICS) as AutopilotMetric | undefined
    const arg = positionals[0]!
    const path = resolve(io.cwd, arg)
    const connect = async () => (nc ??= await connectFromFlags(values, io, 'client'))
    // A file is judged before connecting: bad input never needs a cluster to be refused.
    let input: AnalyzedInput
    if ((await stat(path).catch(() => null))?.isFile()) {
      if (!path.endsWith('.csv'))
        throw new UsageError(`DATASET: expected a .csv file, a registered dataset or a stored one, got ${arg}`)
      input = autopilot.analyzeCsv(await readFile(path, 'utf8'), arg, target)
    } else {
      input = autopilot.analyzeDataset(await preparedDataset(arg, await connect()), arg, target)
    }
    autopilot.metricFor(input.problem.kind, metric)
    const print = autopilotPrinter(io, json, input)
    const interrupted = new Promise<never>((_, fail) => {
      stopInterrupt = io.onInterrupt(() => fail(new Error('interrupted')))
    })
    const result = await Promise.race([
      autopilot.runAutopilot(
        await connect(),
        input,
        {
          budgetMs,
          seed,
          ...(metric ? { metric } : {}),
          ...(values.deploy ? { deploy: true } : {}),
          ...(values.endpoint ? { endpoint: values.endpoint } : {}),
          ...(values['no-refit'] ? { refit: false } : {}),
        },
        print.event,
      ),
      interrupted,
    ]).catch((err: unknown) => {
      if ((err as Error).message === 'interrupted') return undefined
      throw err
    })
    if (result === undefined) {
      print.interrupted()
      return ExitCode.interrupted
    }
    print.result(result)
    return (result.ensemble || result.sweep.model) && !result.deployError ? ExitCode.ok : ExitCode.failed
  } catch (err) {
    return reportError(err, io, { command: 'kiln autopilot', json })
  } finally {
    stopInterrupt()
    await nc?.close().catch(() => undefined)
  }
}

// A registered name (fashion-mnist) is loaded here; anything else must be stored in the cluster.
async function preparedDataset(ref: string, nc: NatsConnection) {
  const data = await import('@kiln/data')
  if (data.registeredDatasets().includes(ref)) return data.resolveDataset(ref)
  const { bindLayout } = await import('@kiln/cluster-state')
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = await mkdtemp(join(tmpdir(), 'kiln-autopilot-'))
  try {
    return await data.fetchDataset((await bindLayout(nc)).objects.datasets, ref, { cacheDir: dir })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
