// `kiln pipeline run FILE [--param K=V ...] [--no-cache] [--detach]`, `kiln pipeline ls`,
// `kiln pipeline show RUN`, `kiln pipeline retry RUN`, `kiln pipeline cancel RUN`.
import type { NatsConnection } from '@nats-io/transport-node'
import type { PipelineRunRecord } from '@kiln/protocol'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { stepCounts } from '@kiln/dashboard/dag'
import { duration } from '../format.js'
import type { CliIo } from '../io.js'
import { runHeadline, runText, stepDetail, stepDuration, stepState } from '../pipeline-text.js'
import { reportError } from '../report-error.js'
import { table } from '../table.js'
import { UsageError } from '../usage-error.js'

const CONN =
  '  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)\n'
/** `kiln pipeline --help`. */
export const PIPELINE_HELP = `Usage: kiln pipeline run FILE [--param KEY=VALUE ...] [--no-cache] [--detach] [--json]
       kiln pipeline ls [--pipeline NAME] [--json]
       kiln pipeline show RUN [--json]
       kiln pipeline retry RUN [--detach] [--json]
       kiln pipeline cancel RUN [--json]

run     checks the pipeline file (every problem, naming the step and field, before anything
        runs), reads the files it names, imports its local datasets and uploads its trial
        scripts, and starts a run on the coordinator; then follows it until it ends, one
        line per step as it changes (--detach: print the run id and return). Steps whose
        inputs match an earlier successful run reuse its outputs and show as cached
        (--no-cache: run them all). Exit status 0 when the run succeeds, 1 when it fails,
        stops at a condition or validation, or is cancelled.
ls      runs, newest first: pipeline, state, steps done and cached, trigger, age, duration.
show    one run: each step's state, attempts, duration, cache hit and result, and the DAG.
retry   sends a failed, stopped or cancelled run's unfinished steps round again.
cancel  stops a run: running steps are stopped (their jobs and sweeps cancelled).

Options:
  -p, --param KEY=VALUE   a pipeline parameter (repeatable; the value is read as YAML)
      --no-cache          run every step
  -d, --detach            do not follow the run
      --pipeline NAME     (ls) only runs of this pipeline
      --json              JSON output
${CONN}`

async function follow(nc: NatsConnection, id: string, io: CliIo, json: boolean): Promise<PipelineRunRecord> {
  const { PipelinesClient } = await import('@kiln/client')
  const seen = new Map<string, string>()
  return new PipelinesClient(nc).follow(id, (run) => {
    if (json) {
      io.stdout.write(`${JSON.stringify({ event: 'run', run })}\n`)
      return
    }
    for (const s of run.steps) {
      const line = `${s.name.padEnd(14)} ${stepState(s).padEnd(20)} ${stepDuration(s).padStart(8)}  ${stepDetail(s)}`
      const key = `${s.state}/${s.cached}/${s.attempts}`
      if (seen.get(s.name) === key || s.state === 'pending') continue
      if (s.state === 'running' && seen.get(s.name)?.startsWith('running')) continue
      seen.set(s.name, key)
      io.stdout.write(`${line.trimEnd()}\n`)
    }
  })
}

function ended(run: PipelineRunRecord, io: CliIo, json: boolean): ExitCode {
  if (!json) io.stdout.write(`${runHeadline(run)}\n`)
  return run.state === 'succeeded' ? ExitCode.ok : ExitCode.failed
}

function runCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln pipeline run',
      help: PIPELINE_HELP,
      positionals: 1,
      flags: {
        param: { type: 'string', short: 'p', multiple: true },
        'no-cache': { type: 'boolean' },
        detach: { type: 'boolean', short: 'd' },
        json: { type: 'boolean' },
      },
      run: async ({ nc, flags, args, io: out }) => {
        const { parseOverride } = await import('@kiln/train')
        const { resolve } = await import('node:path')
        const { preparePipeline } = await import('../pipeline-file.js')
        const { FAILOVER_MS, PipelinesClient } = await import('@kiln/client')
        const { randomUUID } = await import('node:crypto')
        const params = Object.fromEntries(((flags.param as string[] | undefined) ?? []).map((p) => parseOverride(p)))
        const path = resolve(out.cwd, args[0]!)
        const { document, notes } = await preparePipeline(nc, path, params, args[0]!)
        const json = flags.json === true
        if (!json) for (const n of notes) out.stderr.write(`${n}\n`)
        const { run } = await new PipelinesClient(nc).run(document, {
          source: args[0]!,
          params,
          noCache: flags['no-cache'] === true,
          // Reading and importing the files may take a while: a coordinator failing over
          // meanwhile is waited for; the key makes a request sent again start one run.
          retryForMs: FAILOVER_MS,
          idempotencyKey: `cli-${randomUUID()}`,
        })
        if (flags.detach) {
          out.stdout.write(
            json
              ? `${JSON.stringify({ event: 'started', run })}\n`
              : `started ${run.id} (${run.pipeline}); kiln pipeline show ${run.id}\n`,
          )
          return
        }
        if (!json)
          out.stdout.write(
            `${run.id} ${run.pipeline}: ${run.plan.steps ? (run.plan.steps as unknown[]).length : 0} steps\n`,
          )
        return ended(await follow(nc, run.id, out, json), out, json)
      },
    },
    argv,
    io,
  )
}

function lsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln pipeline ls',
      help: PIPELINE_HELP,
      flags: { pipeline: { type: 'string' }, json: { type: 'boolean' } },
      run: async ({ nc, flags, io: out }) => {
        const { PipelinesClient } = await import('@kiln/client')
        const runs = await new PipelinesClient(nc).list(flags.pipeline ? { pipeline: flags.pipeline } : {})
        if (flags.json) {
          out.stdout.write(`${JSON.stringify(runs)}\n`)
          return
        }
        const now = Date.now()
        out.stdout.write(
          table(
            ['RUN', 'PIPELINE', 'STATE', 'STEPS', 'CACHED', 'TRIGGER', 'AGE', 'TOOK'],
            runs.map((r) => [
              r.id,
              r.pipeline,
              r.state,
              ...stepCounts(r.steps),
              r.trigger.kind,
              `${duration(Math.max(0, now - r.createdAt))} ago`,
              duration(Math.max(0, (r.endedAt ?? now) - r.createdAt)),
            ]),
          ),
        )
      },
    },
    argv,
    io,
  )
}

function oneRun(op: 'show' | 'retry' | 'cancel', argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: `kiln pipeline ${op}`,
      help: PIPELINE_HELP,
      positionals: 1,
      flags: { json: { type: 'boolean' }, detach: { type: 'boolean', short: 'd' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { PipelinesClient } = await import('@kiln/client')
        const client = new PipelinesClient(nc)
        const json = flags.json === true
        const run =
          op === 'show'
            ? await client.show(args[0]!)
            : op === 'retry'
              ? await client.retry(args[0]!)
              : await client.cancel(args[0]!)
        if (op === 'retry' && !flags.detach) return ended(await follow(nc, run.id, out, json), out, json)
        out.stdout.write(json ? `${JSON.stringify(run)}\n` : op === 'show' ? runText(run) : `${runHeadline(run)}\n`)
      },
    },
    argv,
    io,
  )
}

/** Runs `kiln pipeline <run|ls|show|retry|cancel>` with the arguments after `pipeline`. */
export async function pipelineCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'run') return runCommand(rest, io)
  if (sub === 'ls' || sub === 'list') return lsCommand(rest, io)
  if (sub === 'show' || sub === 'retry' || sub === 'cancel') return oneRun(sub, rest, io)
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    io.stdout.write(PIPELINE_HELP)
    return ExitCode.ok
  }
  const problem = sub === undefined ? 'expected a subcommand' : `unknown subcommand ${JSON.stringify(sub)}`
  return reportError(new UsageError(`${problem}: run, ls, show, retry or cancel (see kiln pipeline --help)`), io, {
    command: 'kiln pipeline',
    json: argv.includes('--json'),
  })
}
