// `kiln data transform DATASET --steps FILE --to NAME`: a new dataset version made by fitting
// preprocessing steps (the job spec's preprocessing section, as a file) on DATASET's training
// split and applying them to every split; its record keeps the lineage.
import { subjectToken } from '@kiln/protocol'
import { runClusterCommand } from '../cluster-command.js'
import type { CliIo } from '../io.js'
import { DATA_HELP } from './data-help.js'
import { datasetStore, loadDatasetArg } from './data-source.js'

/** Runs `kiln data transform` with the arguments after `transform`. */
export function transformCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln data transform',
      help: DATA_HELP,
      positionals: 1,
      flags: { steps: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { UsageError } = await import('../usage-error.js')
        if (typeof flags.steps !== 'string') throw new UsageError('--steps FILE is required (see kiln data --help)')
        if (typeof flags.to !== 'string') throw new UsageError('--to NAME is required (see kiln data --help)')
        const name = subjectToken(flags.to, '--to')
        const { readDocumentFile } = await import('@kiln/train')
        const { preprocessingSchema, storeTransformed } = await import('@kiln/data')
        const { resolve } = await import('node:path')
        // The file is checked before any data is loaded or stored.
        const steps = await readDocumentFile(resolve(out.cwd, flags.steps), preprocessingSchema, 'steps file')
        const source = await loadDatasetArg(nc, args[0]!, out.cwd, { store: true })
        const { record, fitted } = await storeTransformed(
          await datasetStore(nc),
          { data: source.data, record: source.record! },
          steps,
          name,
        )
        if (flags.json) {
          out.stdout.write(`${JSON.stringify({ event: 'transformed', dataset: record })}\n`)
          return
        }
        out.stdout.write(
          `stored ${record.name} (id ${record.id.slice(0, 12)}) from ${source.record!.name} (${source.record!.id.slice(0, 12)}): ` +
            `${fitted.input.width} features in, ${fitted.output.width} out, ${record.counts.train} samples\n` +
            `kiln data show ${record.name} prints its statistics and lineage\n`,
        )
      },
    },
    argv,
    io,
  )
}
