// `kiln submit`, `kiln jobs`, `kiln trials`, `kiln nodes`, `kiln cancel`, `kiln logs`:
// the job side of the cluster, through @kiln/client.
import { resolve } from 'node:path'
import type { JobRecord, TrialRecord } from '@kiln/protocol'
import { failureLine, failureOf, type JobsClient } from '@kiln/client'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { duration, metricsLine, trialWhere } from '../format.js'
import { table } from '../table.js'
import { failureText } from '../failure-text.js'
import { UsageError } from '../usage-error.js'

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
  const failure = failureOf(t)
  const last = t.metrics
    ? metricsLine(
        Object.fromEntries(
          Object.entries(t.metrics)
            .filter(([k]) => /loss|acc/.test(k))
            .slice(0, 3),
        ),
      )
    : ''
  return [t.id, t.state, String(t.attempts), where, failure ? failureLine(failure) : (t.reason ?? last)]
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

/** `kiln trials [ID]`: all trials, or those of a job or sweep (or one trial); an unknown id is exit 2. */
export function trialsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln trials',
      help: LIST_HELP('trials', ' [JOB|SWEEP|TRIAL]'),
      flags: { json: { type: 'boolean' } },
      positionals: [0, 1],
      run: async ({ nc, flags, args, io: out }) => {
        const { JobsClient } = await import('@kiln/client')
        const client = new JobsClient(nc)
        const trials = args[0] === undefined ? await client.trials() : await trialsOf(client, args[0])
        if (flags.json) return void out.stdout.write(`${JSON.stringify(trials)}\n`)
        out.stdout.write(
          table(['TRIAL', 'STATE', 'ATTEMPTS', 'NODE/SLOT', 'LATEST / WHY WAITING OR FAILED'], trials.map(trialRow)),
        )
        // Where each failure happened in the user's code goes under the table, one frame a line.
        for (const t of trials) {
          const frames = failureOf(t)?.frames ?? []
          if (frames.length > 0) out.stdout.write(`\n${t.id} failed ${frames.map((f) => `\n    ${f}`).join('')}\n`)
        }
      },
    },
    argv,
    io,
  )
}

// The trials an id names: a job's or sweep's (newest first), or the trial itself. The API
// refuses an id it does not know (not_found: exit 2).
async function trialsOf(client: JobsClient, id: string): Promise<TrialRecord[]> {
  const shown = await client.show(id)
  if (shown.trial) return [shown.trial]
  return [...(shown.trials ?? [])].sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt)
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

const LOGS_HELP = `Usage: kiln logs ID [-f] [--json]

Prints a trial's log: what it did (data, epochs, evaluation), what its script printed, and
why it failed. ID is a trial, or a job with one trial. -f keeps following it (Ctrl-C stops).

Options:
  -f, --follow   keep printing new lines as they come
      --json     one JSON object per line ({v, trialId, level, msg, at}; a failure also has error)
${CONN}`

/** `kiln logs ID [-f]`. */
export function logsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln logs',
      help: LOGS_HELP,
      positionals: 1,
      flags: { follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { JobsClient, trialLogs } = await import('@kiln/client')
        const trial = await oneTrial(new JobsClient(nc), args[0]!)
        const json = flags.json === true
        const print = (line: { time: string; level: string; msg: string }) =>
          out.stdout.write(json ? `${JSON.stringify(line)}\n` : `${line.time} ${line.level.padEnd(5)} ${line.msg}\n`)
        const controller = new AbortController()
        const off = out.onInterrupt(() => controller.abort())
        let lines = 0
        try {
          for await (const line of trialLogs(nc, trial.id, {
            follow: flags.follow === true,
            signal: controller.signal,
          })) {
            lines++
            print(line)
          }
        } finally {
          off()
        }
        // The record says how it ended, wherever it failed (also before its log began).
        const failure = failureOf(trial)
        const time = new Date(trial.timestamps.endedAt ?? trial.timestamps.updatedAt).toISOString()
        if (failure) {
          const text = failureText(trial, 'trial failed: ').trimEnd()
          if (json)
            out.stdout.write(
              `${JSON.stringify({ v: 1, trialId: trial.id, time, level: 'error', component: 'kiln', msg: text, error: trial.error })}\n`,
            )
          else print({ time, level: 'error', msg: text })
        } else if (lines === 0 && !json) {
          out.stdout.write(
            `${trial.id} has logged nothing yet (${trial.state}${trial.reason ? `: ${trial.reason}` : ''})\n`,
          )
        }
      },
    },
    argv,
    io,
  )
}

// The trial an id names: itself, or a job's only trial. Several trials: say which there are.
async function oneTrial(client: JobsClient, id: string): Promise<TrialRecord> {
  const shown = await client.show(id)
  if (shown.trial) return shown.trial
  const trials = shown.trials ?? []
  if (trials.length === 1) return trials[0]!
  throw new UsageError(
    `${id} is a job of ${trials.length} trials; kiln logs takes one trial id: ${trials.map((t) => t.id).join(', ') || '(none yet)'}`,
  )
}
