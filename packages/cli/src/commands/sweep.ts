// `kiln sweep SPEC [--watch]`, `kiln sweep show ID`, `kiln sweep stop ID`, `kiln sweeps`.
import { resolve } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import type { SweepDetail } from '@kiln/client'
import { isTerminal } from '@kiln/protocol'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { canRedraw, liveFrame } from '../live-frame.js'
import { failuresText, leaderboardLines, rowLine, sweepHeadline, trialCount } from '../sweep-board.js'
import { table } from '../table.js'
import { UsageError } from '../usage-error.js'

const CONN = `  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)\n`
const SWEEP_HELP = `Usage: kiln sweep SPEC [--set KEY=VALUE ...] [--watch] [--json]
       kiln sweep show ID [--json]
       kiln sweep stop ID

Launches a hyperparameter sweep: a job spec with a search: section (see README, Sweeps).
The coordinator proposes trials (grid, random or TPE), schedules them on free slots, stops
poor ones early (ASHA, Hyperband, median, PBT) and, at the end, registers the best trial's
model as a new version with its lineage.

  show ID   the leaderboard: each trial's params, state, rung and metric
  stop ID   no new trials; running ones are cancelled

Options:
  -s, --set KEY=VALUE  override a spec value (repeatable), e.g. --set search.maxTrials=6
  -w, --watch          follow the sweep until it ends (the leaderboard as it changes)
      --json           JSON output
${CONN}`

async function watch(nc: NatsConnection, id: string, io: CliIo, json: boolean): Promise<SweepDetail> {
  const { SweepsClient } = await import('@kiln/client')
  const client = new SweepsClient(nc)
  const frame = !json && canRedraw(io) ? liveFrame(io) : undefined
  let last = ''
  let lastState = ''
  const rows = new Map<string, string>()
  for (;;) {
    const detail = await client.show(id)
    const { sweep } = detail
    const shape = JSON.stringify([sweep.state, sweep.leaderboard.map((r) => [r.state, r.t, r.rung])])
    if (shape !== last) {
      last = shape
      if (json) io.stdout.write(`${JSON.stringify({ event: 'sweep', sweep })}\n`)
      else if (frame) frame.draw([sweepHeadline(sweep), ...leaderboardLines(sweep)])
      else {
        // Piped: only what changed, one line each.
        if (sweep.state !== lastState) io.stdout.write(`${sweepHeadline(sweep)}\n`)
        lastState = sweep.state
        for (const r of sweep.leaderboard) {
          const line = rowLine(sweep, r)
          if (rows.get(r.trialId) !== line) io.stdout.write(`${line}\n`)
          rows.set(r.trialId, line)
        }
      }
    }
    if (isTerminal(sweep.state)) {
      frame?.keep()
      if (!json) io.stdout.write(failuresText(detail))
      return detail
    }
    await new Promise((ok) => setTimeout(ok, 1000))
  }
}

/** `kiln sweep ...`. */
export function sweepCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln sweep',
      help: SWEEP_HELP,
      positionals: [1, 2],
      flags: {
        set: { type: 'string', short: 's', multiple: true },
        watch: { type: 'boolean', short: 'w' },
        json: { type: 'boolean' },
      },
      run: async ({ nc, flags, args, io: out }) => {
        const { SweepsClient } = await import('@kiln/client')
        const client = new SweepsClient(nc)
        const json = flags.json === true
        const [first, second] = args as [string, string | undefined]
        if (first === 'show' || first === 'stop') {
          if (!second) throw new UsageError(`kiln sweep ${first}: expected a sweep id (see kiln sweep --help)`)
          if (first === 'stop') {
            const r = await client.stop(second)
            out.stdout.write(
              json ? `${JSON.stringify(r)}\n` : `stopped ${second}; cancelled ${r.cancelled.length} running trial(s)\n`,
            )
            return ExitCode.ok
          }
          const detail = await client.show(second)
          const { sweep } = detail
          out.stdout.write(
            json
              ? `${JSON.stringify(sweep)}\n`
              : `${[sweepHeadline(sweep), ...leaderboardLines(sweep)].join('\n')}\n${failuresText(detail)}`,
          )
          return ExitCode.ok
        }
        if (second !== undefined)
          throw new UsageError(`kiln sweep: expected one SPEC, got ${args.length} arguments (see kiln sweep --help)`)
        const { prepareSubmission } = await import('../submission.js')
        const prepared = await prepareSubmission(nc, resolve(io.cwd, first), (flags.set as string[] | undefined) ?? [])
        if (!prepared.spec.search)
          throw new UsageError(`${first}: a sweep needs a search: section (to run one job, use kiln submit)`)
        const { sweep, created } = await client.submit(prepared.spec, prepared.options)
        if (!json) for (const note of prepared.notes) out.stdout.write(`${note}\n`)
        out.stdout.write(
          json
            ? `${JSON.stringify({ event: 'submitted', sweep, created })}\n`
            : `${created ? 'launched' : 'already launched'} sweep ${sweep.id} (${sweep.name}): ${sweep.algorithm} search, ${sweep.scheduler} scheduler, ${sweep.maxTrials > 0 ? `up to ${sweep.maxTrials}` : 'every grid point as'} trials\n`,
        )
        if (!flags.watch) return ExitCode.ok
        const final = await watch(nc, sweep.id, out, json)
        return final.sweep.state === 'succeeded' ? ExitCode.ok : ExitCode.failed
      },
    },
    argv,
    io,
  )
}

/** `kiln sweeps`. */
export function sweepsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln sweeps',
      help: `Usage: kiln sweeps [--json]\n\nLists the cluster's sweeps (newest first).\n\n${CONN}`,
      flags: { json: { type: 'boolean' } },
      run: async ({ nc, flags, io: out }) => {
        const { SweepsClient } = await import('@kiln/client')
        const sweeps = await new SweepsClient(nc).list()
        if (flags.json) out.stdout.write(`${JSON.stringify(sweeps)}\n`)
        else {
          out.stdout.write(
            table(
              ['SWEEP', 'NAME', 'STATE', 'TRIALS', 'SEARCH', 'BEST', 'MODEL'],
              sweeps.map((s) => [
                s.id,
                s.name,
                s.state,
                trialCount(s),
                `${s.algorithm}/${s.scheduler}`,
                s.best ? `${s.metric.name} ${s.best.value.toFixed(4)}` : '-',
                s.model ? `${s.model.name}@${s.model.version}` : '-',
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
