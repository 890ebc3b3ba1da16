// `kiln submit`, `kiln jobs`, `kiln trials`, `kiln nodes`, `kiln cancel`, `kiln logs`:
// the job side of the cluster, through @kiln/client.
import { resolve } from 'node:path'
import type { JobRecord, TrialRecord } from '@kiln/protocol'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { duration, metricsLine, trialWhere } from '../format.js'
import { table } from '../table.js'

const CONN = `  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)\n`

function age(ms: number): string {
  return duration(Math.max(0, Date.now() - ms))
}

const SUBMIT_HELP = `Usage: kiln submit SPEC [--set KEY=VALUE ...] [--watch] [--json]

Submits the job spec SPEC (the format of kiln train) to the cluster. The spec is checked
here and again by the coordinator; a job is stored before submit answers. A script: trial
is bundled and uploaded, so nodes need no copy of your files.

Options:
  -s, --set KEY=VALUE  override a spec value by its dotted path (repeatable)
  -w, --watch          follow the job until it ends, printing each epoch
      --key KEY        idempotency key: submitting twice with it makes one job
      --json           JSON output
${CONN}`

/** `kiln submit`. */
export function submitCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln submit',
      help: SUBMIT_HELP,
      positionals: 1,
      flags: {
        set: { type: 'string', short: 's', multiple: true },
        watch: { type: 'boolean', short: 'w' },
        key: { type: 'string' },
        json: { type: 'boolean' },
      },
      run: async ({ nc, flags, args, io: out }) => {
        const { prepareSubmission } = await import('../submission.js')
        const prepared = await prepareSubmission(
          nc,
          resolve(io.cwd, args[0]!),
          (flags.set as string[] | undefined) ?? [],
        )
        const { JobsClient } = await import('@kiln/client')
        const client = new JobsClient(nc)
        const result = await client.submit(prepared.spec, {
          ...prepared.options,
          ...(flags.key ? { idempotencyKey: flags.key as string } : {}),
        })
        const json = flags.json === true
        if (!json) for (const note of prepared.notes) out.stdout.write(`${note}\n`)
        if (json)
          out.stdout.write(`${JSON.stringify({ event: 'submitted', job: result.job, created: result.created })}\n`)
        else
          out.stdout.write(
            `${result.created ? 'submitted' : 'already submitted'} ${result.job.id} (${result.job.name}), trial ${result.job.trialIds.join(', ')}\n`,
          )
        if (!flags.watch) return ExitCode.ok
        const { watchJob } = await import('../watch-job.js')
        const final = await watchJob(nc, result.job.id, out, json)
        return final.state === 'succeeded' ? ExitCode.ok : ExitCode.failed
      },
    },
    argv,
    io,
  )
}

function jobRow(j: JobRecord): string[] {
  const m = j.metrics ?? {}
  const score =
    m.test_accuracy !== undefined
      ? `test_acc ${m.test_accuracy.toFixed(4)}`
      : m.objective !== undefined
        ? `objective ${m.objective.toFixed(4)}`
        : ''
  return [j.id, j.name ?? '', j.state, String(j.trialIds.length), age(j.timestamps.createdAt), score]
}

function trialRow(t: TrialRecord): string[] {
  const where = trialWhere(t)
  const last = t.metrics
    ? metricsLine(
        Object.fromEntries(
          Object.entries(t.metrics)
            .filter(([k]) => /loss|acc/.test(k))
            .slice(0, 3),
        ),
      )
    : ''
  return [t.id, t.state, String(t.attempts), where, t.reason ?? last]
}

const LIST_HELP = (what: string, extra = '') => `Usage: kiln ${what}${extra} [--json]

Lists the cluster's ${what} (newest first).

Options:
  --json   one JSON array
${CONN}`

/** `kiln jobs`. */
export function jobsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln jobs',
      help: LIST_HELP('jobs'),
      flags: { json: { type: 'boolean' } },
      run: async ({ nc, flags, io: out }) => {
        const { JobsClient } = await import('@kiln/client')
        const jobs = await new JobsClient(nc).jobs()
        if (flags.json) out.stdout.write(`${JSON.stringify(jobs)}\n`)
        else out.stdout.write(table(['JOB', 'NAME', 'STATE', 'TRIALS', 'AGE', 'RESULT'], jobs.map(jobRow)))
      },
    },
    argv,
    io,
  )
}

/** `kiln trials [JOB]`. */
export function trialsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln trials',
      help: LIST_HELP('trials', ' [JOB]'),
      flags: { json: { type: 'boolean' } },
      positionals: [0, 1],
      run: async ({ nc, flags, args, io: out }) => {
        const { JobsClient } = await import('@kiln/client')
        const trials = await new JobsClient(nc).trials(args[0])
        if (flags.json) out.stdout.write(`${JSON.stringify(trials)}\n`)
        else
          out.stdout.write(
            table(['TRIAL', 'STATE', 'ATTEMPTS', 'NODE/SLOT', 'LATEST / WHY WAITING'], trials.map(trialRow)),
          )
      },
    },
    argv,
    io,
  )
}

/** `kiln nodes`. */
export function nodesCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln nodes',
      help: LIST_HELP('nodes'),
      flags: { json: { type: 'boolean' } },
      run: async ({ nc, flags, io: out }) => {
        const { JobsClient } = await import('@kiln/client')
        const nodes = await new JobsClient(nc).nodes()
        if (flags.json) out.stdout.write(`${JSON.stringify(nodes)}\n`)
        else {
          out.stdout.write(
            table(
              ['NODE', 'NAME', 'STATE', 'SLOTS', 'BUSY', 'LOAD', 'LAST BEAT'],
              nodes.map((n) => [
                n.nodeId,
                n.name,
                n.live ? 'live' : 'lost',
                n.slots.map((s) => s.id).join(','),
                n.busySlots.join(',') || '-',
                n.load.toFixed(2),
                `${duration(n.lastBeatAgoMs)} ago`,
              ]),
            ),
          )
        }
      },
    },
    argv,
    io,
  )
}

/** `kiln cancel ID`. */
export function cancelCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln cancel',
      help: `Usage: kiln cancel ID [--json]\n\nCancels a job (all its trials) or one trial.\n\n${CONN}`,
      positionals: 1,
      flags: { json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { JobsClient } = await import('@kiln/client')
        const result = await new JobsClient(nc).cancel(args[0]!)
        out.stdout.write(
          flags.json
            ? `${JSON.stringify(result)}\n`
            : `cancelled ${result.cancelled.length} trial(s)${result.cancelled.length ? `: ${result.cancelled.join(', ')}` : ''}\n`,
        )
      },
    },
    argv,
    io,
  )
}

/** `kiln logs TRIAL [-f]`. */
export function logsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln logs',
      help: `Usage: kiln logs TRIAL [-f] [--json]\n\nPrints a trial's log; -f keeps following it (Ctrl-C stops).\n\n${CONN}`,
      positionals: 1,
      flags: { follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { trialLogs } = await import('@kiln/client')
        const controller = new AbortController()
        const off = out.onInterrupt(() => controller.abort())
        try {
          for await (const line of trialLogs(nc, args[0]!, {
            follow: flags.follow === true,
            signal: controller.signal,
          })) {
            out.stdout.write(
              flags.json
                ? `${JSON.stringify(line)}\n`
                : `${new Date(line.at).toISOString()} ${line.level.padEnd(5)} ${line.msg}\n`,
            )
          }
        } finally {
          off()
        }
      },
    },
    argv,
    io,
  )
}
