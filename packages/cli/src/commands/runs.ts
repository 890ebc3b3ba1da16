// `kiln runs`: every job and sweep trial of the cluster, searched (--experiment, --where),
// sorted and limited; `kiln runs show RUN [--history]`; `kiln compare RUN RUN ...`.
import type { NatsConnection } from '@nats-io/transport-node'
import { ValidationError } from '@kiln/protocol'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { compareChart, compareText, historyTable, runText, runsTable } from '../run-text.js'
import { UsageError } from '../usage-error.js'

const CONN = `  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)\n`
const RUNS_HELP = `Usage: kiln runs [--experiment E] [--where EXPR] [--sort METRIC] [--limit N] [--json]
       kiln runs show RUN [--history] [--json]

Searches every run of the cluster: each job, and each trial of a sweep. A job spec's
experiment: (default: its name), tags: and notes: travel with its runs.

  --experiment E   only runs of experiment E
  --where EXPR     e.g. 'test_accuracy > 0.9 and tags.team == "vision"'
                   comparisons == != < <= > >=, and / or / not, parentheses; names are
                   metrics (test_accuracy, val_loss, test_f1_macro, ...), tags.X, params.X
                   (dotted spec paths: params.optimizer.learningRate), metrics.X, or the
                   fields state, name, experiment, kind, id, job, sweep, model; strings in
                   quotes; a comparison with a missing value is false
  --sort METRIC    best first (losses and errors ascending, the rest descending);
                   METRIC:asc or METRIC:desc to choose
  --limit N        at most N runs
  show RUN         a run's params, metrics and evaluation; --history adds each epoch
  --json           JSON output
${CONN}`

const COMPARE_HELP = `Usage: kiln compare RUN RUN [RUN ...] [--json]

Puts runs side by side: the params that differ, final and best metrics, per-class F1 and
the curves of each metric they reported per epoch.
${CONN}`

// Prints the expression with a caret under the position a ValidationError names.
function withCaret(err: unknown, io: CliIo): never {
  const data = (err as ValidationError).data as { position?: number; expression?: string } | undefined
  if (err instanceof ValidationError && data?.position !== undefined && data.expression !== undefined)
    io.stderr.write(`  ${data.expression}\n  ${' '.repeat(data.position - 1)}^\n`)
  throw err
}

function positiveInt(flag: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${flag}: expected a positive integer, got ${JSON.stringify(raw)}`)
  return n
}

/** `kiln runs ...`. */
export function runsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln runs',
      help: RUNS_HELP,
      positionals: [0, 2],
      flags: {
        experiment: { type: 'string' },
        where: { type: 'string' },
        sort: { type: 'string' },
        limit: { type: 'string' },
        history: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      run: async ({ nc, flags, args, io: out }) => {
        const { RunsClient, compileWhere } = await import('@kiln/client')
        const client = new RunsClient(nc)
        const json = flags.json === true
        if (args[0] === 'show') {
          if (args.length !== 2) throw new UsageError('kiln runs show: expected one RUN id')
          const run = await client.get(args[1]!)
          const history = flags.history ? await client.history(run) : undefined
          if (json) out.stdout.write(`${JSON.stringify({ ...run, ...(history ? { history } : {}) })}\n`)
          else {
            out.stdout.write(runText(run))
            if (history) {
              out.stdout.write(history.length ? `\n${historyTable(history)}` : '\nno per-epoch metrics recorded\n')
              for (const m of ['loss', 'val_loss', 'accuracy', 'val_accuracy'])
                out.stdout.write(compareChart(m, [{ id: run.id, history }], { color: out.stdout.isTTY === true }))
            }
          }
          return ExitCode.ok
        }
        if (args.length > 0)
          throw new UsageError(`kiln runs: unknown argument ${JSON.stringify(args[0])} (see kiln runs --help)`)
        const where = flags.where as string | undefined
        if (where !== undefined) {
          try {
            compileWhere(where)
          } catch (err) {
            withCaret(err, out)
          }
        }
        const limit = positiveInt('limit', flags.limit)
        const runs = await client.query({
          ...(flags.experiment ? { experiment: flags.experiment as string } : {}),
          ...(where !== undefined ? { where } : {}),
          ...(flags.sort ? { sort: flags.sort as string } : {}),
          ...(limit ? { limit } : {}),
        })
        const sortKey = (flags.sort as string | undefined)?.replace(/^-|:(asc|desc)$/g, '')
        out.stdout.write(
          json ? `${JSON.stringify(runs)}\n` : runs.length ? runsTable(runs, sortKey) : 'no runs match\n',
        )
        return ExitCode.ok
      },
    },
    argv,
    io,
  )
}

async function withHistories(nc: NatsConnection, ids: string[]) {
  const { RunsClient } = await import('@kiln/client')
  const client = new RunsClient(nc)
  const all = await client.all()
  const runs = await Promise.all(ids.map((id) => client.get(id, all)))
  return Promise.all(runs.map(async (run) => ({ run, history: await client.history(run) })))
}

/** `kiln compare RUN RUN ...`. */
export function compareCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln compare',
      help: COMPARE_HELP,
      positionals: [2, 8],
      flags: { json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const runs = await withHistories(nc, args)
        if (flags.json) {
          out.stdout.write(`${JSON.stringify(runs)}\n`)
          return ExitCode.ok
        }
        out.stdout.write(compareText(runs))
        const metrics = [...new Set(runs.flatMap((r) => r.history.flatMap((h) => Object.keys(h.metrics))))]
        const color = out.stdout.isTTY === true
        const width = out.stdout.columns ?? 80
        for (const m of metrics) {
          const chart = compareChart(
            m,
            runs.map((r) => ({ id: r.run.id, history: r.history })),
            { color, width },
          )
          if (chart) out.stdout.write(`\n${chart}`)
        }
        return ExitCode.ok
      },
    },
    argv,
    io,
  )
}
