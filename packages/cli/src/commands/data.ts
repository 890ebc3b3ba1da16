// `kiln data import` and `kiln data ls`: the cluster's datasets (kiln_datasets), through
// @kiln/data's store. Importing loads the data here and uploads it once; every node then
// fetches it by hash into its own cache.
import type { NatsConnection, ObjectStore } from 'nats'
import type { DatasetRecord } from '@kiln/data'
import { subjectToken } from '@kiln/protocol'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { duration, thousands } from '../format.js'
import type { CliIo } from '../io.js'
import { reportError } from '../report-error.js'
import { table } from '../table.js'
import { UsageError } from '../usage-error.js'

const CONN =
  '  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)\n'

/** `kiln data --help`. */
export const DATA_HELP = `Usage: kiln data import fashion-mnist | PATH [--name NAME] [--json]
       kiln data ls [--json]

import  loads a dataset here (a registered name, or a path in any form kiln train reads:
        x.npy | features.npy,labels.npy | data.csv[#label=..] | MNIST-style folder | IDX)
        and stores it in the cluster, content-addressed: the same data is stored once,
        however often and under whatever names it is imported. Jobs then say
        \`dataset: NAME\` (the latest import of that name) or an id (a fixed version).
ls      lists the stored datasets: name, id, samples, shape, classes, size.

Options:
  -n, --name NAME   the name jobs use (A-Z a-z 0-9 _ -; default: the registered name, or
                    the file or folder name)
      --json        JSON output (import: the record; ls: an array of records)
${CONN}`

async function datasetStore(nc: NatsConnection): Promise<ObjectStore> {
  const { bindLayout } = await import('@kiln/cluster-state')
  return (await bindLayout(nc)).objects.datasets
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`
}

function samples(r: DatasetRecord): string {
  return r.counts.test === undefined
    ? thousands(r.counts.train)
    : `${thousands(r.counts.train)} + ${thousands(r.counts.test)}`
}

function importCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln data import',
      help: DATA_HELP,
      positionals: 1,
      flags: { name: { type: 'string', short: 'n' }, json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { describeNonFinite, importDataset, importSource, resolveDataset } = await import('@kiln/data')
        const source = importSource(args[0]!, out.cwd)
        const name = subjectToken((flags.name as string | undefined) ?? source.defaultName, '--name')
        const json = flags.json === true
        if (!json) out.stderr.write(`loading ${args[0]} ...\n`)
        const resolved = await resolveDataset(source.location)
        const started = Date.now()
        const record = await importDataset(await datasetStore(nc), resolved, { name, source: args[0]! })
        if (json) {
          out.stdout.write(`${JSON.stringify({ event: 'imported', dataset: record })}\n`)
          return
        }
        if (record.nonFinite)
          out.stderr.write(
            `warning: ${describeNonFinite(record.nonFinite)}; networks (mlp, cnn) refuse this data, gbdt learns NaN as missing\n`,
          )
        out.stdout.write(
          `imported ${record.name} (id ${record.id.slice(0, 12)}): ${samples(record)} samples of [${record.sampleShape.join(', ')}], ` +
            `${record.numClasses} classes, ${megabytes(record.bytes)} in ${duration(Date.now() - started)}\n` +
            `jobs use it as \`dataset: ${record.name}\` (or \`dataset: ${record.id.slice(0, 12)}\` for exactly this data)\n`,
        )
      },
    },
    argv,
    io,
  )
}

function lsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln data ls',
      help: DATA_HELP,
      flags: { json: { type: 'boolean' } },
      run: async ({ nc, flags, io: out }) => {
        const { listDatasets } = await import('@kiln/data')
        const records = await listDatasets(await datasetStore(nc))
        if (flags.json) {
          out.stdout.write(`${JSON.stringify(records)}\n`)
          return
        }
        out.stdout.write(
          table(
            ['NAME', 'ID', 'SAMPLES', 'SHAPE', 'CLASSES', 'SIZE', 'IMPORTED', 'SOURCE'],
            records.map((r) => [
              r.name,
              r.id.slice(0, 12),
              samples(r),
              `[${r.sampleShape.join(', ')}]`,
              String(r.numClasses),
              megabytes(r.bytes),
              `${duration(Math.max(0, Date.now() - r.importedAt))} ago`,
              r.source,
            ]),
          ),
        )
      },
    },
    argv,
    io,
  )
}

/** Runs `kiln data <import|ls>` with the arguments after `data`; returns the exit status. */
export async function dataCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'import') return importCommand(rest, io)
  if (sub === 'ls' || sub === 'list') return lsCommand(rest, io)
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    io.stdout.write(DATA_HELP)
    return ExitCode.ok
  }
  const problem =
    sub === undefined
      ? 'expected a subcommand, import or ls'
      : `unknown subcommand ${JSON.stringify(sub)}; expected import or ls`
  return reportError(new UsageError(`${problem} (see kiln data --help)`), io, {
    command: 'kiln data',
    json: argv.includes('--json'),
  })
}
