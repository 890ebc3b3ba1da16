// `kiln data import|ls|show|transform|validate`: the cluster's datasets (kiln_datasets), through
// @kiln/data's store. Importing loads the data here and uploads it once; every node then
// fetches it by hash into its own cache.
import { subjectToken } from '@kiln/protocol'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { duration } from '../format.js'
import type { CliIo } from '../io.js'
import { reportError } from '../report-error.js'
import { table } from '../table.js'
import { UsageError } from '../usage-error.js'
import { DATA_HELP } from './data-help.js'
import { megabytes, samples, showCommand } from './data-show.js'
import { datasetStore } from './data-source.js'
import { transformCommand } from './data-transform.js'
import { validateCommand } from './data-validate.js'

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

/** Runs `kiln data <import|ls|show|transform|validate>` with the arguments after `data`; returns the exit status. */
export async function dataCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'import') return importCommand(rest, io)
  if (sub === 'ls' || sub === 'list') return lsCommand(rest, io)
  if (sub === 'show') return showCommand(rest, io)
  if (sub === 'transform') return transformCommand(rest, io)
  if (sub === 'validate') return validateCommand(rest, io)
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    io.stdout.write(DATA_HELP)
    return ExitCode.ok
  }
  const problem =
    sub === undefined
      ? 'expected a subcommand: import, ls, show, transform or validate'
      : `unknown subcommand ${JSON.stringify(sub)}; expected import, ls, show, transform or validate`
  return reportError(new UsageError(`${problem} (see kiln data --help)`), io, {
    command: 'kiln data',
    json: argv.includes('--json'),
  })
}
