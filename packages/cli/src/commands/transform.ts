// `kiln transform MODEL[@VERSION|@ALIAS] DATASET [--out DIR | --to NAME]`: score a whole
// dataset with a registered model as a cluster job, one trial per shard, then write the
// predictions to files or register them as a new dataset.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { JobsClient, TransformProgress } from '@kiln/client'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { thousands } from '../format.js'
import { UsageError } from '../usage-error.js'

const HELP = `Usage: kiln transform MODEL[@VERSION|@ALIAS] DATASET [--out DIR | --to NAME]

Scores every sample of DATASET (train rows, then test rows) with a registered model version
as a cluster job: the rows are split into shards, each scored by a worker in large batches
on the native kernels; a worker lost mid-job costs only the shard it was scoring. DATASET is
a dataset in the cluster's store (name or id prefix), or a file or registered name here,
imported first.

Options:
      --out DIR         write predictions.csv (row, split, class, label, a probability per
                        class; or row, split, value for regression), predictions.npy
                        (classes as int32, or values), probabilities.npy and transform.json
      --to NAME         register a new dataset NAME: DATASET's samples labelled with the
                        predicted classes (or regression values), its source naming the
                        model version, the dataset and the job
      --shards N        split into N shards (default: 2 per live slot, at most one per 1,000 rows)
      --batch-size N    rows per predict call (default 4096)
      --gpu             run the shards on GPU slots
      --key KEY         idempotency key: the same transform submitted twice is one job
      --json            one JSON object per event (submitted, progress, done)
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)
`

