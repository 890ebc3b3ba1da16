// `kiln report JOB|SWEEP|MODEL --html FILE`: one self-contained HTML file (inline SVG, no
// scripts, no network) with curves, the evaluation, a sweep's plots and the lineage.
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { NotFoundError } from '@kiln/protocol'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { jobReport, modelReport, sweepReport } from '../report-data.js'
import { UsageError } from '../usage-error.js'
import type { ReportInput } from '@kiln/report'

const HELP = `Usage: kiln report JOB|SWEEP|MODEL[@VERSION|@ALIAS] --html FILE

Writes one HTML file for sharing a result: training curves, the evaluation (figures,
confusion matrix heatmap, per-class bars), for a sweep its parallel coordinates, best
value so far and parameter importance, and the lineage. Everything is inline (SVG and
CSS): no scripts, nothing fetched, so it opens anywhere and can be mailed as it is.

  JOB     a job or trial id        SWEEP   a sweep id
  MODEL   a registered model (NAME, NAME@3, NAME@champion)

Options:
      --html FILE   where to write it (required)
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)
`

/** `kiln report`. */
export function reportCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln report',
      help: HELP,
      positionals: 1,
      flags: { html: { type: 'string' } },
      run: async ({ nc, flags, args, io: out }) => {
        if (!flags.html) throw new UsageError('kiln report: --html FILE is required')
        const { JobsClient, ModelsClient } = await import('@kiln/client')
        const { renderReport } = await import('@kiln/report')
        const target = args[0]!
        let input: ReportInput
        const shown = target.includes('@')
          ? undefined
          : await new JobsClient(nc).show(target).catch((err: unknown) => {
              if ((err as { code?: string }).code === 'not_found') return undefined
              throw err
            })
        const detail = shown as
          | (Awaited<ReturnType<InstanceType<typeof JobsClient>['show']>> & {
              sweep?: import('@kiln/protocol').SweepRecord
            })
          | undefined
        if (detail?.sweep && detail.job) input = await sweepReport(nc, detail.sweep, detail.job, detail.trials ?? [])
        else if (detail?.job) input = await jobReport(nc, detail.job, detail.trials ?? [])
        else if (detail?.trial) {
          const job = (await new JobsClient(nc).show(detail.trial.jobId)).job
          if (!job) throw new NotFoundError('job', detail.trial.jobId)
          input = await jobReport(nc, job, [detail.trial])
        } else {
          const models = new ModelsClient(nc)
          const view = await models.show(target)
          const bytes = view.archived ? undefined : (await models.files(view.record)).get('kiln-model.json')
          input = await modelReport(nc, view, bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined)
        }
        const file = resolve(out.cwd, flags.html as string)
        await writeFile(file, renderReport(input))
        out.stdout.write(`${input.title}: report written to ${file}\n`)
        return ExitCode.ok
      },
    },
    argv,
    io,
  )
}
