// `kiln data validate DATASET --schema FILE`: every check of a data schema (types, ranges,
// allowed values, missing rates, label balance) on a stored dataset or a file, as a report;
// exit 1 when a check fails.
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { DATA_HELP } from './data-help.js'
import { loadDatasetArg } from './data-source.js'

/** Runs `kiln data validate` with the arguments after `validate`. */
export function validateCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln data validate',
      help: DATA_HELP,
      positionals: 1,
      flags: { schema: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { UsageError } = await import('../usage-error.js')
        if (typeof flags.schema !== 'string') throw new UsageError('--schema FILE is required (see kiln data --help)')
        const split = flags.split ?? 'train'
        if (split !== 'train' && split !== 'test')
          throw new UsageError(`--split: expected train or test, got ${JSON.stringify(split)}`)
        const { readDocumentFile } = await import('@kiln/train')
        const { dataSchemaSchema, validateDataset } = await import('@kiln/data')
        const { resolve } = await import('node:path')
        const schema = await readDocumentFile(resolve(out.cwd, flags.schema), dataSchemaSchema, 'data schema')
        const { data } = await loadDatasetArg(nc, args[0]!, out.cwd)
        const ds = split === 'test' ? data.test : data.train
        if (!ds) throw new UsageError(`--split test: ${args[0]} has no test set`)
        const report = validateDataset(ds, schema)
        if (flags.json) out.stdout.write(`${JSON.stringify(report)}\n`)
        else {
          for (const c of report.checks) out.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.field}: ${c.message}\n`)
          const failed = report.failures.length
          out.stdout.write(
            `${args[0]} (${split}, ${report.rows} rows): ${failed === 0 ? `all ${report.checks.length} checks passed` : `${failed} of ${report.checks.length} checks failed`}\n`,
          )
        }
        return report.ok ? ExitCode.ok : ExitCode.failed
      },
    },
    argv,
    io,
  )
}