const FLAGS = {
  out: { type: 'string' },
  to: { type: 'string' },
  shards: { type: 'string' },
  'batch-size': { type: 'string' },
  gpu: { type: 'boolean' },
  key: { type: 'string' },
  json: { type: 'boolean' },
} as const

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag}: expected a positive integer, got ${value}`)
  return n
}

/** `kiln transform`. */
export function transformCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln transform',
      help: HELP,
      positionals: 2,
      flags: FLAGS,
      run: async ({ nc, flags, args, io: out }) => {
        const outDir = flags.out as string | undefined
        const toName = flags.to as string | undefined
        if (!outDir && !toName) throw new UsageError('expected --out DIR or --to NAME (or both)')
        const shardsFlag = positive('shards', flags.shards as string | undefined)
        const batchSize = positive('batch-size', flags['batch-size'] as string | undefined)
        const json = flags.json === true
        const say = (event: Record<string, unknown>, text: string) =>
          out.stdout.write(json ? `${JSON.stringify(event)}\n` : `${text}\n`)
        const { bindLayout, modelClassNames, parseModelRef } = await import('@kiln/cluster-state')
        const { ModelsClient, JobsClient, TransformsClient } = await import('@kiln/client')
        const { clusterDataset } = await import('../submission.js')
        const { subjectToken } = await import('@kiln/protocol')
        if (toName) subjectToken(toName, '--to')
        const ref = parseModelRef(args[0]!, 'MODEL[@VERSION|@ALIAS]')
        const layout = await bindLayout(nc)
        const models = new ModelsClient(nc)
        const { record } = await models.show(args[0]!)
        const notes: string[] = []
        const dataset = await clusterDataset(layout, args[1]!, io.cwd, notes)
        for (const note of notes) if (!json) out.stdout.write(`${note}\n`)
        const rows = dataset.counts.train + (dataset.counts.test ?? 0)
        const gpu = flags.gpu === true
        const shards = shardsFlag ?? (await defaultShards(new JobsClient(nc), gpu, rows))
        const spec = {
          kind: 'transform',
          model: record.model,
          version: record.version,
          dataset: dataset.name,
          shards,
          ...(batchSize ? { batchSize } : {}),
          ...(gpu ? { resources: { gpu: true } } : {}),
        }
        const client = new TransformsClient(nc)
        const submitted = await client.submit(spec, dataset.id, flags.key as string | undefined)
        const job = submitted.job
        say(
          { event: 'submitted', job, created: submitted.created },
          `${submitted.created ? 'transform' : 'already submitted:'} ${job.id}: ${ref.model}@${record.version} over ${dataset.name} (${thousands(rows)} rows, ${shards} shard${shards === 1 ? '' : 's'})`,
        )
        const controller = new AbortController()
        const off = io.onInterrupt(() => controller.abort())
        const bar = progressPrinter(out, json, rows)
        let final: Awaited<ReturnType<typeof client.wait>>
        try {
          final = await client.wait(job.id, bar.update, controller.signal)
        } finally {
          bar.end()
          off()
        }
        if (final.state !== 'succeeded') {
          say(
            { event: 'done', job: final },
            `${final.id}: ${final.state}${final.error ? `: ${final.error.message}` : ''}`,
          )
          return ExitCode.failed
        }
        const output = await client.output(final)
        const classNames = await modelClassNames(layout, record)
        const origin = {
          jobId: final.id,
          model: record.model,
          version: record.version,
          dataset: dataset.name,
          datasetId: dataset.id,
          ...(classNames ? { classNames } : {}),
          trainRows: dataset.counts.train,
        }
        const files = await import('../transform-files.js')
        const result: Record<string, unknown> = {
          event: 'done',
          job: final.id,
          rows: output.rows,
          outputs: output.outputs,
        }
        const lines: string[] = []
        if (outDir) {
          const dir = resolve(io.cwd, outDir)
          const written = await files.writeTransformFiles(dir, output, origin)
          result.out = dir
          lines.push(`wrote ${written.join(', ')} to ${dir} (${thousands(output.rows)} rows)`)
        }
        if (toName) {
          const { storePredictedDataset } = await import('@kiln/data')
          const cacheDir = await mkdtemp(join(tmpdir(), 'kiln-transform-'))
          try {
            const registered = await storePredictedDataset(layout.objects.datasets, output, origin, {
              name: toName,
              cacheDir,
            })
            result.dataset = { name: registered.name, id: registered.id }
            lines.push(
              `registered dataset ${registered.name} (${registered.id.slice(0, 12)}): ${thousands(output.rows)} rows`,
            )
          } finally {
            await rm(cacheDir, { recursive: true, force: true })
          }
        }
        say(result, lines.join('\n'))
        return ExitCode.ok
      },
    },
    argv,
    io,
  )
}

// Two shards per live slot of the kind asked for keeps every worker busy while a slow one
// finishes; a shard under 1,000 rows is not worth its placement.
async function defaultShards(jobs: JobsClient, gpu: boolean, rows: number): Promise<number> {
  const slots = (await jobs.nodes())
    .filter((n) => n.live)
    .reduce((n, node) => n + node.slots.filter((s) => s.kind === (gpu ? 'gpu' : 'cpu')).length, 0)
  return Math.max(1, Math.min(2 * Math.max(1, slots), Math.ceil(rows / 1000)))
}

const BAR = 24

// A bar redrawn in place on a terminal, a line per finished shard otherwise, JSON events with --json.
function progressPrinter(io: CliIo, json: boolean, total: number) {
  const live = !json && io.stdout.isTTY === true
  let shown = false
  return {
    update(p: TransformProgress) {
      const text = `${p.done}/${p.shards} shards, ${thousands(p.rows)}/${thousands(total)} rows${p.running ? `, ${p.running} running` : ''}${p.retried ? `, ${p.retried} retried` : ''}`
      if (json) io.stdout.write(`${JSON.stringify({ event: 'progress', ...p })}\n`)
      else if (live) {
        const filled = Math.round((BAR * p.done) / Math.max(1, p.shards))
        io.stdout.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${text}`)
        shown = true
      } else io.stdout.write(`${text}\n`)
    },
    end() {
      if (shown) io.stdout.write('\n')
    },
  }
}
